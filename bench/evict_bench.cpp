// Eviction benchmark (issue #14): one trace of reads with fill-on-miss, replayed against
// apicached's store with a quota of a tenth of the data (EvictingStore over RocksStore, its
// background thread on, as the daemon runs it), against an exact-LRU simulation of the same
// byte size, and against the S3-FIFO policy alone (the same index, no store). Two traces:
//   zipf  Zipf(0.99) reads over --keys keys of --value-bytes bytes;
//   scan  the same, with a one-off scan of --scan-keys other keys mixed in (every other request
//         during the middle of the trace is the next scan key, read once).
// Reports the hit ratios (after the first --warmup share of the trace), the fill writes' rate
// with eviction and without (the same trace with no quota), and the disk use over time.
//
//   cmake --build build --target evict_bench
//   build/bench/evict_bench --keys 100000 --requests 600000 --scan-keys 20000    (docs' run)
//   build/bench/evict_bench --keys 1000000 --requests 3000000 --scan-keys 200000 (the issue's)
// --trace zipf|scan picks one trace; --rounds N alternates the with/without runs N times;
// --evict-batch N sets the victims per delete batch (EvictionOptions::evict_batch); --only
// with|without runs one side alone, once (to profile it).
// Figures and how to read them: docs/benchmarks-eviction.md.
//
// On demand only (never in ctest). The store lives in a fresh directory under $TMPDIR.
#include <stdlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <list>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "evict/evicting_store.h"
#include "evict/s3_fifo.h"
#include "storage/clock.h"
#include "storage/store.h"

