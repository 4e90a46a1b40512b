"""Expiry edges on both servers: times already in the past, and short TTLs polled under a
deadline until the key is gone (no fixed sleep). Checked on each server by itself (the two are
not in step to the millisecond), with the same assertions."""
import time

import pytest

from redisservers import poll
from resp import Conn, parse

DEADLINE_S = 10.0


@pytest.fixture
def conns(pair):
    return [(side.server.name, side.conn) for side in (pair.ref, pair.sub)]


def gone(conn, key):
    return conn.call("EXISTS", key) == b":0\r\n"


@pytest.mark.parametrize("setter", [
    ("SET", "k", "v", "PX", "60"),
    ("PSETEX", "k", "60", "v"),
    ("SET", "k", "v", "PXAT", "{now_ms+60}"),
])
def test_short_ttl_expires(conns, setter):
    for name, c in conns:
        args = [str(int(time.time() * 1000) + 60) if a == "{now_ms+60}" else a for a in setter]
        start = time.monotonic()
        assert c.call(*args) == b"+OK\r\n", name
        poll(lambda: gone(c, "k"), DEADLINE_S, "%s to expire k" % name)
        assert time.monotonic() - start >= 0.05, "%s expired k before its 60 ms" % name
        assert c.call("GET", "k") == b"$-1\r\n", name
        assert c.call("TTL", "k") == b":-2\r\n", name
        assert parse(c.call("DBSIZE")) == 0, name


def test_pexpire_then_poll(conns):
    """A TTL of 80 ms: millisecond deadlines, PTTL at most 80."""
    for name, c in conns:
        c.call("SET", "k", "v")
        assert c.call("PEXPIRE", "k", "80") == b":1\r\n", name
        pttl = parse(c.call("PTTL", "k"))
        assert 0 < pttl <= 80, (name, pttl)
        poll(lambda: gone(c, "k"), DEADLINE_S, "%s to expire k" % name)
        assert c.call("INCR", "k") == b":1\r\n", name   # a fresh key, no TTL
        assert c.call("TTL", "k") == b":-1\r\n", name


@pytest.mark.parametrize("setter", [
    ("SET", "k", "v", "PXAT", "1"),
    ("SET", "k", "v", "EXAT", "1"),
    ("GETEX", "k", "PXAT", "1"),
    ("GETEX", "k", "EXAT", "1"),
    ("PEXPIREAT", "k", "1"),
    ("EXPIRE", "k", "-100"),
])
def test_time_in_the_past_deletes_at_once(conns, setter):
    for name, c in conns:
        c.call("SET", "k", "old")
        parse(c.call(*setter))
        assert c.call("GET", "k") == b"$-1\r\n", (name, setter)
        assert c.call("EXISTS", "k") == b":0\r\n", (name, setter)
        assert c.call("KEYS", "*") == b"*0\r\n", (name, setter)


def test_expired_key_is_missing_for_every_command(conns):
    for name, c in conns:
        c.call("SET", "n", "5", "PX", "30")
        c.call("SET", "s", "x", "PX", "30")
        poll(lambda: gone(c, "n") and gone(c, "s"), DEADLINE_S, "%s to expire" % name)
        assert c.call("INCR", "n") == b":1\r\n", name
        assert c.call("APPEND", "s", "y") == b":1\r\n", name
        assert parse(c.call("SCAN", "0", "COUNT", "100"))[1] in ([b"n", b"s"], [b"s", b"n"]), \
            name


def test_ttl_counts_down(conns):
    for name, c in conns:
        c.call("SET", "k", "v", "PX", "1500")
        first = parse(c.call("PTTL", "k"))
        poll(lambda: parse(c.call("PTTL", "k")) < first - 20, DEADLINE_S,
             "%s's PTTL to go down" % name)
        assert parse(c.call("TTL", "k")) in (0, 1, 2), name


def test_multi_sees_one_instant(conns):
    """A key that expires while a transaction is queued: the EXEC replies agree with each
    other (SET NX then GET)."""
    for name, c in conns:
        c.call("SET", "k", "old", "PX", "40")
        c.call("MULTI")
        c.call("SET", "k", "new", "NX")
        c.call("GET", "k")
        other = Conn(c.sock.getpeername())
        poll(lambda: gone(other, "k"), DEADLINE_S, "%s to expire k" % name)
        other.close()
        assert c.call("EXEC") == b"*2\r\n+OK\r\n$3\r\nnew\r\n", name
