#include "daemon/auth.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include "http/problem.h"

namespace apicached {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = diff | static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

void TokenAuth::SetToken(std::string token) {
  auto next = std::make_shared<const std::string>(std::move(token));
  std::lock_guard lock(mu_);
  token_ = std::move(next);
}

bool TokenAuth::enabled() const {
  std::lock_guard lock(mu_);
  return token_ != nullptr && !token_->empty();
}

bool TokenAuth::Allows(std::string_view authorization) const {
  std::shared_ptr<const std::string> token;
  {
    std::lock_guard lock(mu_);
    token = token_;
  }
  if (token == nullptr || token->empty()) return true;
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  std::string_view presented = authorization.substr(kScheme.size());
  while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
  while (!presented.empty() && presented.back() == ' ') presented.remove_suffix(1);
  return ConstantTimeEquals(presented, *token);
}

http::PreCheck TokenAuth::MakePreCheck() const {
  return [this](const http::RequestContext& ctx,
                const http::RouteOptions& options) -> std::optional<http::Response> {
    if (options.public_route) return std::nullopt;
    auto header = ctx.request()[boost::beast::http::field::authorization];
    if (Allows(std::string_view(header.data(), header.size()))) return std::nullopt;
    http::Response res = http::MakeProblem(
        401, "this endpoint needs \"Authorization: Bearer <token>\" with the configured token");
    res.set(boost::beast::http::field::www_authenticate, "Bearer realm=\"apicached\"");
    return res;
  };
}

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("cannot read the auth token file '" + path +
                                   "': " + std::strerror(errno));
  }
  std::string line;
  std::getline(in, line);
  size_t begin = 0, end = line.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(line[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(line[end - 1]))) --end;
  if (begin == end) {
    return Status::InvalidArgument("the auth token file '" + path +
                                   "' is empty (its first line is the token)");
  }
  return line.substr(begin, end - begin);
}

}  // namespace apicached
