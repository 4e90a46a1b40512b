#include "memcached/executor.h"

#include <algorithm>
#include <vector>

#include "cache/namespace_groups.h"
#include "memcached/composer.h"
#include "memcached/expiry.h"
#include "memcached/meta_expiry.h"
#include "memcached/numbers.h"
#include "memcached/replies.h"

namespace apicached::memcached {
namespace {

using cache::Protocol;
constexpr Protocol kProtocol = Protocol::kMemcached;

}  // namespace

std::string_view ErrorLine(const Status& status) {
  switch (status.code()) {
    case Code::kTooLarge:
      return reply::kTooLarge;
    case Code::kInvalidArgument:
      return reply::kBadFormat;
    case Code::kResourceExhausted:
      return reply::kOutOfMemory;
    case Code::kUnavailable:
      return "SERVER_ERROR temporarily unavailable\r\n";
    default:
      return "SERVER_ERROR internal error\r\n";
  }
}

namespace {

// Appends line unless the command asked for no reply.
void Say(std::string& out, std::string_view line, bool quiet) {
  if (!quiet) out.append(line);
}

MetaItem ToMetaItem(const cache::ItemMeta& meta, int64_t now_ms) {
  MetaItem item;
  item.client_flags = meta.flags;
  item.cas = meta.version;
  item.ttl_seconds = cache::SecondsLeft(meta.expires_ms, now_ms);
  item.size = meta.size;
  return item;
}

cache::WriteMode ToWriteMode(StoreMode mode) {
  switch (mode) {
    case StoreMode::kAdd:
      return cache::WriteMode::kAdd;
    case StoreMode::kReplace:
      return cache::WriteMode::kReplace;
    case StoreMode::kAppend:
      return cache::WriteMode::kAppend;
    case StoreMode::kPrepend:
      return cache::WriteMode::kPrepend;
    case StoreMode::kSet:
    case StoreMode::kCas:
      break;
  }
  return cache::WriteMode::kSet;
}

// The outcome of a storage command in memcached's terms.
enum class Stored { kStored, kNotStored, kExists, kNotFound, kError };

Stored Classify(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return Stored::kStored;
    case Code::kAlreadyExists:
      return Stored::kNotStored;  // add on a live key
    case Code::kPreconditionFailed:
      return Stored::kExists;  // cas: another version
    case Code::kNotFound:
      return Stored::kNotFound;  // cas: no live entry; replace/append/prepend: nothing to change
    default:
      return Stored::kError;
  }
}

}  // namespace

Executor::Executor(cache::CacheService& cache, const KeyMapping& mapping, ExecutorOptions options)
    : cache_(cache),
      mapping_(mapping),
      options_(std::move(options)),
      started_ms_(cache.clock().NowMillis()) {}

void Executor::RunDueFlush() {
  const int64_t at = flush_at_ms_.load(std::memory_order_relaxed);
  if (at == 0 || cache_.clock().NowMillis() < at) return;
  int64_t expected = at;
  if (!flush_at_ms_.compare_exchange_strong(expected, 0)) return;  // another thread runs it
  for (const std::string& ns : mapping_.Namespaces()) (void)cache_.Clear(kProtocol, ns);
}

bool Executor::CombinableSet(const Request& req) {
  if (req.command != Command::kSet || req.mode != StoreMode::kSet || req.too_large ||
      req.exptime < 0 || req.exptime > kMaxRelativeExptime) {
    return false;
  }
  RunDueFlush();
  return true;
}

void Executor::RunCombined(const std::vector<HeldSet*>& sets) {
  std::vector<std::string_view> ns_of(sets.size());
  for (size_t i = 0; i < sets.size(); ++i) ns_of[i] = NamespaceOf(sets[i]->key);
  std::vector<PutItem> items;
  cache::ForEachNamespaceGroup(ns_of, [&](std::string_view ns, const std::vector<size_t>& group) {
    items.clear();
    for (size_t j : group) {
      const HeldSet& set = *sets[j];
      PutItem& item = items.emplace_back();
      item.key = set.key;
      item.value = set.data;
      item.flags = set.flags;
      item.ttl_seconds = set.exptime;  // 0 never expires; else relative (CombinableSet)
    }
    const bool stored = cache_.MultiSet(kProtocol, ns, items).ok();
    for (size_t j : group) {
      HeldSet& set = *sets[j];
      set.reply.clear();
      if (stored) {
        Say(set.reply, reply::kStored, set.noreply);
        continue;
      }
      // Refused as a whole: nothing of it was written. Each set alone, as without a batch.
      Request req;
      req.command = Command::kSet;
      req.mode = StoreMode::kSet;
      req.key = set.key;
      req.data = set.data;
      req.client_flags = set.flags;
      req.exptime = set.exptime;
      req.noreply = set.noreply;
      Store(req, set.reply);
    }
  });
}

