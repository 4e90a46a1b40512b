#include "daemon/options.h"

#include <algorithm>
#include <boost/algorithm/string/split.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <sstream>

#include "cache/cache_service.h"
#include "invalid/invalid_registry.h"
#include "redis/databases.h"

namespace apicached {

namespace po = boost::program_options;

Status ParseListen(const std::string& text, std::string& host, uint16_t& port) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--listen '" + text + "': " + why +
                                   " (expected HOST:PORT, e.g. 127.0.0.1:7431 or [::1]:7431)");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  std::string h = text.substr(0, colon);
  const std::string p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h == "localhost") h = "127.0.0.1";
  boost::system::error_code ec;
  boost::asio::ip::make_address(h, ec);
  if (ec) return bad("host must be a numeric IPv4 or IPv6 address");
  unsigned v = 0;
  auto [ptr, err] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || err != std::errc() || ptr != p.data() + p.size() || v > 65535) {
    return bad("port must be 0 to 65535");
  }
  host = h;
  port = static_cast<uint16_t>(v);
  return Status::Ok();
}

namespace {

// Boolean options: "--name" alone means true; "--name=false" and "name = false" in the file too.
po::typed_value<bool>* BoolValue(bool* into) {
  return po::value(into)
      ->default_value(*into, *into ? "true" : "false")
      ->implicit_value(true, "true");
}

std::string Join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : std::string(1, sep)) + p;
  return out;
}

}  // namespace

