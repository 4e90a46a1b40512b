// TlsStream: one TLS connection (Beast's ssl_stream over a tcp_stream, whose timeouts bound
// every TLS read and write) and the server side of its handshake. It holds the ssl::context it
// was made with, so a certificate reload (net/tls_context.h) never touches it.
//
// The handshake (AcceptTls) is bounded: it must end within the context's handshake_timeout from
// its start, or the connection is closed; OpenSSL's buffers for it are bounded by the record
// size, and it runs on the connection's own I/O thread without blocking, so a client that
// stalls or sends garbage costs one connection slot for at most the timeout and disturbs no
// other connection. Its outcome goes to the listener's TlsListener::on_handshake.
//
// Thread safety: as a Beast stream, one thread (the connection's) at a time.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <type_traits>
#include <utility>

#include "net/tls_context.h"

namespace apicached::net {

namespace detail {
// Base-from-member: the context outlives the ssl_stream made with it.
struct TlsContextHolder {
  std::shared_ptr<boost::asio::ssl::context> context;
};
}  // namespace detail

class TlsStream : private detail::TlsContextHolder,
                  public boost::beast::ssl_stream<boost::beast::tcp_stream> {
 public:
  // REQUIRES: context is not null.
  TlsStream(boost::asio::ip::tcp::socket socket, std::shared_ptr<boost::asio::ssl::context> context)
      : TlsContextHolder{std::move(context)},
        ssl_stream(boost::beast::tcp_stream(std::move(socket)), *TlsContextHolder::context) {}
};

template <typename Stream>
inline constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// Runs the server side of the handshake within tls.context's handshake_timeout, reports it to
// tls.on_handshake and calls done(ok). The caller keeps stream (and tls) alive until then.
template <typename Done>
void AcceptTls(TlsStream& stream, const TlsListener& tls, Done done) {
  boost::beast::get_lowest_layer(stream).expires_after(tls.context->options().handshake_timeout);
  stream.async_handshake(
      boost::asio::ssl::stream_base::server,
      [&tls, done = std::move(done)](const boost::system::error_code& ec) mutable {
        const HandshakeResult r = !ec                                  ? HandshakeResult::kOk
                                  : ec == boost::beast::error::timeout ? HandshakeResult::kTimedOut
                                                                       : HandshakeResult::kFailed;
        if (tls.on_handshake) tls.on_handshake(r);
        done(r == HandshakeResult::kOk);
      });
}

// The stream of a new connection of a listener: a TlsStream made with the current context when
// the listener has TLS. For sessions templated on the stream: MakeStream<beast::tcp_stream> or
// MakeStream<TlsStream>.
template <typename Stream>
Stream MakeStream(boost::asio::ip::tcp::socket socket, const TlsListener& tls) {
  if constexpr (kIsTls<Stream>) {
    return Stream(std::move(socket), tls.context->Current());
  } else {
    return Stream(std::move(socket));
  }
}

}  // namespace apicached::net
