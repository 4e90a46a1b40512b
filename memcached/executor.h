// Executor: runs the parsed memcached commands (memcached/request.h) on the protocol-neutral
// cache layer (cache/cache_service.h) and writes memcached's replies. It maps each key to its
// namespace with the listener's KeyMapping, converts exptimes to cache::Expiry and the layer's
// Status codes to memcached's words; it counts nothing itself (the layer counts every call
// under Protocol::kMemcached, and `stats` reads those counters back).
//
// Replies are memcached 1.6.18's (docs/memcached.md lists the few differences). Store errors
// have no memcached word, so they become fixed lines that carry no client byte:
// "SERVER_ERROR temporarily unavailable" (Unavailable), "SERVER_ERROR out of memory storing
// object" (ResourceExhausted: the namespace cap), "SERVER_ERROR object too large for cache"
// (TooLarge), "CLIENT_ERROR bad command line format" (InvalidArgument), "SERVER_ERROR internal
// error" (anything else).
//
// Meta leases (mg N/R answering W and Z, md I and ms I marking stale for X) are the cache
// layer's (CacheService::ClaimMetaLease, Invalidate, WriteRequest::invalidate_if_older), shared
// with HTTP's leases (docs/leases.md).
//
// flush_all with a delay is remembered (the latest one wins, as in memcached) and carried out
// by the first command this executor runs once the time has come.
//
// Thread safety: one Executor serves every connection of a listener; Execute may be called from
// any number of threads at once. The CacheService and KeyMapping must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cache/cache_service.h"
#include "cache/key_mapping.h"
#include "memcached/request.h"

namespace apicached::memcached {

// The listener's connection counts, for `stats`.
struct ListenerFigures {
  uint64_t curr_connections = 0;
  uint64_t total_connections = 0;
  uint64_t rejected_connections = 0;
};

// What `stats settings` shows and `stats` partly repeats.
struct ListenerSettings {
  std::string address;
  uint64_t max_connections = 0;
  unsigned threads = 0;
  uint64_t max_item_bytes = 0;
  bool auth_enabled = false;
};

struct ExecutorOptions {
  // The VERSION reply. memcached's number first: clients such as libmemcached parse it.
  std::string version = "1.6.18-apicached";
  ListenerSettings settings;
  // Read at each `stats`; null: zeros.
  std::function<ListenerFigures()> listener_figures;
  // Bound on one retrieval's answer (get/gets/gat/gats with many keys, repeated ones too: one
  // 1 MiB command line can name the same 1 MiB value 300,000 times). Past it the whole answer
  // is memcached's "SERVER_ERROR out of memory writing get response". Keys are looked up in
  // batches of kRetrieveBatchKeys, so what one command holds in memory stays near this bound
  // plus one batch of values.
  uint64_t max_get_response_bytes = 64ull << 20;
};

// A Status of the cache layer in memcached's words (a whole reply line), never with a client
// byte in it.
std::string_view ErrorLine(const Status& status);

class Executor {
 public:
  static constexpr size_t kRetrieveBatchKeys = 64;

  Executor(cache::CacheService& cache, const KeyMapping& mapping, ExecutorOptions options);

  enum class After { kContinue, kClose };

  // Runs one command and appends its reply (nothing for noreply/quiet successes) to out.
  // kClose: close the connection once out is written (quit).
  After Execute(const Request& request, std::string& out);

  // Sets held for the thread's commit (net/commit_combiner.h, docs/memcached.md, "Group
  // commit"): a plain `set` copied out of the input buffer, and where its reply goes.
  struct HeldSet {
    std::string key;
    std::string data;
    uint32_t flags = 0;
    int32_t exptime = 0;  // 0 or relative seconds (CombinableSet)
    bool noreply = false;
    std::string reply;  // set by RunCombined: what Execute would have appended
  };
  // Whether `req` is a `set` that RunCombined may run: mode set, within the item limit, an
  // exptime of 0 or relative seconds. First carries out a flush_all whose time has come, as
  // Execute would have before it.
  bool CombinableSet(const Request& req);
  // Runs held sets of many connections, in the given order, as Execute would one after another
  // but with one store batch per namespace. A batch the store refuses writes nothing, and its
  // sets then run one at a time, each with its own reply.
  void RunCombined(const std::vector<HeldSet*>& sets);

  // Commits the writes that Execute deferred (group commit, net/group_commit.h).
  WriteCommitter& committer() { return cache_; }

  // The listener's port once bound (`stats settings` tcpport); any thread.
  void SetPort(uint16_t port) { port_.store(port, std::memory_order_relaxed); }

 private:
  std::string_view NamespaceOf(std::string_view key) const { return mapping_.NamespaceFor(key); }
  void RunDueFlush();
  void Retrieve(const Request& req, std::string& out);
  void Store(const Request& req, std::string& out);
  void Arithmetic(const Request& req, std::string& out);
  void FlushAll(const Request& req, std::string& out);
  void Stats(const Request& req, std::string& out);
  void MetaGet(const Request& req, std::string& out);
  void MetaSet(const Request& req, std::string& out);
  void MetaDelete(const Request& req, std::string& out);
  void MetaArithmetic(const Request& req, std::string& out);
  void MetaDebug(const Request& req, std::string& out);
  cache::CacheService& cache_;
  const KeyMapping& mapping_;
  const ExecutorOptions options_;
  const int64_t started_ms_;
  std::atomic<int64_t> flush_at_ms_{0};  // 0: no delayed flush_all pending
  std::atomic<uint16_t> port_{0};
};

}  // namespace apicached::memcached
