#include "daemon/service.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "daemon/app.h"
#include "daemon/auth.h"
#include "daemon/fd_budget.h"
#include "daemon/options.h"
#include "daemon/sd_notify.h"
#include "daemon/socket_activation.h"

namespace apicached {
namespace {

constexpr int kExitStartFailed = 1;
constexpr int kExitBadConfig = 2;

// While the store opens (WAL replay can be long), asks systemd for more start time every few
// seconds so that TimeoutStartSec= only catches a real hang.
class StartTimeoutExtender {
 public:
  explicit StartTimeoutExtender(const Notifier& notifier) : notifier_(notifier) {
    if (!notifier_.enabled()) return;
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      while (!done_) {
        (void)notifier_.ExtendTimeout(std::chrono::seconds(30));
        cv_.wait_for(lock, std::chrono::seconds(10), [this] { return done_; });
      }
    });
  }
  ~StartTimeoutExtender() {
    {
      std::lock_guard lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const Notifier& notifier_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// The token from --auth-token-file, else the systemd credential, else "" (no authentication).
Result<std::string> LoadToken(const ServiceOptions& service) {
  if (!service.auth_token_file.empty()) return ReadTokenFile(service.auth_token_file);
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir != nullptr && *dir != '\0') {
    std::string path = std::string(dir) + "/auth-token";
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return ReadTokenFile(path);
  }
  return std::string();
}

bool IsLoopback(const std::string& address) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) return false;
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) {
    return ip.to_v6().to_v4().is_loopback();  // ::ffff:127.0.0.1
  }
  return ip.is_loopback();
}

std::string DescribeTtls(const TtlDefaults& ttl) {
  std::string out = "default-ttl " + std::to_string(ttl.default_ttl_seconds);
  for (const auto& [ns, seconds] : ttl.namespace_ttl_seconds) {
    out += ", " + ns + "=" + std::to_string(seconds);
  }
  return out;
}

// memcached's ASCII authentication and Redis's AUTH checked against the bearer token
// (docs/memcached.md, docs/redis.md): the user name is ignored, the password is the token.
class TokenAuthenticator final : public memcached::Authenticator, public redis::Authenticator {
 public:
  explicit TokenAuthenticator(const TokenAuth& auth) : auth_(auth) {}
  bool Required() const override { return auth_.enabled(); }
  bool Check(std::string_view, std::string_view password) const override {
    return auth_.Allows("Bearer " + std::string(password));
  }

 private:
  const TokenAuth& auth_;
};

class Service {
 public:
  Service(int argc, const char* const argv[]) : argc_(argc), argv_(argv) {}

