#include "hotcache/tiered_store.h"

#include <utility>

#include "storage/entry_codec.h"
#include "storage/known_entry.h"

namespace apicached {
namespace {

// Ends the write brackets even if the inner store throws.
class WriteBracket {
 public:
  WriteBracket(HotCache& cache, std::string_view ns, const std::vector<std::string_view>& keys)
      : cache_(cache), ns_(ns), keys_(keys) {
    for (std::string_view key : keys_) cache_.BeginKeyWrite(ns_, key);
  }
  ~WriteBracket() {
    for (std::string_view key : keys_) cache_.EndKeyWrite(ns_, key);
  }
  WriteBracket(const WriteBracket&) = delete;
  WriteBracket& operator=(const WriteBracket&) = delete;

 private:
  HotCache& cache_;
  std::string_view ns_;
  const std::vector<std::string_view>& keys_;
};

class NamespaceBracket {
 public:
  NamespaceBracket(HotCache& cache, std::string_view ns, std::string_view prefix)
      : cache_(cache), ns_(ns) {
    cache_.BeginNamespaceWrite(ns_, prefix);
  }
  ~NamespaceBracket() { cache_.EndNamespaceWrite(ns_); }
  NamespaceBracket(const NamespaceBracket&) = delete;
  NamespaceBracket& operator=(const NamespaceBracket&) = delete;

 private:
  HotCache& cache_;
  std::string_view ns_;
};

}  // namespace

TieredStore::TieredStore(std::unique_ptr<Store> inner, const HotCacheOptions& options)
    : inner_(std::move(inner)), cache_(options, inner_->clock()), warm_(cache_, *inner_) {}

TieredStore::~TieredStore() {
  (void)Close();
}

template <typename Fn>
auto TieredStore::KeysWrite(std::string_view ns, const std::vector<std::string_view>& keys,
                            Fn&& write) {
  if (!Cached(ns)) return write();
  WriteBracket bracket(cache_, ns, keys);
  return write();
}

template <typename Fn>
auto TieredStore::KeyWrite(std::string_view ns, std::string_view key, Fn&& write) {
  return KeysWrite(ns, {key}, std::forward<Fn>(write));
}

template <typename E, typename LookupFn, typename WrapFn>
Result<E> TieredStore::ReadThrough(std::string_view ns, std::string_view key, LookupFn lookup,
                                   WrapFn wrap) {
  if (!closed_.load() && Cached(ns)) {
    if (std::optional<E> hit = lookup(key)) return std::move(*hit);
  }
  if (closed_.load() || !Cached(ns)) {
    Result<Entry> plain = inner_->Get(ns, key);
    if (!plain.ok()) return plain.status();
    return wrap(std::move(*plain));
  }
  const HotCache::FillTicket ticket = cache_.BeginFill(ns, key);
  Result<Entry> result = inner_->Get(ns, key);
  if (!result.ok()) return result.status();
  cache_.Insert(ticket, ns, key, *result);
  return wrap(std::move(*result));
}

template <typename E, typename Keys, typename LookupFn, typename WrapFn>
Result<std::vector<std::optional<E>>> TieredStore::ReadThroughMany(std::string_view ns,
                                                                   const Keys& keys,
                                                                   LookupFn lookup_many,
                                                                   WrapFn wrap) {
  const bool cached = !closed_.load() && Cached(ns);
  std::vector<std::optional<E>> out(keys.size());
  if (cached) lookup_many(out);
  std::vector<size_t> missed;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!out[i].has_value()) missed.push_back(i);
  }
  if (missed.empty()) return out;
  std::vector<std::string> missed_keys;
  std::vector<HotCache::FillTicket> tickets;
  missed_keys.reserve(missed.size());
  if (cached) tickets.reserve(missed.size());
  for (size_t i : missed) {
    if (cached) tickets.push_back(cache_.BeginFill(ns, keys[i]));
    missed_keys.emplace_back(keys[i]);
  }
  auto fetched = inner_->MultiGet(ns, missed_keys);
  if (!fetched.ok()) return fetched.status();
  for (size_t j = 0; j < missed.size(); ++j) {
    std::optional<Entry>& entry = (*fetched)[j];
    if (!entry.has_value()) continue;
    if (cached) cache_.Insert(tickets[j], ns, missed_keys[j], *entry);
    out[missed[j]] = wrap(std::move(*entry));
  }
  return out;
}

namespace {
Entry AsIs(Entry&& e) {
  return std::move(e);
}
}  // namespace

Result<Entry> TieredStore::Get(std::string_view ns, std::string_view key) {
  return ReadThrough<Entry>(
      ns, key, [&](std::string_view k) { return cache_.Lookup(ns, k); }, AsIs);
}

