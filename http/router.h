// Router: maps an HTTP request to a handler by verb and path pattern. Pure: no I/O, no sockets,
// so every route is tested by building a request and calling Handle().
//
// Patterns are absolute paths whose segments are literals or {name} parameters, e.g.
// "/v1/cache/{ns}/{key}/incr". A parameter matches exactly one path segment. The request path is
// split on '/' first and every segment is percent-decoded on its own, so "%2F" inside a key is a
// byte of the key and never a separator. The query string is split on '&' and '=', and names and
// values are percent-decoded ('+' is a space there, as in HTML forms).
//
// Matching: among the patterns that match the path, the most specific one (literal segments beat
// parameters, compared from the left) that has a handler for the verb wins; so POST
// /v1/cache/ns/_mget is the batch route while GET /v1/cache/ns/_mget reads the key "_mget".
//   - no pattern matches the path            -> 404 problem, route kUnmatchedRoute
//   - patterns match but none has the verb   -> 405 problem with Allow, route = most specific
//   - bad percent-encoding / not origin-form -> 400 problem, route kUnmatchedRoute
// HEAD is served by the GET handler when no HEAD handler exists: same status and headers, the body
// dropped, Content-Length kept. Every response leaves Handle() complete (Content-Length set), with
// the request's HTTP version and keep-alive.
//
// A pre-handler check (SetPreCheck) runs after a route and verb matched and before the handler; it
// may answer instead of the handler (e.g. 401 for a missing bearer token). It sees the route's
// options, so routes registered with public_route = true (health, metrics) can be let through.
//
// A handler that throws gets a 500 problem; Handle() itself never throws.
//
// Deferred answers: a handler that cannot answer at once (a reader waiting for another client's
// fetch, docs/leases.md) calls ctx.Defer(start) and returns any response (it is dropped). Handle()
// then returns it in Routed::deferred; the server calls it with the connection's executor and a
// completion, and start must see that the completion is called exactly once, on that executor
// (post to it from other threads; use its timers for deadlines, never block). The completion
// finishes the response as Handle() does (version, keep-alive, Content-Length, HEAD).
//
// Thread safety: Add() and SetPreCheck() are for set-up, before the first Handle(). Handle() is
// const and may be called from any number of threads at once.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace apicached::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
using Verb = boost::beast::http::verb;

// The route label of requests that matched no pattern (also used by the server for requests it
// refuses before routing). Route labels are patterns, so their number stays small.
inline constexpr std::string_view kUnmatchedRoute = "unmatched";

class RequestContext;

struct RouteOptions {
  // Exempt from the pre-handler check's authentication (health, metrics).
  bool public_route = false;
  // A route of another verb than GET that only reads (POST _mget): the server runs it on its I/O
  // threads as it runs GET, not on the write threads (server.h).
  bool reads_only = false;
  // A writing route that can tell from the request that its write will not wait for the store
  // (its namespace exists: no creation to wait for): when this returns true the server runs the
  // handler on its I/O thread, as a read; otherwise on the write threads (server.h). Called
  // before the handler, on an I/O thread; must be cheap and safe to call from many threads.
  std::function<bool(const RequestContext&)> quick_write_if = nullptr;
};

// The completion of a deferred answer, and what starts one (see Deferred answers above).
using Complete = std::function<void(Response)>;
using DeferredStart = std::function<void(boost::asio::any_io_executor, Complete)>;

// What a handler gets: the request plus its decoded path parameters and query.
class RequestContext {
 public:
  RequestContext(const Request& request, std::string_view route,
                 std::vector<std::pair<std::string, std::string>> params,
                 std::vector<std::pair<std::string, std::string>> query)
      : request_(request), route_(route), params_(std::move(params)), query_(std::move(query)) {}

  const Request& request() const { return request_; }
  // The matched pattern, e.g. "/v1/cache/{ns}/{key}".
  std::string_view route() const { return route_; }
  // The decoded value of path parameter `name`. REQUIRES: the pattern has {name}.
  const std::string& Param(std::string_view name) const;
  // The decoded value of the first query parameter `name`; nullopt when absent. "?a" and "?a="
  // both give "".
  std::optional<std::string_view> Query(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& query() const { return query_; }

  // Answers later instead of with the handler's return value (see Deferred answers above).
  void Defer(DeferredStart start) const { deferred_ = std::move(start); }
  DeferredStart TakeDeferred() const { return std::move(deferred_); }

 private:
  mutable DeferredStart deferred_;
  const Request& request_;
  std::string_view route_;
  std::vector<std::pair<std::string, std::string>> params_;
  std::vector<std::pair<std::string, std::string>> query_;
};

using Handler = std::function<Response(const RequestContext&)>;

// Answers instead of the handler when it returns a response.
using PreCheck =
    std::function<std::optional<Response>(const RequestContext&, const RouteOptions& options)>;

struct Routed {
  Response response;
  std::string_view route;  // the matched pattern or kUnmatchedRoute; lives as long as the Router
  DeferredStart deferred;  // set: the answer comes through it, response is unused
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // REQUIRES: pattern starts with '/', its parameters are distinct; (verb, pattern) not added yet.
  // Throws std::invalid_argument otherwise (a programming error found at start-up).
  void Add(Verb verb, std::string_view pattern, Handler handler, RouteOptions options = {});
  void SetPreCheck(PreCheck check);

  Routed Handle(const Request& request) const;
  // Whether the server runs this request's handler on its I/O thread (server.h): true for GET
  // and HEAD, for a request Handle() would give to a route added with RouteOptions::reads_only,
  // and for one whose route's quick_write_if says so; false otherwise (also for a request that
  // matches no route, or whose path or query is badly encoded).
  bool RunsOnIoThread(const Request& request) const;

  // Registered patterns, in the order first added (for docs and tests).
  std::vector<std::string> Patterns() const;

 private:
  struct Route;
  using Target = std::pair<const Route*, const std::pair<Handler, RouteOptions>*>;
  // The routes matching the decoded path segments, most specific first.
  std::vector<const Route*> Matches(const std::vector<std::string>& segments) const;
  // The first of matches with a handler for verb (HEAD falls back to GET); {nullptr, nullptr}
  // when none has one.
  static Target FindHandler(const std::vector<const Route*>& matches, Verb verb);
  std::vector<std::unique_ptr<Route>> routes_;
  PreCheck pre_check_;
};

// Finishes a response for the given request: version, keep-alive and Content-Length.
void Finish(const Request& request, Response& response);

}  // namespace apicached::http
