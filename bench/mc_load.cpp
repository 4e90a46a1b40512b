// mc_load: a small closed-loop load generator for the memcached text protocol (memtier_benchmark
// is not in Debian bookworm). Used by bench/memcached_vs_memcached.sh against memcached 1.6 and
// apicached in one run, so both see exactly the same load.
//
//   mc_load --port P --mode get|set|mget|load|warm [--conns N] [--seconds S] [--keys K]
//           [--value-size B] [--mget-keys M] [--depth D] [--threads T]
//
// Each connection keeps `depth` requests in flight (default 1: send, wait for the whole reply,
// send the next), over non-blocking sockets and one epoll loop per thread. Latency is measured
// from the send of a request batch to the end of its reply. `load` writes keys 0..K-1 once,
// `depth` sets per send, and stops (no time bound; K bounds it). `warm` reads keys 0..K-1 once,
// in gets of --mget-keys keys, and stops: the same first read for every server before the
// timed points (a RAM tier in front of a disk fills on first reads; memcached has none). Keys are
// "key:<i>"; values are lowercase letters from a fixed pseudo-random buffer (they compress as
// little as text does, and never contain "END\r\n").
//
// Prints one JSON line: mode, conns, requests, seconds, rps, p50_us, p99_us, errors, misses.
// Exit 1 on a connection error or an unexpected reply. Only 127.0.0.1.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 11211;
  std::string mode = "get";
  int conns = 1;
  double seconds = 5;
  long keys = 100000;
  int value_size = 500;
  int mget_keys = 100;
  int depth = 1;
  int threads = 1;
};

struct Stats {
  std::vector<uint32_t> latencies_us;
  uint64_t requests = 0;
  uint64_t errors = 0;
  uint64_t misses = 0;
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "mc_load: %s\n", what.c_str());
  std::exit(1);
}

const std::string& Letters() {
  static const std::string letters = [] {
    std::mt19937 rng(42);
    std::string s(1 << 20, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 26);
    return s;
  }();
  return letters;
}

struct Conn {
  int fd = -1;
  std::string out;
  std::string in;
  size_t sent = 0;
  int pending = 0;  // replies still expected for the batch in flight
  int batch = 0;    // requests in the batch in flight
  Clock::time_point started;
};

class Worker {
 public:
  Worker(const Options& o, int conns, long first_key, long last_key)
      : o_(o), next_key_(first_key), last_key_(last_key), rng_(std::random_device{}()) {
    epoll_ = epoll_create1(0);
    for (int i = 0; i < conns; ++i) Connect();
  }

