"""Raw memcached wire helpers: a socket that reads whole replies, and a pair of connections (the
reference memcached and the server under test) that sends the same bytes to both and compares
the replies byte for byte.

Knowing where a reply ends without waiting: after the request the pair sends the meta no-op
`mn\\r\\n`, whose answer `MN\\r\\n` closes every reply that came before it (memcached answers in
order). Replies are parsed just enough to skip data blocks (`VALUE ... <bytes>` and `VA <bytes>`),
so values may hold any byte, "MN\\r\\n" and "END\\r\\n" included.

What may differ between two correct servers, and only that, is normalised:
  - CAS unique values (the 5th field of a VALUE line, and `c<digits>` in meta replies) become
    <cas1>, <cas2>, ... in order of first appearance per connection, so equal CAS values stay
    equal and different ones stay different. A request may say {cas1} to send each server its
    own value of <cas1>.
  - a meta `t<seconds>` remaining-TTL token may differ by one second (the two servers' clocks
    tick at different moments). memcached 1.6.18 prints an item whose expiry a T token just
    put in the past as the unsigned underflow of its seconds left (t4294967235, depending on
    how long the server has run); the subject's t0 matches it.
  - a counter that incr/decr made shorter: memcached pads it with spaces to its old length when
    it rewrites the item in place, and writes the bare digits when the item is still referenced
    by a reply in flight (do_add_delta checks the reference count), so "7  " and "7" (with
    their VALUE/VA sizes) match each other.
  - `VERSION x` (compared by shape only); `stats` is compared by the tests themselves.
"""
import re
import socket
import time

REPLY_DEADLINE_S = 15.0
META_PREFIXES = (b"VA ", b"VA\r", b"HD", b"EN", b"NF", b"NS", b"EX", b"MN", b"ME ")
VERSION_RE = re.compile(rb"^VERSION \S+\r\n$")


class Conn:
    """A blocking client socket with a deadline on every read."""

    def __init__(self, address, deadline_s=REPLY_DEADLINE_S):
        self.sock = socket.create_connection(address, timeout=deadline_s)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.deadline_s = deadline_s
        self.eof = False

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, end):
        if time.monotonic() > end:
            raise TimeoutError("no complete reply within %.0f s; got so far: %r"
                               % (self.deadline_s, self.buf[:2000]))
        self.sock.settimeout(max(0.01, end - time.monotonic()))
        try:
            data = self.sock.recv(1 << 20)
        except socket.timeout:
            raise TimeoutError("no complete reply within %.0f s; got so far: %r"
                               % (self.deadline_s, self.buf[:2000]))
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            raise EOFError("connection closed; unread bytes: %r" % self.buf[:2000])
        self.buf += data

    def read_line(self, end=None):
        end = end or time.monotonic() + self.deadline_s
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 2], self.buf[i + 2:]
                return line
            self._fill(end)

    def read_exact(self, n, end=None):
        end = end or time.monotonic() + self.deadline_s
        while len(self.buf) < n:
            self._fill(end)
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_unit(self, end=None):
        """One reply unit: a line, or a VALUE/VA header line plus its data block."""
        line = self.read_line(end)
        size = data_size(line)
        if size is None:
            return line
        return line + self.read_exact(size + 2, end)

    def read_until(self, last=b"MN\r\n"):
        """Reply units up to and including the plain line `last`."""
        end = time.monotonic() + self.deadline_s
        units = []
        while True:
            u = self.read_unit(end)
            units.append(u)
            if u == last:
                return units

    def read_to_eof(self):
        """Everything until the server closes the connection (under the deadline)."""
        end = time.monotonic() + self.deadline_s
        while not self.eof:
            try:
                self._fill(end)
            except EOFError:
                break
        data, self.buf = self.buf, b""
        return data

    def call(self, request):
        """Sends request + mn, returns the raw reply bytes before MN."""
        self.send(request + b"mn\r\n")
        return b"".join(self.read_until()[:-1])


def data_size(line):
    """The size of the data block a reply line announces (VALUE or VA), else None."""
    if line.startswith(b"VALUE "):
        parts = line.split()
        if len(parts) >= 4 and parts[3].isdigit():
            return int(parts[3])
    elif line.startswith(b"VA "):
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            return int(parts[1])
    return None


def own_mn_count(request):
    """How many meta no-op lines a request holds (their MN replies belong to the request)."""
    return len(re.findall(rb"(?:^|(?<=\n))mn\r?\n", request))


class CasNames:
    """Maps one connection's CAS values to <casN> names, in order of first appearance."""

    def __init__(self):
        self.by_value = {}
        self.by_name = {}

    def name(self, value):
        if value not in self.by_value:
            n = b"<cas%d>" % (len(self.by_value) + 1)
            self.by_value[value] = n
            self.by_name[n[1:-1].decode()] = value
        return self.by_value[value]

    def fill(self, request):
        """Replaces {casN} in a request with this connection's value of <casN>."""
        def repl(m):
            key = m.group(1).decode()
            if key not in self.by_name:
                raise AssertionError("request names {%s}, never seen in a reply" % key)
            return self.by_name[key]
        return re.sub(rb"\{(cas\d+)\}", repl, request)


