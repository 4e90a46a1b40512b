#!/usr/bin/env python3
"""A hot key expiring under load, with and without leases (docs/leases.md "Measured").

Starts the apicached binary (port 0, a temp data dir), then for each mode runs CONNS keep-alive
connections that read one key in a loop for SECONDS, filling it on a miss from an origin that
takes ORIGIN_MS; the key lives TTL seconds, so it expires about SECONDS/TTL times per mode:

  plain   GET; on 404 call the origin and PUT (every reader that misses calls it)
  lease   GET ?lease&wait: one reader fetches, the others wait for its value
  stale   GET ?lease&wait&stale=1, PUT ?grace: past the TTL readers get the old value at once,
          the one holding the refresh lease refreshes in the background

Reports per mode: origin calls per expiry, and the read p99 during a refill (reads that began
between an expiry and the PUT that refilled it) against the steady p99 (all other reads), as
one JSON line each. Bounded: CONNS threads, SECONDS per mode, loopback only.
The client is Python (GIL-bound): latencies include its overhead; compare the modes' ratios.

  bench/leases_bench.py --binary build/daemon/apicached [--conns 50] [--seconds 8] [--ttl 1]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time


def start(binary):
    data = tempfile.mkdtemp(prefix="apicached-leases-bench-")
    proc = subprocess.Popen([binary, "--config", "", "--listen", "127.0.0.1:0", "--data-dir",
                             os.path.join(data, "db")], stderr=subprocess.PIPE)
    line = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(rb"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return proc, int(m.group(1)), data
    proc.kill()
    raise SystemExit("apicached did not start: %r" % line)


def p99(values):
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * 0.99))]


def run_mode(port, mode, conns, seconds, ttl, origin_ms):
    key = "/v1/cache/bench/hot_%s" % mode
    lock = threading.Lock()
    origin_calls = [0]
    puts = []  # monotonic times of completed fills
    reads = []  # (start, latency)
    stop_at = time.monotonic() + seconds
    q = "?lease=5&wait=2" + ("&stale=1" if mode == "stale" else "") if mode != "plain" else ""
    put_q = "?ttl=%d" % ttl + ("&grace=30" if mode == "stale" else "")

    def origin():
        with lock:
            origin_calls[0] += 1
        time.sleep(origin_ms / 1000.0)  # the origin's latency
        return b"x" * 200

    def fill(conn, token):
        value = origin()
        headers = {"Apicached-Lease": token} if token else {}
        conn.request("PUT", key + put_q, body=value, headers=headers)
        r = conn.getresponse()
        r.read()
        if r.status in (201, 204):
            with lock:
                puts.append(time.monotonic())

    def reader():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            t0 = time.monotonic()
            conn.request("GET", key + q)
            r = conn.getresponse()
            r.read()
            token = r.getheader("Apicached-Lease")
            if r.status == 200 and token:  # stale with the refresh lease: refresh aside
                c2 = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                threading.Thread(target=lambda: (fill(c2, token), c2.close())).start()
            elif r.status == 404 and (mode == "plain" or token):
                fill(conn, token)
            elif r.status == 404:
                continue  # wait ran out: ask again (not a completed read)
            with lock:
                reads.append((t0, time.monotonic() - t0))
        conn.close()

    threads = [threading.Thread(target=reader) for _ in range(conns)]
    begin = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.2)  # let a background refresh finish before the next mode
    # Fills within ttl/2 of each other answer one expiry (plain mode: every reader that missed
    # fills). A refill window runs from an expiry (the last fill before it + ttl) to the first
    # fill after it.
    clusters = []
    for t in sorted(puts):
        if clusters and t - clusters[-1][-1] < ttl / 2:
            clusters[-1].append(t)
        else:
            clusters.append([t])
    windows = [(a[-1] + ttl, b[0]) for a, b in zip(clusters, clusters[1:])]
    during, steady = [], []
    for t0, lat in reads:
        (during if any(a <= t0 <= b for a, b in windows) else steady).append(lat)
    expiries = max(1, len(windows))
    return {
        "mode": mode,
        "conns": conns,
        "seconds": seconds,
        "ttl": ttl,
        "origin_ms": origin_ms,
        "reads": len(reads),
        "reads_per_s": round(len(reads) / (time.monotonic() - begin), 1),
        "expiries": len(windows),
        "origin_calls": origin_calls[0],
        "origin_calls_per_expiry": round(
            (origin_calls[0] - (len(clusters[0]) if clusters else 0)) / expiries, 2),
        "steady_p99_ms": round(1000 * p99(steady), 2) if steady else None,
        "refill_p99_ms": round(1000 * p99(during), 2) if during else None,
        "refill_reads": len(during),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", default="build/daemon/apicached")
    ap.add_argument("--conns", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--ttl", type=int, default=1)
    ap.add_argument("--origin-ms", type=int, default=50)
    ap.add_argument("--modes", default="plain,lease,stale")
    a = ap.parse_args()
    proc, port, data = start(a.binary)
    try:
        for mode in a.modes.split(","):
            r = run_mode(port, mode, a.conns, a.seconds, a.ttl, a.origin_ms)
            if r["steady_p99_ms"] and r["refill_p99_ms"]:
                r["refill_over_steady"] = round(r["refill_p99_ms"] / r["steady_p99_ms"], 2)
            print(json.dumps(r), flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
