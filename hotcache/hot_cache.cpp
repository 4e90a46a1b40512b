#include "hotcache/hot_cache.h"

#include <algorithm>
#include <functional>

namespace apicached {
namespace {

// Fill/write conflicts are tracked per stripe of a shard, so that a write to one key does not
// refuse the fills of every other key of its shard.
constexpr size_t kStripes = 64;

// glibc malloc: 16 bytes of header/rounding per block, on average.
constexpr uint64_t kMallocBlockOverhead = 16;

bool IsExpired(const EntryInfo& info, int64_t now_ms) {
  return info.expires_ms != 0 && now_ms >= info.expires_ms;
}

// The namespace, a NUL, then the key. Namespace names never contain a NUL, so this is unambiguous.
// One thread-local buffer: lookups allocate nothing once it has grown.
const std::string& Compose(std::string_view ns, std::string_view key) {
  thread_local std::string buffer;
  buffer.assign(ns);
  buffer.push_back('\0');
  buffer.append(key);
  return buffer;
}

}  // namespace

struct HotCache::NsRecord {
  std::atomic<uint64_t> gen{0};      // entries stamped with an older generation are dead
  std::atomic<uint64_t> seq{0};      // bumped when a namespace write begins and when it ends
  std::atomic<uint32_t> pending{0};  // namespace writes in flight
};

namespace {
struct Link {
  Link* prev = this;
  Link* next = this;
};
}  // namespace

struct HotCache::Node : Link {
  std::string composite;  // ns '\0' key; the hash map's key views it
  size_t ns_len = 0;
  Entry entry;
  NsRecord* ns = nullptr;
  uint64_t ns_gen = 0;
  uint64_t charge = 0;

  std::string_view ns_view() const { return std::string_view(composite).substr(0, ns_len); }
  std::string_view key_view() const { return std::string_view(composite).substr(ns_len + 1); }
};

struct HotCache::Shard {
  std::mutex mu;
  // Everything below is guarded by mu.
  std::unordered_map<std::string_view, std::unique_ptr<Node>> map;
  Link lru;  // lru.next: most recently used; lru.prev: the next to evict
  uint64_t bytes = 0;
  uint64_t capacity = 0;
  std::array<uint64_t, kStripes> stripe_seq{};      // bumped at each key write's begin and end
  std::array<uint32_t, kStripes> stripe_pending{};  // key writes in flight
};

namespace {
void Unlink(Link* l) {
  l->prev->next = l->next;
  l->next->prev = l->prev;
  l->prev = l->next = l;
}
void PushFront(Link* head, Link* l) {
  l->next = head->next;
  l->prev = head;
  head->next->prev = l;
  head->next = l;
}

// One unordered_map node: next pointer, the (key, value) pair, the cached hash.
constexpr uint64_t kMapNodeBytes = sizeof(void*) +
                                   sizeof(std::pair<const std::string_view, std::unique_ptr<int>>) +
                                   sizeof(size_t);
}  // namespace

// The Node, its hash-map node, one bucket pointer (load factor <= 1), and the allocator overhead
// of the five heap blocks an entry may own: node, map node, key, value, content type.
const uint64_t HotCache::kEntryOverhead =
    sizeof(HotCache::Node) + kMapNodeBytes + sizeof(void*) + 5 * kMallocBlockOverhead;

uint64_t HotCache::Charge(std::string_view ns, std::string_view key, const Entry& entry) {
  return ns.size() + 1 + key.size() + entry.value.size() + entry.content_type.size() +
         kEntryOverhead;
}

HotCache::HotCache(const HotCacheOptions& options, const Clock& clock)
    : options_(options), clock_(clock) {
  const uint32_t n = std::max<uint32_t>(1, options_.shards);
  shards_.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->capacity = options_.capacity_bytes / n;
  }
}

HotCache::~HotCache() {
  Clear();
}

size_t HotCache::ShardOf(std::string_view composite, size_t* stripe) const {
  const size_t h = std::hash<std::string_view>{}(composite);
  const size_t n = shards_.size();
  *stripe = (h / n) % kStripes;
  return h % n;
}

