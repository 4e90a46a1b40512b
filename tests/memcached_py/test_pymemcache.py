"""pymemcache (Debian python3-pymemcache 3.5.2, what Django's PyMemcacheCache uses) against the
subject: every command the client has, its error exceptions, and the serde Django relies on.
pymemcache 3.5.2 has no gat or meta commands; test_*_compare.py cover those on raw sockets."""
import pickle

import pytest

pymemcache = pytest.importorskip(
    "pymemcache", reason="SKIPPED LOUDLY: python3-pymemcache is not installed; "
    "scripts/install-deps.sh test installs it")
from pymemcache import serde  # noqa: E402
from pymemcache.client.base import Client  # noqa: E402
from pymemcache.exceptions import (MemcacheClientError, MemcacheIllegalInputError,  # noqa: E402
                                   MemcacheServerError)


@pytest.fixture
def client(subject):
    c = Client(subject.address, default_noreply=False, connect_timeout=5, timeout=15)
    c.flush_all()
    yield c
    c.close()


def test_set_get_delete(client):
    assert client.set("k", b"v") is True
    assert client.get("k") == b"v"
    assert client.get("nope") is None
    assert client.get("nope", default=b"d") == b"d"
    assert client.delete("k") is True
    assert client.delete("k") is False
    assert client.get("k") is None


def test_set_many_get_many(client):
    values = {"key%d" % i: b"value%d" % i for i in range(150)}
    assert client.set_many(values) == []
    got = client.get_many(list(values) + ["missing1", "missing2"])
    assert got == values
    assert client.delete_many(list(values)[:50]) is True
    assert len(client.get_many(list(values))) == 100


def test_add_replace_append_prepend(client):
    assert client.add("k", b"1") is True
    assert client.add("k", b"2") is False
    assert client.replace("k", b"3") is True
    assert client.replace("nope", b"3") is False
    assert client.append("k", b">") is True
    assert client.prepend("k", b"<") is True
    assert client.get("k") == b"<3>"
    assert client.append("nope", b">") is False


def test_gets_cas(client):
    client.set("k", b"1")
    value, cas = client.gets("k")
    assert value == b"1"
    assert client.cas("k", b"2", cas) is True
    assert client.cas("k", b"3", cas) is False  # stale token: EXISTS
    assert client.get("k") == b"2"
    assert client.cas("nope", b"3", cas) is None  # NOT_FOUND
    many = client.gets_many(["k", "nope"])
    assert list(many) == ["k"] and many["k"][0] == b"2"


def test_incr_decr(client):
    client.set("n", b"10")
    assert client.incr("n", 5) == 15
    assert client.decr("n", 20) == 0
    assert client.incr("nope", 1) is None
    client.set("n", str(2 ** 64 - 1).encode())
    assert client.incr("n", 2) == 1
    client.set("s", b"abc")
    with pytest.raises(MemcacheClientError, match="non-numeric"):
        client.incr("s", 1)


def test_touch_and_expire(client):
    client.set("k", b"v")
    assert client.touch("k", 100) is True
    assert client.touch("nope", 100) is False
    assert client.get("k") == b"v"
    client.set("gone", b"v", expire=-1)
    assert client.get("gone") is None


def test_flags_round_trip(client):
    for flags in (0, 1, 2, 16, 2 ** 32 - 1):
        assert client.set("f%d" % flags, b"x", flags=flags) is True
    for flags in (0, 1, 2, 16, 2 ** 32 - 1):
        # the raw flags come back with gets on a serde-less client via _fetch_cmd's value
        c = Client(client.server, serde=FlagsSerde(), default_noreply=False)
        assert c.get("f%d" % flags) == (b"x", flags)
        c.close()


class FlagsSerde:
    def serialize(self, key, value):
        return value, 0

    def deserialize(self, key, value, flags):
        return value, flags


def test_pickle_serde_as_django_uses_it(subject):
    c = Client(subject.address, serde=serde.PickleSerde(pickle.HIGHEST_PROTOCOL),
               default_noreply=False)
    data = {"a": [1, 2, 3], "b": "ünï", "c": 1.5}
    values = [b"bytes\r\nwith crlf", "text", 42, data, None, True, 2 ** 70]
    for i, v in enumerate(values):
        assert c.set("p%d" % i, v) is True
    for i, v in enumerate(values):
        assert c.get("p%d" % i) == v
    c.close()


def test_binary_value(client):
    value = bytes(range(256)) * 100 + b"\r\nEND\r\n"
    assert client.set("bin", value) is True
    assert client.get("bin") == value


def test_value_of_1MiB_plus_1_is_refused_and_connection_usable(client):
    with pytest.raises(MemcacheServerError, match="object too large for cache"):
        client.set("big", b"x" * (1024 * 1024 + 1))
    assert client.set("after", b"ok") is True
    assert client.get("after") == b"ok"


def test_key_limits(client):
    assert client.set("k" * 250, b"x") is True
    assert client.get("k" * 250) == b"x"
    with pytest.raises(MemcacheIllegalInputError):
        client.set("k" * 251, b"x")  # pymemcache refuses it before sending


def test_noreply_is_pymemcache_default(subject):
    c = Client(subject.address)  # default_noreply=True, as Django's backend leaves it
    assert c.set("k", b"v") is True
    assert c.get("k") == b"v"  # answered in order after the noreply set
    c.close()


def test_flush_all_version_stats(client):
    client.set("k", b"v")
    assert client.flush_all() is True
    assert client.get("k") is None
    assert isinstance(client.version(), bytes) and client.version()
    stats = client.stats()
    for field in (b"curr_items", b"get_hits", b"get_misses", b"pid", b"uptime"):
        assert field in stats, stats
    settings = client.stats("settings")
    assert b"item_size_max" in settings


def test_quit(client):
    client.set("k", b"v")
    client.quit()
    assert client.get("k") == b"v"  # a new connection


def test_many_clients_see_one_store(subject):
    clients = [Client(subject.address, default_noreply=False) for _ in range(20)]
    for i, c in enumerate(clients):
        c.set("shared%d" % i, b"%d" % i)
    for c in clients:
        assert c.get_many(["shared%d" % i for i in range(20)]) == {
            "shared%d" % i: b"%d" % i for i in range(20)}
        c.close()
