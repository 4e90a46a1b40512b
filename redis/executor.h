// Executor: runs Redis commands (redis/command.h) for the connections of one listener on the
// protocol-neutral cache layer (cache/cache_service.h). It checks what Redis checks before a
// command runs, in Redis 7.0's order (unknown command, arity, NOAUTH, MULTI queueing), and
// answers with Redis's own error texts; it counts nothing itself (every cache call carries
// Protocol::kRedis and INFO reads the layer's counters back).
//
// Atomicity: each single-key command is atomic through the cache layer (the store's key lock).
// Commands that span keys and must look atomic to other Redis clients -- EXEC (the whole
// transaction), MSET, MSETNX, EVAL/EVALSHA (the whole script) -- take the executor's lock
// exclusively while every other command holds it shared: no Redis command of any connection
// runs while a transaction or a script runs. HTTP and memcached writers do not take this lock.
// EXEC stages the queued commands' writes (redis/staged_writes.h) and applies them as one
// atomic batch, conditioned on the versions it read, so that a crash, a store error or a
// concurrent HTTP/memcached write never leaves half a transaction (transaction.cpp,
// docs/redis.md).
//
// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT run through ExecutorOptions::scripts
// (redis/scripting/); each redis.call()/redis.pcall() comes back through CallFromScript, which
// runs the command under the lock the script already holds and refuses what Redis refuses
// inside a script. With no script runner these commands are unknown commands.
//
// Thread safety: one Executor serves every connection of a listener; Execute may be called from
// any number of threads at once, each with its own ClientState. The CacheService, Databases and
// Authenticator must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cache/cache_service.h"
#include "redis/authenticator.h"
#include "redis/client_state.h"
#include "redis/command.h"
#include "redis/databases.h"
#include "redis/scan_cursors.h"
#include "redis/staged_writes.h"

namespace apicached::redis {

// The listener's connection counts, for INFO.
struct ListenerFigures {
  uint64_t connected_clients = 0;
  uint64_t total_connections = 0;
  uint64_t rejected_connections = 0;
};

// Runs one scripting command (argv[0]: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO or SCRIPT); `call`
// runs one redis.call() and returns its reply.
using ScriptRunner =
    std::function<Reply(const Argv& argv, const std::function<Reply(const Argv&)>& call)>;

struct ExecutorOptions {
  // The Redis version INFO, HELLO and redis-cli see: clients pick features by it.
  std::string redis_version = "7.0.15";
  std::string apicached_version = "dev";
  // What CONFIG GET and INFO show of the listener.
  std::string address;
  uint64_t max_clients = 0;
  unsigned threads = 0;
  uint64_t max_bulk_bytes = 0;  // proto-max-bulk-len
  int64_t idle_timeout_seconds = 0;
  std::function<ListenerFigures()> listener_figures;  // read at INFO; null: zeros
  ScriptRunner scripts;                               // null: scripting commands are unknown
  size_t max_scan_cursors = 65536;
};

class Executor {
 public:
  // auth may be null (no authentication).
  Executor(cache::CacheService& cache, const Databases& databases, const Authenticator* auth,
           ExecutorOptions options);

  // A new connection's state: a fresh id, database 0, authenticated unless a token is required.
  ClientState NewClient();

  // Runs one command of one connection and returns its reply. client.close_after_reply is set
  // when the connection must close once the reply is written (QUIT).
  Reply Execute(ClientState& client, const Argv& argv);

  // Pipelined SETs (docs/redis.md, "Pipelines"): whether `argv` is a plain `SET key value`, or
  // one with a single EX, PX, EXAT or PXAT (a valid deadline still ahead), that the connection
  // may run in a batch with its neighbours (authenticated, no MULTI open).
  bool BatchableSet(const ClientState& client, const Argv& argv) const;
  // Runs consecutive SETs of one connection (each passed BatchableSet) with the effect and
  // the replies of running them one after another, but with one store batch per namespace: one
  // RocksDB write instead of one per SET. A batch the store refuses (a value over the item
  // limit, a store error) writes nothing, and its SETs then run one at a time, each with its
  // own reply. Appends one reply per SET to `replies`.
  void ExecuteSets(ClientState& client, const std::vector<Argv>& sets, size_t count,
                   std::vector<Reply>& replies);
  // One SET of RunCombined: a connection's state, its SET and where its reply goes.
  struct HeldSet {
    ClientState* client;
    const Argv* argv;
    Reply* reply;
  };
  // ExecuteSets for the SETs of many connections (redis/set_combiner.h), in the given order:
  // one store batch per namespace, each SET with its own connection's database.
  void RunCombined(const std::vector<HeldSet>& sets);

  // A command from a script's redis.call(), with Redis's refusals for scripts (the engine
  // refuses writes from read-only scripts itself, through redis::IsWriteCommand). REQUIRES: the
  // calling script runs under this executor (it holds the exclusive lock).
  Reply CallFromScript(ClientState& client, const Argv& argv);

  // EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT ... through the script runner. The script sees
  // a copy of the connection's state (a SELECT inside it does not outlive it, as in Redis 7).
  Reply RunScript(ClientState& client, const Argv& argv);

  // Runs a command EXEC dequeued (the caller holds the exclusive lock), its writes staged in
  // `staged` (null: applied at once). REQUIRES: staged is null when RunsUnstaged(argv).
  Reply RunQueued(ClientState& client, const Argv& argv, StagedWrites* staged);

  // True for a command that must run on what the store holds, not on a transaction's staged
  // writes (kUnstaged: KEYS, SCAN, DBSIZE, FLUSHDB, FLUSHALL, INFO, scripts).
  bool RunsUnstaged(const Argv& argv) const;

  // For the commands.
  cache::CacheService& cache() { return cache_; }
  const Databases& databases() const { return databases_; }
  const ExecutorOptions& options() const { return options_; }
  const Authenticator* auth() const { return auth_; }
  ScanCursors& cursors() { return cursors_; }
  int64_t started_ms() const { return started_ms_; }
  uint64_t commands_processed() const { return commands_.load(std::memory_order_relaxed); }
  void SetPort(uint16_t port) { port_.store(port, std::memory_order_relaxed); }
  uint16_t port() const { return port_.load(std::memory_order_relaxed); }

 private:
  // Lookup and arity check; an error Reply when refused.
  const CommandSpec* Resolve(const Argv& argv, Reply& error) const;
  Reply Run(const CommandSpec& spec, ClientState& client, const Argv& argv, bool in_script,
            StagedWrites* staged = nullptr);

  cache::CacheService& cache_;
  const Databases& databases_;
  const Authenticator* auth_;
  const ExecutorOptions options_;
  const int64_t started_ms_;
  ScanCursors cursors_;
  std::shared_mutex lock_;  // shared: one command; exclusive: EXEC, MSET(NX), scripts
  std::atomic<uint64_t> next_client_id_{1};
  std::atomic<uint64_t> commands_{0};
  std::atomic<uint16_t> port_{0};
};

}  // namespace apicached::redis
