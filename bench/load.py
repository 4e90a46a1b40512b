#!/usr/bin/env python3
"""Loads entries into a running apicached through POST /v1/cache/{ns}/_mset batches.

Keys are PREFIX<i> for i in [start, start + count); each value is SIZE bytes of UTF-8 text that
begins with the key (so a reader can check it) followed by random base64 (so it compresses about
as badly as real API answers do, not to nothing). Several keep-alive connections load disjoint
slices in parallel. Prints one JSON line: {"entries": .., "seconds": .., "entries_per_s": ..}.
Exits 1 on the first answer that is not 200.
"""
import argparse
import base64
import http.client
import json
import os
import sys
import threading
import time
import urllib.parse


def value_for(key, size):
    head = key + ":"
    fill = base64.b64encode(os.urandom(size * 3 // 4 + 3)).decode("ascii")
    return (head + fill)[:size]


def load_slice(url, ns, prefix, lo, hi, size, batch, ttl, errors):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    path = "/v1/cache/%s/_mset" % ns
    for first in range(lo, hi, batch):
        entries = []
        for i in range(first, min(first + batch, hi)):
            key = "%s%d" % (prefix, i)
            e = {"key": key, "value": value_for(key, size)}
            if ttl is not None:
                e["ttl"] = ttl
            entries.append(e)
        body = json.dumps({"entries": entries}, separators=(",", ":"))
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        text = resp.read()
        if resp.status != 200:
            errors.append("batch at %d: %d %s" % (first, resp.status, text[:300]))
            return
    conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--url", required=True, help="http://HOST:PORT")
    ap.add_argument("--ns", default="bench")
    ap.add_argument("--prefix", default="k")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--size", type=int, default=500, help="value bytes")
    ap.add_argument("--batch", type=int, default=1000, help="entries per _mset")
    ap.add_argument("--conns", type=int, default=2, help="parallel connections")
    ap.add_argument("--ttl", type=int, default=None, help="seconds; default: the daemon's")
    a = ap.parse_args()

    errors = []
    per = -(-a.count // a.conns)
    threads = []
    t0 = time.monotonic()
    for c in range(a.conns):
        lo = a.start + c * per
        hi = min(a.start + a.count, lo + per)
        if lo >= hi:
            break
        t = threading.Thread(target=load_slice,
                             args=(a.url, a.ns, a.prefix, lo, hi, a.size, a.batch, a.ttl, errors))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    if errors:
        print("load: " + errors[0], file=sys.stderr)
        return 1
    print(json.dumps({"entries": a.count, "seconds": round(secs, 3),
                      "entries_per_s": round(a.count / secs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
