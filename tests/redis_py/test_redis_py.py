"""redis-py 4.3.4 (Debian python3-redis, django-redis's client) against the subject: every
string command through its Python API, its exceptions, pipelines with and without a
transaction, WATCH-free MULTI/EXEC atomicity under concurrent writers, scan_iter, the Lock
(SET NX PX + Lua release) and RESP3 through a raw HELLO 3."""
import datetime
import threading
import time

import pytest

redis = pytest.importorskip("redis", reason="SKIPPED LOUDLY: Debian python3-redis is missing")


def test_get_set_options(client):
    assert client.get("k") is None
    assert client.set("k", b"\x00\xff") is True
    assert client.get("k") == b"\x00\xff"
    assert client.set("k", "v", nx=True) is None
    assert client.set("missing", "v", xx=True) is None
    assert client.set("k", "v2", xx=True, ex=100) is True
    assert 99 <= client.ttl("k") <= 100
    assert client.set("k", "v3", keepttl=True) is True
    assert 99 <= client.ttl("k") <= 100
    assert client.set("k", "v4", px=200000) is True
    assert 199000 <= client.pttl("k") <= 200000
    t = int(time.time()) + 500
    assert client.set("k", "v5", exat=t)
    assert client.expiretime("k") == t
    assert client.set("k", "v6", pxat=t * 1000, get=True) == b"v5"
    assert client.set("k", "v7", ex=datetime.timedelta(seconds=50))
    assert 49 <= client.ttl("k") <= 50
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'set' command$"):
        client.set("k", "v", ex=0)


def test_setex_psetex_setnx_getset_getdel_getex(client):
    assert client.setex("a", 100, "1") is True
    assert client.psetex("b", 100000, "2") is True
    assert client.setnx("c", "3") is True
    assert client.setnx("c", "4") is False
    assert client.getset("c", "5") == b"3"
    assert client.getdel("c") == b"5"
    assert client.getdel("c") is None
    assert client.getex("a", persist=True) == b"1"
    assert client.ttl("a") == -1
    assert client.getex("a", ex=30) == b"1"
    assert 29 <= client.ttl("a") <= 30
    assert client.getex("a", px=40000) == b"1"
    assert client.getex("a", exat=int(time.time()) + 60) == b"1"
    assert client.getex("a", pxat=int(time.time() * 1000) + 60000) == b"1"
    assert 58 <= client.ttl("a") <= 60
    with pytest.raises(redis.ResponseError, match="^invalid expire time in 'setex' command$"):
        client.setex("a", 0, "x")


def test_mget_mset_msetnx_del_unlink_exists(client):
    assert client.mset({"a": "1", "b": "2"}) is True
    assert client.mget(["a", "x", "b"]) == [b"1", None, b"2"]
    assert client.msetnx({"a": "9", "z": "9"}) is False
    assert client.msetnx({"y": "9", "z": "9"}) is True
    assert client.exists("a", "b", "y", "nope") == 3
    assert client.delete("a", "nope") == 1
    assert client.unlink("b", "y") == 2
    assert client.dbsize() == 1


def test_expire_family(client):
    client.set("k", "v")
    assert client.expire("k", 100) is True
    assert client.expire("k", 50, gt=True) is False
    assert client.expire("k", 50, lt=True) is True
    assert client.expire("k", 10, nx=True) is False
    assert client.expire("k", 10, xx=True) is True
    assert client.pexpire("k", 20000) is True
    assert 19 <= client.ttl("k") <= 20
    t = int(time.time()) + 300
    assert client.expireat("k", t) is True
    assert client.expiretime("k") == t
    assert client.pexpireat("k", t * 1000) is True
    assert client.persist("k") is True
    assert client.ttl("k") == -1 and client.pttl("k") == -1
    assert client.ttl("missing") == -2
    assert client.expire("missing", 10) is False


def test_counters(client):
    assert client.incr("n") == 1
    assert client.incrby("n", 9) == 10
    assert client.decr("n") == 9
    assert client.decrby("n", 10) == -1
    assert client.incrbyfloat("f", 1.5) == 1.5
    assert client.incrbyfloat("f", -0.25) == 1.25
    assert client.get("f") == b"1.25"
    client.set("s", "abc")
    with pytest.raises(redis.ResponseError, match="^value is not an integer or out of range$"):
        client.incr("s")
    with pytest.raises(redis.ResponseError, match="^value is not a valid float$"):
        client.incrbyfloat("s", 1)
    client.set("max", str(2 ** 63 - 1))
    with pytest.raises(redis.ResponseError, match="^increment or decrement would overflow$"):
        client.incr("max")