  Stats Run(Clock::time_point deadline) {
    for (auto& c : conns_) Send(c);
    std::vector<epoll_event> events(64);
    while (active_ > 0 && (Bounded() || Clock::now() < deadline)) {
      int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) OnEvent(conns_[events[i].data.u32], events[i].events);
    }
    for (auto& c : conns_) close(c.fd);
    close(epoll_);
    return std::move(stats_);
  }

 private:
  void Connect() {
    Conn c;
    c.fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(o_.port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) Die("connect failed");
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(conns_.size());
    epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    conns_.push_back(std::move(c));
    ++active_;
  }

  // load and warm stop when their keys are done, not at the deadline.
  bool Bounded() const { return o_.mode == "load" || o_.mode == "warm"; }

  std::string Key(long i) const { return "key:" + std::to_string(i); }
  long RandomKey() { return static_cast<long>(rng_() % static_cast<uint64_t>(o_.keys)); }

  void AppendSet(std::string& out, long key) {
    const std::string& l = Letters();
    size_t off = static_cast<size_t>(key * 7919) % (l.size() - o_.value_size);
    out += "set " + Key(key) + " 0 0 " + std::to_string(o_.value_size) + "\r\n";
    out.append(l, off, o_.value_size);
    out += "\r\n";
  }

  void Send(Conn& c) {
    c.out.clear();
    c.in.clear();
    c.sent = 0;
    c.pending = 0;
    for (int d = 0; d < o_.depth; ++d) {
      if (o_.mode == "load") {
        if (next_key_ >= last_key_) break;
        AppendSet(c.out, next_key_++);
      } else if (o_.mode == "warm") {
        if (next_key_ >= last_key_) break;
        c.out += "get";
        for (int k = 0; k < o_.mget_keys && next_key_ < last_key_; ++k)
          c.out += " " + Key(next_key_++);
        c.out += "\r\n";
      } else if (o_.mode == "set") {
        AppendSet(c.out, RandomKey());
      } else if (o_.mode == "get") {
        c.out += "get " + Key(RandomKey()) + "\r\n";
      } else {
        c.out += "get";
        long first = RandomKey();
        for (int k = 0; k < o_.mget_keys; ++k) c.out += " " + Key((first + k) % o_.keys);
        c.out += "\r\n";
      }
      ++c.pending;
    }
    if (c.pending == 0) {  // load finished on this connection
      epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      --active_;
      return;
    }
    c.batch = c.pending;
    c.started = Clock::now();
    Flush(c);
  }

  void Flush(Conn& c) {
    while (c.sent < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN) break;
        Die("send failed");
      }
      c.sent += static_cast<size_t>(n);
    }
  }

  // Consumes complete replies at the front of c.in; returns false on a malformed reply.
  bool Consume(Conn& c) {
    while (c.pending > 0) {
      std::string_view in(c.in);
      size_t end;
      if (o_.mode == "set" || o_.mode == "load") {
        end = in.find("\r\n");
        if (end == std::string_view::npos) return true;
        if (in.substr(0, end) != "STORED") return false;
        end += 2;
      } else {
        // a get reply is VALUE blocks then END; values are letters only, so the first
        // "END\r\n" at a line start ends it
        end = in.starts_with("END\r\n") ? 0 : in.find("\r\nEND\r\n");
        if (end == std::string_view::npos) return true;
        end += in.starts_with("END\r\n") ? 5 : 7;
        if (!in.starts_with("VALUE ")) {
          if (!in.starts_with("END\r\n")) return false;
          ++stats_.misses;
        }
      }
      c.in.erase(0, end);
      --c.pending;
    }
    return true;
  }

  void OnEvent(Conn& c, uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP)) Die("connection closed by the server");
    char buf[1 << 16];
    for (;;) {
      ssize_t n = recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) Die("connection closed by the server");
      if (n < 0) break;
      c.in.append(buf, static_cast<size_t>(n));
      if (static_cast<size_t>(n) < sizeof buf) break;
    }
    Flush(c);
    if (!Consume(c)) {
      ++stats_.errors;
      Die("unexpected reply: " + c.in.substr(0, 200));
    }
    if (c.pending == 0) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - c.started);
      stats_.latencies_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us.count(), 1u << 31)));
      stats_.requests += static_cast<uint64_t>(c.batch);
      Send(c);
    }
  }

  const Options& o_;
  long next_key_;
  long last_key_;
  std::mt19937_64 rng_;
  int epoll_ = -1;
  int active_ = 0;
  std::vector<Conn> conns_;
  Stats stats_;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port")
      o.port = std::stoi(v);
    else if (k == "--mode")
      o.mode = v;
    else if (k == "--conns")
      o.conns = std::stoi(v);
    else if (k == "--seconds")
      o.seconds = std::stod(v);
    else if (k == "--keys")
      o.keys = std::stol(v);
    else if (k == "--value-size")
      o.value_size = std::stoi(v);
    else if (k == "--mget-keys")
      o.mget_keys = std::stoi(v);
    else if (k == "--depth")
      o.depth = std::stoi(v);
    else if (k == "--threads")
      o.threads = std::stoi(v);
    else
      Die("unknown option " + k);
  }
  if (o.mode != "get" && o.mode != "set" && o.mode != "mget" && o.mode != "load" &&
      o.mode != "warm")
    Die("--mode is get, set, mget, load or warm");
  if (o.conns < 1 || o.threads < 1 || o.depth < 1 || o.keys < 1 || o.value_size < 1 ||
      o.value_size > (1 << 19) || o.seconds <= 0 || o.seconds > 600)
    Die("option out of range");
  o.threads = std::min(o.threads, o.conns);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  auto start = Clock::now();
  auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.seconds));
  std::vector<Stats> results(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    int conns = o.conns / o.threads + (t < o.conns % o.threads ? 1 : 0);
    long lo = o.keys * t / o.threads, hi = o.keys * (t + 1) / o.threads;
    threads.emplace_back([&, t, conns, lo, hi] {
      Worker w(o, conns, lo, hi);
      results[static_cast<size_t>(t)] = w.Run(deadline);
    });
  }
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  Stats all;
  for (auto& r : results) {
    all.latencies_us.insert(all.latencies_us.end(), r.latencies_us.begin(), r.latencies_us.end());
    all.requests += r.requests;
    all.errors += r.errors;
    all.misses += r.misses;
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  auto pct = [&](double p) -> uint32_t {
    if (all.latencies_us.empty()) return 0;
    return all
        .latencies_us[static_cast<size_t>(p * static_cast<double>(all.latencies_us.size() - 1))];
  };
  std::printf(
      "{\"mode\":\"%s\",\"conns\":%d,\"requests\":%llu,\"seconds\":%.3f,\"rps\":%.0f,"
      "\"p50_us\":%u,\"p99_us\":%u,\"errors\":%llu,\"misses\":%llu}\n",
      o.mode.c_str(), o.conns, static_cast<unsigned long long>(all.requests), secs,
      static_cast<double>(all.requests) / secs, pct(0.50), pct(0.99),
      static_cast<unsigned long long>(all.errors), static_cast<unsigned long long>(all.misses));
  return 0;
}
