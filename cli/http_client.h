// The small blocking HTTP/1.1 client apicachectl talks to apicached with (Boost.Beast over TCP,
// or over TLS with OpenSSL: https:// URLs or --tls; the server certificate is verified against
// --cacert, else the system's CAs, and its name against the URL's host).
//
// Thread safety: one HttpClient per thread. Each Send() opens its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/text_codec.h"
#include "storage/status.h"

namespace apicached::cli {

// Where the daemon is: from "http[s]://HOST:PORT[/PREFIX]". IPv6 hosts in brackets.
struct BaseUrl {
  std::string host;    // without brackets
  std::string port;    // "7431" when the URL has none
  std::string prefix;  // "" or "/something" without the trailing '/'
  bool tls = false;    // https://
  std::string Display() const;
};

// InvalidArgument naming what is wrong (not http:// or https://, empty host, bad port, query or
// fragment).
Result<BaseUrl> ParseBaseUrl(std::string_view url);

using http::PercentEncode;  // every byte outside [A-Za-z0-9-._~] as %XX

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string etag;
  std::optional<int64_t> max_age;  // from Cache-Control: max-age=N
  std::string cache_status;        // Cache-Status (lease-aware GETs, docs/leases.md)
  std::string lease;               // Apicached-Lease: the token when this caller must fetch
  std::string body;
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // path and query, already percent-encoded, without the URL prefix
  std::string body;
  std::string content_type;                                  // sent when not empty (or with a body)
  std::vector<std::pair<std::string, std::string>> headers;  // extra header fields
};

// TLS settings of the client (used when the URL is https://).
struct TlsClientOptions {
  std::string ca_file;    // PEM CAs the server certificate must chain to; "": the system's
  std::string cert_file;  // PEM client certificate (mutual TLS); "": none
  std::string key_file;   // its key; "": in cert_file
};

class HttpClient {
 public:
  // token: sent as "Authorization: Bearer <token>" when not empty.
  HttpClient(BaseUrl url, std::string token, std::chrono::milliseconds timeout,
             TlsClientOptions tls = {})
      : url_(std::move(url)), token_(std::move(token)), timeout_(timeout), tls_(std::move(tls)) {}

  // The daemon's answer, whatever its status. Unavailable when the connection failed (cannot
  // resolve, refused, reset, timed out, malformed answer); the message says which.
  Result<HttpResponse> Send(const HttpRequest& request) const;

  const BaseUrl& url() const { return url_; }

 private:
  BaseUrl url_;
  std::string token_;
  std::chrono::milliseconds timeout_;
  TlsClientOptions tls_;
};

}  // namespace apicached::cli