Result<std::vector<std::optional<Entry>>> TieredStore::MultiGet(
    std::string_view ns, const std::vector<std::string>& keys) {
  auto lookup_many = [&](std::vector<std::optional<Entry>>& out) {
    const std::vector<std::string_view> views(keys.begin(), keys.end());
    std::vector<std::optional<SharedEntry>> hits(keys.size());
    cache_.LookupSharedMany(ns, views, hits);
    for (size_t i = 0; i < hits.size(); ++i) {
      if (hits[i]) out[i] = hits[i]->ToEntry();
    }
  };
  return ReadThroughMany<Entry>(ns, keys, lookup_many, AsIs);
}

Result<SharedEntry> TieredStore::GetShared(std::string_view ns, std::string_view key) {
  return ReadThrough<SharedEntry>(
      ns, key, [&](std::string_view k) { return cache_.LookupShared(ns, k); }, SharedEntry::Own);
}

Result<std::vector<std::optional<SharedEntry>>> TieredStore::MultiGetShared(
    std::string_view ns, std::span<const std::string_view> keys) {
  auto lookup_many = [&](std::vector<std::optional<SharedEntry>>& out) {
    cache_.LookupSharedMany(ns, keys, out);
  };
  return ReadThroughMany<SharedEntry>(ns, keys, lookup_many, SharedEntry::Own);
}

namespace {

// HotCache::BeginOwnKeyWrite .. EndOwnKeyWrite, ended even if the inner store throws; the entry
// given to Keep() is cached at the end.
class OwnWriteBracket {
 public:
  OwnWriteBracket(HotCache& cache, std::string_view ns, std::string_view key)
      : cache_(cache), ns_(ns), key_(key), write_(cache.BeginOwnKeyWrite(ns, key)) {}
  ~OwnWriteBracket() { cache_.EndOwnKeyWrite(write_, ns_, key_, written_ ? &*written_ : nullptr); }
  OwnWriteBracket(const OwnWriteBracket&) = delete;
  OwnWriteBracket& operator=(const OwnWriteBracket&) = delete;

  const HotCache::OwnWrite& write() const { return write_; }
  void Keep(Entry written) { written_ = std::move(written); }

 private:
  HotCache& cache_;
  std::string_view ns_;
  std::string_view key_;
  const HotCache::OwnWrite write_;
  std::optional<Entry> written_;
};

// What the RAM tier vouches for while the store holds the key's write lock (known_entry.h): the
// entry cached as the write began, if no other write of its stripe or namespace began or ended
// since, and it is still live at the store's now.
class CachedAtBegin final : public KnownEntrySource {
 public:
  CachedAtBegin(HotCache& cache, const HotCache::OwnWrite& write, std::string_view ns,
                std::string_view key)
      : cache_(cache), write_(write), ns_(ns), key_(key) {}
  std::optional<EntryInfo> Known(int64_t now_ms) const override {
    if (!write_.known) return std::nullopt;
    if (IsExpired(write_.known->expires_ms, now_ms)) return std::nullopt;
    if (!cache_.Alone(write_, ns_, key_)) return std::nullopt;
    return write_.known;
  }

 private:
  HotCache& cache_;
  const HotCache::OwnWrite& write_;
  std::string_view ns_;
  std::string_view key_;
};

}  // namespace

Result<WriteOutcome> TieredStore::Put(std::string_view ns, std::string_view key,
                                      std::string_view value, std::string_view content_type,
                                      std::optional<int64_t> ttl_seconds, uint32_t flags,
                                      bool report_replaced) {
  auto put = [&] {
    return inner_->Put(ns, key, value, content_type, ttl_seconds, flags, report_replaced);
  };
  if (!Cached(ns)) return put();
  // Write-through: the entry written is cached (a read after a write is a RAM hit), and a cached
  // entry answers what the write replaced without a store read (tiered_store.h).
  OwnWriteBracket bracket(cache_, ns, key);
  const CachedAtBegin source(cache_, bracket.write(), ns, key);
  const KnownEntryScope scope(ns, key, source);  // asked only by a Put that reports
  Result<WriteOutcome> outcome = put();
  if (outcome.ok() && !closed_.load()) {
    bracket.Keep(Entry{.value = std::string(value),
                       .content_type = std::string(content_type),
                       .info = static_cast<const EntryInfo&>(*outcome)});
  }
  return outcome;
}

Result<bool> TieredStore::Delete(std::string_view ns, std::string_view key) {
  return KeyWrite(ns, key, [&] { return inner_->Delete(ns, key); });
}

Result<WriteOutcome> TieredStore::Add(std::string_view ns, std::string_view key,
                                      std::string_view value, std::string_view content_type,
                                      std::optional<int64_t> ttl_seconds, uint32_t flags) {
  return KeyWrite(ns, key,
                  [&] { return inner_->Add(ns, key, value, content_type, ttl_seconds, flags); });
}

