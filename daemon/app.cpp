#include "daemon/app.h"

#include "daemon/fd_budget.h"
#include "daemon/log.h"
#include "http/invalid_api.h"
#include "http/status_page.h"

namespace apicached {
namespace {

// "HOST:PORT", IPv6 hosts in brackets.
std::string HostPort(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

}  // namespace

App::App(AppOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {}

App::~App() {
  (void)Stop();
}

Status App::Start() {
  if (running_ || store_ != nullptr) return Status::Internal("App::Start called twice");
  // One connection budget for every front: the memcached and Redis listeners draw on HTTP's.
  if (options_.server.connections == nullptr) {
    options_.server.connections =
        std::make_shared<net::ConnectionBudget>(options_.server.max_connections);
  }
  options_.memcached.tcp.connections = options_.server.connections;
  options_.memcached.tcp.max_connections = options_.server.connections->max();
  options_.redis.tcp.connections = options_.server.connections;
  options_.redis.tcp.max_connections = options_.server.connections->max();
  Result<RucChecker> ruc_checker = RucChecker::Create(options_.ruc);
  if (!ruc_checker.ok()) return ruc_checker.status();
  auto opened = OpenStore(options_.store, clock_);
  if (!opened.ok()) return opened.status();
  store_ = std::move(*opened);
  // The RAM tier wraps the store; everything below sees only the Store interface, so every
  // write (cache routes, invalid-ID records, statistics) keeps the tier consistent.
  if (options_.hot.capacity_bytes > 0) {
    auto tiered = std::make_unique<TieredStore>(std::move(store_), options_.hot);
    tiered_ = tiered.get();
    store_ = std::move(tiered);
    tiered_->StartWarmup();  // returns at once: the store answers while RAM fills
  }
  // Eviction wraps both, so that an evicted key leaves RAM through the tier's own delete path.
  if (options_.eviction_enabled) {
    EvictionOptions eviction = options_.eviction;
    eviction.free_disk_bytes = [dir = options_.store.data_dir] { return FreeDiskBytes(dir); };
    // At debug level: under a steady over-quota churn a check evicts every period.
    eviction.on_check = [](const Result<EvictionReport>& report) {
      if (std::string line = DescribeCheck(report); !line.empty()) LogDebug("eviction: " + line);
    };
    auto evicting = std::make_unique<EvictingStore>(std::move(store_), std::move(eviction));
    evicting_ = evicting.get();
    store_ = std::move(evicting);
    evicting_->Start();  // loads its index in the background; writes go on meanwhile
  }
  auto invalid = InvalidRegistry::Open(*store_, options_.invalid);
  if (!invalid.ok()) {
    (void)store_->Close();
    store_.reset();
    tiered_ = nullptr;
    evicting_ = nullptr;
    return invalid.status();
  }
  invalid_ = std::move(*invalid);
  ruc_service_ = std::make_unique<RucService>(*invalid_, std::move(*ruc_checker));

  StartObservability();
  // TLS handshakes are counted by the metrics layer, not by the fronts.
  auto count_handshakes = [metrics = metrics_.get()](std::string_view protocol) {
    return [metrics, protocol](net::HandshakeResult r) {
      metrics->OnTlsHandshake(protocol, net::HandshakeResultName(r));
    };
  };
  options_.server.tls.on_handshake = count_handshakes("http");
  options_.memcached.tcp.tls.on_handshake = count_handshakes("memcached");
  options_.redis.tcp.tls.on_handshake = count_handshakes("redis");
  router_ = std::make_unique<http::Router>();
  http::AddStatsRoutes(*router_, *metrics_, *stats_, *health_);
  http::AddCacheRoutes(*router_, *cache_, options_.cache_api);
  http::AddInvalidRoutes(*router_, *invalid_, *ruc_service_);
  http::AddStatusPageRoute(*router_, {.health = *health_,
                                      .stats = *stats_,
                                      .metrics = *metrics_,
                                      .clock = clock_,
                                      .namespaces = [this] { return store_->ListNamespaces(); },
                                      .invalid_lists = [this] { return InvalidListCountsNow(); },
                                      .version = APICACHED_VERSION});
  // POST /v1/admin/compact also prunes the daily statistics past their retention (every
  // statistics flush does too), after the steps the options add.
  http::AdminOptions admin = options_.admin;
  admin.extra_maintenance = [stats = stats_.get(), extra = std::move(admin.extra_maintenance)] {
    if (extra) {
      if (Status s = extra(); !s.ok()) return s;
    }
    return stats->Prune();
  };
  http::AddAdminRoutes(*router_, store_->admin(), clock_, std::move(admin));
  if (options_.pre_check) router_->SetPreCheck(options_.pre_check);

  // Group commit: the writes of one I/O-thread turn share one WAL write (docs/storage.md).
  options_.server.committer = cache_.get();
  server_ = std::make_unique<http::Server>(options_.server, *router_, observer_.get());
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    router_.reset();
    StopObservability();
    ruc_service_.reset();
    invalid_.reset();
    (void)store_->Close();
    store_.reset();
    tiered_ = nullptr;
    evicting_ = nullptr;
    return s;
  }
  port_ = server_->port();
  listen_address_ = HostPort(server_->address(), port_);
  running_ = true;
  if (options_.memcached_enabled) {
    memcached_ =
        std::make_unique<memcached::Server>(options_.memcached, *cache_, options_.memcached_auth);
    if (Status s = memcached_->Start(); !s.ok()) {
      (void)Stop();  // takes down what started, in order
      return s;
    }
    memcached_address_ = HostPort(memcached_->address(), memcached_->port());
  }
  if (options_.redis_enabled) {
    options_.redis.apicached_version = APICACHED_VERSION;
    if (Status s = StartScripting(); !s.ok()) {
      (void)Stop();
      return s;
    }
    redis_ = std::make_unique<redis::Server>(options_.redis, *cache_, options_.redis_auth);
    if (Status s = redis_->Start(); !s.ok()) {
      (void)Stop();
      return s;
    }
    redis_address_ = HostPort(redis_->address(), redis_->port());
  }
  return Status::Ok();
}

// One Lua engine for the Redis listener (its script cache is shared by every connection, as in
// Redis); redis.log() lines go to the daemon's log.
Status App::StartScripting() {
  using redis::scripting::ScriptEngine;
  using redis::scripting::ScriptLogLevel;
  ScriptEngine::Options engine_options = options_.redis_scripting;
  engine_options.is_write_command = &redis::IsWriteCommand;  // the front's command table
  try {
    scripts_ = std::make_unique<ScriptEngine>(
        engine_options, clock_, [](ScriptLogLevel level, std::string_view line) {
          const std::string text = "redis script: " + std::string(line);
          if (level == ScriptLogLevel::kWarning) {
            LogWarning(text);
          } else if (level == ScriptLogLevel::kNotice) {
            LogInfo(text);
          } else {
            LogDebug(text);
          }
        });
  } catch (const std::exception& e) {
    return Status::Internal(std::string("redis scripting cannot start: ") + e.what());
  }
  options_.redis.scripts = [engine = scripts_.get()](
                               const redis::Argv& argv,
                               const std::function<redis::Reply(const redis::Argv&)>& call) {
    return engine->Execute(argv, call);
  };
  return Status::Ok();
}

// Metrics (with providers pulling the store's, the RAM tier's and the invalid lists' figures),
// the per-day statistics and the health checker, all on store_.
void App::StartObservability() {
  metrics_ = std::make_unique<Metrics>(clock_);
  MetricsProviders providers;
  providers.namespaces = [this] { return store_->ListNamespaces(); };
  providers.maintenance = [this] { return store_->admin().MaintenanceTotals(); };
  providers.invalid_lists = [this] { return InvalidListCountsNow(); };
  std::function<WarmupFigures()> warmup;
  if (tiered_ != nullptr) {
    providers.hot_cache = [this] {
      const HotFigures hot = tiered_->hot_figures();
      return HotCacheFigures{.hits = hot.hits,
                             .misses = hot.misses,
                             .evictions = hot.evictions,
                             .bytes = hot.bytes,
                             .entries = hot.entries,
                             .capacity_bytes = hot.capacity_bytes};
    };
    warmup = [this] {
      const HotFigures hot = tiered_->hot_figures();
      const char* state = !hot.warmup_done           ? "running"
                          : hot.warmup_error.empty() ? "done"
                                                     : "failed";
      return WarmupFigures{.state = state,
                           .keys_loaded = hot.warmup_keys_loaded,
                           .seconds = hot.warmup_seconds,
                           .error = hot.warmup_error};
    };
    providers.warmup = warmup;
  }
  stats_ = std::make_unique<StatsBook>(*store_, clock_, options_.stats);
  HealthOptions health = options_.health;
  if (health.data_dir.empty()) health.data_dir = options_.store.data_dir;
  if (auto nofile = CurrentNofileLimit(); nofile.ok()) {
    health.limits.nofile_soft = nofile->soft;
    health.limits.nofile_hard = nofile->hard;
  }
  health.limits.max_connections = options_.server.connections->max();
  health.limits.store_max_open_files = options_.store.max_open_files;
  health_ = std::make_unique<HealthChecker>(store_->admin(), clock_, std::move(health));
  if (warmup) health_->SetWarmupProvider(std::move(warmup));
  if (evicting_ != nullptr) {
    health_->SetEvictionProvider([this] { return evicting_->figures().behind; });
  }
  providers.health = [this] { return health_->Check(); };
  if (evicting_ != nullptr) {
    providers.size_bounds = [this] {
      const EvictionFigures f = evicting_->figures();
      return SizeBoundFigures{.max_disk_bytes = f.max_disk_bytes,
                              .min_free_disk_bytes = f.min_free_disk_bytes,
                              .used_bytes = f.used_bytes,
                              .checks = f.checks,
                              .work_seconds = f.work_seconds,
                              .assisted_evictions = f.assisted_evictions,
                              .throttled_writes = f.throttled_writes,
                              .behind = f.behind};
    };
  }
  // cache_ is made below, before any server can take a scrape.
  providers.lease_waiters = [this] { return cache_->waiting(); };
  metrics_->SetProviders(std::move(providers));
  observer_ = std::make_unique<http::MetricsRequestObserver>(*metrics_, *health_);
  lookups_ = std::make_unique<LookupRecorder>(*metrics_, *stats_);
  cache_ = std::make_unique<cache::CacheService>(*store_, clock_, options_.cache, lookups_.get());
}

Result<std::vector<InvalidListCounts>> App::InvalidListCountsNow() const {
  Result<std::vector<InvalidListFigures>> lists = invalid_->Figures();
  if (!lists.ok()) return lists.status();
  std::vector<InvalidListCounts> out;
  for (const InvalidListFigures& list : *lists) {
    out.push_back(
        {.list = list.list,
         .records = list.approx_live_records,
         .lookups_by_result = {{"found", list.lookups_found}, {"missed", list.lookups_missed}}});
  }
  return out;
}

void App::StopObservability() {
  if (stats_ != nullptr) {
    if (Status flushed = stats_->Stop(); !flushed.ok()) {
      LogError("last statistics flush failed: " + flushed.ToString());
    }
  }
  cache_.reset();
  lookups_.reset();
  observer_.reset();
  health_.reset();
  stats_.reset();
  metrics_.reset();
}

HotFigures App::hot_figures() const {
  return tiered_ != nullptr ? tiered_->hot_figures() : HotFigures{};
}

Status App::Stop() {
  if (!running_) return Status::Ok();
  running_ = false;
  if (memcached_ != nullptr) memcached_->Stop();
  if (redis_ != nullptr) redis_->Stop();
  server_->Stop();  // no handler runs after this
  // The fronts go before the cache layer: what they still hold (an HTTP lease waiter parked on
  // a stopped I/O context, a script) deregisters from cache_ when it is destroyed.
  memcached_.reset();
  memcached_address_.clear();
  redis_.reset();
  scripts_.reset();
  redis_address_.clear();
  server_.reset();
  router_.reset();
  StopObservability();  // the last statistics flush, before the store closes
  Status closed = store_->Close();
  ruc_service_.reset();
  invalid_.reset();
  store_.reset();
  tiered_ = nullptr;
  evicting_ = nullptr;
  return closed;
}

}  // namespace apicached