HotCache::NsRecord* HotCache::FindNamespace(std::string_view ns, bool create) {
  std::lock_guard lock(ns_mu_);
  auto it = namespaces_.find(std::string(ns));
  if (it != namespaces_.end()) return it->second.get();
  // Once the table is full it stays full, so a namespace without a record never gets one, and
  // readers and writers of it agree that it is not cached.
  if (!create || namespaces_.size() >= kMaxNamespaces) return nullptr;
  return namespaces_.emplace(std::string(ns), std::make_unique<NsRecord>()).first->second.get();
}

void HotCache::EraseNodeLocked(Shard& shard, Node* node) {
  Unlink(node);
  shard.bytes -= node->charge;
  bytes_.fetch_sub(node->charge, std::memory_order_relaxed);
  entries_.fetch_sub(1, std::memory_order_relaxed);
  auto it = shard.map.find(std::string_view(node->composite));
  shard.map.erase(it);  // destroys node
}

void HotCache::EvictLocked(Shard& shard, uint64_t needed) {
  while (shard.bytes + needed > shard.capacity && shard.lru.prev != &shard.lru) {
    EraseNodeLocked(shard, static_cast<Node*>(shard.lru.prev));
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

std::optional<Entry> HotCache::Lookup(std::string_view ns, std::string_view key) {
  const int64_t now_ms = clock_.NowMillis();
  const std::string& composite = Compose(ns, key);
  size_t stripe = 0;
  Shard& shard = *shards_[ShardOf(composite, &stripe)];
  std::lock_guard lock(shard.mu);
  auto it = shard.map.find(std::string_view(composite));
  if (it == shard.map.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  Node* node = it->second.get();
  if (node->ns_gen != node->ns->gen.load() || IsExpired(node->entry.info, now_ms)) {
    EraseNodeLocked(shard, node);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  Unlink(node);
  PushFront(&shard.lru, node);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return node->entry;
}

HotCache::FillTicket HotCache::BeginFill(std::string_view ns, std::string_view key) {
  FillTicket ticket;
  ticket.ns = FindNamespace(ns, /*create=*/true);
  if (ticket.ns == nullptr) return ticket;
  ticket.ns_seq = ticket.ns->seq.load();
  ticket.ns_gen = ticket.ns->gen.load();
  const std::string& composite = Compose(ns, key);
  size_t stripe = 0;
  Shard& shard = *shards_[ShardOf(composite, &stripe)];
  std::lock_guard lock(shard.mu);
  ticket.stripe_seq = shard.stripe_seq[stripe];
  return ticket;
}

bool HotCache::Insert(const FillTicket& ticket, std::string_view ns, std::string_view key,
                      const Entry& entry, bool may_evict) {
  if (ticket.ns == nullptr || entry.value.size() > options_.max_entry_bytes) return false;
  if (IsExpired(entry.info, clock_.NowMillis())) return false;
  const uint64_t charge = Charge(ns, key, entry);
  const std::string& composite = Compose(ns, key);
  size_t stripe = 0;
  Shard& shard = *shards_[ShardOf(composite, &stripe)];
  std::lock_guard lock(shard.mu);
  // A key write or namespace write that began or ended since the ticket, or is still running,
  // may have changed what the store holds after the caller read it.
  if (shard.stripe_seq[stripe] != ticket.stripe_seq || shard.stripe_pending[stripe] != 0) {
    return false;
  }
  // Load pending before seq: EndNamespaceWrite bumps seq before it decrements pending.
  if (ticket.ns->pending.load() != 0 || ticket.ns->seq.load() != ticket.ns_seq) return false;
  if (charge > shard.capacity) return false;

  auto it = shard.map.find(std::string_view(composite));
  Node* existing = it == shard.map.end() ? nullptr : it->second.get();
  const uint64_t freed = existing != nullptr ? existing->charge : 0;
  if (!may_evict && shard.bytes - freed + charge > shard.capacity) return false;
  if (existing != nullptr) EraseNodeLocked(shard, existing);
  EvictLocked(shard, charge);

  auto node = std::make_unique<Node>();
  node->composite = composite;
  node->ns_len = ns.size();
  node->entry = entry;
  node->ns = ticket.ns;
  node->ns_gen = ticket.ns_gen;
  node->charge = charge;
  Node* raw = node.get();
  shard.map.emplace(std::string_view(raw->composite), std::move(node));
  PushFront(&shard.lru, raw);
  shard.bytes += charge;
  bytes_.fetch_add(charge, std::memory_order_relaxed);
  entries_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void HotCache::BeginKeyWrite(std::string_view ns, std::string_view key) {
  const std::string& composite = Compose(ns, key);
  size_t stripe = 0;
  Shard& shard = *shards_[ShardOf(composite, &stripe)];
  std::lock_guard lock(shard.mu);
  ++shard.stripe_pending[stripe];
  ++shard.stripe_seq[stripe];
  auto it = shard.map.find(std::string_view(composite));
  if (it != shard.map.end()) EraseNodeLocked(shard, it->second.get());
}

void HotCache::EndKeyWrite(std::string_view ns, std::string_view key) {
  const std::string& composite = Compose(ns, key);
  size_t stripe = 0;
  Shard& shard = *shards_[ShardOf(composite, &stripe)];
  std::lock_guard lock(shard.mu);
  ++shard.stripe_seq[stripe];
  --shard.stripe_pending[stripe];
}

void HotCache::BeginNamespaceWrite(std::string_view ns, std::string_view prefix) {
  NsRecord* rec = FindNamespace(ns, /*create=*/true);
  if (rec == nullptr) return;  // nothing of ns is or will be cached
  rec->pending.fetch_add(1);
  rec->seq.fetch_add(1);
  if (prefix.empty()) {
    rec->gen.fetch_add(1);  // every entry of ns is dead from here on, in O(1)
    return;
  }
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mu);
    for (Link* l = shard.lru.next; l != &shard.lru;) {
      Node* node = static_cast<Node*>(l);
      l = l->next;
      if (node->ns == rec && node->key_view().starts_with(prefix)) EraseNodeLocked(shard, node);
    }
  }
}

void HotCache::EndNamespaceWrite(std::string_view ns) {
  NsRecord* rec = FindNamespace(ns, /*create=*/true);
  if (rec == nullptr) return;
  rec->seq.fetch_add(1);  // before pending drops to 0; see Insert()
  rec->pending.fetch_sub(1);
}

bool HotCache::Put(std::string_view ns, std::string_view key, const Entry& entry) {
  const FillTicket ticket = BeginFill(ns, key);
  return Insert(ticket, ns, key, entry);
}

void HotCache::Erase(std::string_view ns, std::string_view key) {
  BeginKeyWrite(ns, key);
  EndKeyWrite(ns, key);
}

void HotCache::InvalidateNamespace(std::string_view ns) {
  BeginNamespaceWrite(ns, "");
  EndNamespaceWrite(ns);
}

void HotCache::InvalidatePrefix(std::string_view ns, std::string_view prefix) {
  if (prefix.empty()) return InvalidateNamespace(ns);
  BeginNamespaceWrite(ns, prefix);
  EndNamespaceWrite(ns);
}

void HotCache::Clear() {
  for (auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mu);
    while (shard.lru.next != &shard.lru) {
      EraseNodeLocked(shard, static_cast<Node*>(shard.lru.next));
    }
  }
}

std::vector<std::pair<std::string, std::string>> HotCache::HotKeys(size_t max_keys,
                                                                   size_t max_bytes) const {
  const int64_t now_ms = clock_.NowMillis();
  const size_t n = shards_.size();
  const size_t keys_per_shard = (max_keys + n - 1) / n;
  const size_t bytes_per_shard = max_bytes / n;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mu);
    size_t keys = 0;
    size_t bytes = 0;
    for (const Link* l = shard.lru.next; l != &shard.lru && keys < keys_per_shard; l = l->next) {
      const Node* node = static_cast<const Node*>(l);
      if (node->ns_gen != node->ns->gen.load() || IsExpired(node->entry.info, now_ms)) continue;
      if (bytes + node->composite.size() > bytes_per_shard || out.size() >= max_keys) break;
      bytes += node->composite.size();
      ++keys;
      out.emplace_back(std::string(node->ns_view()), std::string(node->key_view()));
    }
  }
  return out;
}

HotCacheStats HotCache::stats() const {
  return {.hits = hits_.load(std::memory_order_relaxed),
          .misses = misses_.load(std::memory_order_relaxed),
          .evictions = evictions_.load(std::memory_order_relaxed),
          .bytes = bytes_.load(std::memory_order_relaxed),
          .entries = entries_.load(std::memory_order_relaxed)};
}

}  // namespace apicached