Executor::After Executor::Execute(const Request& req, std::string& out) {
  RunDueFlush();
  switch (req.command) {
    case Command::kGet:
    case Command::kGets:
    case Command::kGat:
    case Command::kGats:
      Retrieve(req, out);
      break;
    case Command::kSet:
    case Command::kAdd:
    case Command::kReplace:
    case Command::kAppend:
    case Command::kPrepend:
    case Command::kCas:
      Store(req, out);
      break;
    case Command::kDelete: {
      const Status s = cache_.Delete(kProtocol, NamespaceOf(req.key), req.key);
      if (s.ok()) {
        Say(out, reply::kDeleted, req.noreply);
      } else if (s.code() == Code::kNotFound) {
        Say(out, reply::kNotFound, req.noreply);
      } else {
        Say(out, ErrorLine(s), req.noreply);
      }
      break;
    }
    case Command::kIncr:
    case Command::kDecr:
      Arithmetic(req, out);
      break;
    case Command::kTouch: {
      auto r =
          cache_.Touch(kProtocol, NamespaceOf(req.key), req.key, ExpiryFromExptime(req.exptime));
      if (r.ok()) {
        Say(out, reply::kTouched, req.noreply);
      } else if (r.code() == Code::kNotFound) {
        Say(out, reply::kNotFound, req.noreply);
      } else {
        Say(out, ErrorLine(r.status()), req.noreply);
      }
      break;
    }
    case Command::kFlushAll:
      FlushAll(req, out);
      break;
    case Command::kVersion:
      AppendVersion(out, options_.version);
      break;
    case Command::kVerbosity:
      Say(out, reply::kOk, req.noreply);
      break;
    case Command::kQuit:
      return After::kClose;
    case Command::kStats:
      Stats(req, out);
      break;
    case Command::kMetaGet:
      MetaGet(req, out);
      break;
    case Command::kMetaSet:
      MetaSet(req, out);
      break;
    case Command::kMetaDelete:
      MetaDelete(req, out);
      break;
    case Command::kMetaArithmetic:
      MetaArithmetic(req, out);
      break;
    case Command::kMetaDebug:
      MetaDebug(req, out);
      break;
    case Command::kMetaNoop:
      out.append(reply::kMetaNoop);
      break;
  }
  return After::kContinue;
}

