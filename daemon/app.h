// App: the whole apicached daemon as one object. Builds its parts in order (store, [hot tier],
// router, server) and tears them down in reverse, so tests can run a complete daemon in-process
// on port 0 and the binary's main stays tiny.
//
// Thread safety: Start(), Stop() and the accessors are for one controlling thread.
#pragma once

#include <memory>
#include <string>

#include "cache/cache_service.h"
#include "evict/evicting_store.h"
#include "hotcache/tiered_store.h"
#include "http/admin_api.h"
#include "http/cache_api.h"
#include "http/router.h"
#include "http/server.h"
#include "http/stats_api.h"
#include "invalid/invalid_registry.h"
#include "invalid/ruc.h"
#include "invalid/ruc_service.h"
#include "memcached/server.h"
#include "metrics/health.h"
#include "metrics/lookup_recorder.h"
#include "metrics/metrics.h"
#include "metrics/stats_book.h"
#include "redis/scripting/script_engine.h"
#include "redis/server.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace apicached {

struct AppOptions {
  StoreOptions store;   // data_dir, limits, TTL defaults
  HotCacheOptions hot;  // the RAM tier in front of the store; capacity 0 turns it off
  // Size bounds (evict/evicting_store.h), in front of the RAM tier, when eviction_enabled. The
  // App fills in free_disk_bytes (statvfs of the data dir).
  bool eviction_enabled = false;
  EvictionOptions eviction;
  // listen address, threads, limits, timeouts. TLS of each front (server.tls, memcached.tcp.tls,
  // redis.tcp.tls): the caller sets the context; Start() counts the handshakes in metrics().
  http::ServerOptions server;
  cache::CacheServiceOptions cache;  // the protocol-neutral cache layer: max TTL
  http::CacheApiOptions cache_api;
  InvalidRegistryOptions invalid;  // invalid-ID lists: TTLs, max_lists
  RucOptions ruc;                  // known RUC prefixes
  StatsBookOptions stats;          // per-day statistics: retention, flush period
  HealthOptions health;            // free-disk threshold; data_dir empty: store.data_dir
  // The /v1/admin routes: backup dir for checkpoints, extra maintenance steps.
  http::AdminOptions admin;
  // Runs before every handler (Router::SetPreCheck), e.g. the bearer-token check of
  // daemon/auth.h; empty: none. What it captures must outlive the App.
  http::PreCheck pre_check;
  // The memcached listener (docs/memcached.md), off unless memcached_enabled. Its threads and
  // timeouts are the HTTP server's (the daemon's options copy them); Start() makes it draw on
  // the HTTP server's connection budget (server.connections, made from max_connections when
  // null), so every front together stays under one cap.
  bool memcached_enabled = false;
  memcached::ServerOptions memcached;
  // Who may use it (daemon/service.cpp: the bearer token); null: anyone. Must outlive the App.
  const memcached::Authenticator* memcached_auth = nullptr;
  // The Redis listener (docs/redis.md), off unless redis_enabled; threads, connection cap and
  // read/write timeouts are the HTTP server's, like memcached's.
  bool redis_enabled = false;
  redis::ServerOptions redis;
  // Its Lua scripting (EVAL, EVALSHA, SCRIPT): time, memory and cache bounds.
  redis::scripting::ScriptEngine::Options redis_scripting;
  // Who may use it (the bearer token); null: anyone. Must outlive the App.
  const redis::Authenticator* redis_auth = nullptr;
};

class App {
 public:
  // The clock must outlive the App.
  explicit App(AppOptions options, const Clock& clock);
  ~App();  // Stop()
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Opens the store, registers the routes and starts listening. On error (store cannot open,
  // address cannot be bound) returns it and leaves nothing running.
  // REQUIRES: not started yet.
  Status Start();

  // Graceful: the server stops (in-flight requests finish within the grace bound), then the
  // store closes. Returns the store's close status. Idempotent.
  Status Stop();

  // The bound port and "HOST:PORT" (IPv6 hosts in brackets); valid after a successful Start().
  uint16_t port() const { return port_; }
  const std::string& listen_address() const { return listen_address_; }
  // The memcached listener's, the same way; 0 and "" when it is off.
  uint16_t memcached_port() const { return memcached_ != nullptr ? memcached_->port() : 0; }
  const std::string& memcached_address() const { return memcached_address_; }
  // The Redis listener's, the same way; 0 and "" when it is off.
  uint16_t redis_port() const { return redis_ != nullptr ? redis_->port() : 0; }
  const std::string& redis_address() const { return redis_address_; }

  // REQUIRES: Start() succeeded. Valid until Stop().
  Store& store() { return *store_; }
  // The cache layer every front calls (lookups counted into metrics() and stats_book()).
  // REQUIRES: Start() succeeded. Valid until Stop().
  cache::CacheService& cache() { return *cache_; }
  // The RAM tier's figures; all zero when the tier is off.
  HotFigures hot_figures() const;
  // The eviction layer; nullptr when eviction is off. Valid until Stop().
  EvictingStore* evicting() { return evicting_; }
  http::Router& router() { return *router_; }
  InvalidRegistry& invalid_registry() { return *invalid_; }
  Metrics& metrics() { return *metrics_; }
  StatsBook& stats_book() { return *stats_; }
  const AppOptions& options() const { return options_; }

 private:
  void StartObservability();
  Status StartScripting();
  void StopObservability();
  // The invalid-ID lists' figures as metrics/ and the status page show them.
  Result<std::vector<InvalidListCounts>> InvalidListCountsNow() const;

  AppOptions options_;
  const Clock& clock_;
  std::unique_ptr<Store> store_;
  TieredStore* tiered_ = nullptr;             // store_ itself when the RAM tier is on
  EvictingStore* evicting_ = nullptr;         // store_ itself when eviction is on
  std::unique_ptr<InvalidRegistry> invalid_;  // on store_
  std::unique_ptr<RucService> ruc_service_;   // on invalid_
  std::unique_ptr<Metrics> metrics_;          // pulls figures from store_, tiered_, invalid_
  std::unique_ptr<StatsBook> stats_;          // on store_
  std::unique_ptr<HealthChecker> health_;     // on store_
  std::unique_ptr<http::MetricsRequestObserver> observer_;
  std::unique_ptr<LookupRecorder> lookups_;     // into metrics_ and stats_
  std::unique_ptr<cache::CacheService> cache_;  // on store_, tells lookups_
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<memcached::Server> memcached_;             // on cache_
  std::unique_ptr<redis::scripting::ScriptEngine> scripts_;  // one for every Redis connection
  std::unique_ptr<redis::Server> redis_;                     // on cache_ and scripts_
  uint16_t port_ = 0;
  std::string listen_address_;
  std::string memcached_address_;
  std::string redis_address_;
  bool running_ = false;
};

}  // namespace apicached
