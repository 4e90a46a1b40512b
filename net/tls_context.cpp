#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace apicached::net {

namespace ssl = boost::asio::ssl;

namespace {

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// Sessions resumed by ticket must belong to this application (OpenSSL refuses resumption with
// client verification otherwise).
constexpr unsigned char kSessionIdContext[] = "apicached";

Status Fail(const std::string& what, const boost::system::error_code& ec) {
  return Status::InvalidArgument(what + ": " + ec.message());
}

}  // namespace

Result<ClientAuth> ParseClientAuth(std::string_view text) {
  if (text == "no") return ClientAuth::kNo;
  if (text == "yes") return ClientAuth::kYes;
  if (text == "optional") return ClientAuth::kOptional;
  return Status::InvalidArgument("tls-auth-clients must be no, yes or optional");
}

std::string_view ClientAuthName(ClientAuth auth) {
  switch (auth) {
    case ClientAuth::kYes:
      return "yes";
    case ClientAuth::kOptional:
      return "optional";
    case ClientAuth::kNo:
      break;
  }
  return "no";
}

std::string_view HandshakeResultName(HandshakeResult result) {
  switch (result) {
    case HandshakeResult::kOk:
      return "ok";
    case HandshakeResult::kTimedOut:
      return "timed_out";
    case HandshakeResult::kFailed:
      break;
  }
  return "failed";
}

Result<std::shared_ptr<ssl::context>> TlsContext::Make(const TlsOptions& o) {
  if (o.cert_file.empty() || o.key_file.empty()) {
    return Status::InvalidArgument("TLS needs tls-cert-file and tls-key-file");
  }
  if (o.auth_clients != ClientAuth::kNo && o.ca_cert_file.empty()) {
    return Status::InvalidArgument("tls-auth-clients " +
                                   std::string(ClientAuthName(o.auth_clients)) +
                                   " needs tls-ca-cert-file");
  }
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set_session_id_context(native, kSessionIdContext, sizeof(kSessionIdContext) - 1) !=
          1) {
    return Status::Internal("OpenSSL refused the TLS settings");
  }
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(o.cert_file, ec);
  if (ec) return Fail("cannot use tls-cert-file '" + o.cert_file + "'", ec);
  ctx->use_private_key_file(o.key_file, ssl::context::pem, ec);
  if (ec) return Fail("cannot use tls-key-file '" + o.key_file + "'", ec);
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    return Status::InvalidArgument("tls-key-file '" + o.key_file +
                                   "' does not match tls-cert-file '" + o.cert_file + "'");
  }
  if (!o.ca_cert_file.empty()) {
    ctx->load_verify_file(o.ca_cert_file, ec);
    if (ec) return Fail("cannot use tls-ca-cert-file '" + o.ca_cert_file + "'", ec);
    // Tells clients which CAs their certificate must come from.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(o.ca_cert_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
    ERR_clear_error();
  }
  switch (o.auth_clients) {
    case ClientAuth::kYes:
      ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      break;
    case ClientAuth::kOptional:
      ctx->set_verify_mode(ssl::verify_peer);
      break;
    case ClientAuth::kNo:
      ctx->set_verify_mode(ssl::verify_none);
      break;
  }
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::Load(TlsOptions options) {
  auto ctx = Make(options);
  if (!ctx.ok()) return ctx.status();
  auto out = std::make_shared<TlsContext>(std::move(options));
  out->current_ = std::move(*ctx);
  return out;
}

std::shared_ptr<ssl::context> TlsContext::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

Status TlsContext::Reload() {
  auto ctx = Make(options_);
  if (!ctx.ok()) return ctx.status();
  std::lock_guard lock(mu_);
  current_ = std::move(*ctx);
  return Status::Ok();
}

}  // namespace apicached::net
