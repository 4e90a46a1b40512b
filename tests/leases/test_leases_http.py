"""Leases over HTTP against the real binary: one origin call per miss however many readers,
a dead holder's lease running out, tokens that cannot overwrite newer values, and waits that
never hold up an I/O thread."""
from __future__ import annotations

import threading
import time

from mcservers import poll  # conftest puts tests/memcached_py on the path
from leaseclient import connect, get_or_fetch, lease_events, request, run_parallel


class Origin:
    """A slow origin that counts its calls."""

    def __init__(self, value: bytes, seconds: float) -> None:
        self.value = value
        self.seconds = seconds
        self.calls = 0
        self._mu = threading.Lock()

    def __call__(self) -> bytes:
        with self._mu:
            self.calls += 1
        time.sleep(self.seconds)  # the origin's latency, not a wait for an event
        return self.value


def run_clients(daemon, n, key, origin, **kw):
    conns = [connect(daemon) for _ in range(n)]
    try:
        return run_parallel(n, lambda i: get_or_fetch(conns[i], "leases", key, origin, **kw))
    finally:
        for c in conns:
            c.close()


def test_200_concurrent_misses_call_the_origin_once(daemon):
    origin = Origin(b"tax-id 20123456789", 0.3)
    before = lease_events(daemon, "leases", "coalesced")
    results = run_clients(daemon, 200, "ruc_1", origin)
    assert origin.calls == 1
    assert results == [b"tax-id 20123456789"] * 200
    assert lease_events(daemon, "leases", "granted") >= 1
    # Those that waited got the stored value (the others came after it was stored).
    assert lease_events(daemon, "leases", "coalesced") > before


def test_a_dead_holders_lease_runs_out_and_one_more_origin_call_follows(daemon):
    dead = connect(daemon)
    dead.request("GET", "/v1/cache/leases/ruc_2?lease=1")
    r = dead.getresponse()
    r.read()
    assert r.status == 404
    assert r.getheader("Apicached-Lease")
    assert "lease-granted" in r.getheader("Cache-Status")
    dead.close()  # the holder dies mid-fetch: it never stores
    origin = Origin(b"second try", 0.05)
    timeouts = lease_events(daemon, "leases", "timed_out")
    started = time.monotonic()
    results = run_clients(daemon, 50, "ruc_2", origin, lease=1, wait=5)
    assert origin.calls == 1, "exactly one more origin call after the lease ran out"
    assert results == [b"second try"] * 50
    assert time.monotonic() - started >= 0.5, "nobody fetched before the dead lease ran out"
    assert lease_events(daemon, "leases", "timed_out") == timeouts + 1


def test_a_held_lease_answers_at_once_without_wait(daemon):
    status, headers, _ = request(daemon, "GET", "/v1/cache/leases/ruc_3?lease=5")
    assert status == 404 and headers.get("Apicached-Lease")
    status, headers, _ = request(daemon, "GET", "/v1/cache/leases/ruc_3?lease=5")
    assert status == 404
    assert "Apicached-Lease" not in headers
    assert headers["Cache-Status"] == "apicached; fwd=miss; detail=lease-held"
    assert 1 <= int(headers["Retry-After"]) <= 5


def test_a_stale_or_foreign_token_cannot_overwrite_a_newer_value(daemon):
    status, headers, _ = request(daemon, "GET", "/v1/cache/leases/ruc_4?lease=5")
    token = headers["Apicached-Lease"]
    status, _, _ = request(daemon, "PUT", "/v1/cache/leases/ruc_4", body=b"foreign",
                           headers={"Apicached-Lease": str(int(token) ^ 1)})
    assert status == 412
    status, _, _ = request(daemon, "PUT", "/v1/cache/leases/ruc_4", body=b"newer")
    assert status == 201
    status, _, body = request(daemon, "PUT", "/v1/cache/leases/ruc_4", body=b"old fetch",
                              headers={"Apicached-Lease": token})
    assert status == 412, body
    assert request(daemon, "GET", "/v1/cache/leases/ruc_4")[2] == b"newer"
    status, _, _ = request(daemon, "PUT", "/v1/cache/leases/ruc_4", body=b"x",
                           headers={"Apicached-Lease": "not-a-number"})
    assert status == 400


