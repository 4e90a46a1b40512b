#!/usr/bin/env python3
"""MULTI/EXEC of N SETs: time per EXEC and server CPU per EXEC, several binaries side by side.

Starts each apicached binary given (port 0, a temp data dir, --redis-listen 127.0.0.1:0), then
for each N runs ROUNDS transactions `MULTI; SET k<j> v (N times); EXEC` on one connection, each
sent in one write and answered before the next (so the figure is the latency of one EXEC, the
transaction's writes included), with WARMUP rounds first. Also `redis-server` (no persistence)
with --redis. Reports one JSON line per (binary, N): EXECs per second and the server's CPU ms per
EXEC (utime+stime from /proc/<pid>/stat). Bounded: one connection, ROUNDS per N, loopback only.
The client is Python: compare ratios between binaries in the same run.

  bench/redis_exec_bench.py --binary OLD --binary NEW [--n 1 10 100] [--rounds 2000] [--redis]
"""
import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time


def cpu_ms(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def start_apicached(binary, tmp):
    proc = subprocess.Popen([binary, "--config", "", "--listen", "127.0.0.1:0", "--data-dir",
                             os.path.join(tmp, "data"), "--redis-listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        m = re.search(r"redis listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    raise RuntimeError("%s: no redis listening line" % binary)


def start_redis(tmp):
    port_sock = socket.socket()
    port_sock.bind(("127.0.0.1", 0))
    port = port_sock.getsockname()[1]
    port_sock.close()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def command(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def run(port, pid, n, rounds, warmup):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    value = b"v" * 100
    answer_len = len(b"+OK\r\n" + b"+QUEUED\r\n" * n + b"*%d\r\n" % n + b"+OK\r\n" * n)

    def one(r):
        req = command("MULTI") + b"".join(command("SET", "k%d" % ((r * n + j) % 100000), value)
                                         for j in range(n)) + command("EXEC")
        sock.sendall(req)
        got = b""
        while len(got) < answer_len:
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed")
            got += chunk
        if not got.endswith(b"+OK\r\n"):
            raise RuntimeError("unexpected answer %r" % got[:200])

    for r in range(warmup):
        one(r)
    cpu0, t0 = cpu_ms(pid), time.perf_counter()
    for r in range(rounds):
        one(r)
    seconds, cpu = time.perf_counter() - t0, cpu_ms(pid) - cpu0
    sock.close()
    return {"execs_per_s": round(rounds / seconds), "server_cpu_ms_per_exec": round(cpu / rounds, 4)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", action="append", required=True)
    ap.add_argument("--n", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--rounds", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--redis", action="store_true", help="also redis-server, no persistence")
    args = ap.parse_args()
    subjects = [(b, lambda tmp, b=b: start_apicached(b, tmp)) for b in args.binary]
    if args.redis and shutil.which("redis-server"):
        subjects.append(("redis-server", start_redis))
    for name, start in subjects:
        tmp = tempfile.mkdtemp(prefix="exec-bench-")
        proc, port = start(tmp)
        try:
            for n in args.n:
                print(json.dumps(dict(subject=name, n=n, rounds=args.rounds,
                                      **run(port, proc.pid, n, args.rounds, args.warmup))),
                      flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