def test_append_strlen_type_keys_scan(client):
    assert client.append("k", "ab") == 2
    assert client.append("k", "cd") == 4
    assert client.strlen("k") == 4
    assert client.type("k") == b"string"
    assert client.type("missing") == b"none"
    client.mset({"migo:%d" % i: i for i in range(40)})
    assert sorted(client.keys("migo:1*")) == sorted(b"migo:%d" % i for i in [1] + list(range(10, 20)))
    assert set(client.scan_iter(match="migo:*", count=7)) == {b"migo:%d" % i for i in range(40)}
    assert set(client.scan_iter()) == {b"migo:%d" % i for i in range(40)} | {b"k"}


def test_flush_select_ping_echo_time_info(subject, client):
    client.set("a", "1")
    other = redis.Redis(host="127.0.0.1", port=subject.port, db=3)
    assert other.get("a") is None
    other.set("a", "3")
    assert client.get("a") == b"1"
    assert other.flushdb() is True
    assert client.get("a") == b"1"
    other.set("a", "3")
    assert client.flushall(asynchronous=True) is True
    assert other.get("a") is None
    other.close()
    assert client.ping() is True
    assert client.echo("hi") == b"hi"
    secs, micros = client.time()
    assert abs(secs + micros / 1e6 - time.time()) < 2
    info = client.info()
    assert "redis_version" in info and "keyspace_hits" in info and "connected_clients" in info
    assert "used_memory" in client.info("memory")


def test_client_name_id(client):
    assert client.client_setname("svc-1") is True
    assert client.client_getname() == "svc-1"
    assert isinstance(client.client_id(), int)


def test_response_errors_keep_the_connection(client):
    with pytest.raises(redis.ResponseError, match="^unknown command 'LPUSH'|WRONGTYPE"):
        client.set("str", "v")
        client.execute_command("LPUSH", "str", "x")
    with pytest.raises(redis.ResponseError, match="^wrong number of arguments for 'get'"):
        client.execute_command("GET")
    assert client.ping() is True


def test_pipeline_without_transaction(client):
    pipe = client.pipeline(transaction=False)
    for i in range(1000):
        pipe.set("p%d" % i, i)
    pipe.incr("p0")
    pipe.get("p999")
    out = pipe.execute()
    assert out[:1000] == [True] * 1000 and out[1000:] == [1, b"999"]


def test_transaction_pipeline_and_error(client):
    pipe = client.pipeline(transaction=True)
    pipe.set("a", "x").incr("a").set("b", "1")
    out = pipe.execute(raise_on_error=False)
    assert out[0] is True and isinstance(out[1], redis.ResponseError) and out[2] is True
    assert client.get("b") == b"1"


def test_multi_exec_is_atomic_under_concurrent_writers(subject, client):
    """Writers move 1 from x to y in MULTI/EXEC; a reader's MGET x y always sums to the start
    (no interleaving of a transaction's writes with another command)."""
    client.mset({"x": 1000, "y": 0})
    errors, stop = [], threading.Event()

    def writer():
        c = redis.Redis(host="127.0.0.1", port=subject.port)
        try:
            for _ in range(150):
                p = c.pipeline(transaction=True)
                p.decr("x").incr("y")
                p.execute()
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)
        finally:
            c.close()

    def reader():
        c = redis.Redis(host="127.0.0.1", port=subject.port)
        try:
            while not stop.is_set():
                x, y = c.mget("x", "y")
                if int(x) + int(y) != 1000:
                    errors.append(AssertionError("saw x=%s y=%s mid-transaction" % (x, y)))
                    return
        finally:
            c.close()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    r = threading.Thread(target=reader)
    r.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    stop.set()
    r.join(30)
    assert not errors, errors[:3]
    assert client.mget("x", "y") == [b"400", b"600"]


def test_lock(client):
    """redis-py's Lock: SET NX PX to take, a Lua script (EVALSHA) to release and extend."""
    lock = client.lock("migo:lock", timeout=10, blocking_timeout=5)
    assert lock.acquire() is True
    assert client.lock("migo:lock", timeout=10).acquire(blocking=False) is False
    assert lock.extend(5) is True
    lock.release()
    assert client.get("migo:lock") is None


def test_resp3_through_hello(subject):
    import resp
    c = resp.Conn(subject.address)
    c.call("FLUSHALL")
    assert c.call("HELLO", "3").startswith(b"%")
    assert c.call("GET", "nothing") == b"_\r\n"
    c.close()
