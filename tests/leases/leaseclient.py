"""The wrappers of docs/leases.md (loaded from the guide itself) and small HTTP helpers."""
from __future__ import annotations

import http.client
import os
import re
import threading
import time
import traceback

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "leases.md")


def doc_snippets():
    """The Python blocks of docs/leases.md, run: the guide's code is the code the tests use."""
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 2, "docs/leases.md should hold the HTTP and the memcached wrapper"
    namespace = {"time": time}
    for block in blocks:
        exec(compile(block, DOC, "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace


_SNIPPETS = doc_snippets()
get_or_fetch = _SNIPPETS["get_or_fetch"]
mc_get_or_fetch = _SNIPPETS["mc_get_or_fetch"]


def connect(daemon, timeout=30.0):
    return http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=timeout)


def request(daemon, method, path, body=None, headers=None):
    c = connect(daemon)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def metrics(daemon):
    _, _, body = request(daemon, "GET", "/metrics")
    return body.decode()


def sample(daemon, series):
    """The value of one series ("name{labels}" as /metrics writes it), or None when absent."""
    prefix = series + " "
    for line in metrics(daemon).splitlines():
        if line.startswith(prefix):
            return float(line[len(prefix):])
    return None


def lease_events(daemon, ns, event, protocol="http"):
    value = sample(daemon, f'apicached_cache_lease_events_total{{cache_namespace="{ns}",'
                           f'event="{event}",protocol="{protocol}"}}')
    return 0.0 if value is None else value


def lease_waiters(daemon):
    """Readers parked now on another's fetch (the apicached_cache_lease_waiters gauge)."""
    value = sample(daemon, "apicached_cache_lease_waiters")
    assert value is not None, "no apicached_cache_lease_waiters in /metrics"
    return value


def run_parallel(n, call):
    """call(i) on n threads released together; their results in order. Raises on any error."""
    results, errors = [None] * n, []
    barrier = threading.Barrier(n)

    def worker(i):
        try:
            barrier.wait(30)
            results[i] = call(i)
        except Exception:  # noqa: BLE001 - reported below, with where it was raised
            errors.append("call %d: %s" % (i, traceback.format_exc(limit=-4)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors[:5]
    return results
