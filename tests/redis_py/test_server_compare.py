"""Connection and server commands byte for byte against redis-server 7.0 (PING ECHO QUIT SELECT
MULTI/EXEC/DISCARD, unknown commands, wrong arity) and by shape where the content is the
server's own (TIME, INFO, CLIENT ID, COMMAND, CONFIG GET, HELLO's map)."""
import re
import time

import pytest

from conftest import is_apicached
from resp import Conn, Error, cmd, parse


def arity(name):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % name


def test_ping_echo(pair):
    pair.check("PING", expect=b"+PONG\r\n")
    pair.check("PING", "hello", expect=b"$5\r\nhello\r\n")
    pair.check("ping", "a", "b", expect=arity(b"ping"))
    pair.check("ECHO", b"\x00\r\n", expect=b"$3\r\n\x00\r\n\r\n")
    pair.check("ECHO", expect=arity(b"echo"))


def test_quit_answers_ok_and_closes(pair):
    pair.raw(cmd("QUIT"), expect=b"+OK\r\n<closed>", expect_close=True)


def test_quit_in_a_pipeline_drops_what_follows(pair):
    pair.raw(cmd("SET", "k", "v") + cmd("QUIT") + cmd("SET", "k", "w"), 2,
             expect=b"+OK\r\n+OK\r\n<closed>", expect_close=True)
    pair.reconnect()
    pair.check("GET", "k", expect=b"$1\r\nv\r\n")


def test_time(pair):
    for side in (pair.ref, pair.sub):
        before = time.time()
        reply = parse(side.conn.call("TIME"))
        after = time.time()
        assert isinstance(reply, list) and len(reply) == 2, reply
        assert reply[0].isdigit() and reply[1].isdigit() and int(reply[1]) < 1000000, reply
        t = int(reply[0]) + int(reply[1]) / 1e6
        assert before - 1 <= t <= after + 1, (side.server.name, reply)
    pair.check("TIME", "x", expect=arity(b"time"))


def info_fields(raw):
    body = parse(raw)
    assert isinstance(body, bytes), raw[:200]
    fields, sections = {}, []
    for line in body.decode().split("\r\n"):
        if line.startswith("# "):
            sections.append(line[2:])
        elif line:
            k, _, v = line.partition(":")
            fields[k] = v
    return sections, fields


@pytest.mark.parametrize("section,fields", [
    ("server", ["redis_version", "redis_mode", "os", "arch_bits", "process_id", "tcp_port",
                "uptime_in_seconds"]),
    ("clients", ["connected_clients"]),
    ("memory", ["used_memory", "used_memory_human", "maxmemory", "maxmemory_policy"]),
    ("stats", ["total_connections_received", "total_commands_processed", "keyspace_hits",
               "keyspace_misses", "expired_keys", "evicted_keys"]),
    ("keyspace", []),
])
def test_info_sections(pair, section, fields):
    for side in (pair.ref, pair.sub):
        sections, got = info_fields(side.conn.call("INFO", section))
        assert [s.lower() for s in sections] == [section], (side.server.name, sections)
        missing = [f for f in fields if f not in got]
        assert not missing, "%s: INFO %s lacks %s" % (side.server.name, section, missing)


def test_info_default_and_keyspace_counts(pair):
    pair.check("MSET", "a", "1", "b", "2")
    pair.check("SET", "t", "3", "EX", "100")
    for side in (pair.ref, pair.sub):
        sections, got = info_fields(side.conn.call("INFO"))
        for s in ("Server", "Clients", "Memory", "Stats", "Keyspace"):
            assert s in sections, (side.server.name, sections)
        _, ks = info_fields(side.conn.call("INFO", "keyspace"))
        assert re.match(r"^keys=3,expires=1,avg_ttl=\d+$", ks.get("db0", "")), \
            (side.server.name, ks)


