"""Expiry that needs time to pass, where it cannot be avoided: TTLs and a flush_all delay of a
few seconds, polled under a deadline (no fixed sleep). Everything else about expiry is in the
byte-for-byte cases with exptimes already in the past.

memcached's clock ticks once a second, so an exptime of N seconds expires after N-1 to N
seconds (N = 1 may be gone at once, as may a `flush_all 1`): the tests use 3 seconds, readable
at once and gone within the deadline."""
import time

from mcservers import poll
from mcwire import Conn
from test_text_compare import S

DEADLINE_S = 10.0



def test_ttl_of_three_seconds_expires(subject):
    c = Conn(subject.address)
    t0 = time.monotonic()
    assert c.call(S(b"short", b"x", exptime=3) + b"get short\r\n") == \
        b"STORED\r\nVALUE short 0 1\r\nx\r\nEND\r\n"
    poll(lambda: c.call(b"get short\r\n") == b"END\r\n", DEADLINE_S, "the 3 s entry to expire")
    assert time.monotonic() - t0 <= DEADLINE_S
    c.close()


def test_meta_T3_expires(subject):
    c = Conn(subject.address)
    assert c.call(b"ms mshort 1 T3\r\nx\r\nmg mshort v\r\n") == b"HD\r\nVA 1\r\nx\r\n"
    poll(lambda: c.call(b"mg mshort v\r\n") == b"EN\r\n", DEADLINE_S, "the 3 s entry to expire")
    c.close()


def test_touch_shortens_then_expires(subject):
    c = Conn(subject.address)
    assert c.call(S(b"touched", b"x") + b"touch touched 3\r\n") == b"STORED\r\nTOUCHED\r\n"
    poll(lambda: c.call(b"get touched\r\n") == b"END\r\n", DEADLINE_S, "the touched entry")
    c.close()


def test_flush_all_with_delay(subject):
    c = Conn(subject.address)
    assert c.call(S(b"later", b"x") + b"flush_all 3\r\nget later\r\n") == \
        b"STORED\r\nOK\r\nVALUE later 0 1\r\nx\r\nEND\r\n"
    poll(lambda: c.call(b"get later\r\n") == b"END\r\n", DEADLINE_S, "the delayed flush")
    c.close()
