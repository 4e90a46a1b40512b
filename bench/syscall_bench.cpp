// What one system call costs on this machine (docs/benchmarks.md, "System calls per request"):
// the calls a request/response server makes, each in a loop, none of them blocking. On the VMs
// this project is measured on a system call costs about 2 us, twenty times a bare-metal one, so
// the number of calls per request decides much of a request's CPU time.
//
// Usage: build/bench/syscall_bench   (Google Benchmark flags apply)
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace {

// A connected loopback TCP pair; the server end non-blocking and in an epoll set.
struct Pair {
  int client = -1;
  int server = -1;
  int epoll = -1;
  Pair() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &n) != 0) {
      std::abort();
    }
    client = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
    server = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    ::fcntl(server, F_SETFL, O_NONBLOCK);
    epoll = ::epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
    ev.data.fd = server;
    ::epoll_ctl(epoll, EPOLL_CTL_ADD, server, &ev);
  }
  ~Pair() {
    ::close(epoll);
    ::close(server);
    ::close(client);
  }
};

void BM_Getppid(benchmark::State& state) {  // the cheapest: entry and exit only
  for (auto _ : state) benchmark::DoNotOptimize(::getppid());
}
BENCHMARK(BM_Getppid);

void BM_RecvEagain(benchmark::State& state) {  // a read of an empty socket
  Pair p;
  char buf[16384];
  for (auto _ : state) benchmark::DoNotOptimize(::recv(p.server, buf, sizeof buf, 0));
}
BENCHMARK(BM_RecvEagain);

void BM_EpollCtlMod(benchmark::State& state) {  // what a non-speculative Asio wait costs
  Pair p;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLET;
  ev.data.fd = p.server;
  for (auto _ : state) benchmark::DoNotOptimize(::epoll_ctl(p.epoll, EPOLL_CTL_MOD, p.server, &ev));
}
BENCHMARK(BM_EpollCtlMod);

void BM_EpollWaitNothing(benchmark::State& state) {  // an event loop's turn with nothing ready
  Pair p;
  epoll_event events[16];
  ::epoll_wait(p.epoll, events, 16, 0);  // the initial EPOLLOUT edge
  for (auto _ : state) benchmark::DoNotOptimize(::epoll_wait(p.epoll, events, 16, 0));
}
BENCHMARK(BM_EpollWaitNothing);

void BM_SchedYield(benchmark::State& state) {  // RocksDB's write queue spins on it
  for (auto _ : state) benchmark::DoNotOptimize(::sched_yield());
}
BENCHMARK(BM_SchedYield);

void BM_SendAndRecv8Bytes(benchmark::State& state) {  // a reply over loopback, and reading it
  Pair p;
  char buf[64];
  for (auto _ : state) {
    benchmark::DoNotOptimize(::send(p.server, "STORED\r\n", 8, MSG_NOSIGNAL));
    benchmark::DoNotOptimize(::recv(p.client, buf, sizeof buf, 0));
  }
}
BENCHMARK(BM_SendAndRecv8Bytes);

}  // namespace

BENCHMARK_MAIN();
