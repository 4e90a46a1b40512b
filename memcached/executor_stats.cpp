// Executor::Stats: memcached's `stats` groups from the cache layer's counters.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "memcached/composer.h"
#include "memcached/executor.h"
#include "memcached/replies.h"

namespace apicached::memcached {
namespace {

std::string Seconds(const timeval& tv) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

}  // namespace

void Executor::Stats(const Request& req, std::string& out) {
  const std::string_view group = req.stats_group;
  const ListenerSettings& s = options_.settings;
  if (group.empty()) {
    const int64_t now_ms = cache_.clock().NowMillis();
    const ListenerFigures f =
        options_.listener_figures ? options_.listener_figures() : ListenerFigures{};
    const cache::OpCounters c = cache_.Counters(cache::Protocol::kMemcached);
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    uint64_t curr_items = 0;
    for (const std::string& ns : mapping_.Namespaces()) {
      auto figures = cache_.GetNamespace(ns);
      if (figures.ok()) curr_items += figures->approx_live_keys;
    }
    AppendStat(out, "pid", static_cast<uint64_t>(getpid()));
    AppendStat(out, "uptime", static_cast<uint64_t>((now_ms - started_ms_) / 1000));
    AppendStat(out, "time", static_cast<uint64_t>(now_ms / 1000));
    AppendStat(out, "version", options_.version);
    AppendStat(out, "pointer_size", uint64_t{sizeof(void*) * 8});
    AppendStat(out, "rusage_user", Seconds(usage.ru_utime));
    AppendStat(out, "rusage_system", Seconds(usage.ru_stime));
    AppendStat(out, "max_connections", s.max_connections);
    AppendStat(out, "curr_connections", f.curr_connections);
    AppendStat(out, "total_connections", f.total_connections);
    AppendStat(out, "rejected_connections", f.rejected_connections);
    AppendStat(out, "cmd_get", c.cmd_get);
    AppendStat(out, "cmd_set", c.cmd_set);
    AppendStat(out, "cmd_flush", c.cmd_flush);
    AppendStat(out, "cmd_touch", c.cmd_touch);
    AppendStat(out, "get_hits", c.get_hits);
    AppendStat(out, "get_misses", c.get_misses);
    AppendStat(out, "delete_misses", c.delete_misses);
    AppendStat(out, "delete_hits", c.delete_hits);
    AppendStat(out, "incr_misses", c.incr_misses);
    AppendStat(out, "incr_hits", c.incr_hits);
    AppendStat(out, "decr_misses", c.decr_misses);
    AppendStat(out, "decr_hits", c.decr_hits);
    AppendStat(out, "cas_misses", c.cas_misses);
    AppendStat(out, "cas_hits", c.cas_hits);
    AppendStat(out, "cas_badval", c.cas_badval);
    AppendStat(out, "touch_hits", c.touch_hits);
    AppendStat(out, "touch_misses", c.touch_misses);
    AppendStat(out, "threads", uint64_t{s.threads});
    AppendStat(out, "curr_items", curr_items);
    AppendStat(out, "total_items", c.total_items);
    AppendStat(out, "evictions", uint64_t{0});
  } else if (group == "settings") {
    AppendStat(out, "maxconns", s.max_connections);
    AppendStat(out, "tcpport", uint64_t{port_.load(std::memory_order_relaxed)});
    AppendStat(out, "inter", s.address);
    AppendStat(out, "num_threads", uint64_t{s.threads});
    AppendStat(out, "cas_enabled", "yes");
    AppendStat(out, "auth_enabled_ascii", s.auth_enabled ? "yes" : "no");
    AppendStat(out, "item_size_max", s.max_item_bytes);
    AppendStat(out, "evictions", "off");
    AppendStat(out, "flush_enabled", "yes");
    AppendStat(out, "namespace_default", mapping_.Namespaces().front());
    std::string key_namespaces;
    for (size_t i = 1; i < mapping_.Namespaces().size(); ++i) {
      if (i > 1) key_namespaces.push_back(',');
      key_namespaces += mapping_.Namespaces()[i];
    }
    AppendStat(out, "namespace_keys", key_namespaces.empty() ? "-" : key_namespaces);
  } else if (group == "namespaces") {
    for (const std::string& ns : mapping_.Namespaces()) {
      auto figures = cache_.GetNamespace(ns);
      const NamespaceFigures f = figures.ok() ? *figures : NamespaceFigures{};
      const std::string p = ns + ":";
      AppendStat(out, p + "curr_items", f.approx_live_keys);
      AppendStat(out, p + "disk_bytes", f.disk_bytes);
      AppendStat(out, p + "expired_dropped", f.expired_dropped);
      AppendStat(out, p + "expired_reads", f.expired_reads);
      AppendStat(out, p + "default_ttl_seconds", static_cast<uint64_t>(f.default_ttl_seconds));
    }
  } else if (group != "items" && group != "slabs" && group != "sizes" && group != "conns") {
    out.append(reply::kError);  // memcached's answer to a group it does not know
    return;
  }
  out.append(reply::kEnd);
}

}  // namespace apicached::memcached
