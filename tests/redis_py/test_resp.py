"""The comparison harness itself (no server): resp.Conn finds where each RESP2/RESP3 reply ends
whatever bytes a value holds, and parse() reads every reply type. A socketpair plays the
server."""
import socket

import pytest

import resp

REPLIES = [
    (b"+OK\r\n", b"OK"),
    (b"-ERR x\r\n", resp.Error(b"ERR x")),
    (b":-42\r\n", -42),
    (b"$-1\r\n", None),
    (b"$0\r\n\r\n", b""),
    (b"$7\r\n\r\n$-1\r\n\r\n", b"\r\n$-1\r\n"),        # a value that looks like replies
    (b"*-1\r\n", None),
    (b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n", [b"a", [1]]),
    (b"_\r\n", None),
    (b",3.5\r\n", 3.5),
    (b"#t\r\n", True),
    (b"(12345678901234567890\r\n", 12345678901234567890),
    (b"!3\r\nbad\r\n", resp.Error(b"bad")),
    (b"=7\r\ntxt:abc\r\n", b"txt:abc"),
    (b"%1\r\n+k\r\n:1\r\n", [(b"k", 1)]),
    (b"~2\r\n:1\r\n:2\r\n", [1, 2]),
    (b">2\r\n+message\r\n$1\r\nx\r\n", [b"message", b"x"]),
]


@pytest.fixture
def conn_and_server():
    a, b = socket.socketpair()
    conn = resp.Conn.__new__(resp.Conn)
    conn.sock, conn.buf, conn.deadline_s, conn.eof = a, b"", 5.0, False
    yield conn, b
    a.close()
    b.close()


@pytest.mark.parametrize("raw,value", REPLIES, ids=[repr(r[0])[:30] for r in REPLIES])
def test_parse(raw, value):
    assert resp.parse(raw) == value


def test_replies_end_where_they_should_even_when_split(conn_and_server):
    conn, server = conn_and_server
    stream = b"".join(raw for raw, _ in REPLIES)
    for i in range(0, len(stream), 3):   # the bytes arrive three at a time
        server.sendall(stream[i:i + 3])
    assert conn.read_replies(len(REPLIES)) == [raw for raw, _ in REPLIES]
    assert conn.pending() == b""


def test_attribute_precedes_its_reply(conn_and_server):
    conn, server = conn_and_server
    server.sendall(b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n:7\r\n")
    assert conn.read_reply() == b"|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n"
    assert conn.read_reply() == b":7\r\n"


def test_cmd_encoding():
    assert resp.cmd("SET", b"k\r\n", 5) == b"*3\r\n$3\r\nSET\r\n$3\r\nk\r\n\r\n$1\r\n5\r\n"


def test_closed_connection_is_reported(conn_and_server):
    conn, server = conn_and_server
    server.sendall(b"$5\r\nab")
    server.close()
    with pytest.raises(EOFError):
        conn.read_reply()
