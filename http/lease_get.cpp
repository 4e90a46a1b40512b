#include "http/lease_get.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <memory>

#include "http/entry_headers.h"
#include "http/problem.h"

namespace apicached::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using cache::LeaseLookup;
using cache::LeaseRead;
using cache::LeaseState;

namespace {

constexpr cache::Protocol kHttp = cache::Protocol::kHttp;

// "S" or "S.fff" seconds (at most 3 decimals) as milliseconds, 0..max_ms.
Result<int64_t> QuerySecondsMs(const RequestContext& ctx, std::string_view name, int64_t max_ms) {
  auto text = ctx.Query(name);
  if (!text) return int64_t{0};
  auto bad = [&] {
    return Status::InvalidArgument("query parameter '" + std::string(name) + "' must be 0 to " +
                                   std::to_string(max_ms / 1000) +
                                   " seconds (up to 3 decimals), got '" +
                                   std::string(text->substr(0, 40)) + "'");
  };
  const std::string_view t = *text;
  const size_t dot = t.find('.');
  const std::string_view whole = t.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : t.substr(dot + 1);
  if (whole.empty() || whole.size() > 9 || frac.size() > 3 ||
      (dot != std::string_view::npos && frac.empty())) {
    return bad();
  }
  int64_t seconds = 0;
  int64_t ms = 0;
  if (std::from_chars(whole.data(), whole.data() + whole.size(), seconds).ptr !=
      whole.data() + whole.size()) {
    return bad();
  }
  for (size_t i = 0; i < 3; ++i) {
    const char c = i < frac.size() ? frac[i] : '0';
    if (c < '0' || c > '9') return bad();
    ms = ms * 10 + (c - '0');
  }
  const int64_t total = seconds * 1000 + ms;
  if (total > max_ms) return bad();
  return total;
}

std::string CacheStatus(std::string_view params) {
  return "apicached; " + std::string(params);
}

// 404 problem for a miss, with the lease state in Cache-Status.
Response Miss(const LeaseLookup& got, int64_t now_ms) {
  if (got.state == LeaseState::kGranted) {
    Response res = MakeProblem(404, "no live entry; you hold the lease: fetch and PUT it with " +
                                        std::string(kLeaseHeader));
    res.set(kLeaseHeader, std::to_string(got.token));
    res.set("Cache-Status", CacheStatus("fwd=miss; detail=lease-granted"));
    return res;
  }
  Response res = MakeProblem(404, "no live entry; another client is fetching it");
  res.set("Cache-Status", CacheStatus("fwd=miss; detail=lease-held"));
  if (got.lease_expires_ms > 0) {
    res.set(bhttp::field::retry_after,
            std::to_string(std::max<int64_t>(1, (got.lease_expires_ms - now_ms + 999) / 1000)));
  }
  return res;
}

// 200 for a hit or a stale hit; Cache-Status says which and whether the value came from a
// coalesced wait; Apicached-Lease when this reader should refresh.
Response Found(LeaseLookup&& got, int64_t now_ms, bool collapsed) {
  const cache::ItemMeta meta = got.item->meta;
  Response res = ItemResponse(std::move(*got.item), now_ms);
  std::string status;
  if (got.state == LeaseState::kStale) {
    const int64_t past = std::max<int64_t>(0, now_ms - meta.expires_ms) / 1000;
    status = "hit; ttl=-" + std::to_string(past) + "; detail=stale";
  } else {
    status = collapsed ? "fwd=miss; collapsed" : "hit";
    const int64_t left = cache::SecondsLeft(meta.expires_ms, now_ms);
    if (left >= 0) status += "; ttl=" + std::to_string(left);
  }
  if (got.token != 0) {
    res.set(kLeaseHeader, std::to_string(got.token));
    if (got.state == LeaseState::kHit) status += "; detail=refresh";
  }
  res.set("Cache-Status", CacheStatus(status));
  return res;
}

// One reader waiting for another's fetch. Lives while its timer or its waiter may still call it;
// runs only on the connection's executor.
class Wait : public std::enable_shared_from_this<Wait> {
 public:
  Wait(cache::CacheService& cache, std::string ns, std::string key, LeaseRead read,
       int64_t deadline_ms, asio::any_io_executor ex, Complete done)
      : cache_(cache),
        ns_(std::move(ns)),
        key_(std::move(key)),
        read_(std::move(read)),
        deadline_ms_(deadline_ms),
        ex_(ex),
        timer_(ex),
        done_(std::move(done)) {}

  ~Wait() {
    if (wait_id_ != 0) cache_.CancelWait(ns_, key_, wait_id_);
  }

