#include "redis/resp_writer.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace apicached::redis {
namespace {

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, end);
}

void AppendHeader(std::string& out, char type, int64_t n) {
  out.push_back(type);
  AppendInt(out, n);
  out.append("\r\n");
}

void AppendLine(std::string& out, char type, const std::string& text) {
  out.push_back(type);
  const size_t start = out.size();
  out.append(text);
  for (size_t i = start; i < out.size(); ++i) {
    if (out[i] == '\r' || out[i] == '\n') out[i] = ' ';
  }
  out.append("\r\n");
}

void AppendBulk(std::string& out, std::string_view data) {
  AppendHeader(out, '$', static_cast<int64_t>(data.size()));
  out.append(data);
  out.append("\r\n");
}

}  // namespace

std::string FormatDouble(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (std::isnan(d)) return "nan";
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%.17g", d);
  return std::string(buf, static_cast<size_t>(n));
}

void AppendReply(const Reply& reply, RespVersion version, std::string& out) {
  const bool resp3 = version == RespVersion::kResp3;
  using Kind = Reply::Kind;
  switch (reply.kind) {
    case Kind::kSimple:
      AppendLine(out, '+', reply.text);
      return;
    case Kind::kError:
      AppendLine(out, '-', reply.text);
      return;
    case Kind::kInteger:
      AppendHeader(out, ':', reply.integer);
      return;
    case Kind::kBulk:
      AppendBulk(out, reply.text);
      return;
    case Kind::kNull:
      out.append(resp3 ? "_\r\n" : "$-1\r\n");
      return;
    case Kind::kNullArray:
      out.append(resp3 ? "_\r\n" : "*-1\r\n");
      return;
    case Kind::kArray:
    case Kind::kSet:
    case Kind::kMap: {
      char type = '*';
      int64_t n = static_cast<int64_t>(reply.elements.size());
      if (resp3 && reply.kind == Kind::kSet) type = '~';
      if (resp3 && reply.kind == Kind::kMap) {
        type = '%';
        n /= 2;
      }
      AppendHeader(out, type, n);
      for (const Reply& e : reply.elements) AppendReply(e, version, out);
      return;
    }
    case Kind::kDouble:
      if (resp3) {
        AppendLine(out, ',', FormatDouble(reply.number));
      } else {
        AppendBulk(out, FormatDouble(reply.number));
      }
      return;
    case Kind::kBoolean:
      if (resp3) {
        out.append(reply.integer != 0 ? "#t\r\n" : "#f\r\n");
      } else {
        out.append(reply.integer != 0 ? ":1\r\n" : ":0\r\n");
      }
      return;
    case Kind::kVerbatim:
      if (resp3) {
        AppendHeader(out, '=', static_cast<int64_t>(reply.text.size() + 4));
        out.append("txt:");
        out.append(reply.text);
        out.append("\r\n");
      } else {
        AppendBulk(out, reply.text);
      }
      return;
  }
}

}  // namespace apicached::redis