namespace apicached {
namespace {

struct Config {
  size_t keys = 200'000;
  size_t requests = 1'000'000;
  size_t scan_keys = 40'000;
  size_t value_bytes = 500;
  double zipf = 0.99;
  double quota_share = 0.10;
  double warmup = 0.2;
  size_t rounds = 1;  // store runs with and without the quota, in alternating order
  uint64_t overhead = EvictionOptions{}.entry_overhead_bytes;
  size_t evict_batch = EvictionOptions{}.evict_batch;  // victims per delete batch
  std::string only;  // "with" or "without": run that side alone (to profile it)
};

// One request of the trace: a key to read (and to write when the read misses).
struct Request {
  uint32_t id;  // < keys: a Zipf key; otherwise a scan key
};

std::vector<Request> MakeTrace(const Config& c, bool with_scan) {
  std::vector<double> cdf(c.keys);
  double sum = 0;
  for (size_t i = 0; i < c.keys; ++i) cdf[i] = (sum += 1.0 / std::pow(double(i + 1), c.zipf));
  for (double& x : cdf) x /= sum;
  std::mt19937_64 rng(14);
  std::uniform_real_distribution<double> u(0, 1);
  // Ranks are shuffled so that popularity does not follow key order.
  std::vector<uint32_t> perm(c.keys);
  for (size_t i = 0; i < c.keys; ++i) perm[i] = uint32_t(i);
  std::shuffle(perm.begin(), perm.end(), rng);
  std::vector<Request> trace;
  trace.reserve(c.requests + (with_scan ? c.scan_keys : 0));
  const size_t scan_start = c.requests / 3;
  size_t scanned = 0;
  for (size_t i = 0; i < c.requests; ++i) {
    if (with_scan && i >= scan_start && scanned < c.scan_keys && i % 2 == 0) {
      trace.push_back({uint32_t(c.keys + scanned++)});
    }
    const size_t rank = std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin();
    trace.push_back({perm[std::min(rank, c.keys - 1)]});
  }
  return trace;
}

std::string KeyOf(uint32_t id, const Config& c) {
  return (id < c.keys ? "k" : "s") + std::to_string(id);
}

uint64_t EntryBytes(const Config& c, uint32_t id) {
  return KeyOf(id, c).size() + c.value_bytes + c.overhead;
}

struct Outcome {
  uint64_t hits = 0;
  uint64_t lookups = 0;  // counted after the warm-up
  double ratio() const { return lookups ? double(hits) / lookups : 0; }
};

// Exact LRU by bytes.
Outcome RunLru(const Config& c, const std::vector<Request>& trace, uint64_t capacity) {
  std::list<uint32_t> order;  // front: most recent
  std::unordered_map<uint32_t, std::list<uint32_t>::iterator> where;
  uint64_t bytes = 0;
  Outcome o;
  const size_t counted_from = size_t(trace.size() * c.warmup);
  for (size_t i = 0; i < trace.size(); ++i) {
    const uint32_t id = trace[i].id;
    auto it = where.find(id);
    const bool hit = it != where.end();
    if (i >= counted_from) {
      ++o.lookups;
      o.hits += hit;
    }
    if (hit) {
      order.splice(order.begin(), order, it->second);
      continue;
    }
    order.push_front(id);
    where[id] = order.begin();
    bytes += EntryBytes(c, id);
    while (bytes > capacity) {
      const uint32_t victim = order.back();
      order.pop_back();
      where.erase(victim);
      bytes -= EntryBytes(c, victim);
    }
  }
  return o;
}

// The S3-FIFO index alone, evicting as soon as it is over (no store, no watermark).
Outcome RunS3Fifo(const Config& c, const std::vector<Request>& trace, uint64_t capacity) {
  S3Fifo index;
  std::unordered_map<uint32_t, bool> present;
  Outcome o;
  const size_t counted_from = size_t(trace.size() * c.warmup);
  uint64_t version = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    const uint32_t id = trace[i].id;
    const std::string key = KeyOf(id, c);
    const bool hit = present.count(id) > 0;
    if (i >= counted_from) {
      ++o.lookups;
      o.hits += hit;
    }
    if (hit) {
      index.Read(key);
      continue;
    }
    index.Write(key, ++version, EntryBytes(c, id), 0);
    present[id] = true;
    while (index.bytes() > capacity) {
      auto v = index.Evict();
      if (!v) break;
      present.erase(uint32_t(std::stoul(v->key.substr(1))) + (v->key[0] == 's' ? c.keys : 0));
    }
  }
  return o;
}

struct StoreRun {
  Outcome outcome;
  double fill_seconds = 0;         // time inside the fill writes
  double fill_cpu_seconds = 0;     // the writer thread's CPU time inside them
  double process_cpu_seconds = 0;  // every thread's (reads, writes, eviction, RocksDB's own)
  size_t requests = 0;
  uint64_t fills = 0;
  uint64_t peak_used = 0;
  uint64_t evictions = 0;
  double eviction_seconds = 0;
  double compaction_seconds = 0;  // the part of eviction_seconds the compactions took
  uint64_t compactions = 0;
  uint64_t assisted = 0;  // evictions the writer made itself (the check behind)
  // The writer thread over the whole trace (reads and fills), from the kernel's schedstat and
  // status: time runnable but waiting for a CPU (other threads had both cores), and how often
  // it blocked (a lock, a condition variable: voluntary context switches).
  double writer_seconds = 0;
  double writer_cpu_seconds = 0;
  double writer_runqueue_seconds = 0;
  uint64_t writer_blocks = 0;
  std::vector<std::pair<size_t, NamespaceFigures>> samples;  // (request, figures)
};

double CpuSeconds(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}
double ThreadCpuSeconds() {
  return CpuSeconds(CLOCK_THREAD_CPUTIME_ID);
}

// The calling thread's time waiting on a run queue (the second field of schedstat), seconds.
double ThreadRunQueueSeconds() {
  std::FILE* f = std::fopen("/proc/thread-self/schedstat", "r");
  if (f == nullptr) return 0;
  unsigned long long run = 0, wait = 0;
  const int n = std::fscanf(f, "%llu %llu", &run, &wait);
  std::fclose(f);
  return n == 2 ? double(wait) / 1e9 : 0;
}

// The calling thread's voluntary context switches (it blocked), from /proc/thread-self/status.
uint64_t ThreadVoluntarySwitches() {
  std::FILE* f = std::fopen("/proc/thread-self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  unsigned long long n = 0;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::sscanf(line, "voluntary_ctxt_switches: %llu", &n) == 1) break;
  }
  std::fclose(f);
  return n;
}

std::string TempDirPath() {
  const char* base = getenv("TMPDIR");
  std::string tmpl =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/apicached-evict-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

StoreRun RunStore(const Config& c, const std::vector<Request>& trace, uint64_t quota) {
  const std::string dir = TempDirPath();
  SystemClock clock;
  StoreRun run;
  {
    StoreOptions so;
    so.data_dir = dir + "/db";
    so.ttl.default_ttl_seconds = 0;
    so.maintenance_period_seconds = 0;
    auto inner = OpenStore(so, clock);
    if (!inner.ok()) throw std::runtime_error(inner.status().ToString());
    EvictionOptions eo;
    eo.evict_batch = c.evict_batch;
    if (quota > 0) eo.limits.namespace_quota_bytes["bench"] = quota;
    // The daemon's defaults: a check every second or 8 MiB written, writers assisting past
    // quota * 1.1.
    EvictingStore store(std::move(*inner), eo);
    const double cpu0 = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
    store.Start();
    const auto wall0 = std::chrono::steady_clock::now();
    const double wcpu0 = ThreadCpuSeconds();
    const double rq0 = ThreadRunQueueSeconds();
    const uint64_t blocks0 = ThreadVoluntarySwitches();
    std::mt19937_64 rng(7);
    std::string value(c.value_bytes, '\0');
    const size_t counted_from = size_t(trace.size() * c.warmup);
    const size_t sample_every = std::max<size_t>(trace.size() / 10, 1);
    for (size_t i = 0; i < trace.size(); ++i) {
      const std::string key = KeyOf(trace[i].id, c);
      const bool hit = store.Get("bench", key).ok();
      if (i >= counted_from) {
        ++run.outcome.lookups;
        run.outcome.hits += hit;
      }
      if (!hit) {
        for (char& ch : value) ch = char('!' + rng() % 90);  // incompressible, like responses
        const auto t0 = std::chrono::steady_clock::now();
        const double c0 = ThreadCpuSeconds();
        auto put = store.Put("bench", key, value, "", 0);
        run.fill_cpu_seconds += ThreadCpuSeconds() - c0;
        run.fill_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!put.ok()) throw std::runtime_error("fill failed: " + put.status().ToString());
        ++run.fills;
      }
      const bool sample = i % sample_every == 0 || i + 1 == trace.size();
      if (i % 4096 == 0 || sample) {
        auto f = store.GetNamespace("bench");
        if (f.ok()) {
          run.peak_used = std::max(run.peak_used, f->used_bytes);
          if (sample) run.samples.emplace_back(i, *f);
        }
      }
    }
    run.writer_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    run.writer_cpu_seconds = ThreadCpuSeconds() - wcpu0;
    run.writer_runqueue_seconds = ThreadRunQueueSeconds() - rq0;
    run.writer_blocks = ThreadVoluntarySwitches() - blocks0;
    auto f = store.GetNamespace("bench");
    if (f.ok()) run.evictions = f->evicted_quota + f->evicted_expired + f->evicted_disk;
    const EvictionFigures figures = store.figures();
    run.eviction_seconds = figures.work_seconds;
    run.compaction_seconds = figures.compaction_seconds;
    run.compactions = figures.compactions;
    run.assisted = figures.assisted_evictions;
    (void)store.Close();
    run.process_cpu_seconds = CpuSeconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
    run.requests = trace.size();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return run;
}

void Report(const char* name, const Config& c, const std::vector<Request>& trace) {
  uint64_t data_bytes = 0;
  for (uint32_t id = 0; id < c.keys; ++id) data_bytes += EntryBytes(c, id);
  const uint64_t quota = uint64_t(data_bytes * c.quota_share);
  std::printf("\n== trace %s: %zu requests, %zu keys x %zu B (%.1f MB), quota %.1f MB\n", name,
              trace.size(), c.keys, c.value_bytes, data_bytes / 1e6, quota / 1e6);
  const Outcome lru = RunLru(c, trace, quota);
  const Outcome s3 = RunS3Fifo(c, trace, quota);
  // Alternating the order evens out the load of a shared machine; the sums are reported.
  StoreRun with;
  StoreRun without;
  auto add = [](StoreRun& sum, const StoreRun& run) {
    if (sum.fills == 0) {
      sum = run;
      return;
    }
    sum.fill_seconds += run.fill_seconds;
    sum.fill_cpu_seconds += run.fill_cpu_seconds;
    sum.process_cpu_seconds += run.process_cpu_seconds;
    sum.fills += run.fills;
    sum.requests += run.requests;
    sum.evictions += run.evictions;
    sum.eviction_seconds += run.eviction_seconds;
    sum.compaction_seconds += run.compaction_seconds;
    sum.compactions += run.compactions;
    sum.assisted += run.assisted;
    sum.writer_seconds += run.writer_seconds;
    sum.writer_cpu_seconds += run.writer_cpu_seconds;
    sum.writer_runqueue_seconds += run.writer_runqueue_seconds;
    sum.writer_blocks += run.writer_blocks;
    sum.peak_used = std::max(sum.peak_used, run.peak_used);
  };
  if (!c.only.empty()) {
    const bool with_quota = c.only == "with";
    const StoreRun run = RunStore(c, trace, with_quota ? quota : 0);
    std::printf("%s eviction only: %.0f fills/s, writer CPU per fill %.1f us\n",
                with_quota ? "with" : "without", run.fills / run.fill_seconds,
                1e6 * run.fill_cpu_seconds / run.fills);
    return;
  }
  for (size_t r = 0; r < c.rounds; ++r) {
    if (r % 2 == 0) {
      add(with, RunStore(c, trace, quota));
      add(without, RunStore(c, trace, 0));
    } else {
      add(without, RunStore(c, trace, 0));
      add(with, RunStore(c, trace, quota));
    }
  }
  std::printf("hit ratio  exact LRU %.4f | S3-FIFO policy %.4f | apicached %.4f (%.3fx LRU)\n",
              lru.ratio(), s3.ratio(), with.outcome.ratio(), with.outcome.ratio() / lru.ratio());
  const double w_rate = with.fills / with.fill_seconds;
  const double wo_rate = without.fills / without.fill_seconds;
  std::printf(
      "fill writes  with eviction %.0f/s (%lu fills) | without %.0f/s (%lu fills) | "
      "ratio %.2f\n",
      w_rate, (unsigned long)with.fills, wo_rate, (unsigned long)without.fills, w_rate / wo_rate);
  std::printf(
      "per fill: writer CPU with %.1f us | without %.1f us; wall with %.1f us | without %.1f us\n",
      1e6 * with.fill_cpu_seconds / with.fills, 1e6 * without.fill_cpu_seconds / without.fills,
      1e6 * with.fill_seconds / with.fills, 1e6 * without.fill_seconds / without.fills);
  std::printf("process CPU per request (all threads) with %.1f us | without %.1f us (%zu rounds)\n",
              1e6 * with.process_cpu_seconds / with.requests,
              1e6 * without.process_cpu_seconds / without.requests, c.rounds);
  auto writer = [](const StoreRun& r) {
    const double n = double(r.requests);
    std::printf("%.1f us = CPU %.1f + waiting for a CPU %.1f + other %.1f; %.3f blocks",
                1e6 * r.writer_seconds / n, 1e6 * r.writer_cpu_seconds / n,
                1e6 * r.writer_runqueue_seconds / n,
                1e6 * (r.writer_seconds - r.writer_cpu_seconds - r.writer_runqueue_seconds) / n,
                double(r.writer_blocks) / n);
  };
  std::printf("writer thread per request: with ");
  writer(with);
  std::printf(" | without ");
  writer(without);
  std::printf("\n");
  std::printf(
      "evictions %lu (%lu by the writer), eviction work %.1f s (of which %lu compactions %.1f s), "
      "peak used %.1f MB (%.2fx quota)\n",
      (unsigned long)with.evictions, (unsigned long)with.assisted, with.eviction_seconds,
      (unsigned long)with.compactions, with.compaction_seconds, with.peak_used / 1e6,
      double(with.peak_used) / quota);
  std::printf("disk over time (request: used MB / SST MB with quota | SST MB without)\n");
  for (size_t i = 0; i < with.samples.size(); ++i) {
    const auto& [at, f] = with.samples[i];
    const double wo = i < without.samples.size() ? without.samples[i].second.disk_bytes / 1e6 : 0;
    std::printf("  %9zu: %7.1f / %7.1f | %7.1f\n", at, f.used_bytes / 1e6, f.disk_bytes / 1e6, wo);
  }
}

}  // namespace
}  // namespace apicached

int main(int argc, char** argv) {
  apicached::Config c;
  std::string traces = "zipf,scan";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const double v = std::atof(argv[i + 1]);
    if (flag == "--trace")
      traces = argv[i + 1];
    else if (flag == "--keys")
      c.keys = size_t(v);
    else if (flag == "--requests")
      c.requests = size_t(v);
    else if (flag == "--scan-keys")
      c.scan_keys = size_t(v);
    else if (flag == "--value-bytes")
      c.value_bytes = size_t(v);
    else if (flag == "--quota-share")
      c.quota_share = v;
    else if (flag == "--only" &&
             (std::strcmp(argv[i + 1], "with") == 0 || std::strcmp(argv[i + 1], "without") == 0))
      c.only = argv[i + 1];
    else if (flag == "--evict-batch")
      c.evict_batch = std::max<size_t>(1, size_t(v));
    else if (flag == "--rounds")
      c.rounds = std::max<size_t>(1, size_t(v));
    else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (traces.find("zipf") != std::string::npos) {
    apicached::Report("zipf", c, apicached::MakeTrace(c, false));
  }
  if (traces.find("scan") != std::string::npos) {
    apicached::Report("scan", c, apicached::MakeTrace(c, true));
  }
  return 0;
}