def test_info_keyspace_hits_and_misses_count(pair):
    for side in (pair.ref, pair.sub):
        _, before = info_fields(side.conn.call("INFO", "stats"))
        side.conn.call("SET", "hit", "1")
        side.conn.call("GET", "hit")
        side.conn.call("GET", "hit")
        side.conn.call("GET", "miss")
        _, after = info_fields(side.conn.call("INFO", "stats"))
        assert int(after["keyspace_hits"]) - int(before["keyspace_hits"]) == 2, side.server.name
        assert int(after["keyspace_misses"]) - int(before["keyspace_misses"]) == 1, \
            side.server.name


def test_client_setname_getname_id(pair):
    pair.check("CLIENT", "GETNAME", expect=b"$-1\r\n")
    pair.check("CLIENT", "SETNAME", "worker-1", expect=b"+OK\r\n")
    pair.check("CLIENT", "GETNAME", expect=b"$8\r\nworker-1\r\n")
    pair.check("CLIENT", "SETNAME", "has space",
               expect=b"-ERR Client names cannot contain spaces, newlines or special "
                      b"characters.\r\n")
    pair.check("CLIENT", "SETNAME", expect=arity(b"client|setname"))
    pair.check("CLIENT", "SETNAME", "", expect=b"+OK\r\n")
    pair.check("CLIENT", "GETNAME", expect=b"$-1\r\n")
    for side in (pair.ref, pair.sub):
        first = parse(side.conn.call("CLIENT", "ID"))
        assert isinstance(first, int) and first > 0, (side.server.name, first)
        other = Conn(side.server.address)
        assert parse(other.call("CLIENT", "ID")) != first, side.server.name
        other.close()


def test_client_setinfo(pair):
    """CLIENT SETINFO came with Redis 7.2 (redis-py 5 sends it on connect); redis-server 7.0
    does not know it. apicached answers as 7.2 does."""
    ref = pair.ref.conn.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
    assert ref.startswith(b"-ERR unknown subcommand 'SETINFO'"), ref
    sub = pair.sub.conn.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py")
    if is_apicached():
        assert sub == b"+OK\r\n", sub
        assert pair.sub.conn.call("CLIENT", "SETINFO", "LIB-VER", "4.3.4") == b"+OK\r\n"
    else:
        assert sub == ref


def test_unknown_client_subcommand(pair):
    pair.check("CLIENT", "BOGUS",
               expect=b"-ERR unknown subcommand 'BOGUS'. Try CLIENT HELP.\r\n")


def test_command_count_info_docs(pair):
    """COMMAND is answered with the server's own table: compared by shape. redis-cli reads
    COMMAND DOCS (7.0) for its hints; redis-py and django-redis do not read COMMAND."""
    for side in (pair.ref, pair.sub):
        count = parse(side.conn.call("COMMAND", "COUNT"))
        assert isinstance(count, int) and count > 20, (side.server.name, count)
        info = parse(side.conn.call("COMMAND", "INFO", "get", "set", "nosuchcommand"))
        assert len(info) == 3 and info[2] is None, (side.server.name, info)
        assert info[0][:3] == [b"get", 2, info[0][2]] and b"readonly" in info[0][2], \
            (side.server.name, info[0])
        assert info[1][0] == b"set" and info[1][1] == -3, (side.server.name, info[1])
        docs = parse(side.conn.call("COMMAND", "DOCS", "get"))
        assert isinstance(docs, list) and docs and docs[0] == b"get", (side.server.name, docs)
        whole = parse(side.conn.call("COMMAND"))
        names = {entry[0] for entry in whole}
        assert {b"get", b"set", b"scan", b"expire", b"incrbyfloat"} <= names, side.server.name


