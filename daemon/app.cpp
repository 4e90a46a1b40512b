#include "daemon/app.h"

#include "http/health_api.h"
#include "http/invalid_api.h"

namespace apicached {

App::App(AppOptions options, const Clock& clock) : options_(std::move(options)), clock_(clock) {}

App::~App() {
  (void)Stop();
}

Status App::Start() {
  if (running_ || store_ != nullptr) return Status::Internal("App::Start called twice");
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
  auto invalid = InvalidRegistry::Open(*store_, options_.invalid);
  if (!invalid.ok()) {
    (void)store_->Close();
    store_.reset();
    tiered_ = nullptr;
    return invalid.status();
  }
  invalid_ = std::move(*invalid);
  ruc_service_ = std::make_unique<RucService>(*invalid_, std::move(*ruc_checker));

  router_ = std::make_unique<http::Router>();
  http::AddHealthRoute(*router_, *store_);
  http::AddCacheRoutes(*router_, *store_, options_.cache_api);
  http::AddInvalidRoutes(*router_, *invalid_, *ruc_service_);
  http::AddAdminRoutes(*router_, *store_, options_.admin);
  if (options_.pre_check) router_->SetPreCheck(options_.pre_check);

  server_ = std::make_unique<http::Server>(options_.server, *router_);
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    router_.reset();
    ruc_service_.reset();
    invalid_.reset();
    (void)store_->Close();
    store_.reset();
    tiered_ = nullptr;
    return s;
  }
  port_ = server_->port();
  const std::string& host = server_->address();
  listen_address_ =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port_);
  running_ = true;
  return Status::Ok();
}

HotFigures App::hot_figures() const {
  return tiered_ != nullptr ? tiered_->hot_figures() : HotFigures{};
}

Status App::Stop() {
  if (!running_) return Status::Ok();
  running_ = false;
  server_->Stop();  // no handler runs after this
  Status closed = store_->Close();
  server_.reset();
  router_.reset();
  ruc_service_.reset();
  invalid_.reset();
  store_.reset();
  tiered_ = nullptr;
  return closed;
}

}  // namespace apicached
