"""The memcached meta wrapper of docs/leases.md against the real apicached and, side by side,
the reference memcached 1.6: 40 concurrent misses of one key call the origin once."""
from __future__ import annotations

import socket
import threading

import pytest

from leaseclient import mc_get_or_fetch, run_parallel
from test_leases_http import Origin


class Answered:
    """Counts the clients that have read a first answer line (memcached has no waiters to see
    on the server: a client that met another's fetch polls)."""

    def __init__(self) -> None:
        self.clients = 0
        self._mu = threading.Lock()

    def all(self, n):
        return lambda: self.clients >= n

    def wrap(self, f):
        answered = self

        class File:
            first = True

            def write(self, data):
                return f.write(data)

            def flush(self):
                return f.flush()

            def read(self, size):
                return f.read(size)

            def readline(self):
                line = f.readline()
                if self.first:
                    self.first = False
                    with answered._mu:
                        answered.clients += 1
                return line

        return File()


def run(port, key, value, n=40):
    """n clients of the wrapper on one key; the fetch ends once all n had a first answer."""
    answered = Answered()
    origin = Origin(value, answered.all(n))
    files = [socket.create_connection(("127.0.0.1", port), timeout=30).makefile("rwb")
             for _ in range(n)]
    try:
        wrapped = [answered.wrap(f) for f in files]
        return origin, run_parallel(n, lambda i: mc_get_or_fetch(wrapped[i], key, origin,
                                                                 ttl=60))
    finally:
        for f in files:
            f.close()


# Also the regression test of a race: mg N's placeholder was created before its win was claimed,
# so a client whose mg landed between the two took the empty placeholder as a hit
# (CacheService::VivifyForMeta now does both as one step; its unit test forces the interleaving).
@pytest.mark.parametrize("which", ["apicached", "memcached"])
def test_concurrent_misses_call_the_origin_once_over_meta(daemon, reference, which):
    port = daemon.mc_port if which == "apicached" else reference.port
    origin, results = run(port, b"mc_ruc", b"tax-id 20999999999")
    assert results == [b"tax-id 20999999999"] * 40
    assert origin.calls == 1


def test_a_stale_item_is_served_while_one_client_refreshes(daemon):
    f = socket.create_connection(("127.0.0.1", daemon.mc_port), timeout=30).makefile("rwb")
    f.write(b"ms fx 4 T60\r\n3.71\r\nmd fx I\r\n")
    f.flush()
    assert f.readline() == b"HD\r\n" and f.readline() == b"HD\r\n"
    origin, results = run(daemon.mc_port, b"fx", b"3.72", n=10)
    assert origin.calls == 1
    assert sorted(results) == [b"3.71"] * 9 + [b"3.72"]
    f.close()
