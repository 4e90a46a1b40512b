#include "memcached/composer.h"

#include "memcached/numbers.h"

namespace apicached::memcached {

void AppendValue(std::string& out, std::string_view key, uint32_t client_flags,
                 std::string_view data, std::optional<uint64_t> cas) {
  out.append("VALUE ");
  out.append(key);
  out.push_back(' ');
  AppendDecimal(out, uint64_t{client_flags});
  out.push_back(' ');
  AppendDecimal(out, uint64_t{data.size()});
  if (cas) {
    out.push_back(' ');
    AppendDecimal(out, *cas);
  }
  out.append("\r\n");
  out.append(data);
  out.append("\r\n");
}

void AppendNumberLine(std::string& out, uint64_t value) {
  AppendDecimal(out, value);
  out.append("\r\n");
}

void AppendStat(std::string& out, std::string_view name, std::string_view value) {
  out.append("STAT ");
  out.append(name);
  out.push_back(' ');
  out.append(value);
  out.append("\r\n");
}

void AppendStat(std::string& out, std::string_view name, uint64_t value) {
  out.append("STAT ");
  out.append(name);
  out.push_back(' ');
  AppendDecimal(out, value);
  out.append("\r\n");
}

void AppendVersion(std::string& out, std::string_view version) {
  out.append("VERSION ");
  out.append(version);
  out.append("\r\n");
}

namespace {

void AppendKeyFlag(std::string& out, const Request& request) {
  out.append(" k");
  out.append(request.key);
  if (request.key_base64) out.append(" b");
}

}  // namespace

void AppendMetaReply(std::string& out, std::string_view code, const Request& request,
                     const MetaItem* item, std::string_view returnable,
                     std::optional<std::string_view> value) {
  if (value) {
    out.append("VA ");
    AppendDecimal(out, uint64_t{value->size()});
  } else {
    out.append(code);
  }
  for (std::string_view tok : request.meta_flags) {
    const char f = tok[0];
    if (returnable.find(f) == std::string_view::npos) continue;
    if (f == 'O') {
      out.push_back(' ');
      out.append(tok);
      continue;
    }
    if (f == 'k') {
      AppendKeyFlag(out, request);
      continue;
    }
    if (item == nullptr) continue;
    switch (f) {
      case 'c':
        out.append(" c");
        AppendDecimal(out, item->cas);
        break;
      case 'f':
        out.append(" f");
        AppendDecimal(out, uint64_t{item->client_flags});
        break;
      case 't':
        out.append(" t");
        AppendDecimal(out, item->ttl_seconds);
        break;
      case 's':
        out.append(" s");
        AppendDecimal(out, item->size);
        break;
      case 'h':
        out.append(item->hit_before ? " h1" : " h0");
        break;
      case 'l':
        out.append(" l");
        AppendDecimal(out, item->last_access_seconds);
        break;
      default:
        break;
    }
  }
  if (item != nullptr) {
    if (item->win_sent) out.append(" Z");
    if (item->stale) out.append(" X");
    if (item->won) out.append(" W");
  }
  out.append("\r\n");
  if (value) {
    out.append(*value);
    out.append("\r\n");
  }
}

void AppendMetaDebug(std::string& out, const Request& request, const MetaItem& item) {
  out.append("ME ");
  out.append(request.key);
  out.append(" exp=");
  AppendDecimal(out, item.ttl_seconds < 0 ? int64_t{-1} : -item.ttl_seconds);
  out.append(" la=");
  AppendDecimal(out, item.last_access_seconds);
  out.append(" cas=");
  AppendDecimal(out, item.cas);
  out.append(item.hit_before ? " fetch=yes" : " fetch=no");
  out.append(" cls=1 size=");
  AppendDecimal(out, item.size);
  out.append("\r\n");
}

}  // namespace apicached::memcached
