// CacheService's batches and namespaces: MultiSet, WriteAtomically, DeleteMany, DeletePrefix,
// Clear, Drop, Scan and the namespace figures.
#include <string>
#include <vector>

#include "cache/cache_service.h"
#include "cache/cache_service_internal.h"
#include "cache/entry_items.h"

namespace apicached::cache {

using internal::Bump;

Result<std::vector<ItemMeta>> CacheService::MultiSet(Protocol p, std::string_view ns,
                                                     const std::vector<PutItem>& items) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].ttl_seconds || items[i].expires_at_ms) continue;
    if (Status s = CheckTtlSeconds(*items[i].ttl_seconds); !s.ok()) {
      return Status(s.code(), "entry '" + items[i].key + "': " + s.message());
    }
  }
  auto r = store_.MultiPut(ns, items);
  if (!r.ok()) return r.status();
  std::vector<ItemMeta> out;
  out.reserve(r->size());
  for (size_t i = 0; i < r->size(); ++i) out.push_back(MetaOf((*r)[i], items[i].value.size()));
  AtomicCounters& c = counters(p);
  Bump(c.cmd_set, out.size());
  Bump(c.total_items, out.size());
  for (const PutItem& item : items) {
    Written(ns, item.key);
    Changed(ns, item.key);
  }
  return out;
}

Result<std::vector<AtomicWriteResult>> CacheService::WriteAtomically(
    Protocol p, const std::vector<AtomicWrite>& writes) {
  std::vector<BatchWrite> batch(writes.size());
  for (size_t i = 0; i < writes.size(); ++i) {
    const AtomicWrite& w = writes[i];
    BatchWrite& b = batch[i];
    Status s = CheckNamespace(w.ns);
    Result<StoreTtl> ttl = StoreTtl{};
    if (s.ok() && !w.remove && !w.expires_at_ms) {
      ttl = Resolve(w.expiry);
      s = ttl.status();
    }
    if (!s.ok()) return Status(s.code(), "write " + std::to_string(i) + ": " + s.message());
    b.ns = w.ns;
    b.key = w.key;
    b.expected_version = w.expected_version;
    if (w.remove || ttl->expired) {
      b.kind = BatchWrite::Kind::kDelete;
      continue;
    }
    b.value = w.data;
    b.content_type = w.content_type;
    b.flags = w.flags;
    b.ttl_seconds = ttl->ttl_seconds;
    b.expires_at_ms = w.expires_at_ms;
  }
  auto r = store_.WriteAtomically(batch);
  if (!r.ok()) return r.status();
  std::vector<AtomicWriteResult> out(writes.size());
  AtomicCounters& c = counters(p);
  for (size_t i = 0; i < writes.size(); ++i) {
    out[i].existed = (*r)[i].existed;
    out[i].in_grace = (*r)[i].in_grace;
    if (batch[i].kind == BatchWrite::Kind::kPut) {
      out[i].meta = MetaOf((*r)[i].info, writes[i].data.size());
      Bump(c.cmd_set);
      Bump(c.total_items);
    } else if (writes[i].remove) {
      Bump(out[i].existed ? c.delete_hits : c.delete_misses);
    } else {  // a put with Expired(): stored and gone at once, as Write does
      Bump(c.cmd_set);
    }
    Written(writes[i].ns, writes[i].key);
    if (!writes[i].remove || writes[i].stored_before || out[i].existed) {
      Changed(writes[i].ns, writes[i].key);
    }
  }
  return out;
}

Result<uint64_t> CacheService::DeleteMany(Protocol p, std::string_view ns,
                                          const std::vector<std::string>& keys) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  auto r = store_.DeleteMany(ns, keys);
  if (!r.ok()) return r;
  AtomicCounters& c = counters(p);
  Bump(c.delete_hits, *r);
  Bump(c.delete_misses, keys.size() - *r);
  return r;
}

Result<uint64_t> CacheService::DeletePrefix(Protocol, std::string_view ns,
                                            std::string_view prefix) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  if (prefix.empty()) return Status::InvalidArgument("prefix must not be empty");
  return store_.DeletePrefix(ns, prefix);
}

Status CacheService::Clear(Protocol p, std::string_view ns) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  Status s = store_.ClearNamespace(ns);
  if (s.ok()) Bump(counters(p).cmd_flush);
  return s;
}

Result<bool> CacheService::Drop(Protocol, std::string_view ns) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return store_.DropNamespace(ns);
}

Result<ScanPage> CacheService::Scan(std::string_view ns, std::string_view prefix,
                                    std::optional<std::string> start_after, size_t limit) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return store_.Scan(ns, prefix, std::move(start_after), limit);
}

Result<std::vector<NamespaceFigures>> CacheService::ListNamespaces() {
  return store_.ListNamespaces();
}

Result<NamespaceFigures> CacheService::GetNamespace(std::string_view ns) {
  if (Status s = CheckNamespace(ns); !s.ok()) return s;
  return store_.GetNamespace(ns);
}

}  // namespace apicached::cache