def test_config_get(pair):
    """The settings clients read: shape compared (values are the server's own)."""
    for side in (pair.ref, pair.sub):
        for name in (b"maxmemory", b"databases", b"maxmemory-policy", b"timeout", b"save",
                     b"appendonly"):
            reply = parse(side.conn.call("CONFIG", "GET", name))
            assert isinstance(reply, list) and len(reply) == 2 and reply[0] == name, \
                (side.server.name, name, reply)
        assert parse(side.conn.call("CONFIG", "GET", "nosuchsetting")) == [], side.server.name
    pair.check("CONFIG", "GET", expect=arity(b"config|get"))


# --- MULTI / EXEC / DISCARD -------------------------------------------------------------------

def test_multi_exec_replies(pair):
    pair.check("MULTI", expect=b"+OK\r\n")
    pair.check("SET", "a", "1", expect=b"+QUEUED\r\n")
    pair.check("INCR", "a", expect=b"+QUEUED\r\n")
    pair.check("GET", "a", expect=b"+QUEUED\r\n")
    pair.check("MGET", "a", "b", expect=b"+QUEUED\r\n")
    pair.check("EXEC", expect=b"*4\r\n+OK\r\n:2\r\n$1\r\n2\r\n*2\r\n$1\r\n2\r\n$-1\r\n")


def test_multi_commands_read_the_transactions_own_writes(pair):
    """apicached stages a transaction's writes and applies them as one batch at EXEC: each
    queued command must still see what the earlier ones wrote, as in Redis."""
    queued = [("SET", "a", "1"), ("INCR", "a"), ("GET", "a"), ("APPEND", "a", "xy"),
              ("STRLEN", "a"), ("DEL", "a"), ("EXISTS", "a"), ("GET", "a"), ("SETNX", "b", "1"),
              ("SETNX", "b", "2"), ("GETSET", "b", "3"), ("MSET", "c", "1", "d", "2"),
              ("MGET", "b", "c", "d", "e"), ("INCRBY", "c", "5"), ("INCRBYFLOAT", "c", "0.5"),
              ("EXPIRE", "c", "100"), ("TTL", "c"), ("PERSIST", "c"), ("TTL", "c"),
              ("SET", "e", "v", "XX"), ("SET", "e", "v", "NX", "GET"), ("GETDEL", "e"),
              ("SET", "f", "1", "PX", "100000"), ("PEXPIRE", "f", "0"), ("EXISTS", "a", "b", "c",
              "d", "e", "f"), ("KEYS", "*"), ("DBSIZE",), ("SET", "g", "1"), ("FLUSHDB",),
              ("SET", "h", "1"), ("GET", "g"), ("GET", "h")]
    pair.check("MULTI", expect=b"+OK\r\n")
    for command in queued:
        pair.check(*command, expect=b"+QUEUED\r\n")
    # KEYS lists b, c and d in Redis's hash order, in key order in apicached.
    keys = re.compile(rb"\*3\r\n\$1\r\n([bcd])\r\n\$1\r\n([bcd])\r\n\$1\r\n([bcd])\r\n")
    pair.check("EXEC", normalise=lambda r: keys.sub(
        lambda m: b"*3\r\n" + b"".join(b"$1\r\n%s\r\n" % k for k in sorted(m.groups())), r))
    pair.check("MGET", "a", "b", "c", "d", "e", "f", "g", "h",
               expect=b"*8\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n$-1\r\n"
                      b"$1\r\n1\r\n")


def test_multi_runtime_error_applies_the_rest(pair):
    pair.check("SET", "s", "abc")
    pair.check("MULTI")
    pair.check("INCR", "s", expect=b"+QUEUED\r\n")
    pair.check("SET", "t", "1", expect=b"+QUEUED\r\n")
    pair.check("EXEC", expect=b"*2\r\n-ERR value is not an integer or out of range\r\n+OK\r\n")
    pair.check("GET", "t", expect=b"$1\r\n1\r\n")