  int Run() {
    InitLogFromEnvironment();
    auto cl = ParseCommandLine(argc_, argv_);
    if (!cl.ok()) {
      LogError(cl.status().message() + " (see apicached --help)");
      return kExitBadConfig;
    }
    if (cl->help) {
      std::cout << cl->help_text;
      return 0;
    }
    SetLogLevel(cl->service.log_level);
    service_ = cl->service;
    AppOptions app_options = std::move(cl->app);
    if (!service_.config_file.empty()) LogInfo("configuration file " + service_.config_file);

    // Socket activation: systemd's socket replaces --listen.
    auto passed = TakeListenFds();
    if (!passed.ok()) {
      LogError("socket activation: " + passed.status().message());
      return kExitBadConfig;
    }
    std::string address = app_options.server.address;
    bool loopback = IsLoopback(address);
    if (!passed->empty()) {
      const ListenFd& fd = passed->front();
      app_options.server.listen_fd = fd.fd;
      address = fd.address;
      loopback = fd.loopback;
      LogInfo("using the socket passed by systemd (" + fd.name + ", " + fd.address + ")");
      for (size_t i = 1; i < passed->size(); ++i) {
        LogWarning("ignoring extra socket " + (*passed)[i].address + ": apicached serves one");
      }
    }

    auto token = LoadToken(service_);
    if (!token.ok()) {
      LogError(token.status().message());
      return kExitBadConfig;
    }
    token_ = *token;
    auth_.SetToken(*token);
    if (service_.http_tls || service_.memcached_tls || service_.redis_tls) {
      auto tls = net::TlsContext::Load(service_.tls);
      if (!tls.ok()) {
        LogError(tls.status().message());
        return kExitBadConfig;
      }
      tls_ = std::move(*tls);
      if (service_.http_tls) app_options.server.tls.context = tls_;
      if (service_.memcached_tls) app_options.memcached.tcp.tls.context = tls_;
      if (service_.redis_tls) app_options.redis.tcp.tls.context = tls_;
    }
    // Every listener: a non-loopback one needs TLS or a token (both recommended).
    const bool mutual_tls = service_.tls.auth_clients == net::ClientAuth::kYes;
    struct Listener {
      const char* front;
      const char* tls_flag;
      std::string address;
      bool loopback;
      bool tls;
    };
    for (const Listener& l :
         {Listener{"HTTP", "http-tls", address, loopback, service_.http_tls},
          Listener{"memcached", "memcached-tls", app_options.memcached.tcp.address,
                   !app_options.memcached_enabled || IsLoopback(app_options.memcached.tcp.address),
                   service_.memcached_tls},
          Listener{"Redis", "redis-tls", app_options.redis.tcp.address,
                   !app_options.redis_enabled || IsLoopback(app_options.redis.tcp.address),
                   service_.redis_tls}}) {
      if (l.loopback) continue;
      const std::string where =
          "the non-loopback address " + l.address + " (" + std::string(l.front) + ")";
      const std::string set_tls =
          std::string("set ") + l.tls_flag + " = true with tls-cert-file and tls-key-file";
      const std::string set_token = "set auth-token-file (or the systemd credential auth-token)";
      if (!l.tls && !auth_.enabled()) {
        if (!service_.allow_insecure_remote) {
          LogError("refusing to listen on " + where + " without TLS or an auth token: " + set_tls +
                   " (encryption), and/or " + set_token +
                   " (authentication), or allow-insecure-remote = true");
          return kExitBadConfig;
        }
        LogWarning("listening on " + where +
                   " without a token and without TLS (allow-insecure-remote)");
      } else if (!l.tls) {
        LogWarning("listening on " + where +
                   " with a token but no TLS: the token and the values cross the network in "
                   "clear text; " +
                   set_tls);
      } else if (!auth_.enabled() && !mutual_tls) {
        LogWarning("listening on " + where +
                   " with TLS but no token: anyone who can connect may "
                   "use it; " +
                   set_token + ", or tls-auth-clients = yes with tls-ca-cert-file");
      }
    }
    if (auth_.enabled()) {
      LogInfo("bearer token required on every route but /v1/health and /metrics");
    }
    LogDebug("settings: data-dir " + app_options.store.data_dir + ", " +
             DescribeTtls(app_options.store.ttl) + ", io-threads " +
             std::to_string(app_options.server.io_threads) + ", hot-cache-bytes " +
             std::to_string(app_options.hot.capacity_bytes) + ", maintenance-period " +
             std::to_string(app_options.store.maintenance_period_seconds) + ", sync-writes " +
             (app_options.store.sync_writes ? "true" : "false") + ", backup-dir '" +
             service_.backup_dir + "'");

    // The file-descriptor budget: connections can never take what the store needs.
    auto nofile = RaiseNofileLimit();
    if (!nofile.ok()) {
      LogWarning("cannot raise the file-descriptor limit: " + nofile.status().message());
      nofile = CurrentNofileLimit();
      if (!nofile.ok()) {
        LogError(nofile.status().message());
        return kExitStartFailed;
      }
    }
    // Every namespace created while running holds a descriptor (fd_budget.h): the user ones, one
    // per invalid-ID list, and a few internal ones (statistics, health probe, hot-set record).
    service_.fd_budget.namespaces =
        uint64_t{app_options.store.max_namespaces} + app_options.invalid.max_lists + 8;
    auto budget = ComputeFdBudget(nofile->soft, service_.fd_budget);
    if (!budget.ok()) {
      LogError(budget.status().message());
      return kExitBadConfig;
    }
    LogInfo(DescribeFdBudget(*nofile, *budget));
    app_options.server.max_connections = budget->max_connections;
    app_options.server.connections =
        std::make_shared<net::ConnectionBudget>(budget->max_connections);
    app_options.store.max_open_files = budget->store_max_open_files;

    // Signals are blocked into the control loop before anything else runs.
    boost::asio::io_context control;
    boost::asio::signal_set signals(control, SIGTERM, SIGINT, SIGHUP);
    std::signal(SIGPIPE, SIG_IGN);

    app_options.pre_check = auth_.MakePreCheck();
    app_options.memcached_auth = &listener_auth_;
    app_options.redis_auth = &listener_auth_;
    app_options.admin.backup_dir = service_.backup_dir;

    const std::string data_dir = app_options.store.data_dir;
    ttl_ = app_options.store.ttl;
    SystemClock clock(service_.clock_offset_seconds * 1000);
    if (service_.clock_offset_seconds != 0) {
      LogWarning("the clock is shifted by " + std::to_string(service_.clock_offset_seconds) +
                 " s (--test-clock-offset): TTLs are decided on that time");
    }
    App app(std::move(app_options), clock);
    (void)notifier_.SetStatus("opening the store in " + data_dir);
    Status started;
    {
      StartTimeoutExtender extender(notifier_);
      started = app.Start();
    }
    if (!started.ok()) {
      LogError("cannot start: " + started.ToString());
      (void)notifier_.SetStatus("failed to start: " + started.message());
      return kExitStartFailed;
    }
    app_ = &app;
    LogInfo("listening on " + app.listen_address() + (service_.http_tls ? " (TLS)" : ""));
    if (!app.memcached_address().empty()) {
      LogInfo("memcached listening on " + app.memcached_address() +
              (service_.memcached_tls ? " (TLS)" : ""));
      if (auth_.enabled()) LogInfo("memcached connections authenticate with the token first");
    }
    if (!app.redis_address().empty()) {
      LogInfo("redis listening on " + app.redis_address() + (service_.redis_tls ? " (TLS)" : ""));
      if (auth_.enabled()) LogInfo("redis connections AUTH with the token first");
    }
    status_ = "serving on " + app.listen_address() + (auth_.enabled() ? " (token required)" : "");
    (void)notifier_.Notify("READY=1\nSTATUS=" + status_);

    std::optional<std::chrono::microseconds> watchdog = WatchdogInterval();
    boost::asio::steady_timer watchdog_timer(control);
    if (watchdog && service_.watchdog) {
      LogDebug("watchdog every " + std::to_string(watchdog->count() / 2) + " us");
      KickWatchdog(watchdog_timer, *watchdog / 2);
    }

    int stop_signal = 0;
    std::function<void()> wait_signal = [&] {
      signals.async_wait([&](const boost::system::error_code& ec, int n) {
        if (ec) return;
        if (n == SIGHUP) {
          Reload();
          wait_signal();
          return;
        }
        stop_signal = n;
        watchdog_timer.cancel();
      });
    };
    wait_signal();
    control.run();

    LogInfo(std::string("stopping on ") + (stop_signal == SIGINT ? "SIGINT" : "SIGTERM"));
    (void)notifier_.Notify("STOPPING=1\nSTATUS=stopping: finishing requests in flight");
    Status closed = app.Stop();
    app_ = nullptr;
    if (!closed.ok()) {
      LogError("closing the store failed: " + closed.ToString());
      return kExitStartFailed;
    }
    LogInfo("stopped cleanly");
    return 0;
  }

