#include "hotcache/hot_cache.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <new>

#include "storage/entry_codec.h"
#include "storage/key_hash.h"

namespace apicached {
namespace {

// Fill/write conflicts are tracked per stripe of a shard, so that a write to one key does not
// refuse the fills of every other key of its shard.
constexpr size_t kStripes = 64;
// Hash buckets of a shard at first; the table doubles when it holds more entries than buckets.
constexpr size_t kInitialBuckets = 64;

// What glibc's malloc takes for a request of n bytes on a 64-bit machine: an 8-byte header,
// rounded up to 16, at least 32.
uint64_t ChunkBytes(uint64_t n) {
  return std::max<uint64_t>(32, (n + 8 + 15) & ~uint64_t{15});
}

uint64_t Mix(uint64_t h) {  // murmur3's finaliser
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

uint64_t HashBytes(uint64_t h, std::string_view s) {
  h ^= s.size() * 0x9e3779b97f4a7c15ULL;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = Mix(h ^ w);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, s.data() + i, s.size() - i);
  return Mix(h ^ tail ^ 0x8000000000000000ULL);
}

struct Link {
  Link* prev = this;
  Link* next = this;
};

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

}  // namespace

struct HotCache::NsRecord {
  std::atomic<uint64_t> gen{0};      // entries stamped with an older generation are dead
  std::atomic<uint64_t> seq{0};      // bumped when a namespace write begins and when it ends
  std::atomic<uint32_t> pending{0};  // namespace writes in flight
};

// One entry: this header, then the namespace, key, value and content type bytes, in one block.
// Everything but the links (guarded by the shard's mutex) is immutable once the node is shared.
struct HotCache::Node final : SharedBlock, Link {
  Node* chain = nullptr;  // next in the hash bucket
  uint64_t hash = 0;
  NsRecord* ns = nullptr;
  uint64_t ns_gen = 0;
  EntryInfo info;
  int64_t bumped_ms = 0;  // when it was last moved to the most recent end
  uint32_t ns_len = 0;
  uint32_t key_len = 0;
  uint32_t value_len = 0;
  uint32_t type_len = 0;

  static Node* Make(uint64_t hash, std::string_view ns, std::string_view key,
                    std::string_view value, std::string_view content_type, const EntryInfo& info) {
    const size_t size = sizeof(Node) + ns.size() + key.size() + value.size() + content_type.size();
    Node* node = new (::operator new(size)) Node();
    node->hash = hash;
    node->info = info;
    node->ns_len = static_cast<uint32_t>(ns.size());
    node->key_len = static_cast<uint32_t>(key.size());
    node->value_len = static_cast<uint32_t>(value.size());
    node->type_len = static_cast<uint32_t>(content_type.size());
    char* p = node->bytes();
    for (std::string_view part : {ns, key, value, content_type}) {
      if (!part.empty()) std::memcpy(p, part.data(), part.size());
      p += part.size();
    }
    return node;
  }

  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  std::string_view ns_view() const { return {bytes(), ns_len}; }
  std::string_view key_view() const { return {bytes() + ns_len, key_len}; }
  std::string_view value_view() const { return {bytes() + ns_len + key_len, value_len}; }
  std::string_view type_view() const { return {bytes() + ns_len + key_len + value_len, type_len}; }
  bool Is(uint64_t h, std::string_view ns, std::string_view key) const {
    return hash == h && ns_view() == ns && key_view() == key;
  }
  uint64_t charge() const {
    return ChunkBytes(sizeof(Node) + ns_len + key_len + value_len + type_len) + sizeof(Node*);
  }
  bool Dead(int64_t now_ms) const {
    return ns_gen != ns->gen.load(std::memory_order_acquire) || IsExpired(info.expires_ms, now_ms);
  }
  SharedEntry Share() const {
    return SharedEntry{.value = value_view(),
                       .content_type = type_view(),
                       .info = info,
                       .owner = BlockRef::Share(this)};
  }

