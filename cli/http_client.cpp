#include "cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cctype>
#include <charconv>
#include <memory>

namespace apicached::cli {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// Responses can list every namespace or a whole invalid-ID list; values are bounded by the
// daemon's own limit. This only guards against a runaway peer.
constexpr uint64_t kMaxResponseBytes = 1ull << 30;

std::optional<int64_t> ParseMaxAge(std::string_view cache_control) {
  constexpr std::string_view kKey = "max-age=";
  size_t pos = cache_control.find(kKey);
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view digits = cache_control.substr(pos + kKey.size());
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr == digits.data()) return std::nullopt;
  return value;
}

}  // namespace

std::string BaseUrl::Display() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return (tls ? "https://" : "http://") + h + ":" + port + prefix;
}

Result<BaseUrl> ParseBaseUrl(std::string_view url) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("bad URL '" + std::string(url) + "': " + why);
  };
  constexpr std::string_view kScheme = "http://";
  constexpr std::string_view kTlsScheme = "https://";
  BaseUrl out;
  std::string_view rest;
  if (url.substr(0, kScheme.size()) == kScheme) {
    rest = url.substr(kScheme.size());
  } else if (url.substr(0, kTlsScheme.size()) == kTlsScheme) {
    rest = url.substr(kTlsScheme.size());
    out.tls = true;
  } else {
    return bad("it must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) return bad("no query or fragment");
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return bad("credentials in the URL are not supported; use --token");
  }
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unclosed '[' in the host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return bad("unexpected text after ']'");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host");
  if (port.empty()) {
    out.port = "7431";
  } else {
    unsigned value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value == 0 || value > 65535) {
      return bad("the port must be a number from 1 to 65535");
    }
    out.port = std::to_string(value);
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.prefix = std::string(path);
  return out;
}

namespace {

// One request and its answer on a connected stream (TCP or TLS).
template <typename Stream>
Result<HttpResponse> Exchange(Stream& stream, const BaseUrl& url, const std::string& token,
                              std::chrono::milliseconds timeout, const HttpRequest& request) {
  const std::string where = url.Display();
  beast::error_code ec;
  bhttp::verb verb = bhttp::string_to_verb(request.method);
  bhttp::request<bhttp::string_body> req(verb, url.prefix + request.target, 11);
  req.set(bhttp::field::host, url.host + ":" + url.port);
  req.set(bhttp::field::user_agent, "apicachectl");
  if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
  if (!request.content_type.empty()) req.set(bhttp::field::content_type, request.content_type);
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  if (!request.body.empty() || verb == bhttp::verb::put || verb == bhttp::verb::post) {
    req.prepare_payload();
  }
  req.keep_alive(false);

  auto& tcp = beast::get_lowest_layer(stream);
  tcp.expires_after(timeout);
  bhttp::write(stream, req, ec);
  if (ec) return Status::Unavailable("cannot send the request to " + where + ": " + ec.message());

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kMaxResponseBytes);
  parser.skip(request.method == "HEAD");
  tcp.expires_after(timeout);
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return Status::Unavailable("no complete answer from " + where + ": " + ec.message());
  tcp.socket().shutdown(tcp::socket::shutdown_both, ec);

  auto& res = parser.get();
  HttpResponse out;
  out.status = res.result_int();
  out.content_type = std::string(res[bhttp::field::content_type]);
  out.etag = std::string(res[bhttp::field::etag]);
  out.cache_status = std::string(res["Cache-Status"]);
  out.lease = std::string(res["Apicached-Lease"]);
  auto cache_control = res[bhttp::field::cache_control];
  out.max_age = ParseMaxAge({cache_control.data(), cache_control.size()});
  out.body = std::move(res.body());
  return out;
}

// The client's TLS context: TLS 1.2 or 1.3, the server verified (chain and host name).
Result<std::unique_ptr<ssl::context>> MakeClientContext(const TlsClientOptions& o,
                                                        const std::string& host) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (o.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
  } else {
    ctx->load_verify_file(o.ca_file, ec);
  }
  if (ec)
    return Status::InvalidArgument("cannot use --cacert '" + o.ca_file + "': " + ec.message());
  if (!o.cert_file.empty()) {
    ctx->use_certificate_chain_file(o.cert_file, ec);
    if (ec)
      return Status::InvalidArgument("cannot use --cert '" + o.cert_file + "': " + ec.message());
    const std::string& key = o.key_file.empty() ? o.cert_file : o.key_file;
    ctx->use_private_key_file(key, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("cannot use --key '" + key + "': " + ec.message());
  }
  ctx->set_verify_mode(ssl::verify_peer);
  ctx->set_verify_callback(ssl::host_name_verification(host));
  return ctx;
}

}  // namespace

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  const std::string where = url_.Display();
  try {
    boost::asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto endpoints = resolver.resolve(url_.host, url_.port, ec);
    if (ec) return Status::Unavailable("cannot resolve " + where + ": " + ec.message());
    if (!url_.tls) {
      beast::tcp_stream stream(ioc);
      stream.expires_after(timeout_);
      stream.connect(endpoints, ec);
      if (ec) return Status::Unavailable("cannot connect to " + where + ": " + ec.message());
      return Exchange(stream, url_, token_, timeout_, request);
    }
    auto ctx = MakeClientContext(tls_, url_.host);
    if (!ctx.ok()) return ctx.status();
    beast::ssl_stream<beast::tcp_stream> stream(ioc, **ctx);
    boost::system::error_code ip_ec;
    boost::asio::ip::make_address(url_.host, ip_ec);
    if (ip_ec && SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str()) != 1) {
      return Status::Unavailable("cannot set the TLS server name " + url_.host);
    }
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_after(timeout_);
    tcp.connect(endpoints, ec);
    if (ec) return Status::Unavailable("cannot connect to " + where + ": " + ec.message());
    stream.handshake(ssl::stream_base::client, ec);
    if (ec) {
      return Status::Unavailable("TLS handshake with " + where + " failed: " + ec.message());
    }
    return Exchange(stream, url_, token_, timeout_, request);
  } catch (const std::exception& e) {
    return Status::Unavailable("talking to " + where + " failed: " + e.what());
  }
}

}  // namespace apicached::cli
