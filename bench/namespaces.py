#!/usr/bin/env python3
"""Namespaces at scale against a running apicached (bench/namespaces.sh starts it).

Creates namespaces one by one (one PUT each) on one connection while two other connections
measure GET and PUT latency on an existing namespace (the GETs also separately while the first
`--window` namespaces are created: issue #12's "GET p99 while 200 namespaces are created"), and
samples the daemon's RSS and open file descriptors every `--every` namespaces. Then drops
`--drops` namespaces and times each. Prints one JSON object.
"""
import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse


def conn(url):
    u = urllib.parse.urlparse(url)
    return http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def request(c, method, path, body=None):
    c.request(method, path, body=body)
    r = c.getresponse()
    data = r.read()
    return r.status, data


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(len(s) * p / 100))], 3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--every", type=int, default=100)
    ap.add_argument("--drops", type=int, default=10)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--window", type=int, default=200)
    a = ap.parse_args()

    setup = conn(a.url)
    assert request(setup, "PUT", "/v1/cache/hot/k?ttl=0", b"v")[0] in (200, 201)
    stop = threading.Event()
    in_window = threading.Event()
    in_window.set()
    gets, puts, gets_window = [], [], []

    def sampler(method, out):
        c = conn(a.url)
        while not stop.is_set():
            t0 = time.perf_counter()
            status, _ = request(c, method, "/v1/cache/hot/k?ttl=0" if method == "PUT" else
                                "/v1/cache/hot/k", b"w" if method == "PUT" else None)
            ms = (time.perf_counter() - t0) * 1000
            if status not in (200, 201, 204):
                ms = 1e9
            out.append(ms)
            if method == "GET" and in_window.is_set():
                gets_window.append(ms)
            time.sleep(0.002)

    threads = [threading.Thread(target=sampler, args=("GET", gets)),
               threading.Thread(target=sampler, args=("PUT", puts))]
    for t in threads:
        t.start()
    creator = conn(a.url)
    samples = []
    window = []
    started = time.monotonic()
    base_rss, base_fds = rss_kb(a.pid), open_fds(a.pid)
    created = 0
    for i in range(a.count):
        t0 = time.perf_counter()
        status, body = request(creator, "PUT", f"/v1/cache/ns{i:05d}/k?ttl=0", b"v")
        ms = (time.perf_counter() - t0) * 1000
        if status != 201:
            raise SystemExit(f"creating ns{i}: {status} {body[:200]!r}")
        created += 1
        if created == a.window:
            in_window.clear()
        window.append(ms)
        if created % a.every == 0 or created == a.count:
            samples.append({"namespaces": created,
                            "create_ms_p50": pct(window, 50), "create_ms_max": round(max(window), 3),
                            "rss_kb": rss_kb(a.pid), "open_fds": open_fds(a.pid)})
            window = []
        if time.monotonic() - started > a.max_seconds:
            break
    create_seconds = time.monotonic() - started
    stop.set()
    for t in threads:
        t.join()
    drops = []
    for i in range(min(a.drops, created)):
        t0 = time.perf_counter()
        status, body = request(creator, "DELETE", f"/v1/cache/ns{i:05d}?drop=true")
        drops.append((time.perf_counter() - t0) * 1000)
        if status != 204:
            raise SystemExit(f"dropping ns{i}: {status} {body[:200]!r}")
    print(json.dumps({
        "created": created, "create_seconds": round(create_seconds, 2),
        "base_rss_kb": base_rss, "base_open_fds": base_fds, "samples": samples,
        "get_during_creation": {"n": len(gets), "p50_ms": pct(gets, 50), "p99_ms": pct(gets, 99),
                                "max_ms": round(max(gets), 3) if gets else None},
        "get_during_window": {"namespaces": min(a.window, created), "n": len(gets_window),
                              "p50_ms": pct(gets_window, 50), "p99_ms": pct(gets_window, 99),
                              "max_ms": round(max(gets_window), 3) if gets_window else None},
        "put_during_creation": {"n": len(puts), "p50_ms": pct(puts, 50), "p99_ms": pct(puts, 99),
                                "max_ms": round(max(puts), 3) if puts else None},
        "drop_ms": {"n": len(drops), "p50": pct(drops, 50), "max": round(max(drops), 3) if drops else None},
    }))


if __name__ == "__main__":
    main()