def test_multi_queue_error_aborts(pair):
    pair.check("MULTI")
    pair.check("SET", "a", "1", expect=b"+QUEUED\r\n")
    pair.check("GET", expect=arity(b"get"))
    pair.check("NOSUCHCOMMAND", "x",
               expect=b"-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: "
                      b"'x' \r\n")
    pair.check("EXEC", expect=b"-EXECABORT Transaction discarded because of previous "
                              b"errors.\r\n")
    pair.check("GET", "a", expect=b"$-1\r\n")


def test_discard_and_misuse(pair):
    pair.check("EXEC", expect=b"-ERR EXEC without MULTI\r\n")
    pair.check("DISCARD", expect=b"-ERR DISCARD without MULTI\r\n")
    pair.check("MULTI", expect=b"+OK\r\n")
    pair.check("MULTI", expect=b"-ERR MULTI calls can not be nested\r\n")
    pair.check("SET", "a", "1", expect=b"+QUEUED\r\n")
    pair.check("DISCARD", expect=b"+OK\r\n")
    pair.check("GET", "a", expect=b"$-1\r\n")
    pair.check("MULTI")
    pair.check("EXEC", expect=b"*0\r\n")


def test_unwatch_is_queued_and_watch_refused_inside_multi(pair):
    """Found by test_random_compare.py: apicached ran UNWATCH at once inside MULTI."""
    pair.check("WATCH", "w", expect=b"+OK\r\n")
    pair.check("MULTI")
    pair.check("UNWATCH", expect=b"+QUEUED\r\n")
    pair.check("WATCH", "w", expect=b"-ERR WATCH inside MULTI is not allowed\r\n")
    pair.check("SET", "w", "1", expect=b"+QUEUED\r\n")
    pair.check("EXEC", expect=b"*2\r\n+OK\r\n+OK\r\n")


def test_multi_hides_queued_writes_from_others(pair):
    """Until EXEC, nothing queued is visible on another connection."""
    pair.check("SET", "a", "0")
    pair.check("MULTI")
    pair.check("SET", "a", "1")
    pair.check("SET", "b", "1")
    for side in (pair.ref, pair.sub):
        other = Conn(side.server.address)
        assert other.call("MGET", "a", "b") == b"*2\r\n$1\r\n0\r\n$-1\r\n", side.server.name
        other.close()
    pair.check("EXEC", expect=b"*2\r\n+OK\r\n+OK\r\n")
    pair.check("MGET", "a", "b", expect=b"*2\r\n$1\r\n1\r\n$1\r\n1\r\n")


def test_multi_select_inside(pair):
    pair.check("MULTI")
    pair.check("SELECT", "1", expect=b"+QUEUED\r\n")
    pair.check("SET", "k", "one", expect=b"+QUEUED\r\n")
    pair.check("EXEC", expect=b"*2\r\n+OK\r\n+OK\r\n")
    pair.check("GET", "k", expect=b"$3\r\none\r\n")
    pair.check("SELECT", "0")
    pair.check("GET", "k", expect=b"$-1\r\n")


# --- unknown commands and other data types ----------------------------------------------------

def test_unknown_command_keeps_the_connection(pair):
    pair.check("NOSUCHCOMMAND", expect=b"-ERR unknown command 'NOSUCHCOMMAND', with args "
                                       b"beginning with: \r\n")
    pair.check("nosuch", "a", "b c", expect=b"-ERR unknown command 'nosuch', with args "
                                            b"beginning with: 'a' 'b c' \r\n")
    pair.check("PING", expect=b"+PONG\r\n")


def test_unknown_command_long_arguments_are_cut(pair):
    pair.check("NOSUCH", "x" * 200, "y" * 200)
    pair.check("X" * 200)
    pair.check("NOSUCH", *["a%d" % i for i in range(30)])


