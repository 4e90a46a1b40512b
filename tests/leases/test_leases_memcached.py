"""The memcached meta wrapper of docs/leases.md against the real apicached and, side by side,
the reference memcached 1.6: 40 concurrent misses of one key call the origin once."""
from __future__ import annotations

import socket

import pytest

from leaseclient import mc_get_or_fetch, run_parallel
from test_leases_http import Origin


def run(port, key, origin, n=40):
    files = [socket.create_connection(("127.0.0.1", port), timeout=30).makefile("rwb")
             for _ in range(n)]
    try:
        return run_parallel(n, lambda i: mc_get_or_fetch(files[i], key, origin, ttl=60))
    finally:
        for f in files:
            f.close()


# Also the regression test of a race: mg N's placeholder was created before its win was claimed,
# so a client whose mg landed between the two took the empty placeholder as a hit
# (CacheService::VivifyForMeta now does both as one step; its unit test forces the interleaving).
@pytest.mark.parametrize("which", ["apicached", "memcached"])
def test_concurrent_misses_call_the_origin_once_over_meta(daemon, reference, which):
    port = daemon.mc_port if which == "apicached" else reference.port
    origin = Origin(b"tax-id 20999999999", 0.3)
    assert run(port, b"mc_ruc", origin) == [b"tax-id 20999999999"] * 40
    assert origin.calls == 1


def test_a_stale_item_is_served_while_one_client_refreshes(daemon):
    f = socket.create_connection(("127.0.0.1", daemon.mc_port), timeout=30).makefile("rwb")
    f.write(b"ms fx 4 T60\r\n3.71\r\nmd fx I\r\n")
    f.flush()
    assert f.readline() == b"HD\r\n" and f.readline() == b"HD\r\n"
    origin = Origin(b"3.72", 0.3)
    results = run(daemon.mc_port, b"fx", origin, n=10)
    assert origin.calls == 1
    assert sorted(results) == [b"3.71"] * 9 + [b"3.72"]
    f.close()
