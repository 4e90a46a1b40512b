"""The wire itself byte for byte against redis-server 7.0: inline commands, pipelines of many
commands in one write, requests split across writes, and protocol errors (bad bulk length, huge
array length, nesting, unbalanced quotes, an oversized inline line), each answered with Redis's
error and a closed connection, never an unbounded allocation."""
import pytest

from resp import cmd

PROTO = b"-ERR Protocol error: "


def test_inline_commands(pair):
    pair.raw(b"SET k v\r\n", expect=b"+OK\r\n")
    pair.raw(b"GET k\r\n", expect=b"$1\r\nv\r\n")
    pair.raw(b"get k\n", expect=b"$1\r\nv\r\n")                      # a bare LF ends a line
    pair.raw(b"  SET   k2    \"a b\\r\\n\\x41\"  \r\n", expect=b"+OK\r\n")
    pair.raw(b"GET k2\r\n", expect=b"$6\r\na b\r\nA\r\n")
    pair.raw(b"SET k4 'single \\' quote'\r\n")
    pair.raw(b"GET k4\r\n")
    pair.raw(b"\r\n\r\nPING\r\n", expect=b"+PONG\r\n")               # empty lines are skipped
    pair.raw(b"MGET k k2 missing\r\n")
    pair.raw(b"NOSUCH a\r\n", expect=b"-ERR unknown command 'NOSUCH', with args beginning "
                                     b"with: 'a' \r\n")


def test_inline_unbalanced_quotes_close(pair):
    pair.raw(b"SET k \"abc\r\n", 1,
             expect=PROTO + b"unbalanced quotes in request\r\n<closed>", expect_close=True)


def test_inline_too_big_closes(pair):
    pair.raw(b"SET k " + b"x" * (64 * 1024 + 10), 1,
             expect=PROTO + b"too big inline request\r\n<closed>", expect_close=True)


def test_pipeline_of_many_commands_in_one_write(pair):
    commands = []
    for i in range(500):
        commands += [("SET", "k%d" % i, "v%d" % i), ("INCR", "n"), ("GET", "k%d" % i)]
    commands += [("MGET",) + tuple("k%d" % i for i in range(0, 500, 7)), ("DBSIZE",)]
    pair.checks(*commands)


def test_pipeline_mixes_inline_and_resp(pair):
    pair.raw(b"SET a 1\r\n" + cmd("INCR", "a") + b"GET a\r\n" + cmd("GET", "a"), 4,
             expect=b"+OK\r\n:2\r\n$1\r\n2\r\n$1\r\n2\r\n")


def test_request_split_across_writes(pair):
    data = cmd("SET", "key", "x" * 1000) + cmd("GET", "key")
    for side in (pair.ref, pair.sub):
        for i in range(0, len(data), 7):
            side.conn.send(data[i:i + 7])
        assert side.conn.read_replies(2) == [b"+OK\r\n", b"$1000\r\n" + b"x" * 1000 + b"\r\n"], \
            side.server.name


def test_empty_array_and_zero_length_command(pair):
    pair.raw(b"*0\r\n" + cmd("PING"), expect=b"+PONG\r\n")     # *0 is skipped
    pair.raw(b"*-1\r\n" + cmd("PING"), expect=b"+PONG\r\n")
    pair.raw(cmd(""), expect=b"-ERR unknown command '', with args beginning with: \r\n")


@pytest.mark.parametrize("data,error", [
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*1\r\n$-1\r\n", b"invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"invalid bulk length"),           # > proto-max-bulk-len 512 MB
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*2147483648\r\n", b"invalid multibulk length"),             # > INT_MAX arguments
    (b"*99999999999999999999\r\n", b"invalid multibulk length"),
    (b"*1\r\nxyz\r\n", b"expected '$', got 'x'"),
    (b"*1\r\n*1\r\n$4\r\nPING\r\n", b"expected '$', got '*'"),     # nesting
    (b"*2\r\n:1\r\n", b"expected '$', got ':'"),
    (b"*" + b"9" * 70000, b"too big mbulk count string"),
    (b"*1\r\n$" + b"9" * 70000, b"too big bulk count string"),
])
def test_protocol_errors_close(pair, data, error):
    pair.raw(data, 1, expect=PROTO + error + b"\r\n<closed>", expect_close=True)


def test_protocol_error_after_good_commands(pair):
    """The replies to the commands before the bad one are sent, then the error, then the close."""
    pair.raw(cmd("SET", "a", "1") + cmd("GET", "a") + b"*1\r\n$x\r\n", 3,
             expect=b"+OK\r\n$1\r\n1\r\n" + PROTO + b"invalid bulk length\r\n<closed>",
             expect_close=True)


def test_bulk_without_its_crlf_waits_then_takes_the_next_bytes(pair):
    """Redis reads exactly len+2 bytes after a bulk header; two stray bytes in place of CRLF are
    swallowed, not an error."""
    pair.raw(b"*2\r\n$3\r\nGET\r\n$1\r\nkXX" + cmd("PING"), 2, expect=b"$-1\r\n+PONG\r\n")


def test_large_multibulk_announced_but_not_sent_allocates_nothing(pair):
    """An array announcing a million arguments with none sent: the server waits (no reply, no
    close); the connection is then dropped by the client, and the server still answers others."""
    for side in (pair.ref, pair.sub):
        side.conn.send(b"*1048576\r\n$536870912\r\n")
        assert side.conn.pending() == b"", side.server.name
    pair.reconnect()
    pair.check("PING", expect=b"+PONG\r\n")
