"""APICacheService beyond the guide's examples: value types, "cache is optional", key mapping."""
from __future__ import annotations

import logging
import socket

import pytest

from apicached import APICacheService, BadRequest, CacheUnavailable


def dead_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def test_value_types_round_trip(cache):
    values = {"d": {"a": [1, 2.5, None, True]}, "s": "caf\u00e9", "b": b"\x00\xff",
              "i": 42, "l": [1, "x"], "n": None}
    for k, v in values.items():
        assert cache.set(k, v, ttl=60)
    for k, v in values.items():
        assert cache.get(k, default="MISSING") == v
    assert cache.get("nope", default="MISSING") == "MISSING"


def test_non_json_values_need_pickle(cache, daemon):
    with pytest.raises(TypeError):
        cache.set("obj", {1, 2})
    pickled = APICacheService(daemon.url, pickle=True, fail_silently=False)
    assert pickled.set("obj", {1, 2})
    assert pickled.get("obj") == {1, 2}
    assert isinstance(cache.get("obj"), bytes)  # pickle off: the raw bytes, never unpickled


def test_key_mapping(cache):
    assert cache.split_key("migo:ruc_1") == ("migo", "ruc_1")
    assert cache.split_key("ruc_1") == ("default", "ruc_1")
    assert cache.split_key("Not A NS:x") == ("default", "Not A NS:x")
    assert cache.split_key("a:b:c") == ("a", "b:c")
    with pytest.raises(ValueError):
        cache.get_service_cache_key("Bad Service", "k")


def test_cache_is_optional_a_dead_daemon_reads_as_a_miss_and_is_logged(caplog):
    service = APICacheService(dead_url(), timeout=1)
    with caplog.at_level(logging.WARNING, logger="apicached"):
        assert service.get("migo:ruc_1") is None
        assert service.get("k", default="fallback") == "fallback"
        assert service.set("k", 1) is False
        assert service.delete("k") is False
        assert service.add_invalid_ruc("20000000000") is None
        assert service.is_ruc_invalid("20000000000") is False
        assert service.get_invalid_rucs() == {}
        assert service.get_statistics()["hits"] == 0
        assert service.clear_service_cache("migo") is False
    assert "get 'migo:ruc_1' failed, treated as a miss" in caplog.text
    health = service.get_health()
    assert health["status"] == "error" and "cannot reach apicached" in health["connection"]


def test_fail_silently_off_raises(daemon):
    with pytest.raises(CacheUnavailable):
        APICacheService(dead_url(), timeout=1, fail_silently=False).get("k")
    # Bad input always raises, failing silently or not.
    with pytest.raises(BadRequest):
        APICacheService(daemon.url).set("k", "v", ttl=-5)


def test_set_many_get_many_across_namespaces(cache):
    assert cache.set_many({"migo:a": 1, "migo:b": {"x": 2}, "plain": "t"}, ttl=60)
    assert cache.get_many(["migo:a", "migo:b", "plain", "migo:zz"]) == {
        "migo:a": 1, "migo:b": {"x": 2}, "plain": "t"}


def test_environment_configures_the_default_service(daemon, monkeypatch):
    monkeypatch.setenv("APICACHED_URL", daemon.url)
    service = APICacheService(fail_silently=False)
    assert service.set("env", "ok") and service.get("env") == "ok"