  // Looks again: answers, or (another client still fetching, time left) waits once more.
  void Step() {
    const int64_t now = cache_.clock().NowMillis();
    const bool last = now >= deadline_ms_;
    LeaseRead read = read_;
    if (!last) {
      std::weak_ptr<Wait> weak = weak_from_this();
      read.waiter = [weak, ex = ex_] {
        asio::post(ex, [weak] {
          if (auto self = weak.lock()) self->OnWake();
        });
      };
    }
    auto got = cache_.GetWithLease(kHttp, ns_, key_, read);
    read_.after_wait = false;
    if (!got.ok()) return Finish(ProblemFromStatus(got.status()));
    if (got->state == LeaseState::kHit || got->state == LeaseState::kStale) {
      return Finish(Found(std::move(*got), now, collapsed_));
    }
    if (got->state == LeaseState::kGranted || last) return Finish(Miss(*got, now));
    wait_id_ = got->wait_id;
    // Wake up at the deadline, or when the holder's lease ends (the next reader then gets it).
    int64_t until = deadline_ms_;
    if (got->lease_expires_ms > 0) until = std::min(until, got->lease_expires_ms);
    const uint64_t gen = ++generation_;
    timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(1, until - now)));
    timer_.async_wait([self = shared_from_this(), gen](const boost::system::error_code& ec) {
      if (ec || gen != self->generation_ || self->finished_) return;
      // Still registered: nobody stored. Else a wake is on its way and answers.
      if (self->wait_id_ != 0 && !self->cache_.CancelWait(self->ns_, self->key_, self->wait_id_)) {
        return;
      }
      self->wait_id_ = 0;
      self->Step();
    });
  }

 private:
  void OnWake() {
    if (finished_) return;
    wait_id_ = 0;
    ++generation_;
    timer_.cancel();
    read_.after_wait = true;
    collapsed_ = true;
    Step();
  }

  void Finish(Response res) {
    if (finished_) return;
    finished_ = true;
    ++generation_;
    timer_.cancel();
    if (wait_id_ != 0) {
      cache_.CancelWait(ns_, key_, wait_id_);
      wait_id_ = 0;
    }
    done_(std::move(res));
  }

  cache::CacheService& cache_;
  const std::string ns_;
  const std::string key_;
  LeaseRead read_;
  const int64_t deadline_ms_;
  asio::any_io_executor ex_;
  asio::steady_timer timer_;
  Complete done_;
  uint64_t wait_id_ = 0;
  uint64_t generation_ = 0;
  bool finished_ = false;
  bool collapsed_ = false;
};

}  // namespace

bool WantsLease(const RequestContext& ctx) {
  return ctx.Query("lease") || ctx.Query("wait") || ctx.Query("stale") || ctx.Query("refresh");
}

Result<std::optional<uint64_t>> RequestLeaseToken(const Request& req) {
  auto field = req.find(kLeaseHeader);
  if (field == req.end()) return std::optional<uint64_t>();
  const std::string_view text = field->value();
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || v == 0) {
    return Status::InvalidArgument(std::string(kLeaseHeader) +
                                   " must be the decimal token a GET with ?lease gave");
  }
  return std::optional<uint64_t>(v);
}

Response LeaseGet(const RequestContext& ctx, cache::CacheService& cache) {
  const std::string& ns = ctx.Param("ns");
  const std::string& key = ctx.Param("key");
  if (Status s = cache::CacheService::CheckNamespace(ns); !s.ok()) return ProblemFromStatus(s);
  LeaseRead read;
  auto lease_ms = QuerySecondsMs(ctx, "lease", cache.options().max_lease_ms);
  if (!lease_ms.ok()) return ProblemFromStatus(lease_ms.status());
  auto wait_ms = QuerySecondsMs(ctx, "wait", kMaxWaitMs);
  if (!wait_ms.ok()) return ProblemFromStatus(wait_ms.status());
  auto refresh_ms = QuerySecondsMs(ctx, "refresh", cache.options().max_ttl_seconds * 1000);
  if (!refresh_ms.ok()) return ProblemFromStatus(refresh_ms.status());
  if (auto stale = ctx.Query("stale")) {
    if (*stale != "1" && *stale != "0") return MakeProblem(400, "stale must be 1 or 0");
    read.accept_stale = *stale == "1";
  }
  read.lease_ms = *lease_ms;
  read.refresh_below_s = (*refresh_ms + 999) / 1000;
  if (*wait_ms > 0 && read.lease_ms == 0) {
    return MakeProblem(400,
                       "wait needs lease: a reader that waits takes over a lease that ran out");
  }
  const int64_t now = cache.clock().NowMillis();
  if (*wait_ms == 0) {
    auto got = cache.GetWithLease(kHttp, ns, key, read);
    if (!got.ok()) return ProblemFromStatus(got.status());
    if (got->state == LeaseState::kHit || got->state == LeaseState::kStale) {
      return Found(std::move(*got), now, false);
    }
    return Miss(*got, now);
  }
  const int64_t deadline = now + *wait_ms;
  ctx.Defer([&cache, ns, key, read, deadline](asio::any_io_executor ex, Complete done) {
    auto wait = std::make_shared<Wait>(cache, ns, key, read, deadline, ex, std::move(done));
    wait->Step();
  });
  return Response{};
}

}  // namespace apicached::http