Result<CommandLine> ParseCommandLine(int argc, const char* const argv[],
                                     const std::string& default_config) {
  CommandLine out;
  AppOptions& app = out.app;
  ServiceOptions& service = out.service;
  const StoreOptions store_defaults;
  const http::ServerOptions server_defaults;
  const http::CacheApiOptions api_defaults;
  const HotCacheOptions hot_defaults;

  std::string listen = "127.0.0.1:7431";
  std::string memcached_listen;  // "": no memcached listener
  std::string memcached_namespace = app.memcached.mapping.default_namespace;
  std::string memcached_key_namespaces;
  int64_t memcached_max_get = static_cast<int64_t>(app.memcached.max_get_response_bytes);
  std::string redis_listen;  // "": no Redis listener
  std::string redis_databases = redis::FormatDatabases(app.redis.databases.namespaces);
  std::string redis_key_namespaces;
  int64_t redis_max_bulk = static_cast<int64_t>(app.redis.session.parser.max_bulk_bytes);
  int64_t redis_batch_sets = static_cast<int64_t>(app.redis.session.max_batched_sets);
  // The daemon's sessions are net::BufferedSession's, which stage held writes.
  app.memcached.session.combine_sets = true;
  app.redis.session.combine_sets = true;
  double redis_idle_timeout = 0;
  int64_t redis_lua_time_limit = app.redis_scripting.time_limit.count();
  int64_t redis_lua_memory = static_cast<int64_t>(app.redis_scripting.memory_limit_bytes);
  std::string data_dir = "./apicached-data";
  // Integers are read as int64_t and range-checked here: program_options would wrap "-1" into
  // a huge unsigned value.
  int64_t io_threads = 0;
  int64_t write_threads = app.server.write_threads;
  int64_t max_connections = 0;
  int64_t max_open_files = 0;
  int64_t fd_reserve = static_cast<int64_t>(service.fd_budget.reserve);
  int64_t max_value = static_cast<int64_t>(store_defaults.max_value_bytes);
  int64_t max_key = store_defaults.max_key_bytes;
  int64_t max_body = 0;
  int64_t max_namespaces = store_defaults.max_namespaces;
  int64_t max_batch = static_cast<int64_t>(api_defaults.max_batch_keys);
  int64_t header_limit = static_cast<int64_t>(server_defaults.header_limit_bytes);
  int64_t max_uri = static_cast<int64_t>(server_defaults.max_uri_bytes);
  int64_t block_cache = static_cast<int64_t>(store_defaults.block_cache_bytes);
  int64_t memtable = static_cast<int64_t>(store_defaults.write_buffer_bytes);
  int64_t hot_bytes = static_cast<int64_t>(hot_defaults.capacity_bytes);
  int64_t hot_entry = static_cast<int64_t>(hot_defaults.max_entry_bytes);
  int64_t hot_set_period = hot_defaults.hot_set_period_seconds;
  int64_t hot_set_keys = hot_defaults.hot_set_max_keys;
  double read_timeout = 10, idle_timeout = 60, write_timeout = 10, shutdown_grace = 5;
  int64_t maintenance_period = store_defaults.maintenance_period_seconds;
  int64_t stats_retention = app.stats.retention_days;
  int64_t stats_flush = app.stats.flush_period_seconds;
  int64_t min_free_disk = static_cast<int64_t>(app.health.min_free_disk_bytes);
  int64_t max_disk = 0;
  std::string log_level(LogLevelName(service.log_level));
  int64_t invalid_default_ttl = app.invalid.default_ttl_seconds;
  std::string ruc_prefixes = Join(app.ruc.prefixes, ',');
  std::string tls_auth_clients(net::ClientAuthName(service.tls.auth_clients));
  double tls_handshake_timeout = 10;

  po::options_description desc(
      "Usage: apicached [options]\n"
      "A persistent local cache for API answers, over HTTP/JSON (see docs/API.md).\n\nOptions",
      /*line_length=*/100, /*min_description_length=*/50);
  // clang-format off
  desc.add_options()
    ("help,h", "print this help and exit")
    ("config", po::value<std::string>(),
     ("configuration file of \"name = value\" lines, read after the command line (flags win); "
      "default: " + default_config + " when it exists; '' reads none").c_str())
    ("listen", po::value(&listen)->default_value(listen),
     "HOST:PORT to listen on (numeric address; port 0 picks a free port)")
    ("memcached-listen", po::value(&memcached_listen)->default_value(memcached_listen),
     "HOST:PORT of the memcached protocol listener (docs/memcached.md); empty = none")
    ("memcached-namespace", po::value(&memcached_namespace)->default_value(memcached_namespace),
     "namespace of memcached keys that name no --memcached-key-namespaces namespace")
    ("memcached-key-namespaces",
     po::value(&memcached_key_namespaces)->default_value(memcached_key_namespaces),
     "comma-separated namespaces a memcached key selects with its first field ('migo:...', "
     "also after Django's ':1:' prefix)")
    ("memcached-max-get-bytes", po::value(&memcached_max_get)->default_value(memcached_max_get),
     "largest answer of one get/gets/gat/gats; past it memcached's 'SERVER_ERROR out of memory "
     "writing get response'")
    ("memcached-combine-sets", BoolValue(&app.memcached.session.combine_sets),
     "a plain set that ends what a read of a connection brought waits for its I/O thread's group "
     "commit, where those of every connection are written as one batch")
    ("redis-listen", po::value(&redis_listen)->default_value(redis_listen),
     "HOST:PORT of the Redis protocol listener (docs/redis.md); empty = none")
    ("redis-databases", po::value(&redis_databases)->default_value(redis_databases),
     "Redis database numbers and their namespaces, e.g. 0=default,1=migo; SELECT of another "
     "number is refused")
    ("redis-key-namespaces",
     po::value(&redis_key_namespaces)->default_value(redis_key_namespaces),
     "comma-separated namespaces a Redis key selects with its first field ('migo:...', also "
     "after Django's ':1:' prefix)")
    ("redis-max-bulk-bytes", po::value(&redis_max_bulk)->default_value(redis_max_bulk),
     "largest Redis bulk string (Redis's proto-max-bulk-len); values are still held to "
     "max-value-bytes")
    ("redis-batch-sets", po::value(&redis_batch_sets)->default_value(redis_batch_sets),
     "consecutive plain SETs of one pipeline written to the store as one batch; 1 = each alone")
    ("redis-combine-sets", BoolValue(&app.redis.session.combine_sets),
     "the SETs that end the pipelines of an I/O thread's connections in one event-loop turn are "
     "written as one batch at its group commit (needs redis-batch-sets above 1)")
    ("redis-idle-timeout", po::value(&redis_idle_timeout)->default_value(redis_idle_timeout),
     "seconds a Redis connection may stay idle; 0 = forever (Redis's timeout 0)")
    ("redis-lua-time-limit", po::value(&redis_lua_time_limit)->default_value(redis_lua_time_limit),
     "milliseconds a Redis Lua script (EVAL) may run; a longer one is aborted with an error "
     "(Redis's lua-time-limit; docs/redis-scripting.md)")
    ("redis-lua-memory-bytes", po::value(&redis_lua_memory)->default_value(redis_lua_memory),
     "bytes of Lua memory for Redis scripts (cached scripts plus the running one's data); a "
     "script needing more is aborted with an error")
    ("data-dir", po::value(&data_dir)->default_value(data_dir),
     "directory of the database (created if missing, mode 0700)")
    ("io-threads", po::value(&io_threads)->default_value(io_threads),
     "HTTP I/O threads; 0 = number of cores")
    ("write-threads", po::value(&write_threads)->default_value(write_threads),
     "threads that run the HTTP writes that may wait for the store (the first write of a "
     "namespace, dropping one, administration, writes while disk space is low) off the I/O "
     "threads, so they never hold up reads; 0 = on the I/O threads")
    ("max-connections", po::value(&max_connections)->default_value(max_connections),
     "open client connections; further ones get 503 and are closed; 0 = derived from the "
     "file-descriptor limit (what the store and fd-reserve leave, at most 16384)")
    ("max-open-files", po::value(&max_open_files)->default_value(max_open_files),
     "RocksDB table files kept open at once; 0 = a quarter of the file-descriptor limit "
     "(64 to 8192)")
    ("fd-reserve", po::value(&fd_reserve)->default_value(fd_reserve),
     "file descriptors kept for the process itself (sockets, epoll, logs), outside the "
     "connections' and the store's shares")
    ("max-value-bytes", po::value(&max_value)->default_value(max_value),
     "largest value (PUT body); larger -> 413")
    ("max-key-bytes", po::value(&max_key)->default_value(max_key),
     "longest key in bytes")
    ("max-body-bytes", po::value(&max_body)->default_value(max_body),
     "largest request body; 0 = 2 x max-value-bytes + 64 KiB (room for base64 in _mset)")
    ("max-namespaces", po::value(&max_namespaces)->default_value(max_namespaces),
     "user namespaces; a write creating one more -> 507")
    ("default-ttl", po::value(&app.store.ttl.default_ttl_seconds)
         ->default_value(store_defaults.ttl.default_ttl_seconds),
     "TTL in seconds of writes that give none; 0 = never expire")
    ("block-cache-bytes", po::value(&block_cache)->default_value(block_cache),
     "RocksDB's block cache (decompressed blocks, indexes, filters), shared by all namespaces")
    ("memtable-bytes", po::value(&memtable)->default_value(memtable),
     "RocksDB's memtables (recent writes in RAM), over all namespaces")
    ("hot-cache-bytes", po::value(&hot_bytes)->default_value(hot_bytes),
     "RAM for the hot-entry LRU in front of RocksDB; 0 turns it off")
    ("hot-max-entry-bytes", po::value(&hot_entry)->default_value(hot_entry),
     "values larger than this are never kept in RAM")
    ("hot-set-period", po::value(&hot_set_period)->default_value(hot_set_period),
     "seconds between records of the hot keys (warm restart); 0 = only at a clean stop")
    ("hot-set-max-keys", po::value(&hot_set_keys)->default_value(hot_set_keys),
     "most keys recorded for the warm restart")
    ("ns-ttl", po::value<std::vector<std::string>>()->composing(),
     "NAMESPACE=SECONDS: default TTL of one namespace; repeat for more (e.g. ratelimit=60)")
    ("sync-writes", BoolValue(&app.store.sync_writes),
     "fsync the write-ahead log on every write (power-loss safe, slower)")
    ("rocksdb-info-log", BoolValue(&app.store.engine_info_log),
     "also log RocksDB's INFO lines (flushes, compactions) to stderr; warnings always are")
    ("maintenance-period", po::value(&maintenance_period)->default_value(maintenance_period),
     "seconds between maintenance runs (compaction of files with many expired entries); "
     "0 = only on POST /v1/admin/compact")
    ("stats-retention-days", po::value(&stats_retention)->default_value(stats_retention),
     "days of hit/miss statistics kept (GET /v1/stats?date=), today included")
    ("stats-flush-period", po::value(&stats_flush)->default_value(stats_flush),
     "seconds between writes of the statistics to the store (a crash loses at most this much); "
     "0 = only at a clean stop")
    ("min-free-disk-bytes", po::value(&min_free_disk)->default_value(min_free_disk),
     "free space on the data dir's file system below which /v1/health says degraded, and "
     "which eviction keeps free when it is on")
    ("eviction", BoolValue(&app.eviction_enabled),
     "evict entries (expired first, then the least read: docs/storage.md) to stay within "
     "--max-disk-bytes, --ns-quota and --min-free-disk-bytes; on when either of the first two "
     "is given")
    ("max-disk-bytes", po::value(&max_disk)->default_value(max_disk),
     "bytes all namespaces together may take on disk (SST files; docs/storage.md has the "
     "slack); 0 = no limit")
    ("ns-quota", po::value<std::vector<std::string>>()->composing(),
     "NAMESPACE=BYTES: the most one namespace may take on disk; repeat for more (e.g. "
     "sessions=1073741824); reloaded on SIGHUP")
    ("backup-dir", po::value(&service.backup_dir)->default_value(service.backup_dir),
     "directory for POST /v1/admin/checkpoint; empty = checkpoints refused")
    ("invalid-default-ttl", po::value(&invalid_default_ttl)->default_value(invalid_default_ttl),
     "TTL in seconds of invalid-ID records of lists without invalid-ttl; 0 = never expire")
    ("invalid-ttl", po::value<std::vector<std::string>>()->composing(),
     "LIST=SECONDS: TTL of one invalid-ID list's records; repeat for more (default ruc=604800)")
    ("ruc-prefixes", po::value(&ruc_prefixes)->default_value(ruc_prefixes),
     "comma-separated two-digit prefixes a well-formed RUC may start with")
    ("auth-token-file", po::value(&service.auth_token_file)->default_value(""),
     "file whose first line is the bearer token required on every route but /v1/health and "
     "/metrics; empty = the systemd credential auth-token if any, else no token")
    ("allow-insecure-remote", BoolValue(&service.allow_insecure_remote),
     "allow a non-loopback listener with neither TLS nor a token")
    ("http-tls", BoolValue(&service.http_tls), "TLS on the HTTP listener (--listen)")
    ("memcached-tls", BoolValue(&service.memcached_tls),
     "TLS on the memcached listener (memcached's -Z)")
    ("redis-tls", BoolValue(&service.redis_tls), "TLS on the Redis listener")
    ("tls-cert-file", po::value(&service.tls.cert_file)->default_value(""),
     "PEM certificate chain (leaf first) of the TLS listeners; re-read on SIGHUP")
    ("tls-key-file", po::value(&service.tls.key_file)->default_value(""),
     "PEM private key of tls-cert-file; re-read on SIGHUP")
    ("tls-ca-cert-file", po::value(&service.tls.ca_cert_file)->default_value(""),
     "PEM CA certificate(s) client certificates are verified against")
    ("tls-auth-clients", po::value(&tls_auth_clients)->default_value(tls_auth_clients),
     "client certificates: no, yes (required: mutual TLS) or optional (verified if sent)")
    ("tls-handshake-timeout", po::value(&tls_handshake_timeout)->default_value(tls_handshake_timeout),
     "seconds a TLS handshake may take before the connection is closed")
    ("log-level", po::value(&log_level)->default_value(log_level),
     "error, warning, info or debug")
    ("watchdog", BoolValue(&service.watchdog),
     "send WATCHDOG=1 when systemd asks for it (WatchdogSec=)")
    ("test-clock-offset", po::value(&service.clock_offset_seconds)->default_value(0),
     "seconds added to the wall clock the daemon reads for TTLs and expiry (tests of expiry "
     "against the binary; never in production)")
    ("max-batch-keys", po::value(&max_batch)->default_value(max_batch),
     "keys or entries in one _mget/_mset/_mdelete")
    ("http-combine-puts", BoolValue(&app.cache_api.combine_puts),
     "a plain PUT waits for its I/O thread's group commit, where those of every connection are "
     "written as one batch (off: measured level with writing each alone; docs/API.md)")
    ("header-limit-bytes", po::value(&header_limit)->default_value(header_limit),
     "request header fields; larger -> 431")
    ("max-uri-bytes", po::value(&max_uri)->default_value(max_uri),
     "request target; longer -> 414")
    ("read-timeout", po::value(&read_timeout)->default_value(read_timeout),
     "seconds to receive one whole request (slow clients are disconnected)")
    ("idle-timeout", po::value(&idle_timeout)->default_value(idle_timeout),
     "seconds a keep-alive connection may stay idle")
    ("write-timeout", po::value(&write_timeout)->default_value(write_timeout),
     "seconds to send one response")
    ("shutdown-grace", po::value(&shutdown_grace)->default_value(shutdown_grace),
     "seconds in-flight requests get to finish on SIGTERM/SIGINT");
  // clang-format on
  std::ostringstream help;
  help << desc;
  out.help_text = help.str();

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  } catch (const po::error& e) {
    return Status::InvalidArgument(e.what());
  }
  if (vm.count("help") > 0) {
    out.help = true;
    return out;
  }
  if (vm.count("config") > 0) {
    service.config_file = vm["config"].as<std::string>();
  } else if (std::error_code ec; std::filesystem::exists(default_config, ec)) {
    service.config_file = default_config;
  }
  if (!service.config_file.empty()) {
    if (Status s = StoreConfigFile(service.config_file, desc, vm); !s.ok()) return s;
  }
  try {
    po::notify(vm);
  } catch (const po::error& e) {
    return Status::InvalidArgument(e.what());
  }

  if (Status s = ParseListen(listen, app.server.address, app.server.port); !s.ok()) return s;
  if (!memcached_listen.empty()) {
    app.memcached_enabled = true;
    if (Status s = ParseListen(memcached_listen, app.memcached.tcp.address, app.memcached.tcp.port);
        !s.ok()) {
      return Status::InvalidArgument("--memcached-" + s.message().substr(2));
    }
  }
  if (!redis_listen.empty()) {
    app.redis_enabled = true;
    if (Status s = ParseListen(redis_listen, app.redis.tcp.address, app.redis.tcp.port); !s.ok()) {
      return Status::InvalidArgument("--redis-" + s.message().substr(2));
    }
  }
  {
    auto dbs = redis::ParseDatabases(redis_databases);
    if (!dbs.ok()) {
      return Status::InvalidArgument("--redis-databases " + dbs.status().message());
    }
    app.redis.databases.namespaces = std::move(*dbs);
    app.redis.databases.key_namespaces.clear();
    if (!redis_key_namespaces.empty()) {
      boost::split(app.redis.databases.key_namespaces, redis_key_namespaces,
                   [](char c) { return c == ','; });
    }
    for (const auto& [db, ns] : app.redis.databases.namespaces) {
      if (Status s = cache::CacheService::CheckNamespace(ns); !s.ok()) {
        return Status::InvalidArgument("--redis-databases '" + redis_databases +
                                       "': " + s.message());
      }
    }
    for (const std::string& ns : app.redis.databases.key_namespaces) {
      if (Status s = cache::CacheService::CheckNamespace(ns); !s.ok()) {
        return Status::InvalidArgument("--redis-key-namespaces '" + redis_key_namespaces +
                                       "': " + s.message());
      }
    }
  }
  app.memcached.mapping.default_namespace = memcached_namespace;
  app.memcached.mapping.key_namespaces.clear();
  if (!memcached_key_namespaces.empty()) {
    boost::split(app.memcached.mapping.key_namespaces, memcached_key_namespaces,
                 [](char c) { return c == ','; });
  }
  if (Status s = cache::CacheService::CheckNamespace(memcached_namespace); !s.ok()) {
    return Status::InvalidArgument("--memcached-namespace '" + memcached_namespace +
                                   "': " + s.message());
  }
  for (const std::string& ns : app.memcached.mapping.key_namespaces) {
    if (Status s = cache::CacheService::CheckNamespace(ns); !s.ok()) {
      return Status::InvalidArgument("--memcached-key-namespaces '" + memcached_key_namespaces +
                                     "': " + s.message());
    }
  }
  if (data_dir.empty()) return Status::InvalidArgument("--data-dir must not be empty");
  app.store.data_dir = data_dir;
  struct IntFlag {
    const char* name;
    int64_t value, min, max;
  };
  for (const IntFlag& f :
       {IntFlag{"io-threads", io_threads, 0, 1024},
        IntFlag{"write-threads", write_threads, 0, 1024},
        IntFlag{"max-connections", max_connections, 0, 1'000'000},
        IntFlag{"max-open-files", max_open_files, 0, 1'000'000},
        IntFlag{"fd-reserve", fd_reserve, 16, 1'000'000},
        IntFlag{"memcached-max-get-bytes", memcached_max_get, 1024, 1ll << 34},
        IntFlag{"redis-max-bulk-bytes", redis_max_bulk, 1024, 1ll << 32},
        IntFlag{"redis-batch-sets", redis_batch_sets, 1, 1024},
        IntFlag{"redis-lua-time-limit", redis_lua_time_limit, 1, 3'600'000},
        IntFlag{"redis-lua-memory-bytes", redis_lua_memory, 1 << 20, 1ll << 40},
        IntFlag{"max-value-bytes", max_value, 1, 1ll << 30},
        IntFlag{"max-key-bytes", max_key, 1, 64 * 1024},
        IntFlag{"max-body-bytes", max_body, 0, 4ll << 30},
        IntFlag{"max-namespaces", max_namespaces, 1, 1'000'000},
        IntFlag{"max-batch-keys", max_batch, 1, 1'000'000},
        IntFlag{"header-limit-bytes", header_limit, 512, 1 << 20},
        IntFlag{"max-uri-bytes", max_uri, 64, 1 << 20},
        IntFlag{"block-cache-bytes", block_cache, 1 << 20, 1ll << 40},
        IntFlag{"memtable-bytes", memtable, 4 << 20, 1ll << 40},
        IntFlag{"hot-cache-bytes", hot_bytes, 0, 1ll << 40},
        IntFlag{"hot-max-entry-bytes", hot_entry, 1, 1ll << 30},
        IntFlag{"hot-set-period", hot_set_period, 0, 86400},
        IntFlag{"hot-set-max-keys", hot_set_keys, 0, 100'000'000},
        IntFlag{"maintenance-period", maintenance_period, 0, 30 * 86400},
        IntFlag{"stats-retention-days", stats_retention, 1, 3660},
        IntFlag{"stats-flush-period", stats_flush, 0, 86400},
        IntFlag{"min-free-disk-bytes", min_free_disk, 0, 1ll << 50},
        IntFlag{"max-disk-bytes", max_disk, 0, 1ll << 56},
        IntFlag{"invalid-default-ttl", invalid_default_ttl, 0, kMaxInvalidTtlSeconds},
        IntFlag{"test-clock-offset", service.clock_offset_seconds, -(100ll * 365 * 86400),
                100ll * 365 * 86400}}) {
    if (f.value < f.min || f.value > f.max) {
      return Status::InvalidArgument("--" + std::string(f.name) + " must be " +
                                     std::to_string(f.min) + " to " + std::to_string(f.max) +
                                     ", got " + std::to_string(f.value));
    }
  }
  app.server.io_threads = static_cast<unsigned>(io_threads);
  app.server.write_threads = static_cast<unsigned>(write_threads);
  app.memcached.max_get_response_bytes = static_cast<uint64_t>(memcached_max_get);
  app.store.maintenance_period_seconds = static_cast<uint32_t>(maintenance_period);
  app.stats.retention_days = static_cast<uint32_t>(stats_retention);
  app.stats.flush_period_seconds = static_cast<uint32_t>(stats_flush);
  app.health.min_free_disk_bytes = static_cast<uint64_t>(min_free_disk);
  app.eviction.limits.max_disk_bytes = static_cast<uint64_t>(max_disk);
  if (vm.count("ns-quota") > 0) {
    auto quotas = ParseNamespaceQuotas(vm["ns-quota"].as<std::vector<std::string>>());
    if (!quotas.ok()) return quotas.status();
    for (const auto& [ns, bytes] : *quotas) {
      if (bytes > 0) app.eviction.limits.namespace_quota_bytes[ns] = static_cast<uint64_t>(bytes);
    }
  }
  app.store.block_cache_bytes = static_cast<uint64_t>(block_cache);
  app.store.write_buffer_bytes = static_cast<uint64_t>(memtable);
  if (app.eviction.limits.any()) app.eviction_enabled = true;
  if (app.eviction_enabled) {
    app.eviction.limits.min_free_disk_bytes = app.health.min_free_disk_bytes;
    // The memtables and the WAL are written before eviction can see them: they must fit in the
    // free space kept, or they fill the disk first (docs/storage.md, "Size bounds").
    if (const uint64_t floor = app.eviction.limits.min_free_disk_bytes / 4; floor > 0) {
      const uint64_t slack = std::max<uint64_t>(floor, 4ull << 20);
      app.store.write_buffer_bytes = std::min(app.store.write_buffer_bytes, slack);
      app.store.max_total_wal_bytes = std::min(app.store.max_total_wal_bytes, slack);
    }
  }
  auto log = ParseLogLevel(log_level);
  if (!log.ok()) return log.status();
  service.log_level = *log;
  if (vm.count("ns-ttl") > 0) {
    auto ttls = ParseNamespaceTtls(vm["ns-ttl"].as<std::vector<std::string>>());
    if (!ttls.ok()) return ttls.status();
    app.store.ttl.namespace_ttl_seconds = std::move(*ttls);
  }
  app.invalid.default_ttl_seconds = invalid_default_ttl;
  if (vm.count("invalid-ttl") > 0) {
    auto ttls = ParseNameSeconds("invalid-ttl", vm["invalid-ttl"].as<std::vector<std::string>>(),
                                 ValidateInvalidListName, "ruc=604800");
    if (!ttls.ok()) return ttls.status();
    for (const auto& [list, ttl] : *ttls) {
      if (ttl > kMaxInvalidTtlSeconds) {
        return Status::InvalidArgument("invalid-ttl '" + list + "=" + std::to_string(ttl) +
                                       "': at most " + std::to_string(kMaxInvalidTtlSeconds) +
                                       " seconds");
      }
      app.invalid.list_ttl_seconds[list] = ttl;
    }
  }
  app.ruc.prefixes.clear();
  boost::split(app.ruc.prefixes, ruc_prefixes, [](char c) { return c == ','; });
  for (const std::string& p : app.ruc.prefixes) {
    if (p.size() != 2 || !std::isdigit(static_cast<unsigned char>(p[0])) ||
        !std::isdigit(static_cast<unsigned char>(p[1]))) {
      return Status::InvalidArgument("ruc-prefixes '" + ruc_prefixes +
                                     "': each prefix must be two digits, e.g. 10,15,20");
    }
  }
  app.hot.capacity_bytes = static_cast<uint64_t>(hot_bytes);
  app.hot.max_entry_bytes = static_cast<uint64_t>(hot_entry);
  app.hot.hot_set_period_seconds = static_cast<uint32_t>(hot_set_period);
  app.hot.hot_set_max_keys = static_cast<uint32_t>(hot_set_keys);
  service.fd_budget.max_connections = static_cast<size_t>(max_connections);
  service.fd_budget.store_max_open_files = static_cast<uint64_t>(max_open_files);
  service.fd_budget.reserve = static_cast<uint64_t>(fd_reserve);
  app.store.max_value_bytes = static_cast<uint64_t>(max_value);
  app.store.max_key_bytes = static_cast<uint32_t>(max_key);
  app.store.max_namespaces = static_cast<uint32_t>(max_namespaces);
  app.cache_api.max_batch_keys = static_cast<size_t>(max_batch);
  app.server.header_limit_bytes = static_cast<size_t>(header_limit);
  app.server.max_uri_bytes = static_cast<size_t>(max_uri);
  if (app.store.ttl.default_ttl_seconds < 0) {
    return Status::InvalidArgument("--default-ttl must be 0 (never) or more seconds");
  }
  app.server.body_limit_bytes =
      max_body != 0 ? static_cast<uint64_t>(max_body) : app.store.max_value_bytes * 2 + 64 * 1024;
  if (app.server.body_limit_bytes < app.store.max_value_bytes) {
    return Status::InvalidArgument("--max-body-bytes must be at least --max-value-bytes");
  }
  auto seconds = [](const char* name, double v, std::chrono::milliseconds& into) {
    if (!(v > 0 && v <= 86400)) {
      return Status::InvalidArgument(std::string("--") + name +
                                     " must be more than 0 and at most " + "86400 seconds");
    }
    into = std::chrono::milliseconds(static_cast<int64_t>(v * 1000));
    if (into.count() == 0) into = std::chrono::milliseconds(1);
    return Status::Ok();
  };
  if (Status s = seconds("read-timeout", read_timeout, app.server.read_timeout); !s.ok()) return s;
  if (Status s = seconds("idle-timeout", idle_timeout, app.server.idle_timeout); !s.ok()) return s;
  if (Status s = seconds("write-timeout", write_timeout, app.server.write_timeout); !s.ok()) {
    return s;
  }
  if (Status s = seconds("shutdown-grace", shutdown_grace, app.server.shutdown_grace); !s.ok()) {
    return s;
  }
  if (Status s =
          seconds("tls-handshake-timeout", tls_handshake_timeout, service.tls.handshake_timeout);
      !s.ok()) {
    return s;
  }
  {
    auto auth = net::ParseClientAuth(tls_auth_clients);
    if (!auth.ok()) return Status::InvalidArgument("--" + auth.status().message());
    service.tls.auth_clients = *auth;
  }
  if ((service.http_tls || service.memcached_tls || service.redis_tls) &&
      (service.tls.cert_file.empty() || service.tls.key_file.empty())) {
    return Status::InvalidArgument(
        "--http-tls, --memcached-tls and --redis-tls need "
        "--tls-cert-file and --tls-key-file");
  }
  // The memcached listener shares the HTTP server's threads and timeouts (and, App::Start, its
  // connection budget); its item limit is the store's value limit.
  app.memcached.tcp.io_threads = app.server.io_threads;
  app.memcached.tcp.timeouts.read = app.server.read_timeout;
  app.memcached.tcp.timeouts.idle = app.server.idle_timeout;
  app.memcached.tcp.timeouts.write = app.server.write_timeout;
  app.memcached.tcp.shutdown_grace = app.server.shutdown_grace;
  app.memcached.session.parser.max_item_bytes = app.store.max_value_bytes;
  // The Redis listener too (and its connection budget); its idle timeout is its own (Redis
  // keeps idle clients forever).
  app.redis.tcp.io_threads = app.server.io_threads;
  app.redis.tcp.timeouts.read = app.server.read_timeout;
  app.redis.tcp.timeouts.write = app.server.write_timeout;
  app.redis.tcp.shutdown_grace = app.server.shutdown_grace;
  app.redis.session.parser.max_bulk_bytes = static_cast<uint64_t>(redis_max_bulk);
  app.redis.session.max_batched_sets = static_cast<size_t>(redis_batch_sets);
  app.redis_scripting.time_limit = std::chrono::milliseconds(redis_lua_time_limit);
  app.redis_scripting.memory_limit_bytes = static_cast<size_t>(redis_lua_memory);
  if (!(redis_idle_timeout >= 0 && redis_idle_timeout <= 86400 * 365)) {
    return Status::InvalidArgument("--redis-idle-timeout must be 0 (none) to 31536000 seconds");
  }
  app.redis.tcp.timeouts.idle =
      std::chrono::milliseconds(static_cast<int64_t>(redis_idle_timeout * 1000));
  return out;
}

}  // namespace apicached