OTHER_TYPES = [
    ("LPUSH", "l", "v"), ("RPUSH", "l", "v"), ("LRANGE", "l", "0", "-1"), ("HSET", "h", "f", "v"),
    ("HGET", "h", "f"), ("HGETALL", "h"), ("SADD", "s", "m"), ("SMEMBERS", "s"),
    ("ZADD", "z", "1", "m"), ("ZRANGE", "z", "0", "-1"), ("XADD", "x", "*", "f", "v"),
    ("PFADD", "p", "a"), ("SETBIT", "b", "1", "1"), ("GETRANGE", "k", "0", "1"),
    ("SUBSCRIBE", "ch"), ("PUBLISH", "ch", "m"),
]


@pytest.mark.parametrize("command", OTHER_TYPES, ids=[c[0] for c in OTHER_TYPES])
def test_other_data_types(pair, command):
    """apicached has strings only (docs/redis.md): the other types' commands get Redis's own
    unknown-command error and the connection stays open. redis-server runs them (asserted to
    answer no error, documenting the difference)."""
    ref = parse(pair.ref.conn.call(*command))
    assert not isinstance(ref, Error), ref
    sub = pair.sub.conn.call(*command)
    if is_apicached():
        args = "".join("'%s' " % a for a in command[1:])
        assert sub == ("-ERR unknown command '%s', with args beginning with: %s\r\n"
                       % (command[0], args)).encode(), sub
        assert pair.sub.conn.call("PING") == b"+PONG\r\n"
    else:
        assert not isinstance(parse(sub), Error), sub


# --- RESP3 ------------------------------------------------------------------------------------

def hello_map(raw):
    value = parse(raw)
    assert isinstance(value, list), raw[:300]
    return dict(value)


def test_hello_3_map(pair):
    for side in (pair.ref, pair.sub):
        raw = side.conn.call("HELLO", "3")
        assert raw.startswith(b"%7\r\n"), (side.server.name, raw[:200])
        m = hello_map(raw)
        assert m[b"server"] == b"redis" and m[b"proto"] == 3, (side.server.name, m)
        assert isinstance(m[b"id"], int) and m[b"mode"] == b"standalone", (side.server.name, m)
        assert m[b"role"] == b"master" and m[b"modules"] == [], (side.server.name, m)
        assert re.match(rb"^\d+\.\d+\.\d+$", m[b"version"]), (side.server.name, m)