 private:
  void KickWatchdog(boost::asio::steady_timer& timer, std::chrono::microseconds every) {
    (void)notifier_.Watchdog();
    timer.expires_after(every);
    timer.async_wait([this, &timer, every](const boost::system::error_code& ec) {
      if (!ec) KickWatchdog(timer, every);
    });
  }

  // SIGHUP: applies what can change at run time; a bad file keeps everything as it is.
  void Reload() {
    (void)notifier_.Reloading();
    auto cl = ParseCommandLine(argc_, argv_);
    if (!cl.ok()) {
      LogError("reload failed, keeping the running settings: " + cl.status().message());
      (void)notifier_.Notify("READY=1\nSTATUS=" + status_ + "; last reload failed");
      return;
    }
    std::vector<std::string> changed;
    const TtlDefaults& ttl = cl->app.store.ttl;
    if (ttl.default_ttl_seconds != ttl_.default_ttl_seconds ||
        ttl.namespace_ttl_seconds != ttl_.namespace_ttl_seconds) {
      app_->store().admin().SetTtlDefaults(ttl);
      changed.push_back("TTL defaults (" + DescribeTtls(ttl) + ")");
      ttl_ = ttl;
    }
    ReloadEviction(cl->app, changed);
    if (cl->service.log_level != GetLogLevel()) {
      SetLogLevel(cl->service.log_level);
      changed.push_back("log-level " + std::string(LogLevelName(cl->service.log_level)));
    }
    if (tls_ != nullptr) {
      // New connections get the new certificate; open ones keep theirs.
      if (Status s = tls_->Reload(); s.ok()) {
        changed.push_back("TLS certificate (new connections)");
      } else {
        LogError("reload: " + s.message() + "; keeping the current TLS certificate");
      }
      if (cl->service.tls.cert_file != service_.tls.cert_file ||
          cl->service.tls.key_file != service_.tls.key_file ||
          cl->service.tls.ca_cert_file != service_.tls.ca_cert_file ||
          cl->service.tls.auth_clients != service_.tls.auth_clients) {
        LogWarning(
            "reload: TLS file names or tls-auth-clients changed; restart apicached to "
            "apply (the files themselves are re-read)");
      }
    }
    auto token = LoadToken(cl->service);
    if (!token.ok()) {
      LogError("reload: " + token.status().message() + "; keeping the current token");
    } else if (*token != token_) {
      token_ = *token;
      auth_.SetToken(*token);
      changed.push_back(token->empty() ? "auth token (now none)" : "auth token");
    }
    const AppOptions& running = app_->options();
    if (cl->app.server.address != running.server.address ||
        cl->app.server.port != running.server.port ||
        cl->app.store.data_dir != running.store.data_dir ||
        cl->service.backup_dir != service_.backup_dir) {
      LogWarning("reload: listen, data-dir or backup-dir changed; restart apicached to apply");
    }
    std::string what = "nothing changed";
    if (!changed.empty()) {
      what.clear();
      for (const std::string& c : changed) what += (what.empty() ? "" : ", ") + c;
    }
    LogInfo(
        "reloaded " +
        (service_.config_file.empty() ? std::string("(no config file)") : service_.config_file) +
        ": " + what);
    (void)notifier_.Notify("READY=1\nSTATUS=" + status_ + "; reloaded: " + what);
  }

