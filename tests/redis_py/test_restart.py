"""Restarts: every acknowledged write survives a clean stop (SIGTERM) and a crash (SIGKILL) of
apicached, TTLs and deletes included, in every database; redis-server with no persistence (the
reference's setting here) comes back empty (asserted too, to document the difference). The
restarted server listens on the same port."""
import signal

import pytest

from conftest import started
import redisservers
from resp import Conn, cmd, parse

SIGNALS = {"SIGTERM": signal.SIGTERM, "SIGKILL": signal.SIGKILL}
N = 300
VALUE = bytes(range(256))


def write_acknowledged(server):
    """Writes through several commands, each reply read (so acknowledged) before the stop;
    returns {(db, key): value} of what must be there."""
    c = Conn(server.address)
    expect = {}
    pipeline = b"".join(cmd("SET", "r%d" % i, b"v%d-" % i + VALUE) for i in range(N))
    c.send(pipeline)
    assert c.read_replies(N) == [b"+OK\r\n"] * N
    for i in range(N):
        expect[(0, b"r%d" % i)] = b"v%d-" % i + VALUE
    assert c.call("DEL", "r1") == b":1\r\n"
    del expect[(0, b"r1")]
    assert c.call("INCRBY", "counter", "41") == b":41\r\n"
    assert c.call("INCR", "counter") == b":42\r\n"
    expect[(0, b"counter")] = b"42"
    assert c.call("APPEND", "r2", "<") == b":%d\r\n" % (len(expect[(0, b"r2")]) + 1)
    expect[(0, b"r2")] += b"<"
    assert c.call("SET", "ttl", "t", "EX", "1000") == b"+OK\r\n"
    expect[(0, b"ttl")] = b"t"
    assert c.call("MSET", "m1", "a", "m2", "b") == b"+OK\r\n"
    expect[(0, b"m1")], expect[(0, b"m2")] = b"a", b"b"
    assert c.call("MULTI") == b"+OK\r\n"
    c.call("SET", "tx1", "1")
    c.call("SET", "tx2", "2")
    assert c.call("EXEC") == b"*2\r\n+OK\r\n+OK\r\n"
    expect[(0, b"tx1")], expect[(0, b"tx2")] = b"1", b"2"
    assert c.call("SELECT", "2") == b"+OK\r\n"
    assert c.call("SET", "db2key", "two") == b"+OK\r\n"
    expect[(2, b"db2key")] = b"two"
    c.close()
    return expect


def read_all(server, expect):
    c = Conn(server.address)
    got = {}
    for db in sorted({db for db, _ in expect}):
        assert c.call("SELECT", db) == b"+OK\r\n"
        keys = [k for d, k in expect if d == db]
        values = parse(c.call("MGET", *keys))
        got.update({(db, k): v for k, v in zip(keys, values) if v is not None})
    c.close()
    return got


@pytest.mark.parametrize("sig", SIGNALS.values(), ids=SIGNALS.keys())
def test_subject_restart_keeps_acknowledged_writes(fresh_subject, sig):
    expect = write_acknowledged(fresh_subject)
    status = fresh_subject.stop(sig)
    if sig == signal.SIGTERM:
        assert status == 0, "clean stop exit status %r; log:\n%s" % (status, fresh_subject.log())
    fresh_subject.restart()
    got = read_all(fresh_subject, expect)
    if not fresh_subject.persistent:
        assert got == {}, "redis-server without persistence is not expected to keep anything"
        return
    lost = sorted(k for k in expect if got.get(k) != expect[k])
    assert not lost, ("%s lost or changed %d of %d acknowledged entries after %s: %r"
                      % (fresh_subject.name, len(lost), len(expect), sig.name, lost[:10]))
    c = Conn(fresh_subject.address)
    ttl = parse(c.call("TTL", "ttl"))
    assert 990 <= ttl <= 1000, ttl
    assert c.call("GET", "r1") == b"$-1\r\n"  # the delete survived too
    assert c.call("INCR", "counter") == b":43\r\n"
    c.close()


@pytest.mark.parametrize("sig", SIGNALS.values(), ids=SIGNALS.keys())
def test_redis_without_persistence_comes_back_empty(sig):
    """The difference apicached makes: redis-server --save '' --appendonly no loses all."""
    server = started(lambda: redisservers.RedisServer().start())
    try:
        expect = write_acknowledged(server)
        server.stop(sig)
        server.restart()
        assert read_all(server, expect) == {}
    finally:
        server.close()