void Executor::Retrieve(const Request& req, std::string& out) {
  const bool with_cas = req.command == Command::kGets || req.command == Command::kGats;
  const size_t mark = out.size();
  auto append = [&](std::string_view key, const auto& item) {
    AppendValue(out, key, item.meta.flags, item.value,
                with_cas ? std::optional<uint64_t>(item.meta.version) : std::nullopt);
  };
  // True (and the answer replaced by the error) once the answer has grown past its bound.
  auto over_bound = [&] {
    if (out.size() - mark <= options_.max_get_response_bytes) return false;
    out.resize(mark);
    out.append(reply::kGetResponseTooLarge);
    return true;
  };
  if (req.command == Command::kGat || req.command == Command::kGats) {
    const cache::Expiry expiry = ExpiryFromExptime(req.exptime);
    for (std::string_view key : req.keys) {
      auto r = cache_.GetAndTouch(kProtocol, NamespaceOf(key), key, expiry);
      if (r.ok()) {
        append(key, *r);
        if (over_bound()) return;
      } else if (r.code() != Code::kNotFound) {
        out.resize(mark);  // as memcached: an error replaces the whole answer
        out.append(ErrorLine(r.status()));
        return;
      }
    }
  } else if (req.keys.size() == 1) {
    // Shared reads: a RAM-tier hit is written from the tier's own bytes, with no copy.
    auto r = cache_.GetShared(kProtocol, NamespaceOf(req.keys[0]), req.keys[0]);
    if (r.ok()) {
      append(req.keys[0], *r);
    } else if (r.code() != Code::kNotFound) {
      out.append(ErrorLine(r.status()));
      return;
    }
  } else {
    // In batches, so that a command naming a large value many times is refused before it has
    // all been read into memory.
    std::vector<cache::KeyRef> refs;
    for (size_t begin = 0; begin < req.keys.size(); begin += kRetrieveBatchKeys) {
      const size_t end = std::min(req.keys.size(), begin + kRetrieveBatchKeys);
      refs.clear();
      for (size_t i = begin; i < end; ++i) refs.push_back({NamespaceOf(req.keys[i]), req.keys[i]});
      auto r = cache_.MultiGetShared(kProtocol, refs);
      if (!r.ok()) {
        out.resize(mark);
        out.append(ErrorLine(r.status()));
        return;
      }
      for (size_t i = 0; i < refs.size(); ++i)
        if ((*r)[i]) append(refs[i].key, *(*r)[i]);
      if (over_bound()) return;
    }
  }
  out.append(reply::kEnd);
}

void Executor::Store(const Request& req, std::string& out) {
  const std::string_view ns = NamespaceOf(req.key);
  if (req.too_large) {
    // memcached drops the current value of a set refused for size.
    if (req.mode == StoreMode::kSet) (void)cache_.Delete(kProtocol, ns, req.key);
    Say(out, reply::kTooLarge, req.noreply);
    return;
  }
  cache::WriteRequest w;
  w.mode = ToWriteMode(req.mode);
  w.data = req.data;
  w.flags = req.client_flags;
  w.expiry = ExpiryFromExptime(req.exptime);
  if (req.mode == StoreMode::kCas) w.expected_version = req.cas_unique;
  auto r = cache_.Write(kProtocol, ns, req.key, w);
  switch (Classify(r.status())) {
    case Stored::kStored:
      Say(out, reply::kStored, req.noreply);
      break;
    case Stored::kNotStored:
      Say(out, reply::kNotStored, req.noreply);
      break;
    case Stored::kExists:
      Say(out, reply::kExists, req.noreply);
      break;
    case Stored::kNotFound:
      // cas answers NOT_FOUND; replace, append and prepend NOT_STORED.
      Say(out, req.mode == StoreMode::kCas ? reply::kNotFound : reply::kNotStored, req.noreply);
      break;
    case Stored::kError:
      Say(out, ErrorLine(r.status()), req.noreply);
      break;
  }
}

void Executor::Arithmetic(const Request& req, std::string& out) {
  cache::ArithRequest a;
  a.delta = req.delta;
  a.decrement = req.command == Command::kDecr;
  auto r = cache_.Arith(kProtocol, NamespaceOf(req.key), req.key, a);
  if (r.ok()) {
    if (!req.noreply) AppendNumberLine(out, r->value);
  } else if (r.code() == Code::kNotFound) {
    Say(out, reply::kNotFound, req.noreply);
  } else if (r.code() == Code::kConflict) {
    Say(out, reply::kNonNumeric, req.noreply);
  } else {
    Say(out, ErrorLine(r.status()), req.noreply);
  }
}

void Executor::FlushAll(const Request& req, std::string& out) {
  if (req.exptime > 0) {
    // A delay counts as an exptime does (relative up to 30 days, else a Unix time).
    const cache::Expiry e = ExpiryFromExptime(req.exptime);
    const int64_t now_ms = cache_.clock().NowMillis();
    const int64_t at_ms =
        e.kind() == cache::Expiry::Kind::kAfter ? now_ms + e.seconds() * 1000 : e.seconds() * 1000;
    if (at_ms > now_ms) {
      flush_at_ms_.store(at_ms);
      Say(out, reply::kOk, req.noreply);
      return;
    }
  }
  flush_at_ms_.store(0);
  for (const std::string& ns : mapping_.Namespaces()) {
    const Status s = cache_.Clear(kProtocol, ns);
    if (!s.ok() && s.code() != Code::kNotFound) {
      Say(out, ErrorLine(s), req.noreply);
      return;
    }
  }
  Say(out, reply::kOk, req.noreply);
}