 private:
  void Destroy() const override {
    Node* self = const_cast<Node*>(this);
    self->~Node();
    ::operator delete(self);
  }
};

struct alignas(64) HotCache::Shard {
  std::mutex mu;
  // Everything below is guarded by mu.
  std::vector<Node*> buckets = std::vector<Node*>(kInitialBuckets, nullptr);  // a power of two
  Link lru;  // lru.next: most recently used; lru.prev: the next to evict
  uint64_t bytes = 0;
  uint64_t capacity = 0;
  uint64_t entries = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t evictions = 0;
  std::array<uint64_t, kStripes> stripe_seq{};      // bumped at each key write's begin and end
  std::array<uint32_t, kStripes> stripe_pending{};  // key writes in flight

  // The bucket of a hash (the low bits chose the shard; the next ones choose the bucket).
  Node*& BucketOf(uint64_t hash, size_t shards) {
    return buckets[(hash / shards) & (buckets.size() - 1)];
  }

  Node* Find(uint64_t hash, size_t shards, std::string_view ns, std::string_view key) {
    for (Node* n = BucketOf(hash, shards); n != nullptr; n = n->chain) {
      if (n->Is(hash, ns, key)) return n;
    }
    return nullptr;
  }

  void Chain(Node* node, size_t shards) {
    if (entries >= buckets.size()) Grow(shards);
    Node*& head = BucketOf(node->hash, shards);
    node->chain = head;
    head = node;
  }

  void Unchain(Node* node, size_t shards) {
    Node** at = &BucketOf(node->hash, shards);
    while (*at != node) at = &(*at)->chain;
    *at = node->chain;
    node->chain = nullptr;
  }

