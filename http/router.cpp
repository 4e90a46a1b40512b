#include "http/router.h"

#include <algorithm>
#include <exception>
#include <stdexcept>

#include "http/problem.h"
#include "http/text_codec.h"

namespace apicached::http {

namespace bhttp = boost::beast::http;

struct Router::Route {
  std::string pattern;
  // One entry per segment: the literal, or the parameter name with is_param set.
  std::vector<std::pair<std::string, bool>> segments;
  std::vector<std::pair<Verb, std::pair<Handler, RouteOptions>>> handlers;

  const std::pair<Handler, RouteOptions>* Find(Verb verb) const {
    for (const auto& [v, h] : handlers) {
      if (v == verb) return &h;
    }
    return nullptr;
  }
};

namespace {

// Client input quoted in an error detail: at most 100 bytes of it.
std::string Excerpt(std::string_view in) {
  return in.size() <= 100 ? std::string(in) : std::string(in.substr(0, 100)) + "...";
}

std::vector<std::string_view> SplitRaw(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// The percent-decoded segments of an absolute path, into segments; returns the first segment
// that is not well encoded (data() null when all are).
std::string_view DecodePath(std::string_view path, std::vector<std::string>& segments) {
  for (std::string_view raw : SplitRaw(path.substr(1), '/')) {
    auto decoded = PercentDecode(raw, /*plus_is_space=*/false);
    if (!decoded) return raw;
    segments.push_back(std::move(*decoded));
  }
  return std::string_view();
}

// Splits the target into its path and its raw query (empty when there is none).
std::pair<std::string_view, std::string_view> SplitTarget(const Request& request) {
  const std::string_view target(request.target().data(), request.target().size());
  const size_t qpos = target.find('?');
  if (qpos == std::string_view::npos) return {target, std::string_view()};
  return {target.substr(0, qpos), target.substr(qpos + 1)};
}

// The decoded name=value pairs of a raw query, into query; returns the first part that is not
// well encoded (data() null when all are).
std::string_view DecodeQuery(std::string_view raw_query,
                             std::vector<std::pair<std::string, std::string>>& query) {
  if (raw_query.empty()) return std::string_view();
  for (std::string_view part : SplitRaw(raw_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto name = PercentDecode(part.substr(0, eq), /*plus_is_space=*/true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : part.substr(eq + 1),
                               /*plus_is_space=*/true);
    if (!name || !value) return part;
    query.emplace_back(std::move(*name), std::move(*value));
  }
  return std::string_view();
}

// The values of the route's parameters among the decoded segments, in pattern order.
template <typename RouteT>
std::vector<std::pair<std::string, std::string>> ParamsOf(const RouteT& route,
                                                          std::vector<std::string>& segments) {
  std::vector<std::pair<std::string, std::string>> params;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (route.segments[i].second) {
      params.emplace_back(route.segments[i].first, std::move(segments[i]));
    }
  }
  return params;
}

}  // namespace

std::vector<const Router::Route*> Router::Matches(const std::vector<std::string>& segments) const {
  std::vector<const Route*> matches;
  for (const auto& r : routes_) {
    if (r->segments.size() != segments.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      ok = r->segments[i].second || r->segments[i].first == segments[i];
    }
    if (ok) matches.push_back(r.get());
  }
  // a is more specific than b when, at the first segment where they differ in kind, a has a
  // literal and b a parameter.
  std::stable_sort(matches.begin(), matches.end(), [](const Route* a, const Route* b) {
    for (size_t i = 0; i < a->segments.size() && i < b->segments.size(); ++i) {
      if (a->segments[i].second != b->segments[i].second) return !a->segments[i].second;
    }
    return false;
  });
  return matches;
}

Router::Target Router::FindHandler(const std::vector<const Route*>& matches, Verb verb) {
  for (const Route* r : matches) {
    const std::pair<Handler, RouteOptions>* handler = r->Find(verb);
    if (handler == nullptr && verb == Verb::head) handler = r->Find(Verb::get);
    if (handler != nullptr) return {r, handler};
  }
  return {nullptr, nullptr};
}

bool Router::RunsOnIoThread(const Request& request) const {
  const Verb verb = request.method();
  if (verb == Verb::get || verb == Verb::head) return true;
  const auto [path, raw_query] = SplitTarget(request);
  if (path.empty() || path.front() != '/') return false;
  std::vector<std::string> segments;
  if (DecodePath(path, segments).data() != nullptr) return false;
  const auto [route, handler] = FindHandler(Matches(segments), verb);
  if (handler == nullptr) return false;
  const RouteOptions& options = handler->second;
  if (options.reads_only) return true;
  if (!options.quick_write_if) return false;
  std::vector<std::pair<std::string, std::string>> query;
  if (DecodeQuery(raw_query, query).data() != nullptr) return false;
  return options.quick_write_if(
      RequestContext(request, route->pattern, ParamsOf(*route, segments), std::move(query)));
}

void Finish(const Request& request, Response& response) {
  response.version(request.version());
  response.keep_alive(request.keep_alive());
  const auto status = response.result();
  if (status == bhttp::status::no_content || status == bhttp::status::not_modified ||
      response.result_int() < 200) {
    response.body().clear();
    response.content_length(boost::none);
    return;
  }
  response.content_length(response.body().size());
}

const std::string& RequestContext::Param(std::string_view name) const {
  for (const auto& [k, v] : params_) {
    if (k == name) return v;
  }
  throw std::logic_error("route has no parameter " + std::string(name));
}

std::optional<std::string_view> RequestContext::Query(std::string_view name) const {
  for (const auto& [k, v] : query_) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

Router::Router() = default;
Router::~Router() = default;

void Router::Add(Verb verb, std::string_view pattern, Handler handler, RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  Route* route = nullptr;
  for (auto& r : routes_) {
    if (r->pattern == pattern) route = r.get();
  }
  if (route == nullptr) {
    auto fresh = std::make_unique<Route>();
    fresh->pattern = std::string(pattern);
    for (std::string_view seg : SplitRaw(pattern.substr(1), '/')) {
      bool is_param = seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
      std::string name(is_param ? seg.substr(1, seg.size() - 2) : seg);
      for (const auto& [n, p] : fresh->segments) {
        if (is_param && p && n == name) {
          throw std::invalid_argument("duplicate parameter in " + std::string(pattern));
        }
      }
      fresh->segments.emplace_back(std::move(name), is_param);
    }
    route = fresh.get();
    routes_.push_back(std::move(fresh));
  }
  if (route->Find(verb) != nullptr) {
    throw std::invalid_argument("route added twice: " + std::string(pattern));
  }
  route->handlers.push_back({verb, {std::move(handler), options}});
}

void Router::SetPreCheck(PreCheck check) {
  pre_check_ = std::move(check);
}

std::vector<std::string> Router::Patterns() const {
  std::vector<std::string> out;
  for (const auto& r : routes_) out.push_back(r->pattern);
  return out;
}

Routed Router::Handle(const Request& request) const {
  Routed out{Response{}, kUnmatchedRoute, {}};
  const auto [path, raw_query] = SplitTarget(request);

  auto finish = [&](Response response) {
    Finish(request, response);
    if (request.method() == Verb::head) response.body().clear();
    out.response = std::move(response);
    return std::move(out);
  };

  if (path.empty() || path.front() != '/') {
    return finish(MakeProblem(400, "The request target must be an absolute path."));
  }
  std::vector<std::string> segments;
  if (std::string_view bad = DecodePath(path, segments); bad.data() != nullptr) {
    return finish(
        MakeProblem(400, "Bad percent-encoding in the path segment '" + Excerpt(bad) + "'."));
  }

  const std::vector<const Route*> matches = Matches(segments);
  if (matches.empty()) {
    return finish(MakeProblem(404, "No route for " + Excerpt(path) + "."));
  }
  const Verb verb = request.method();
  const auto [route, handler] = FindHandler(matches, verb);
  if (route == nullptr) {
    std::vector<Verb> allowed;
    for (const Route* r : matches) {
      for (const auto& [v, h] : r->handlers) {
        if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) allowed.push_back(v);
        if (v == Verb::get &&
            std::find(allowed.begin(), allowed.end(), Verb::head) == allowed.end()) {
          allowed.push_back(Verb::head);
        }
      }
    }
    std::string allow;
    for (Verb v : allowed) {
      if (!allow.empty()) allow += ", ";
      allow += std::string(bhttp::to_string(v));
    }
    out.route = matches.front()->pattern;
    Response res = MakeProblem(405, std::string(request.method_string()) + " is not allowed on " +
                                        matches.front()->pattern + "; allowed: " + allow + ".");
    res.set(bhttp::field::allow, allow);
    return finish(std::move(res));
  }
  out.route = route->pattern;

  std::vector<std::pair<std::string, std::string>> query;
  if (std::string_view bad = DecodeQuery(raw_query, query); bad.data() != nullptr) {
    return finish(
        MakeProblem(400, "Bad percent-encoding in the query parameter '" + Excerpt(bad) + "'."));
  }
  RequestContext ctx(request, route->pattern, ParamsOf(*route, segments), std::move(query));
  try {
    if (pre_check_) {
      if (auto early = pre_check_(ctx, handler->second)) return finish(std::move(*early));
    }
    Response response = handler->first(ctx);
    if (DeferredStart start = ctx.TakeDeferred()) {
      out.deferred = [start = std::move(start), request](boost::asio::any_io_executor ex,
                                                         Complete done) {
        start(std::move(ex), [request, done = std::move(done)](Response res) {
          Finish(request, res);
          if (request.method() == Verb::head) res.body().clear();
          done(std::move(res));
        });
      };
      return out;
    }
    return finish(std::move(response));
  } catch (const std::exception& e) {
    return finish(MakeProblem(500, std::string("Internal error: ") + e.what()));
  } catch (...) {
    return finish(MakeProblem(500, "Internal error."));
  }
}

}  // namespace apicached::http