Result<WriteOutcome> TieredStore::CompareAndSet(std::string_view ns, std::string_view key,
                                                uint64_t expected_version, std::string_view value,
                                                std::string_view content_type,
                                                std::optional<int64_t> ttl_seconds,
                                                uint32_t flags) {
  return KeyWrite(ns, key, [&] {
    return inner_->CompareAndSet(ns, key, expected_version, value, content_type, ttl_seconds,
                                 flags);
  });
}

Result<EntryInfo> TieredStore::Touch(std::string_view ns, std::string_view key,
                                     std::optional<int64_t> ttl_seconds) {
  return KeyWrite(ns, key, [&] { return inner_->Touch(ns, key, ttl_seconds); });
}

Result<int64_t> TieredStore::Incr(std::string_view ns, std::string_view key, int64_t delta,
                                  std::optional<int64_t> ttl_on_create) {
  return KeyWrite(ns, key, [&] { return inner_->Incr(ns, key, delta, ttl_on_create); });
}

Result<std::optional<Entry>> TieredStore::Mutate(std::string_view ns, std::string_view key,
                                                 const MutateFn& fn) {
  return KeyWrite(ns, key, [&] { return inner_->Mutate(ns, key, fn); });
}

namespace {

// HotCache::BeginKeyWrites .. EndKeyWrites, ended even if the inner store throws; the entries
// given to Keep() are cached at the end (all of them, or with only_cached those RAM held).
class BatchBracket {
 public:
  BatchBracket(HotCache& cache, std::vector<HotCache::KeyRef> keys, bool only_cached)
      : cache_(cache),
        keys_(std::move(keys)),
        only_cached_(only_cached),
        ticket_(cache.BeginKeyWrites(keys_)) {}
  ~BatchBracket() { cache_.EndKeyWrites(ticket_, keys_, written_, only_cached_); }
  BatchBracket(const BatchBracket&) = delete;
  BatchBracket& operator=(const BatchBracket&) = delete;

  const HotCache::BatchTicket& ticket() const { return ticket_; }
  const std::vector<HotCache::KeyRef>& keys() const { return keys_; }
  // One entry per key; a null pointer in written: nothing to cache for it (a delete).
  void Keep(std::vector<HotCache::Written> entries, std::vector<const HotCache::Written*> written) {
    entries_ = std::move(entries);
    written_ = std::move(written);
  }

 private:
  HotCache& cache_;
  const std::vector<HotCache::KeyRef> keys_;
  const bool only_cached_;
  const HotCache::BatchTicket ticket_;
  std::vector<HotCache::Written> entries_;
  std::vector<const HotCache::Written*> written_;  // empty: nothing
};

// What the RAM tier vouches for, per key of a batch, while the store holds the key's write lock:
// the entry cached as the key's write began, if no other write of its stripe or namespace began
// or ended since, and it is still live at the store's now (the batch form of CachedAtBegin).
class BatchCachedAtBegin final : public KnownEntriesSource {
 public:
  BatchCachedAtBegin(HotCache& cache, const BatchBracket& bracket)
      : cache_(cache), bracket_(bracket) {}
  std::optional<EntryInfo> Known(std::string_view ns, std::string_view key,
                                 int64_t now_ms) const override {
    const std::vector<HotCache::KeyRef>& keys = bracket_.keys();
    const HotCache::BatchTicket& t = bracket_.ticket();
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i].key != key || keys[i].ns != ns) continue;
      // The key's first write in the batch: a later one of the same key found it erased.
      const std::optional<EntryInfo>& known = t.keys[i].known;
      if (!known) return std::nullopt;
      if (IsExpired(known->expires_ms, now_ms)) return std::nullopt;
      if (!cache_.KnownAlone(t, i)) return std::nullopt;
      return known;
    }
    return std::nullopt;
  }

 private:
  HotCache& cache_;
  const BatchBracket& bracket_;
};

}  // namespace

// Keeps RAM exact without bringing new keys in: an entry of the batch whose key RAM held is
// cached as written (the next read is still a RAM hit), where nothing else wrote its stripe
// meanwhile; the others are only invalidated (HotCache::EndKeyWrites).
Result<std::vector<EntryInfo>> TieredStore::MultiPut(std::string_view ns,
                                                     const std::vector<PutItem>& items) {
  if (!Cached(ns)) return inner_->MultiPut(ns, items);
  std::vector<HotCache::KeyRef> keys;
  keys.reserve(items.size());
  for (const PutItem& item : items) keys.push_back({ns, item.key});
  BatchBracket bracket(cache_, std::move(keys), /*only_cached=*/true);
  Result<std::vector<EntryInfo>> infos = inner_->MultiPut(ns, items);
  if (infos.ok() && !closed_.load() && bracket.ticket().any_cached) {
    std::vector<HotCache::Written> entries;
    entries.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      entries.push_back({items[i].value, items[i].content_type, (*infos)[i]});
    }
    std::vector<const HotCache::Written*> written;
    written.reserve(items.size());
    for (const HotCache::Written& w : entries) written.push_back(&w);
    bracket.Keep(std::move(entries), std::move(written));
  }
  return infos;
}