  // Quotas and the disk limits (docs/storage.md, "Size bounds"): applied from the next check on.
  // Eviction itself (its index) is only set up at start.
  void ReloadEviction(const AppOptions& next, std::vector<std::string>& changed) {
    EvictingStore* evicting = app_->evicting();
    if (evicting == nullptr) {
      if (next.eviction_enabled) {
        LogWarning("reload: eviction was off at start; restart apicached to turn it on");
      }
      return;
    }
    const EvictionLimits now = evicting->limits();
    const EvictionLimits& want = next.eviction.limits;
    if (now.max_disk_bytes == want.max_disk_bytes &&
        now.min_free_disk_bytes == want.min_free_disk_bytes &&
        now.namespace_quota_bytes == want.namespace_quota_bytes) {
      return;
    }
    evicting->SetLimits(want);
    std::string quotas;
    for (const auto& [ns, bytes] : want.namespace_quota_bytes) {
      quotas += (quotas.empty() ? "" : ",") + ns + "=" + std::to_string(bytes);
    }
    changed.push_back("size limits (max-disk-bytes " + std::to_string(want.max_disk_bytes) +
                      ", min-free-disk-bytes " + std::to_string(want.min_free_disk_bytes) +
                      ", ns-quota " + (quotas.empty() ? "none" : quotas) + ")");
  }

  int argc_;
  const char* const* argv_;
  Notifier notifier_ = Notifier::FromEnvironment();
  ServiceOptions service_;
  TokenAuth auth_;
  TokenAuthenticator listener_auth_{auth_};
  std::string token_;                     // what auth_ holds, to tell whether a reload changed it
  std::shared_ptr<net::TlsContext> tls_;  // every TLS listener's; null: no TLS
  TtlDefaults ttl_;
  App* app_ = nullptr;
  std::string status_;
};

}  // namespace

int RunService(int argc, const char* const argv[]) {
  return Service(argc, argv).Run();
}

}  // namespace apicached