void Executor::MetaGet(const Request& req, std::string& out) {
  const std::string_view key = req.Key();
  const std::string_view ns = NamespaceOf(key);
  int64_t expires_ms_before = 0;  // before T's touch
  auto fetch = [&] {
    return req.ttl ? cache_.GetAndTouch(kProtocol, ns, key, ExpiryFromExptime(*req.ttl),
                                        &expires_ms_before)
                   : cache_.Get(kProtocol, ns, key);
  };
  auto r = fetch();
  bool created = false;
  if (r.code() == Code::kNotFound && req.vivify_ttl) {
    // N: create the empty item; this client wins the right to fill it. Its expiry is the later
    // of N and T (memcached/meta_expiry.h).
    auto added = cache_.VivifyForMeta(kProtocol, ns, key, ExpiryFromExptime(CreatedExptime(req)));
    if (added.ok()) {
      created = true;
      cache::Item item;
      item.meta = added->meta;
      r = std::move(item);
    } else if (added.code() == Code::kAlreadyExists) {
      r = fetch();
    } else {
      out.append(ErrorLine(added.status()));
      return;
    }
  }
  if (!r.ok()) {
    if (r.code() != Code::kNotFound) {
      out.append(ErrorLine(r.status()));
    } else if (!req.quiet) {
      AppendMetaReply(out, "EN", req, nullptr, "Ok");
    }
    return;
  }
  const int64_t now_ms = cache_.clock().NowMillis();
  // The TTL as it stands at flag position pos: memcached walks the tokens in order.
  auto ttl_at = [&](size_t pos) -> int64_t {
    if (const auto t = TtlBefore(req, pos, created, now_ms)) return *t;
    if (created) return -1;  // memcached creates the item with no expiry, then N sets one
    return cache::SecondsLeft(req.ttl ? expires_ms_before : r->meta.expires_ms, now_ms);
  };
  // memcached's order: Z if a win was already sent, X if stale, then W if this client wins
  // (created by N, under the R threshold, or the first to see a stale item).
  MetaItem item = ToMetaItem(r->meta, now_ms);
  item.ttl_seconds = ttl_at(FlagPosition(req, 't'));
  const std::optional<int64_t> recache_below =
      req.recache_ttl ? RecacheThresholdSeconds(*req.recache_ttl, now_ms) : std::nullopt;
  const int64_t ttl_at_recache = ttl_at(FlagPosition(req, 'R'));
  const bool recache = recache_below && ttl_at_recache >= 0 && ttl_at_recache < *recache_below;
  cache::CacheService::MetaLease lease;
  if (created) {
    lease.won = true;  // VivifyForMeta won the entry it created
  } else {
    lease = cache_.ClaimMetaLease(kProtocol, ns, key, r->meta.version, recache);
  }
  item.win_sent = lease.win_sent;
  item.stale = lease.stale;
  item.won = lease.won;
  AppendMetaReply(out, "HD", req, &item, "stcflhOk",
                  req.return_value ? std::optional<std::string_view>(r->value) : std::nullopt);
}

void Executor::MetaSet(const Request& req, std::string& out) {
  const std::string_view key = req.Key();
  const std::string_view ns = NamespaceOf(key);
  if (req.too_large) {
    (void)cache_.Delete(kProtocol, ns, key);  // memcached drops the current value
    out.append(reply::kTooLarge);
    return;
  }
  cache::WriteRequest w;
  w.mode = ToWriteMode(req.mode);
  w.data = req.data;
  w.flags = req.client_flags;
  w.expiry = ExpiryFromExptime(req.ttl.value_or(0));
  // C: cas for set and replace (the parser made them kCas), a plain check for append/prepend.
  // As memcached's do_store_item, C0 is no check at all: a cas then fails on an existing item
  // (EX) and never stores stale; an append/prepend goes ahead.
  const bool cas_given = req.compare_cas.has_value() && *req.compare_cas != 0;
  if (req.mode == StoreMode::kCas || (cas_given && req.mode != StoreMode::kAdd)) {
    w.expected_version = req.compare_cas;
  }
  // I: a cas older than the item's is accepted and the value stored stale.
  w.invalidate_if_older = req.invalidate && req.mode == StoreMode::kCas && cas_given;
  auto r = cache_.Write(kProtocol, ns, key, w);
  MetaItem item;  // memcached returns c0 when nothing was stored
  if (r.ok()) item.cas = r->meta.version;
  std::string_view code;
  switch (Classify(r.status())) {
    case Stored::kStored:
      if (req.quiet) return;
      code = "HD";
      break;
    case Stored::kNotStored:
      code = "NS";
      break;
    case Stored::kExists:
      code = "EX";
      break;
    case Stored::kNotFound:
      code = req.mode == StoreMode::kCas ? "NF" : "NS";  // as do_store_item: only a cas
      break;
    case Stored::kError:
      out.append(ErrorLine(r.status()));
      return;
  }
  AppendMetaReply(out, code, req, &item, "Okc");
}