def normalise_unit(unit, cas):
    """The unit with CAS values named and VERSION's text hidden."""
    nl = unit.find(b"\r\n") + 2
    head, body = unit[:nl], unit[nl:]
    if head.startswith(b"VALUE "):
        parts = head[:-2].split(b" ")
        if len(parts) == 5:
            parts[4] = cas.name(parts[4])
            head = b" ".join(parts) + b"\r\n"
    elif head.startswith(META_PREFIXES):
        parts = head[:-2].split(b" ")
        for i, p in enumerate(parts[1:], 1):
            if len(p) > 1 and p[:1] == b"c" and p[1:].isdigit():
                parts[i] = b"c" + cas.name(p[1:])
        head = b" ".join(parts) + b"\r\n"
    elif VERSION_RE.match(head):
        head = b"VERSION <version>\r\n"
    return head + body


UNDERFLOW = 1 << 31
COUNTER_RE = re.compile(rb"^(\d+) *\r\n$")


def _same_ttl(a, b):
    """Whether meta tokens a (reference) and b (subject) are TTLs that match (see above)."""
    if not (a[:1] == b"t" == b[:1] and a[1:].isdigit() and b[1:].isdigit()):
        return False
    ra, rb = int(a[1:]), int(b[1:])
    return abs(ra - rb) <= 1 or (ra >= UNDERFLOW and rb == 0)


def _same_counter(r, s):
    """Whether two VALUE/VA units differ only in a counter's padding (see above)."""
    rh, rd = r.split(b"\r\n", 1)
    sh, sd = s.split(b"\r\n", 1)
    rm, sm = COUNTER_RE.match(rd), COUNTER_RE.match(sd)
    if not (rm and sm and rm.group(1) == sm.group(1)):
        return False
    size = 3 if rh.startswith(b"VALUE ") else 1
    rp, sp = rh.split(b" "), sh.split(b" ")
    return len(rp) == len(sp) and all(a == b for i, (a, b) in enumerate(zip(rp, sp))
                                      if i != size)


def ttl_slack(ref_units, sub_units):
    """sub_units with each meta t<N> set to the reference's where they match (see above), and
    each counter unit set to the reference's where only its padding differs."""
    out = []
    for r, s in zip(ref_units, sub_units):
        if r != s and r.startswith((b"VALUE ", b"VA ")) and s.startswith((b"VALUE ", b"VA ")):
            if _same_counter(r, s):
                s = r
        if r != s and r.startswith(META_PREFIXES) and s.startswith(META_PREFIXES):
            rh, sh = r.split(b"\r\n", 1), s.split(b"\r\n", 1)
            rp, sp = rh[0].split(b" "), sh[0].split(b" ")
            if len(rp) == len(sp):
                for i, (a, b) in enumerate(zip(rp, sp)):
                    if a != b and _same_ttl(a, b):
                        sp[i] = a
                s = b" ".join(sp) + b"\r\n" + sh[1]
        out.append(s)
    return out + sub_units[len(out):]


class Side:
    """One server's connection in a Pair."""

    def __init__(self, server):
        self.server = server
        self.conn = Conn(server.address)
        self.cas = CasNames()

    def exchange(self, request, expect_close):
        data = self.cas.fill(request)
        if expect_close:
            self.conn.send(data)
            raw = self.conn.read_to_eof()
            return [normalise_unit(raw, self.cas)] if raw else []
        self.conn.send(data + b"mn\r\n")
        units = []
        try:
            # the request's own mn commands are answered too: read up to the last MN
            for _ in range(own_mn_count(data) + 1):
                units += self.conn.read_until()
        except (EOFError, TimeoutError) as e:
            units.append(b"<%s: %s>" % (type(e).__name__.encode(), str(e).encode()[:3000]))
            return [normalise_unit(u, self.cas) for u in units]
        return [normalise_unit(u, self.cas) for u in units[:-1]]


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

    def check(self, request, expect=None, expect_close=False):
        """Asserts both servers answer request identically (after normalising); with expect,
        also that the reference answers exactly that (documents memcached's bytes). Returns the
        normalised reply."""
        ref = self.ref.exchange(request, expect_close)
        sub = ttl_slack(ref, self.sub.exchange(request, expect_close))
        ref_b, sub_b = b"".join(ref), b"".join(sub)
        if expect is not None:
            assert ref_b == expect, ("the reference memcached answered differently than the "
                                     "test expects:\nrequest:   %r\nmemcached: %r\nexpected:  %r"
                                     % (request[:500], ref_b[:3000], expect[:3000]))
        assert sub_b == ref_b, ("%s answers differently than memcached 1.6:\nrequest:   %r\n"
                                "memcached: %r\n%-10s %r" % (self.sub.server.name, request[:500],
                                                             ref_b[:3000],
                                                             self.sub.server.name + ":",
                                                             sub_b[:3000]))
        return ref_b
