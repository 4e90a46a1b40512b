"""The HTTP client against the real daemon: every route family, errors, the pool."""
from __future__ import annotations

import socket
import ssl
import threading

import pytest

from apicached import (BadRequest, CacheUnavailable, Client, Conflict, NotFound,
                       PayloadTooLarge, PreconditionFailed)


def test_put_get_delete_round_trip_exact_bytes(client):
    key = "k/ey with spaces+caf\u00e9"
    assert client.put("pyc", key, b"\x00\xff bytes", ttl=60, content_type="image/png") is True
    assert client.put("pyc", key, b"\x00\xff bytes", ttl=60, content_type="image/png") is False
    entry = client.get("pyc", key)
    assert entry.value == b"\x00\xff bytes"
    assert entry.content_type == "image/png"
    assert 0 < entry.ttl <= 60
    assert entry.etag.startswith('"')
    assert client.delete("pyc", key) is True
    assert client.delete("pyc", key) is False
    assert client.get("pyc", key) is None


def test_conditions(client):
    assert client.add("pyc", "c", b"1") is True
    assert client.add("pyc", "c", b"2") is False
    etag = client.get("pyc", "c").etag
    assert client.put("pyc", "c", b"3", if_match=etag) is False  # replaced
    with pytest.raises(PreconditionFailed) as e:
        client.put("pyc", "c", b"4", if_match=etag)  # the ETag changed
    assert e.value.status == 412
    assert client.get("pyc", "c").value == b"3"


def test_incr_touch_and_conflict(client):
    assert client.incr("pyc", "n", 5, ttl=60) == 5
    assert client.incr("pyc", "n", -2) == 3
    client.put("pyc", "text", b"abc")
    with pytest.raises(Conflict):
        client.incr("pyc", "text")
    assert client.touch("pyc", "n", ttl=0) is True
    assert client.get("pyc", "n").ttl is None  # never expires now
    assert client.touch("pyc", "absent") is False


def test_batches(client):
    assert client.mset("pyb", [("a", b"\x00\x01", "application/octet-stream", 60),
                               ("b", b'{"x":1}', "application/json", None),
                               ("c", "\u00e9".encode(), "text/plain; charset=utf-8", 0)]) == 3
    found = client.mget("pyb", ["a", "b", "c", "zz"])
    assert found["a"].value == b"\x00\x01"
    assert found["b"].value == b'{"x":1}'
    assert found["c"].value == "\u00e9".encode()
    assert "zz" not in found
    assert client.mdelete("pyb", ["a", "b", "zz"]) == 2


def test_namespaces_and_prefix_clear(client):
    for i in range(5):
        client.put("pyns", f"ruc_{i}", b"x")
    client.put("pyns", "other", b"x")
    assert client.clear_namespace("pyns", prefix="ruc_") == 5
    assert client.get("pyns", "other") is not None
    assert any(ns["name"] == "pyns" for ns in client.namespaces())
    assert client.namespace("pyns")["name"] == "pyns"
    assert client.namespace("never-written") is None
    client.clear_namespace("pyns")
    assert client.get("pyns", "other") is None


def test_errors_are_typed_and_carry_the_problem_detail(client):
    with pytest.raises(BadRequest) as e:
        client.put("Bad Name", "k", b"v")
    assert e.value.status == 400 and "namespace" in str(e.value).lower()
    with pytest.raises(BadRequest):
        client.put("pyc", "k", b"v", ttl=-1)
    with pytest.raises(PayloadTooLarge):
        client.put("pyc", "big", b"x" * (1024 * 1024 + 1))
    with pytest.raises(NotFound):
        client._call("GET", "/v1/nothing-here", (200,))


def test_invalid_ids_and_ruc_check(client):
    rec = client.report_invalid("pylist", "ID-1", "NOT_FOUND", ttl=60)
    assert rec["attempts"] == 1 and rec["reason"] == "NOT_FOUND"
    assert client.report_invalid("pylist", "ID-1", "GONE")["attempts"] == 2
    assert client.invalid_record("pylist", "ID-1")["reason"] == "GONE"
    for i in range(5):
        client.report_invalid("pylist", f"ID-x{i}", "NOT_FOUND")
    assert len(dict(client.invalid_records("pylist", page_size=2))) == 6  # paged
    assert client.forget_invalid("pylist", "ID-1") is True
    assert client.invalid_record("pylist", "ID-1") is None
    ruc = client.check_ruc("20131312955")
    assert ruc["valid_format"] is True and ruc["invalid"] is None
    bad = client.check_ruc("20512333798", record=True)
    assert bad["reason"] == "BAD_CHECK_DIGIT" and bad["invalid"]["reason"] == "INVALID_FORMAT"


def test_figures(client):
    health = client.health()
    # The test daemon has no free-disk floor (daemon.py), so a nearly full /tmp is no "degraded".
    assert health["checks"]["min_free_disk_bytes"] == 0, health
    assert health["status"] == "healthy", health
    assert "apicached_http_requests_total" in client.metrics()
    assert set(client.stats()) >= {"hits", "misses", "hit_rate", "service_breakdown"}
    assert "namespaces_checked" in client.compact()


def test_pool_reuses_connections_and_is_thread_safe(daemon):
    c = Client(daemon.url, pool_size=4)
    errors = []

    def work(t):
        try:
            for i in range(50):
                c.put("pypool", f"{t}-{i}", b"v")
                assert c.get("pypool", f"{t}-{i}").value == b"v"
        except Exception as e:  # reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert 1 <= len(c._idle) <= 4
    c.close()
    assert c._idle == []


def test_a_connection_the_daemon_closed_is_replaced(daemon):
    c = Client(daemon.url, pool_size=1)
    c.put("pypool", "k", b"v")
    conn = c._idle[0]
    conn.sock.shutdown(socket.SHUT_RDWR)  # as if the daemon had dropped it
    assert c.get("pypool", "k").value == b"v"


def test_unreachable_daemon_raises_cache_unavailable():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(CacheUnavailable) as e:
        Client(f"http://127.0.0.1:{port}", timeout=2).get("ns", "k")
    assert "cannot reach apicached" in str(e.value)


def test_timeout_raises_cache_unavailable():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts (in the backlog) but never answers
    try:
        with pytest.raises(CacheUnavailable) as e:
            Client(f"http://127.0.0.1:{server.getsockname()[1]}", timeout=0.2).get("ns", "k")
        assert "no answer within 0.2 s" in str(e.value)
    finally:
        server.close()


def test_bad_urls_are_refused():
    for url in ("ftp://x:1", "127.0.0.1:7431", "http://h:1/?q=1"):
        with pytest.raises(ValueError):
            Client(url)
    with pytest.raises(ValueError):  # an SSL context for a clear-text URL
        Client("http://h:1", ssl_context=ssl.create_default_context())