void Executor::MetaDelete(const Request& req, std::string& out) {
  const std::string_view key = req.Key();
  const std::string_view ns = NamespaceOf(key);
  // I: keep the item, stale, instead of deleting it.
  const Status s =
      req.invalidate
          ? cache_.Invalidate(kProtocol, ns, key, req.compare_cas,
                              req.ttl ? std::optional(ExpiryFromExptime(*req.ttl)) : std::nullopt)
          : cache_.Delete(kProtocol, ns, key, req.compare_cas);
  std::string_view code;
  switch (s.code()) {
    case Code::kOk:
      if (req.quiet) return;
      code = "HD";
      break;
    case Code::kNotFound:
      code = "NF";
      break;
    case Code::kPreconditionFailed:
      code = "EX";
      break;
    default:
      out.append(ErrorLine(s));
      return;
  }
  AppendMetaReply(out, code, req, nullptr, "Ok");
}

void Executor::MetaArithmetic(const Request& req, std::string& out) {
  const std::string_view key = req.Key();
  cache::ArithRequest a;
  a.delta = req.delta;
  a.decrement = !req.increment;
  // A created item's expiry is the later of N and T (memcached/meta_expiry.h).
  if (req.vivify_ttl) a.create_with = ExpiryFromExptime(CreatedExptime(req));
  a.initial = req.initial;
  // As memcached's do_add_delta: C0 is no check.
  if (req.compare_cas != 0) a.expected_version = req.compare_cas;
  if (req.ttl) a.new_expiry = ExpiryFromExptime(*req.ttl);
  auto r = cache_.Arith(kProtocol, NamespaceOf(key), key, a);
  if (r.ok()) {
    // As memcached: q hides the value too, but not the answer of an item N created.
    if (req.quiet && !r->created) return;
    const int64_t now_ms = cache_.clock().NowMillis();
    MetaItem item = ToMetaItem(r->meta, now_ms);
    if (r->created) {  // t as it stands at its position: none until N or T set one
      item.ttl_seconds =
          TtlBefore(req, FlagPosition(req, 't'), /*created=*/true, now_ms).value_or(-1);
    }
    std::string number;
    AppendDecimal(number, r->value);
    AppendMetaReply(out, "HD", req, &item, "ctOk",
                    req.return_value ? std::optional<std::string_view>(number) : std::nullopt);
    return;
  }
  switch (r.code()) {
    case Code::kNotFound:
      AppendMetaReply(out, "NF", req, nullptr, "Ok");
      break;
    case Code::kPreconditionFailed:
      AppendMetaReply(out, "EX", req, nullptr, "Ok");
      break;
    case Code::kConflict:
      out.append(reply::kNonNumeric);
      break;
    default:
      out.append(ErrorLine(r.status()));
      break;
  }
}

void Executor::MetaDebug(const Request& req, std::string& out) {
  const std::string_view key = req.Key();
  auto r = cache_.Get(kProtocol, NamespaceOf(key), key);
  if (!r.ok()) {
    out.append(r.code() == Code::kNotFound ? reply::kMetaMiss : ErrorLine(r.status()));
    return;
  }
  AppendMetaDebug(out, req, ToMetaItem(r->meta, cache_.clock().NowMillis()));
}

}  // namespace apicached::memcached