// Written through as Put is: each key's last put of the batch is cached as written, and an entry
// RAM held answers what the key's first write replaced without a store read.
Result<std::vector<BatchWriteResult>> TieredStore::WriteAtomically(
    const std::vector<BatchWrite>& writes) {
  // Every key's write bracket, whatever its namespace (those not served from RAM need none).
  std::vector<size_t> bracketed;
  std::vector<HotCache::KeyRef> keys;
  for (size_t i = 0; i < writes.size(); ++i) {
    if (!Cached(writes[i].ns)) continue;
    bracketed.push_back(i);
    keys.push_back({writes[i].ns, writes[i].key});
  }
  if (keys.empty()) return inner_->WriteAtomically(writes);
  BatchBracket bracket(cache_, std::move(keys), /*only_cached=*/false);
  const BatchCachedAtBegin source(cache_, bracket);
  Result<std::vector<BatchWriteResult>> results = [&] {
    const KnownEntryScope scope(source);
    return inner_->WriteAtomically(writes);
  }();
  if (results.ok() && !closed_.load()) {
    std::vector<HotCache::Written> entries(bracketed.size());
    std::vector<const HotCache::Written*> written(bracketed.size(), nullptr);
    for (size_t j = 0; j < bracketed.size(); ++j) {
      const BatchWrite& w = writes[bracketed[j]];
      if (w.kind != BatchWrite::Kind::kPut) continue;
      entries[j] = {w.value, w.content_type, (*results)[bracketed[j]].info};
      written[j] = &entries[j];
    }
    bracket.Keep(std::move(entries), std::move(written));
  }
  return results;
}

Result<uint64_t> TieredStore::DeleteMany(std::string_view ns,
                                         const std::vector<std::string>& keys) {
  const std::vector<std::string_view> views(keys.begin(), keys.end());
  return KeysWrite(ns, views, [&] { return inner_->DeleteMany(ns, keys); });
}

Status TieredStore::DeleteManyBlind(std::string_view ns, const std::vector<std::string>& keys) {
  const std::vector<std::string_view> views(keys.begin(), keys.end());
  return KeysWrite(ns, views, [&] { return inner_->DeleteManyBlind(ns, keys); });
}

Result<uint64_t> TieredStore::DeletePrefix(std::string_view ns, std::string_view prefix) {
  if (!Cached(ns) || prefix.empty()) return inner_->DeletePrefix(ns, prefix);
  NamespaceBracket bracket(cache_, ns, prefix);
  return inner_->DeletePrefix(ns, prefix);
}

Status TieredStore::ClearNamespace(std::string_view ns) {
  if (!Cached(ns)) return inner_->ClearNamespace(ns);
  NamespaceBracket bracket(cache_, ns, "");
  return inner_->ClearNamespace(ns);
}

Result<bool> TieredStore::DropNamespace(std::string_view ns) {
  if (!Cached(ns)) return inner_->DropNamespace(ns);
  NamespaceBracket bracket(cache_, ns, "");
  return inner_->DropNamespace(ns);
}

Result<ScanPage> TieredStore::Scan(std::string_view ns, std::string_view prefix,
                                   std::optional<std::string> start_after, size_t limit) {
  return inner_->Scan(ns, prefix, std::move(start_after), limit);
}

Result<std::vector<NamespaceFigures>> TieredStore::ListNamespaces() {
  return inner_->ListNamespaces();
}

Result<NamespaceFigures> TieredStore::GetNamespace(std::string_view ns) {
  return inner_->GetNamespace(ns);
}

Status TieredStore::Close() {
  std::lock_guard lock(close_mu_);
  if (closed_.load()) return inner_->Close();  // already closed: idempotent
  Status saved = warm_.Stop();
  closed_.store(true);
  cache_.Clear();
  Status closed = inner_->Close();
  return closed.ok() ? saved : closed;
}

void TieredStore::StartWarmup() {
  warm_.StartWarmup();
}

Status TieredStore::SaveHotSet() {
  return warm_.SaveHotSet();
}

HotFigures TieredStore::hot_figures() const {
  const HotCacheStats s = cache_.stats();
  HotFigures f;
  f.hits = s.hits;
  f.misses = s.misses;
  f.evictions = s.evictions;
  f.bytes = s.bytes;
  f.entries = s.entries;
  f.capacity_bytes = cache_.capacity_bytes();
  warm_.AddFigures(f);
  return f;
}

}  // namespace apicached
