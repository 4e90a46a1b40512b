"""The string commands byte for byte: the same request bytes to redis-server 7.0 and to the
subject, identical replies (every option, every error string). Where the content may legitimately
differ (a TTL ticking between the two servers' clocks), the test says how it normalises."""
import re
import time

import pytest

from conftest import is_apicached
from resp import cmd, parse

BINARY = bytes(range(256)) + b"\r\n$-1\r\n*3\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
SYNTAX = b"-ERR syntax error\r\n"


def arity(name):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % name


def seconds_slack(reply):
    """An integer reply within a second of another: the last digit is hidden for TTLs of 100 s+
    (the two servers' clocks tick at different moments)."""
    m = re.match(rb"^:(\d+)\r\n$", reply)
    if m and int(m.group(1)) > 10:
        return b":~%d\r\n" % ((int(m.group(1)) + 1) // 10)
    return reply


def ms_slack(reply):
    """A PTTL reply bucketed to a second (the servers answer a few ms apart)."""
    m = re.match(rb"^:(\d+)\r\n$", reply)
    if m and int(m.group(1)) > 1000:
        return b":~%ds\r\n" % ((int(m.group(1)) + 500) // 1000)
    return reply


def future_s(delta=1000):
    return int(time.time()) + delta


# --- GET / SET --------------------------------------------------------------------------------

def test_get_missing_and_set_get(pair):
    pair.check("GET", "k", expect=b"$-1\r\n")
    pair.check("SET", "k", "v", expect=b"+OK\r\n")
    pair.check("GET", "k", expect=b"$1\r\nv\r\n")


def test_binary_and_empty_values(pair):
    pair.check("SET", BINARY, BINARY, expect=b"+OK\r\n")
    pair.check("GET", BINARY, expect=b"$%d\r\n%s\r\n" % (len(BINARY), BINARY))
    pair.check("SET", "k", "", expect=b"+OK\r\n")
    pair.check("GET", "k", expect=b"$0\r\n\r\n")


EMPTY_KEY = b"-ERR invalid key or value for apicached (keys are 1 to max-key-bytes bytes)\r\n"


@pytest.mark.parametrize("command", [("SET", "", "v"), ("GET", ""), ("DEL", ""),
                                     ("EXISTS", ""), ("MSET", "", "v"), ("INCR", "")])
def test_empty_key(pair, command):
    """Redis takes the empty key; apicached's store has no empty key, a documented difference
    (docs/redis.md): every command naming it answers apicached's error, the connection stays."""
    ref = pair.ref.conn.call(*command)
    assert not ref.startswith(b"-"), ref
    sub = pair.sub.conn.call(*command)
    if is_apicached():
        assert sub == EMPTY_KEY, sub
        assert pair.sub.conn.call("PING") == b"+PONG\r\n"
    else:
        assert sub == ref


def test_large_value(pair):
    big = bytes(range(256)) * 4096  # 1 MiB
    pair.check("SET", "big", big, expect=b"+OK\r\n")
    pair.check("GET", "big")
    pair.check("STRLEN", "big", expect=b":1048576\r\n")


@pytest.mark.parametrize("args,expect", [
    (("EX", "100"), b"+OK\r\n"),
    (("PX", "100000"), b"+OK\r\n"),
    (("ex", "100"), b"+OK\r\n"),
    (("EX", "0"), b"-ERR invalid expire time in 'set' command\r\n"),
    (("EX", "-5"), b"-ERR invalid expire time in 'set' command\r\n"),
    (("PX", "0"), b"-ERR invalid expire time in 'set' command\r\n"),
    (("EX", "abc"), NOT_INT),
    (("EX", "1.5"), NOT_INT),
    (("EX",), SYNTAX),
    (("EX", "10", "PX", "100"), SYNTAX),
    (("EX", "10", "EX", "10"), b"+OK\r\n"),  # Redis accepts a repeated option
    (("NX", "XX"), SYNTAX),
    (("KEEPTTL", "EX", "10"), SYNTAX),
    (("BOGUS",), SYNTAX),
    (("EX", "9223372036854775807"), b"-ERR invalid expire time in 'set' command\r\n"),
])
def test_set_options_and_errors(pair, args, expect):
    pair.check("SET", "k", "v", *args, expect=expect)
    pair.check("TTL", "k", normalise=seconds_slack)


def test_set_exat_pxat(pair):
    t = future_s()
    pair.check("SET", "a", "v", "EXAT", t, expect=b"+OK\r\n")
    pair.check("EXPIRETIME", "a", expect=b":%d\r\n" % t)
    pair.check("SET", "b", "v", "PXAT", t * 1000 + 1, expect=b"+OK\r\n")
    pair.check("EXPIRETIME", "b", expect=b":%d\r\n" % t)
    pair.check("SET", "c", "v", "EXAT", 0, expect=b"-ERR invalid expire time in 'set' command\r\n")


def test_set_nx_xx(pair):
    pair.check("SET", "k", "1", "XX", expect=b"$-1\r\n")
    pair.check("GET", "k", expect=b"$-1\r\n")
    pair.check("SET", "k", "1", "NX", expect=b"+OK\r\n")
    pair.check("SET", "k", "2", "NX", expect=b"$-1\r\n")
    pair.check("SET", "k", "3", "XX", expect=b"+OK\r\n")
    pair.check("GET", "k", expect=b"$1\r\n3\r\n")


def test_set_keepttl_and_get(pair):
    pair.check("SET", "k", "1", "EX", "1000")
    pair.check("SET", "k", "2", "KEEPTTL", expect=b"+OK\r\n")
    pair.check("TTL", "k", normalise=seconds_slack)
    pair.check("SET", "k", "3", expect=b"+OK\r\n")
    pair.check("TTL", "k", expect=b":-1\r\n")
    pair.check("SET", "k", "4", "GET", expect=b"$1\r\n3\r\n")
    pair.check("SET", "new", "x", "GET", expect=b"$-1\r\n")
    pair.check("SET", "k", "5", "NX", "GET", expect=b"$1\r\n4\r\n")
    pair.check("SET", "k", "6", "XX", "GET", "EX", "100", expect=b"$1\r\n4\r\n")
    pair.check("GET", "k", expect=b"$1\r\n6\r\n")


def test_set_arity(pair):
    pair.check("SET", "k", expect=arity(b"set"))
    pair.check("GET", expect=arity(b"get"))
    pair.check("GET", "a", "b", expect=arity(b"get"))


# --- the other setters and getters ------------------------------------------------------------

def test_setex_psetex(pair):
    pair.check("SETEX", "k", "100", "v", expect=b"+OK\r\n")
    pair.check("TTL", "k", normalise=seconds_slack)
    pair.check("SETEX", "k", "0", "v", expect=b"-ERR invalid expire time in 'setex' command\r\n")
    pair.check("SETEX", "k", "x", "v", expect=NOT_INT)
    pair.check("PSETEX", "p", "100000", "v", expect=b"+OK\r\n")
    pair.check("PTTL", "p", normalise=ms_slack)
    pair.check("PSETEX", "p", "-1", "v",
               expect=b"-ERR invalid expire time in 'psetex' command\r\n")
    pair.check("SETEX", "k", "10", expect=arity(b"setex"))


def test_setnx_getset_getdel(pair):
    pair.check("SETNX", "k", "1", expect=b":1\r\n")
    pair.check("SETNX", "k", "2", expect=b":0\r\n")
    pair.check("GETSET", "k", "3", expect=b"$1\r\n1\r\n")
    pair.check("GETSET", "missing", "x", expect=b"$-1\r\n")
    pair.check("SET", "t", "v", "EX", "100")
    pair.check("GETSET", "t", "w")
    pair.check("TTL", "t", expect=b":-1\r\n")  # GETSET drops the TTL
    pair.check("GETDEL", "k", expect=b"$1\r\n3\r\n")
    pair.check("GETDEL", "k", expect=b"$-1\r\n")
    pair.check("EXISTS", "k", expect=b":0\r\n")


@pytest.mark.parametrize("args,expect", [
    ((), b"$1\r\nv\r\n"),
    (("EX", "100"), b"$1\r\nv\r\n"),
    (("PX", "100000"), b"$1\r\nv\r\n"),
    (("PERSIST",), b"$1\r\nv\r\n"),
    (("EX", "0"), b"-ERR invalid expire time in 'getex' command\r\n"),
    (("EX", "x"), NOT_INT),
    (("EX", "10", "PX", "10"), SYNTAX),
    (("PERSIST", "EX", "10"), SYNTAX),
    (("BOGUS",), SYNTAX),
])
def test_getex(pair, args, expect):
    pair.check("SET", "k", "v", "EX", "500")
    pair.check("GETEX", "k", *args, expect=expect)
    pair.check("TTL", "k", normalise=seconds_slack)


def test_getex_exat_pxat_and_missing(pair):
    t = future_s()
    pair.check("SET", "k", "v")
    pair.check("GETEX", "k", "EXAT", t, expect=b"$1\r\nv\r\n")
    pair.check("EXPIRETIME", "k", expect=b":%d\r\n" % t)
    pair.check("GETEX", "k", "PXAT", (t + 5) * 1000, expect=b"$1\r\nv\r\n")
    pair.check("EXPIRETIME", "k", expect=b":%d\r\n" % (t + 5))
    pair.check("GETEX", "missing", "EX", "10", expect=b"$-1\r\n")


def test_mget_mset_msetnx(pair):
    pair.check("MSET", "a", "1", "b", "2", "c", BINARY, expect=b"+OK\r\n")
    pair.check("MGET", "a", "missing", "b", "c", "a")
    pair.check("MSET", "a", "1", "b", expect=arity(b"mset"))
    pair.check("MSET", expect=arity(b"mset"))
    pair.check("MGET", expect=arity(b"mget"))
    pair.check("MSETNX", "x", "1", "a", "9", expect=b":0\r\n")
    pair.check("MGET", "x", "a", expect=b"*2\r\n$-1\r\n$1\r\n1\r\n")
    pair.check("MSETNX", "x", "1", "y", "2", expect=b":1\r\n")
    pair.check("MSETNX", "x", expect=arity(b"msetnx"))
    pair.check("MGET", "x", "y", expect=b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n")


def test_del_unlink_exists(pair):
    pair.check("MSET", "a", "1", "b", "2", "c", "3")
    pair.check("EXISTS", "a", "a", "b", "missing", expect=b":3\r\n")
    pair.check("DEL", "a", "missing", "a", expect=b":1\r\n")
    pair.check("UNLINK", "b", "c", "d", expect=b":2\r\n")
    pair.check("EXISTS", "a", "b", "c", expect=b":0\r\n")
    pair.check("DEL", expect=arity(b"del"))
    pair.check("EXISTS", expect=arity(b"exists"))


# --- expiry -----------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd_name,amount", [("EXPIRE", "100"), ("PEXPIRE", "100000")])
@pytest.mark.parametrize("opt,with_ttl,without_ttl", [
    ("NX", b":0\r\n", b":1\r\n"),
    ("XX", b":1\r\n", b":0\r\n"),
    ("GT", b":1\r\n", b":0\r\n"),
    ("LT", b":0\r\n", b":1\r\n"),
])
def test_expire_options(pair, cmd_name, amount, opt, with_ttl, without_ttl):
    pair.check("SET", "t", "v", "EX", "50")
    pair.check("SET", "p", "v")
    pair.check(cmd_name, "t", amount, opt, expect=with_ttl)
    pair.check(cmd_name, "p", amount, opt, expect=without_ttl)
    pair.check("TTL", "t", normalise=seconds_slack)
    pair.check("TTL", "p", normalise=seconds_slack)


def test_expire_errors_and_missing(pair):
    incompatible = b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    pair.check("SET", "k", "v")
    pair.check("EXPIRE", "missing", "100", expect=b":0\r\n")
    pair.check("EXPIRE", "k", "100", "NX", "XX", expect=incompatible)
    pair.check("EXPIRE", "k", "100", "GT", "LT",
               expect=b"-ERR GT and LT options at the same time are not compatible\r\n")
    pair.check("EXPIRE", "k", "100", "BOGUS", expect=b"-ERR Unsupported option BOGUS\r\n")
    pair.check("EXPIRE", "k", "abc", expect=NOT_INT)
    pair.check("EXPIRE", "k", expect=arity(b"expire"))
    pair.check("EXPIRE", "k", "9223372036854775807",
               expect=b"-ERR invalid expire time in 'expire' command\r\n")
    pair.check("PEXPIRE", "k", "9223372036854775807",
               expect=b"-ERR invalid expire time in 'pexpire' command\r\n")


def test_expireat_pexpireat_expiretime(pair):
    t = future_s()
    pair.check("MSET", "a", "1", "b", "2")
    pair.check("EXPIREAT", "a", t, expect=b":1\r\n")
    pair.check("EXPIRETIME", "a", expect=b":%d\r\n" % t)
    pair.check("PEXPIREAT", "b", t * 1000 + 999, expect=b":1\r\n")
    pair.check("EXPIRETIME", "b", expect=b":%d\r\n" % (t + 1))  # rounded to the nearest second
    pair.check("EXPIREAT", "a", t - 10, "GT", expect=b":0\r\n")
    pair.check("EXPIREAT", "a", t + 10, "GT", expect=b":1\r\n")
    pair.check("EXPIRETIME", "a", expect=b":%d\r\n" % (t + 10))
    pair.check("EXPIREAT", "missing", t, expect=b":0\r\n")
    pair.check("SET", "c", "3")
    pair.check("EXPIRETIME", "c", expect=b":-1\r\n")
    pair.check("EXPIRETIME", "missing", expect=b":-2\r\n")


def test_expire_in_the_past_deletes(pair):
    pair.check("MSET", "a", "1", "b", "2", "c", "3", "d", "4")
    pair.check("EXPIRE", "a", "-1", expect=b":1\r\n")
    pair.check("PEXPIRE", "b", "0", expect=b":1\r\n")
    pair.check("EXPIREAT", "c", "1", expect=b":1\r\n")
    pair.check("PEXPIREAT", "d", "1000", expect=b":1\r\n")
    pair.check("MGET", "a", "b", "c", "d", expect=b"*4\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n")
    pair.check("DBSIZE", expect=b":0\r\n")


def test_ttl_pttl_persist(pair):
    pair.check("TTL", "missing", expect=b":-2\r\n")
    pair.check("PTTL", "missing", expect=b":-2\r\n")
    pair.check("SET", "k", "v")
    pair.check("TTL", "k", expect=b":-1\r\n")
    pair.check("PTTL", "k", expect=b":-1\r\n")
    pair.check("PERSIST", "k", expect=b":0\r\n")
    pair.check("EXPIRE", "k", "1000", expect=b":1\r\n")
    pair.check("TTL", "k", normalise=seconds_slack)
    pair.check("PTTL", "k", normalise=ms_slack)
    pair.check("PERSIST", "k", expect=b":1\r\n")
    pair.check("TTL", "k", expect=b":-1\r\n")
    pair.check("PERSIST", "missing", expect=b":0\r\n")
    pair.check("TTL", expect=arity(b"ttl"))


# --- counters ---------------------------------------------------------------------------------

def test_incr_family(pair):
    pair.check("INCR", "n", expect=b":1\r\n")
    pair.check("INCRBY", "n", "41", expect=b":42\r\n")
    pair.check("DECR", "n", expect=b":41\r\n")
    pair.check("DECRBY", "n", "50", expect=b":-9\r\n")
    pair.check("DECR", "fresh", expect=b":-1\r\n")
    pair.check("GET", "n", expect=b"$2\r\n-9\r\n")
    pair.check("SET", "t", "5", "EX", "1000")
    pair.check("INCR", "t", expect=b":6\r\n")
    pair.check("TTL", "t", normalise=seconds_slack)  # INCR keeps the TTL


@pytest.mark.parametrize("value,command,expect", [
    ("abc", ("INCR",), NOT_INT),
    ("", ("INCR",), NOT_INT),
    (" 1", ("INCR",), NOT_INT),
    ("1 ", ("INCR",), NOT_INT),
    ("01", ("INCR",), NOT_INT),
    ("1.0", ("INCR",), NOT_INT),
    ("99999999999999999999", ("INCR",), NOT_INT),
    ("9223372036854775807", ("INCR",), b"-ERR increment or decrement would overflow\r\n"),
    ("-9223372036854775808", ("DECR",), b"-ERR increment or decrement would overflow\r\n"),
    ("1", ("INCRBY", "x"), NOT_INT),
    ("1", ("INCRBY", "9223372036854775807"), b"-ERR increment or decrement would overflow\r\n"),
    ("1", ("DECRBY", "-9223372036854775808"),
     b"-ERR decrement would overflow\r\n"),
    ("-0", ("INCR",), NOT_INT),
])
def test_incr_errors(pair, value, command, expect):
    pair.check("SET", "n", value)
    pair.check(command[0], "n", *command[1:], expect=expect)
    pair.check("GET", "n")


@pytest.mark.parametrize("start,by", [
    ("10.5", "0.1"), ("5.0e3", "2.0e2"), ("0", "1"), ("1", "-1.5"), ("3", "0.0001"),
    ("1.1", "-1.1"), ("10", "1e10"), ("-5", "-5"), ("0.1", "0.2"), ("1e308", "0"),
    (None, "3.14159"),
])
def test_incrbyfloat_formatting(pair, start, by):
    if start is not None:
        pair.check("SET", "f", start)
    pair.check("INCRBYFLOAT", "f", by)
    pair.check("GET", "f")


def test_incrbyfloat_errors(pair):
    pair.check("SET", "s", "abc")
    pair.check("INCRBYFLOAT", "s", "1", expect=b"-ERR value is not a valid float\r\n")
    pair.check("SET", "f", "1")
    pair.check("INCRBYFLOAT", "f", "x", expect=b"-ERR value is not a valid float\r\n")
    pair.check("INCRBYFLOAT", "f", "inf",
               expect=b"-ERR increment would produce NaN or Infinity\r\n")
    pair.check("INCRBYFLOAT", "f", "nan", expect=b"-ERR value is not a valid float\r\n")
    pair.check("SET", "big", "1.7e308")
    pair.check("INCRBYFLOAT", "big", "1.7e308")  # long double: no overflow, 309 digits
    pair.check("INCRBYFLOAT", "f", expect=arity(b"incrbyfloat"))


def test_append_strlen_type(pair):
    pair.check("APPEND", "k", "hello", expect=b":5\r\n")
    pair.check("APPEND", "k", BINARY, expect=b":%d\r\n" % (5 + len(BINARY)))
    pair.check("GET", "k")
    pair.check("STRLEN", "k")
    pair.check("STRLEN", "missing", expect=b":0\r\n")
    pair.check("TYPE", "k", expect=b"+string\r\n")
    pair.check("TYPE", "missing", expect=b"+none\r\n")
    pair.check("SET", "t", "x", "EX", "100")
    pair.check("APPEND", "t", "y", expect=b":2\r\n")
    pair.check("TTL", "t", normalise=seconds_slack)  # APPEND keeps the TTL


# --- the keyspace -----------------------------------------------------------------------------

def sorted_array(reply):
    """An array of bulk strings in sorted order (KEYS and SCAN promise no order)."""
    if not reply.startswith(b"*"):
        return reply
    head, _, rest = reply.partition(b"\r\n")
    items = re.findall(rb"\$\d+\r\n.*?\r\n", rest, re.S)
    return head + b"\r\n" + b"".join(sorted(items))


def test_keys(pair):
    pair.check("MSET", "migo:1", "a", "migo:2", "b", "nube:1", "c", "m?x", "d", "h[a]llo", "e")
    for pattern in ("*", "migo:*", "*:1", "m?go:?", "migo:[12]", "migo:[^1]", "m\\?x",
                    "h\\[a\\]llo", "nothing*", "[", "*[a-c]*"):
        pair.check("KEYS", pattern, normalise=sorted_array)


def full_scan(conn, *options):
    keys, cursor = [], b"0"
    for _ in range(10000):
        conn.send(cmd("SCAN", cursor, *options))
        reply = parse(conn.read_reply())
        cursor, batch = reply
        keys += batch
        if cursor == b"0":
            return sorted(keys)
    raise AssertionError("SCAN did not finish within 10000 calls")


@pytest.mark.parametrize("options", [(), ("COUNT", "3"), ("MATCH", "migo:*"),
                                     ("MATCH", "migo:*", "COUNT", "1"), ("MATCH", "*:1?"),
                                     ("MATCH", "none:*")])
def test_scan_visits_every_key(pair, options):
    keys = ["migo:%d" % i for i in range(50)] + ["nube:%d" % i for i in range(30)]
    pair.check("MSET", *[x for k in keys for x in (k, "v")])
    ref, sub = full_scan(pair.ref.conn, *options), full_scan(pair.sub.conn, *options)
    assert ref or "none:*" in options, "the reference found nothing"
    assert sub == ref


def test_scan_errors(pair):
    pair.check("SCAN", "abc", expect=b"-ERR invalid cursor\r\n")
    pair.check("SCAN", "0", "COUNT", "0", expect=SYNTAX)
    pair.check("SCAN", "0", "COUNT", "x", expect=NOT_INT)
    pair.check("SCAN", "0", "MATCH", expect=SYNTAX)
    pair.check("SCAN", "0", "BOGUS", "1", expect=SYNTAX)
    pair.check("SCAN", expect=arity(b"scan"))
    pair.check("SCAN", "0", expect=b"*2\r\n$1\r\n0\r\n*0\r\n")


def test_dbsize_flushdb_flushall(pair):
    pair.check("MSET", "a", "1", "b", "2")
    pair.check("DBSIZE", expect=b":2\r\n")
    pair.check("FLUSHDB", expect=b"+OK\r\n")
    pair.check("DBSIZE", expect=b":0\r\n")
    pair.check("MSET", "a", "1", "b", "2")
    pair.check("FLUSHDB", "ASYNC", expect=b"+OK\r\n")
    pair.check("GET", "a", expect=b"$-1\r\n")
    pair.check("SET", "a", "1")
    pair.check("FLUSHALL", "SYNC", expect=b"+OK\r\n")
    pair.check("SET", "a", "1")
    pair.check("FLUSHALL", "ASYNC", expect=b"+OK\r\n")
    pair.check("DBSIZE", expect=b":0\r\n")
    pair.check("FLUSHALL", "BOGUS", expect=SYNTAX)
    pair.check("FLUSHDB", "x", "y", expect=SYNTAX)


def test_select_isolates_databases(pair):
    pair.check("SET", "k", "zero")
    pair.check("SELECT", "1", expect=b"+OK\r\n")
    pair.check("GET", "k", expect=b"$-1\r\n")
    pair.check("SET", "k", "one")
    pair.check("DBSIZE", expect=b":1\r\n")
    pair.check("FLUSHDB", expect=b"+OK\r\n")
    pair.check("SELECT", "0", expect=b"+OK\r\n")
    pair.check("GET", "k", expect=b"$4\r\nzero\r\n")
    pair.check("SELECT", "1")
    pair.check("SET", "k", "one")
    pair.check("FLUSHALL", expect=b"+OK\r\n")
    pair.check("SELECT", "0")
    pair.check("GET", "k", expect=b"$-1\r\n")


def test_select_errors(pair):
    pair.check("SELECT", "abc", expect=NOT_INT)
    pair.check("SELECT", "16", expect=b"-ERR DB index is out of range\r\n")
    pair.check("SELECT", "-1", expect=b"-ERR DB index is out of range\r\n")
    pair.check("SELECT", expect=arity(b"select"))
