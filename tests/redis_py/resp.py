"""Raw RESP wire helpers: a socket that reads whole replies (RESP2 and RESP3), and a pair of
connections (the reference redis-server and the server under test) that sends the same bytes to
both and compares the reply bytes.

Knowing where a reply ends without waiting: the caller says how many replies the request
produces (one per command); each reply is parsed just enough to find its end (bulk strings are
skipped by their announced length, aggregates by their element count), so values may hold any
byte. Nothing is normalised by default: a test that compares a reply whose content may differ
between two correct servers (TTL seconds ticking, TIME, CLIENT ID, SCAN cursors) passes a
normalise function that both replies go through.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "memcached_py"))
import mcwire  # noqa: E402

SIMPLE = {b"+", b"-", b":", b"_", b",", b"#", b"("}  # one line
BLOB = {b"$", b"!", b"="}  # a length, then that many bytes and CRLF
AGGREGATE = {b"*": 1, b"~": 1, b">": 1, b"%": 2, b"|": 2}  # elements per announced count


def cmd(*args):
    """The RESP array encoding of one command; args are bytes, str or int."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, int):
            a = b"%d" % a
        elif isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn(mcwire.Conn):
    """A blocking client socket with a deadline on every read (mcwire's), reading RESP."""

    def _line(self, pos, end):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._fill(end)

    def _reply_end(self, pos, end):
        """The offset just past the reply that starts at pos in the buffer."""
        i = self._line(pos, end)
        kind, head = self.buf[pos:pos + 1], self.buf[pos + 1:i]
        nxt = i + 2
        if kind in SIMPLE:
            return nxt
        if kind in BLOB:
            n = int(head)
            if n < 0:
                return nxt
            while len(self.buf) < nxt + n + 2:
                self._fill(end)
            return nxt + n + 2
        if kind in AGGREGATE:
            n = int(head) if head != b"?" else 0
            if kind == b"|":  # an attribute precedes the reply it describes
                for _ in range(max(n, 0) * 2):
                    nxt = self._reply_end(nxt, end)
                return self._reply_end(nxt, end)
            for _ in range(max(n, 0) * AGGREGATE[kind]):
                nxt = self._reply_end(nxt, end)
            return nxt
        raise AssertionError("not a RESP reply at %r" % self.buf[pos:pos + 200])

    def read_reply(self, end=None):
        """The bytes of one whole reply."""
        end = end or time.monotonic() + self.deadline_s
        while not self.buf:
            self._fill(end)
        n = self._reply_end(0, end)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_replies(self, n):
        end = time.monotonic() + self.deadline_s
        return [self.read_reply(end) for _ in range(n)]

    def call(self, *args):
        """Sends one command, returns its reply's bytes."""
        self.send(cmd(*args))
        return self.read_reply()

    def pending(self):
        """Bytes the server sent beyond the replies read (what has arrived by now; a late
        extra byte shows in the next comparison anyway)."""
        self.sock.settimeout(0)
        try:
            data = self.sock.recv(1 << 16)
            if not data:
                self.eof = True
            self.buf += data
        except (socket.timeout, BlockingIOError):
            pass
        except ConnectionResetError:
            self.eof = True
        finally:
            self.sock.settimeout(self.deadline_s)
        return self.buf


def parse(data):
    """A Python value for one whole reply (for the tests that read a reply's content):
    simple strings and blobs as bytes, errors as Error, integers as int, aggregates as lists
    (maps as lists of pairs), nulls as None."""
    value, pos = _parse(data, 0)
    assert pos == len(data), "trailing bytes after the reply: %r" % data[pos:pos + 100]
    return value


class Error(bytes):
    """An error reply's text (without the leading -)."""


def _parse(data, pos):
    i = data.index(b"\r\n", pos)
    kind, head, nxt = data[pos:pos + 1], data[pos + 1:i], i + 2
    if kind == b"+":
        return head, nxt
    if kind == b"-":
        return Error(head), nxt
    if kind in (b":", b"("):
        return int(head), nxt
    if kind == b"_":
        return None, nxt
    if kind == b",":
        return float(head), nxt
    if kind == b"#":
        return head == b"t", nxt
    if kind in (b"$", b"!", b"="):
        n = int(head)
        if n < 0:
            return None, nxt
        body = data[nxt:nxt + n]
        return (Error(body) if kind == b"!" else body), nxt + n + 2
    if kind in AGGREGATE:
        n = int(head)
        if n < 0:
            return None, nxt
        items = []
        for _ in range(n * AGGREGATE[kind]):
            v, nxt = _parse(data, nxt)
            items.append(v)
        if AGGREGATE[kind] == 2:
            items = list(zip(items[0::2], items[1::2]))
        return items, nxt
    raise AssertionError("not a RESP reply at %r" % data[pos:pos + 100])


class Side:
    """One server's connection in a Pair."""

    def __init__(self, server):
        self.server = server
        self.conn = Conn(server.address)

    def exchange(self, data, replies, expect_close):
        self.conn.send(data)
        out = []
        try:
            for _ in range(replies):
                out.append(self.conn.read_reply())
            if expect_close:
                rest = self.conn.read_to_eof()
                out.append(rest + b"<closed>")
        except (EOFError, TimeoutError) as e:
            out.append(b"<%s: %s>" % (type(e).__name__.encode(), str(e).encode()[:3000]))
        return out


class Pair:
    """The same request bytes to the reference and to the subject, replies compared."""

    def __init__(self, reference, subject):
        self.ref = Side(reference)
        self.sub = Side(subject)

    def close(self):
        self.ref.conn.close()
        self.sub.conn.close()

    def reconnect(self):
        self.close()
        self.ref = Side(self.ref.server)
        self.sub = Side(self.sub.server)

    def raw(self, data, replies=1, expect=None, expect_close=False, normalise=None):
        """Asserts both servers answer the bytes identically (after normalise, if given);
        with expect, also that the reference answers exactly that (documents Redis's bytes).
        With expect_close, both must close the connection after the replies. Returns the
        reference's replies joined."""
        ref = self.ref.exchange(data, replies, expect_close)
        sub = self.sub.exchange(data, replies, expect_close)
        if normalise:
            ref, sub = [normalise(r) for r in ref], [normalise(s) for s in sub]
        ref_b, sub_b = b"".join(ref), b"".join(sub)
        if expect is not None:
            assert ref_b == expect, ("redis-server answered differently than the test "
                                     "expects:\nrequest:  %r\nredis:    %r\nexpected: %r"
                                     % (data[:500], ref_b[:3000], expect[:3000]))
        name = self.sub.server.name
        assert sub_b == ref_b, ("%s answers differently than redis-server 7.0:\nrequest:  %r\n"
                                "redis:    %r\n%-9s %r" % (name, data[:500], ref_b[:3000],
                                                           name + ":", sub_b[:3000]))
        if not expect_close:
            extra_r, extra_s = self.ref.conn.pending(), self.sub.conn.pending()
            assert extra_s == extra_r, ("unexpected extra reply bytes: redis %r, %s %r"
                                        % (extra_r[:500], name, extra_s[:500]))
        return ref_b

    def check(self, *args, expect=None, normalise=None):
        """One command (args), compared; returns the reference's reply bytes."""
        return self.raw(cmd(*args), 1, expect=expect, normalise=normalise)

    def checks(self, *commands):
        """Several commands in one write (a pipeline), each reply compared."""
        return self.raw(b"".join(cmd(*c) for c in commands), len(commands))