  void Grow(size_t shards) {
    std::vector<Node*> old(buckets.size() * 2, nullptr);
    old.swap(buckets);
    for (Node* head : old) {
      while (head != nullptr) {
        Node* next = head->chain;
        Node*& to = BucketOf(head->hash, shards);
        head->chain = to;
        to = head;
        head = next;
      }
    }
  }
};

const uint64_t HotCache::kEntryHeaderBytes = sizeof(HotCache::Node);

uint64_t HotCache::Charge(std::string_view ns, std::string_view key, const Entry& entry) {
  return ChunkBytes(sizeof(Node) + ns.size() + key.size() + entry.value.size() +
                    entry.content_type.size()) +
         sizeof(Node*);
}

HotCache::HotCache(const HotCacheOptions& options, const Clock& clock)
    : options_(options), clock_(clock), seed_(RandomBits64()) {
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

HotCache::Slot HotCache::SlotOf(std::string_view ns, std::string_view key) const {
  const uint64_t h = HashBytes(HashBytes(seed_, ns), key);
  const size_t n = shards_.size();
  // The bucket uses (h / n)'s low bits; the stripe its high ones, so that keys of one stripe
  // spread over the buckets.
  return Slot{.hash = h, .shard = shards_[h % n].get(), .stripe = (h >> 58) % kStripes};
}

HotCache::NsRecord* HotCache::FindNamespace(std::string_view ns, bool create) {
  std::lock_guard lock(ns_mu_);
  auto it = namespaces_.find(ns);
  if (it != namespaces_.end()) return it->second.get();
  // Once the table is full it stays full, so a namespace without a record never gets one, and
  // readers and writers of it agree that it is not cached.
  if (!create || namespaces_.size() >= kMaxNamespaces) return nullptr;
  return namespaces_.emplace(std::string(ns), std::make_unique<NsRecord>()).first->second.get();
}

void HotCache::EraseNodeLocked(Shard& shard, Node* node) {
  Unlink(node);
  shard.Unchain(node, shards_.size());
  shard.bytes -= node->charge();
  --shard.entries;
  node->Unref();  // the table's reference; a reader's keeps the block alive
}

void HotCache::EvictLocked(Shard& shard, uint64_t needed) {
  while (shard.bytes + needed > shard.capacity && shard.lru.prev != &shard.lru) {
    EraseNodeLocked(shard, static_cast<Node*>(shard.lru.prev));
    ++shard.evictions;
  }
}

std::optional<SharedEntry> HotCache::LookupLocked(const Slot& slot, std::string_view ns,
                                                  std::string_view key, int64_t now_ms) {
  Shard& shard = *slot.shard;
  Node* node = shard.Find(slot.hash, shards_.size(), ns, key);
  if (node == nullptr) {
    ++shard.misses;
    return std::nullopt;
  }
  if (node->Dead(now_ms)) {
    EraseNodeLocked(shard, node);
    ++shard.misses;
    return std::nullopt;
  }
  if (now_ms - node->bumped_ms >= int64_t{options_.lru_bump_interval_ms}) {
    Unlink(node);
    PushFront(&shard.lru, node);
    node->bumped_ms = now_ms;
  }
  ++shard.hits;
  return node->Share();
}

std::optional<SharedEntry> HotCache::LookupShared(std::string_view ns, std::string_view key) {
  const int64_t now_ms = clock_.NowMillis();
  const Slot slot = SlotOf(ns, key);
  std::lock_guard lock(slot.shard->mu);
  return LookupLocked(slot, ns, key, now_ms);
}

void HotCache::LookupSharedMany(std::string_view ns, std::span<const std::string_view> keys,
                                std::span<std::optional<SharedEntry>> out) {
  const int64_t now_ms = clock_.NowMillis();
  const size_t n = shards_.size();
  std::vector<Slot> slots(keys.size());
  std::vector<uint32_t> order(keys.size());  // key indexes grouped by shard
  std::vector<uint32_t> first(n + 1, 0);     // a counting sort by shard
  for (size_t i = 0; i < keys.size(); ++i) {
    slots[i] = SlotOf(ns, keys[i]);
    ++first[slots[i].hash % n + 1];
  }
  for (size_t s = 0; s < n; ++s) first[s + 1] += first[s];
  std::vector<uint32_t> next(first.begin(), first.end() - 1);
  for (size_t i = 0; i < keys.size(); ++i)
    order[next[slots[i].hash % n]++] = static_cast<uint32_t>(i);
  for (size_t s = 0; s < n; ++s) {
    if (first[s] == first[s + 1]) continue;
    const std::span<const uint32_t> group(order.data() + first[s], first[s + 1] - first[s]);
    Shard& shard = *shards_[s];
    std::lock_guard lock(shard.mu);
    // Three passes, each starting every key's memory read before any waits on one: the buckets,
    // then the first entry of each chain (its header and the key bytes after it), then the finds.
    for (uint32_t i : group) __builtin_prefetch(&shard.BucketOf(slots[i].hash, n));
    for (uint32_t i : group) {
      if (const Node* head = shard.BucketOf(slots[i].hash, n)) {
        __builtin_prefetch(head);
        __builtin_prefetch(reinterpret_cast<const char*>(head) + 64);
        __builtin_prefetch(reinterpret_cast<const char*>(head) + 128);
      }
    }
    for (uint32_t i : group) out[i] = LookupLocked(slots[i], ns, keys[i], now_ms);
  }
}

std::optional<Entry> HotCache::Lookup(std::string_view ns, std::string_view key) {
  std::optional<SharedEntry> hit = LookupShared(ns, key);
  if (!hit) return std::nullopt;
  return hit->ToEntry();
}

HotCache::FillTicket HotCache::BeginFill(std::string_view ns, std::string_view key) {
  FillTicket ticket;
  ticket.ns = FindNamespace(ns, /*create=*/true);
  if (ticket.ns == nullptr) return ticket;
  ticket.ns_seq = ticket.ns->seq.load();
  ticket.ns_gen = ticket.ns->gen.load();
  const Slot slot = SlotOf(ns, key);
  std::lock_guard lock(slot.shard->mu);
  ticket.stripe_seq = slot.shard->stripe_seq[slot.stripe];
  return ticket;
}

HotCache::Node* HotCache::MakeFill(const FillTicket& ticket, const Slot& slot, std::string_view ns,
                                   std::string_view key, const Entry& entry, int64_t now_ms) {
  return MakeFill(ticket, slot, ns, key, entry.value, entry.content_type, entry.info, now_ms);
}

HotCache::Node* HotCache::MakeFill(const FillTicket& ticket, const Slot& slot, std::string_view ns,
                                   std::string_view key, std::string_view value,
                                   std::string_view content_type, const EntryInfo& info,
                                   int64_t now_ms) {
  if (ticket.ns == nullptr || value.size() > options_.max_entry_bytes) return nullptr;
  if (IsExpired(info.expires_ms, now_ms)) return nullptr;
  const uint64_t charge =
      ChunkBytes(sizeof(Node) + ns.size() + key.size() + value.size() + content_type.size()) +
      sizeof(Node*);
  if (charge > slot.shard->capacity) return nullptr;
  Node* node = Node::Make(slot.hash, ns, key, value, content_type, info);
  node->ns = ticket.ns;
  node->ns_gen = ticket.ns_gen;
  node->bumped_ms = now_ms;
  return node;
}

void HotCache::LinkFillLocked(Shard& shard, Node* node) {
  if (Node* existing = shard.Find(node->hash, shards_.size(), node->ns_view(), node->key_view())) {
    EraseNodeLocked(shard, existing);
  }
  const uint64_t charge = node->charge();
  EvictLocked(shard, charge);
  shard.Chain(node, shards_.size());
  PushFront(&shard.lru, node);
  shard.bytes += charge;
  ++shard.entries;
}

bool HotCache::Insert(const FillTicket& ticket, std::string_view ns, std::string_view key,
                      const Entry& entry, bool may_evict) {
  const Slot slot = SlotOf(ns, key);
  Shard& shard = *slot.shard;
  Node* node = MakeFill(ticket, slot, ns, key, entry, clock_.NowMillis());
  if (node == nullptr) return false;
  const uint64_t charge = node->charge();
  std::unique_lock lock(shard.mu);
  // A key write or namespace write that began or ended since the ticket, or is still running,
  // may have changed what the store holds after the caller read it.
  const bool stale = !UnchangedLocked(shard, slot, ticket, /*own_writes=*/0);
  Node* existing = shard.Find(slot.hash, shards_.size(), ns, key);
  const uint64_t freed = existing != nullptr ? existing->charge() : 0;
  if (stale || (!may_evict && shard.bytes - freed + charge > shard.capacity)) {
    lock.unlock();
    node->Unref();
    return false;
  }
  LinkFillLocked(shard, node);
  return true;
}

HotCache::OwnWrite HotCache::BeginOwnKeyWrite(std::string_view ns, std::string_view key) {
  OwnWrite w;
  w.ticket.ns = FindNamespace(ns, /*create=*/true);
  const int64_t now_ms = clock_.NowMillis();
  const Slot slot = SlotOf(ns, key);
  Shard& shard = *slot.shard;
  std::lock_guard lock(shard.mu);
  bool alone = shard.stripe_pending[slot.stripe] == 0;
  if (w.ticket.ns != nullptr) {
    // Load pending before seq: EndNamespaceWrite bumps seq before it decrements pending.
    alone = alone && w.ticket.ns->pending.load() == 0;
    w.ticket.ns_seq = w.ticket.ns->seq.load();
    w.ticket.ns_gen = w.ticket.ns->gen.load();
  }
  ++shard.stripe_pending[slot.stripe];
  w.ticket.stripe_seq = ++shard.stripe_seq[slot.stripe];
  if (Node* node = shard.Find(slot.hash, shards_.size(), ns, key)) {
    if (alone && !node->Dead(now_ms)) w.known = node->info;
    EraseNodeLocked(shard, node);
  }
  return w;
}

bool HotCache::UnchangedLocked(const Shard& shard, const Slot& slot, const FillTicket& ticket,
                               uint32_t own_writes) {
  if (ticket.ns == nullptr) return false;
  if (shard.stripe_seq[slot.stripe] != ticket.stripe_seq) return false;
  if (shard.stripe_pending[slot.stripe] != own_writes) return false;
  // Load pending before seq: EndNamespaceWrite bumps seq before it decrements pending.
  return ticket.ns->pending.load() == 0 && ticket.ns->seq.load() == ticket.ns_seq;
}

bool HotCache::Alone(const OwnWrite& w, std::string_view ns, std::string_view key) {
  const Slot slot = SlotOf(ns, key);
  std::lock_guard lock(slot.shard->mu);
  return UnchangedLocked(*slot.shard, slot, w.ticket, /*own_writes=*/1);
}

void HotCache::EndOwnKeyWrite(const OwnWrite& w, std::string_view ns, std::string_view key,
                              const Entry* written) {
  const Slot slot = SlotOf(ns, key);
  Shard& shard = *slot.shard;
  Node* node = written == nullptr ? nullptr
                                  : MakeFill(w.ticket, slot, ns, key, *written, clock_.NowMillis());
  std::unique_lock lock(shard.mu);
  if (node != nullptr && UnchangedLocked(shard, slot, w.ticket, /*own_writes=*/1)) {
    LinkFillLocked(shard, node);
    node = nullptr;
  }
  ++shard.stripe_seq[slot.stripe];
  --shard.stripe_pending[slot.stripe];
  lock.unlock();
  if (node != nullptr) node->Unref();
}

void HotCache::BeginKeyWrite(std::string_view ns, std::string_view key) {
  const Slot slot = SlotOf(ns, key);
  Shard& shard = *slot.shard;
  std::lock_guard lock(shard.mu);
  ++shard.stripe_pending[slot.stripe];
  ++shard.stripe_seq[slot.stripe];
  if (Node* node = shard.Find(slot.hash, shards_.size(), ns, key)) EraseNodeLocked(shard, node);
}

void HotCache::EndKeyWrite(std::string_view ns, std::string_view key) {
  const Slot slot = SlotOf(ns, key);
  Shard& shard = *slot.shard;
  std::lock_guard lock(shard.mu);
  ++shard.stripe_seq[slot.stripe];
  --shard.stripe_pending[slot.stripe];
}

HotCache::BatchTicket HotCache::BeginKeyWrites(std::span<const KeyRef> keys) {
  BatchTicket t;
  const int64_t now_ms = clock_.NowMillis();
  // Where each (shard, stripe) of the batch is in t.stripes (-1: not yet).
  std::vector<int32_t> stripe_at(shards_.size() * kStripes, -1);
  std::vector<uint32_t> rank(keys.size());  // the batch's begins on the key's stripe before it
  t.keys.reserve(keys.size());
  NsRecord* last_ns = nullptr;
  std::string_view last_ns_name;
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyRef& ref = keys[i];
    if (last_ns == nullptr || ref.ns != last_ns_name) {
      last_ns = FindNamespace(ref.ns, /*create=*/true);
      last_ns_name = ref.ns;
    }
    BatchTicket::Key k;
    k.ns.ns = last_ns;
    const Slot slot = SlotOf(ref.ns, ref.key);
    k.hash = slot.hash;
    const uint32_t shard_index = static_cast<uint32_t>(slot.hash % shards_.size());
    int32_t& at = stripe_at[shard_index * kStripes + slot.stripe];
    if (at < 0) {
      at = static_cast<int32_t>(t.stripes.size());
      t.stripes.push_back({.shard = shard_index, .stripe = static_cast<uint32_t>(slot.stripe)});
    }
    k.stripe = static_cast<uint32_t>(at);
    BatchTicket::Stripe& stripe = t.stripes[static_cast<size_t>(at)];
    rank[i] = stripe.began;
    {
      Shard& shard = *slot.shard;
      std::lock_guard lock(shard.mu);
      // Alone: the only key writes in flight on the stripe are the batch's own.
      bool alone = shard.stripe_pending[slot.stripe] == stripe.began;
      if (k.ns.ns != nullptr) {
        // Load pending before seq: EndNamespaceWrite bumps seq before it decrements pending.
        alone = alone && k.ns.ns->pending.load() == 0;
        k.ns.ns_seq = k.ns.ns->seq.load();
        k.ns.ns_gen = k.ns.ns->gen.load();
      }
      ++shard.stripe_pending[slot.stripe];
      stripe.note = k.ns.stripe_seq = ++shard.stripe_seq[slot.stripe];
      if (Node* node = shard.Find(slot.hash, shards_.size(), ref.ns, ref.key)) {
        k.cached = !node->Dead(now_ms);
        if (k.cached && alone) k.known = node->info;
        EraseNodeLocked(shard, node);
      }
    }
    ++stripe.began;
    t.any_cached = t.any_cached || k.cached;
    t.keys.push_back(std::move(k));
  }
  // A known entry holds only if nothing but the batch's own begins moved its stripe from its
  // begin to the stripe's note (a write of another caller in between may have changed it).
  for (size_t i = 0; i < keys.size(); ++i) {
    BatchTicket::Key& k = t.keys[i];
    const BatchTicket::Stripe& st = t.stripes[k.stripe];
    if (k.known && st.note - k.ns.stripe_seq != st.began - rank[i] - 1) k.known.reset();
  }
  return t;
}

bool HotCache::KnownAlone(const BatchTicket& t, size_t i) {
  const BatchTicket::Key& k = t.keys[i];
  if (!k.known || k.ns.ns == nullptr) return false;
  const BatchTicket::Stripe& st = t.stripes[k.stripe];
  Shard& shard = *shards_[st.shard];
  std::lock_guard lock(shard.mu);
  return shard.stripe_seq[st.stripe] == st.note && shard.stripe_pending[st.stripe] == st.began &&
         k.ns.ns->pending.load() == 0 && k.ns.ns->seq.load() == k.ns.ns_seq;
}

void HotCache::EndKeyWrites(const BatchTicket& t, std::span<const KeyRef> keys,
                            std::span<const Written* const> written, bool only_cached) {
  // How many of its keys the batch has ended on each stripe (each end moves the stripe's seq
  // once and its pending count down once).
  std::vector<uint32_t> ended(t.stripes.size(), 0);
  const int64_t now_ms = clock_.NowMillis();
  const bool any = !written.empty() && (t.any_cached || !only_cached);
  for (size_t i = 0; i < keys.size(); ++i) {
    const BatchTicket::Key& k = t.keys[i];
    const BatchTicket::Stripe& st = t.stripes[k.stripe];
    Shard& shard = *shards_[st.shard];
    const Slot slot{.hash = k.hash, .shard = &shard, .stripe = st.stripe};
    Node* node = nullptr;
    if (any && written[i] != nullptr) {
      // Only a key's last entry of the batch is cached (with only_cached, when one of its
      // begins found it in RAM: the first erased it, so a later one of the same key finds
      // nothing).
      bool last = true;
      bool cached = k.cached;
      for (size_t j = 0; j < keys.size() && last; ++j) {
        if (j == i || t.keys[j].hash != k.hash || keys[j].key != keys[i].key ||
            keys[j].ns != keys[i].ns) {
          continue;
        }
        if (j > i) last = false;
        cached = cached || t.keys[j].cached;
      }
      if (last && (cached || !only_cached)) {
        FillTicket ticket = k.ns;
        ticket.stripe_seq = st.note;
        node = MakeFill(ticket, slot, keys[i].ns, keys[i].key, written[i]->value,
                        written[i]->content_type, written[i]->info, now_ms);
      }
    }
    uint32_t& done = ended[k.stripe];
    std::unique_lock lock(shard.mu);
    // Every key of one stripe shares the note taken at the batch's last begin there.
    if (node != nullptr && k.ns.ns != nullptr && shard.stripe_seq[st.stripe] == st.note + done &&
        shard.stripe_pending[st.stripe] == st.began - done && k.ns.ns->pending.load() == 0 &&
        k.ns.ns->seq.load() == k.ns.ns_seq) {
      LinkFillLocked(shard, node);
      node = nullptr;
    }
    ++shard.stripe_seq[st.stripe];
    --shard.stripe_pending[st.stripe];
    ++done;
    lock.unlock();
    if (node != nullptr) node->Unref();
  }
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
      if (node->Dead(now_ms)) continue;
      const size_t text = node->ns_len + 1 + node->key_len;  // as recorded: ns '\0' key
      if (bytes + text > bytes_per_shard || out.size() >= max_keys) break;
      bytes += text;
      ++keys;
      out.emplace_back(std::string(node->ns_view()), std::string(node->key_view()));
    }
  }
  return out;
}

HotCacheStats HotCache::stats() const {
  HotCacheStats s;
  for (const auto& shard_ptr : shards_) {
    Shard& shard = *shard_ptr;
    std::lock_guard lock(shard.mu);
    s.hits += shard.hits;
    s.misses += shard.misses;
    s.evictions += shard.evictions;
    s.bytes += shard.bytes;
    s.entries += shard.entries;
  }
  return s;
}

}  // namespace apicached