def test_hello_2_and_errors(pair):
    for side in (pair.ref, pair.sub):
        raw = side.conn.call("HELLO", "2")
        assert raw.startswith(b"*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), (side.server.name, raw)
        assert b"$5\r\nproto\r\n:2\r\n" in raw, (side.server.name, raw)
    pair.check("HELLO", "4", expect=b"-NOPROTO unsupported protocol version\r\n")
    pair.check("HELLO", "x", expect=b"-ERR Protocol version is not an integer or out of "
                                    b"range\r\n")
    pair.check("HELLO", "3", "BOGUS", expect=b"-ERR Syntax error in HELLO option 'BOGUS'\r\n")


def test_resp3_replies(pair):
    for side in (pair.ref, pair.sub):
        side.conn.call("HELLO", "3")
    pair.check("GET", "missing", expect=b"_\r\n")
    pair.check("SET", "k", "1", expect=b"+OK\r\n")
    pair.check("SET", "k", "2", "NX", expect=b"_\r\n")
    pair.check("MGET", "k", "missing", expect=b"*2\r\n$1\r\n1\r\n_\r\n")
    pair.check("INCRBYFLOAT", "k", "0.5", expect=b"$3\r\n1.5\r\n")
    pair.check("EXISTS", "k", expect=b":1\r\n")
    pair.check("TTL", "k", expect=b":-1\r\n")
    pair.check("MULTI")
    pair.check("GET", "missing")
    pair.check("EXEC", expect=b"*1\r\n_\r\n")
    pair.check("SCAN", "0", expect=b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n")
    pair.check("CONFIG", "GET", "nosuchsetting", expect=b"%0\r\n")
    pair.check("NOSUCH", expect=b"-ERR unknown command 'NOSUCH', with args beginning "
                                b"with: \r\n")
    pair.check("HELLO", "2", normalise=lambda r: r[:5])
    pair.check("GET", "missing", expect=b"$-1\r\n")


def test_watch_sees_a_write_undone_before_exec(pair):
    """redis-server fails EXEC after any write that changed a watched key, also one undone
    before EXEC; apicached compared the key's state only, and ran the transaction."""
    pair.check("SET", "p", "v")
    pair.check("WATCH", "w", expect=b"+OK\r\n")
    for side in (pair.ref, pair.sub):
        other = Conn(side.server.address)
        assert other.call("SET", "w", "x") == b"+OK\r\n", side.server.name
        assert other.call("DEL", "w") == b":1\r\n", side.server.name
        other.close()
    pair.check("MULTI")
    pair.check("SET", "w", "1", expect=b"+QUEUED\r\n")
    pair.check("EXEC", expect=b"*-1\r\n")
    pair.check("GET", "w", expect=b"$-1\r\n")
    # The watching connection's own writes, and a SET with a past deadline of an absent key.
    pair.check("WATCH", "w")
    pair.check("SET", "w", "x", "PXAT", "1000000000000", expect=b"+OK\r\n")
    pair.check("MULTI")
    pair.check("SET", "w", "1")
    pair.check("EXEC", expect=b"*-1\r\n")
    # Writes that change nothing do not count: DEL, EXPIRE, PERSIST of an absent key, a SET NX
    # that finds the key, PERSIST and GETEX PERSIST of a key without a TTL.
    pair.check("WATCH", "w", "p")
    pair.check("DEL", "w", expect=b":0\r\n")
    pair.check("EXPIRE", "w", "10", expect=b":0\r\n")
    pair.check("PERSIST", "w", expect=b":0\r\n")
    pair.check("SET", "p", "z", "NX", expect=b"$-1\r\n")
    pair.check("PERSIST", "p", expect=b":0\r\n")
    pair.check("GETEX", "p", "PERSIST", expect=b"$1\r\nv\r\n")
    pair.check("MULTI")
    pair.check("SET", "w", "1")
    pair.check("EXEC", expect=b"*1\r\n+OK\r\n")


@pytest.mark.parametrize("writes", [
    [("SET", "w", "x", "PXAT", "1000000000000")],  # stored, expired at once
    [("SET", "w", "x"), ("DEL", "w")],              # stored, then deleted
    [("SET", "w", "x"), ("PEXPIRE", "w", "-1")],    # stored, then expired
])
def test_watch_sees_another_transactions_undone_write(pair, writes):
    """Another connection's MULTI/EXEC whose writes leave the watched key absent, as it was."""
    pair.check("WATCH", "w", expect=b"+OK\r\n")
    for side in (pair.ref, pair.sub):
        other = Conn(side.server.address)
        assert other.call("MULTI") == b"+OK\r\n"
        for w in writes:
            assert other.call(*w) == b"+QUEUED\r\n", side.server.name
        assert other.call("EXEC").startswith(b"*%d\r\n" % len(writes)), side.server.name
        other.close()
    pair.check("GET", "w", expect=b"$-1\r\n")
    pair.check("MULTI")
    pair.check("SET", "w", "1")
    pair.check("EXEC", expect=b"*-1\r\n")


def test_watch_ignores_another_transactions_delete_of_an_absent_key(pair):
    pair.check("WATCH", "w", expect=b"+OK\r\n")
    for side in (pair.ref, pair.sub):
        other = Conn(side.server.address)
        assert other.call("MULTI") == b"+OK\r\n"
        assert other.call("DEL", "w") == b"+QUEUED\r\n"
        assert other.call("EXEC") == b"*1\r\n:0\r\n", side.server.name
        other.close()
    pair.check("MULTI")
    pair.check("SET", "w", "1")
    pair.check("EXEC", expect=b"*1\r\n+OK\r\n")
