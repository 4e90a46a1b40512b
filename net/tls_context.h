// TlsContext: the server side of TLS for a listener (OpenSSL through Boost.Asio's ssl): the
// certificate, its key, and how client certificates are checked. TLS 1.2 and 1.3 only; TLS 1.2
// with forward-secret AEAD suites only (ECDHE with AES-GCM or ChaCha20-Poly1305, Mozilla's
// "intermediate" list), TLS 1.3 with OpenSSL's defaults (all AEAD); no compression, no
// renegotiation.
//
// Reload: Reload() reads the files again into a new ssl::context and makes it Current(); a
// connection keeps the context it was accepted with (net/tls_stream.h holds it), so a reload
// never touches connections already open. A reload that fails keeps the current context.
//
// Thread safety: every method may be called concurrently from any thread.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace apicached::net {

// Client certificates (Redis's tls-auth-clients): kNo asks for none; kYes requires one signed
// by ca_cert_file (mutual TLS); kOptional verifies one if the client sends it.
enum class ClientAuth { kNo, kYes, kOptional };

// "no", "yes", "optional" (Redis's words); InvalidArgument otherwise.
Result<ClientAuth> ParseClientAuth(std::string_view text);
std::string_view ClientAuthName(ClientAuth auth);

struct TlsOptions {
  std::string cert_file;     // PEM certificate chain, leaf first (tls-cert-file); required
  std::string key_file;      // PEM private key of the leaf (tls-key-file); required
  std::string ca_cert_file;  // PEM CA(s) for client certificates; required unless kNo
  ClientAuth auth_clients = ClientAuth::kNo;
  // From accept to the end of the handshake; past it the connection is closed.
  std::chrono::milliseconds handshake_timeout{10'000};
};

class TlsContext;

enum class HandshakeResult { kOk, kFailed, kTimedOut };
// "ok", "failed", "timed_out".
std::string_view HandshakeResultName(HandshakeResult result);

// A listener's TLS: off while context is null (net/tls_stream.h makes its connections).
struct TlsListener {
  std::shared_ptr<TlsContext> context;
  // Told the outcome of every handshake, on the connection's I/O thread; may be empty.
  std::function<void(HandshakeResult)> on_handshake;
};

class TlsContext {
 public:
  // Reads the files. InvalidArgument naming the file and OpenSSL's reason when one cannot be
  // read, the key does not match the certificate, or a required file is missing.
  static Result<std::shared_ptr<TlsContext>> Load(TlsOptions options);

  // The context new connections are made with.
  std::shared_ptr<boost::asio::ssl::context> Current() const;

  // Reads the files again (same paths); on error returns it and keeps the current context.
  Status Reload();

  const TlsOptions& options() const { return options_; }

  // Use Load().
  explicit TlsContext(TlsOptions options) : options_(std::move(options)) {}

 private:
  static Result<std::shared_ptr<boost::asio::ssl::context>> Make(const TlsOptions& options);

  const TlsOptions options_;
  mutable std::mutex mu_;  // guards current_
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace apicached::net
