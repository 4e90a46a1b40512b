"""Leases over HTTP against the real binary: one origin call per miss however many readers,
a dead holder's lease running out, tokens that cannot overwrite newer values, and waits that
never hold up an I/O thread."""
from __future__ import annotations

import threading
import time

from mcservers import poll  # conftest puts tests/memcached_py on the path
from leaseclient import (connect, get_or_fetch, lease_events, lease_waiters, request,
                         run_parallel)


class Origin:
    """An origin that counts its calls and answers only once until() is true: the test, not a
    latency on the clock, decides that every other client has been seen waiting (or answered)
    before the fetch ends. until() is polled with a deadline; past it the call raises."""

    def __init__(self, value: bytes, until=lambda: True, deadline_s: float = 30) -> None:
        self.value = value
        self.until = until
        self.deadline_s = deadline_s
        self.calls = 0
        self._mu = threading.Lock()

    def __call__(self) -> bytes:
        with self._mu:
            self.calls += 1
        poll(self.until, self.deadline_s, "the origin's release")
        return self.value


def run_clients(daemon, n, key, origin, **kw):
    conns = [connect(daemon) for _ in range(n)]
    try:
        return run_parallel(n, lambda i: get_or_fetch(conns[i], "leases", key, origin, **kw))
    finally:
        for c in conns:
            c.close()


def test_200_concurrent_misses_call_the_origin_once(daemon):
    # The fetch ends once the 199 others are parked on it (wait=10 outlasts the poll's 8 s).
    origin = Origin(b"tax-id 20123456789", lambda: lease_waiters(daemon) >= 199, 8)
    before = lease_events(daemon, "leases", "coalesced")
    results = run_clients(daemon, 200, "ruc_1", origin)
    assert origin.calls == 1
    assert results == [b"tax-id 20123456789"] * 200
    assert lease_events(daemon, "leases", "granted") >= 1
    # Every one of them got the value the fetcher stored, and nobody is left waiting.
    assert lease_events(daemon, "leases", "coalesced") == before + 199
    assert lease_waiters(daemon) == 0


def test_a_dead_holders_lease_runs_out_and_one_more_origin_call_follows(daemon):
    dead = connect(daemon)
    dead.request("GET", "/v1/cache/leases/ruc_2?lease=1")
    r = dead.getresponse()
    r.read()
    assert r.status == 404
    assert r.getheader("Apicached-Lease")
    assert "lease-granted" in r.getheader("Cache-Status")
    dead.close()  # the holder dies mid-fetch: it never stores
    # The new holder's fetch ends once the 49 others wait on it (after the dead lease ran out).
    # The readers ask for a 5 s lease of their own: a new holder slowed by a loaded machine
    # keeps its lease through the fetch (with 1 s, another reader could take over after it).
    origin = Origin(b"second try", lambda: lease_waiters(daemon) >= 49, 4)
    timeouts = lease_events(daemon, "leases", "timed_out")
    started = time.monotonic()
    results = run_clients(daemon, 50, "ruc_2", origin, lease=5, wait=5)
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

    values = []
    lock = threading.Lock()

    def stale_readers_done():
        with lock:
            return values.count(b"3.71") == 29

    # The refresh ends only after the 29 others got the stale value: had they waited for it,
    # neither would finish and the origin call would raise at its deadline.
    origin = Origin(b"3.72", stale_readers_done)

    def reader():
        conn = connect(daemon)
        value = get_or_fetch(conn, "leases", "fx", origin, ttl=60, grace=60)
        conn.close()
        with lock:
            values.append(value)

    stale_hits = lease_events(daemon, "leases", "stale_hit")
    threads = [threading.Thread(target=reader) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert origin.calls == 1, "exactly one refresh"
    assert sorted(values) == [b"3.71"] * 29 + [b"3.72"]
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