def test_waiting_readers_do_not_hold_up_the_io_threads(daemon):
    status, headers, _ = request(daemon, "GET", "/v1/cache/leases/ruc_5?lease=30")
    token = headers["Apicached-Lease"]
    waiters = []
    for _ in range(20):  # more than the daemon's 2 I/O threads
        c = connect(daemon)
        c.request("GET", "/v1/cache/leases/ruc_5?lease=30&wait=20")
        waiters.append(c)
    started = time.monotonic()
    assert request(daemon, "PUT", "/v1/cache/leases/other", body=b"o")[0] in (201, 204)
    assert request(daemon, "GET", "/v1/cache/leases/other")[2] == b"o"
    assert time.monotonic() - started < 5
    assert request(daemon, "PUT", "/v1/cache/leases/ruc_5", body=b"filled",
                   headers={"Apicached-Lease": token})[0] == 201
    for c in waiters:
        r = c.getresponse()
        assert r.status == 200
        assert r.read() == b"filled"
        assert r.getheader("Cache-Status").startswith("apicached; fwd=miss; collapsed")
        c.close()


def test_bad_lease_parameters_are_400(daemon):
    for q in ("lease=-1", "lease=abc", "lease=1.2345", "wait=1", "lease=1&wait=61", "stale=2",
              "lease=100000"):
        status, headers, _ = request(daemon, "GET", f"/v1/cache/leases/k?{q}")
        assert status == 400, q
        assert headers["Content-Type"] == "application/problem+json"


def test_early_refresh_hands_one_reader_the_lease(daemon):
    assert request(daemon, "PUT", "/v1/cache/leases/rate?ttl=5", body=b"3.71")[0] == 201
    status, headers, body = request(daemon, "GET", "/v1/cache/leases/rate?refresh=10")
    assert status == 200 and body == b"3.71"
    assert headers["Cache-Status"] == "apicached; hit; ttl=5; detail=refresh"
    token = headers["Apicached-Lease"]
    status, headers, _ = request(daemon, "GET", "/v1/cache/leases/rate?refresh=10")
    assert status == 200 and "Apicached-Lease" not in headers
    assert headers["Cache-Status"] == "apicached; hit; ttl=5"
    assert request(daemon, "PUT", "/v1/cache/leases/rate?ttl=60", body=b"3.72",
                   headers={"Apicached-Lease": token})[0] == 204


def test_during_the_grace_readers_get_the_stale_value_at_once_while_one_refreshes(daemon):
    assert request(daemon, "PUT", "/v1/cache/leases/fx?ttl=1&grace=60", body=b"3.71")[0] == 201
    status, headers, body = request(daemon, "GET", "/v1/cache/leases/fx")
    assert status == 200 and headers["Cache-Control"] == "max-age=1"

    def stale():  # the TTL runs out within a second
        s, h, _ = request(daemon, "GET", "/v1/cache/leases/fx")
        return s == 404
    poll(stale, 10, "the TTL to run out")

    origin = Origin(b"3.72", 1.0)
    latencies = []
    lock = threading.Lock()

    def reader():
        conn = connect(daemon)
        started = time.monotonic()
        value = get_or_fetch(conn, "leases", "fx", origin, ttl=60, grace=60)
        took = time.monotonic() - started
        conn.close()
        with lock:
            latencies.append((value, took))

    stale_hits = lease_events(daemon, "leases", "stale_hit")
    threads = [threading.Thread(target=reader) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert origin.calls == 1, "exactly one refresh"
    refreshed = [t for v, t in latencies if v == b"3.72"]
    stale_reads = [t for v, t in latencies if v == b"3.71"]
    assert len(refreshed) == 1 and len(stale_reads) == 29
    assert max(stale_reads) < 0.5, f"stale reads waited for the origin: {max(stale_reads):.3f} s"
    assert lease_events(daemon, "leases", "stale_hit") == stale_hits + 30
    status, headers, body = request(daemon, "GET", "/v1/cache/leases/fx?stale=1")
    assert status == 200 and body == b"3.72"
    assert headers["Cache-Status"].startswith("apicached; hit; ttl=")


def test_a_stale_entry_is_marked_stale_and_gone_after_the_grace(daemon):
    assert request(daemon, "PUT", "/v1/cache/leases/g?ttl=1&grace=1", body=b"v")[0] == 201
    poll(lambda: request(daemon, "GET", "/v1/cache/leases/g")[0] == 404, 10, "the TTL")
    status, headers, body = request(daemon, "GET", "/v1/cache/leases/g?stale=1")
    if status == 200:  # still in the grace (it lasts one second)
        assert body == b"v"
        assert "detail=stale" in headers["Cache-Status"]
        assert headers["Cache-Status"].startswith("apicached; hit; ttl=-")
    poll(lambda: request(daemon, "GET", "/v1/cache/leases/g?stale=1")[0] == 404, 10, "the grace")
    assert request(daemon, "PUT", "/v1/cache/leases/g?grace=-1", body=b"v")[0] == 400
