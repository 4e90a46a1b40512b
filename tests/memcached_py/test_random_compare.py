"""Random command sequences byte for byte against memcached 1.6: a seeded generator writes text
and meta commands over a few keys (values, flags, exptimes, deltas, flags of meta commands and
pipelines chosen at random, edge values favoured), each step goes to both servers on one
connection pair, and the replies must be identical after mcwire's normalising (CAS values
named, a remaining TTL within one second).

The hand-written cases (test_text_compare.py, test_meta_compare.py) pin each command; this
suite finds what their combinations do: a `cas` with the CAS an `ma` left, an `append` to a
value an `incr` wrote, `gat` on an entry a `ms I` marked stale.

No step waits for time: exptimes are 0, far ahead, or already past. A failure names the seed and
the step; `MC_RANDOM_SEEDS=FIRST:COUNT` and `MC_RANDOM_STEPS` run other or more sequences:

    MC_RANDOM_SEEDS=1000:500 MC_RANDOM_STEPS=400 /usr/bin/python3 -m pytest -q test_random_compare.py
"""
import base64
import os
import random

import pytest

import mcservers
from conftest import open_pair, started

KEYS = [b"a", b"b", b"c", b"n", b"k" * 250]
BINARY_KEYS = [b"\x00\xff", b"a b", b"\r\n"]  # only the meta commands' b can name them
# Far future (2100-01-01), relative, 30 days exactly (the last relative value), 30 days + 1 (an
# absolute time in 1970: already past), negative, an absolute time in the past.
EXPTIMES = [0, 0, 0, 1000, 86400, 2592000, 2592001, -1, 1000000000, 4102444800]
# No stored number of 2^63 or more: memcached 1.6.18 then refuses it as non-numeric when a '-'
# follows anywhere in memory up to a NUL byte (safe_strtoull's strchr runs past the value into
# whatever lies after the item), so its answer depends on memory contents. The same goes for a
# delta that takes a counter there: the big deltas are decr's only (decr stops at 0). The
# hand-written cases test the 2^64 wrap.
NUMBERS = [b"0", b"1", b"7", b"41", b"9223372036854775000", b"00012", b"12 ", b" 12"]
DELTAS = [b"0", b"1", b"5", b"-1", b"x", b"3a"]
BIG_DELTAS = [b"18446744073709551615", b"9223372036854775808", b"18446744073709551616"]
FLAGS = [0, 1, 2, 16, 4294967295]


def seeds():
    spec = os.environ.get("MC_RANDOM_SEEDS", "1:40")
    first, count = (int(x) for x in spec.split(":"))
    return range(first, first + count)


STEPS = int(os.environ.get("MC_RANDOM_STEPS", "60"))


class Gen:
    """One sequence's commands; remembers how many CAS names the replies have shown."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self, too_long_ok=True):
        r = self.r.random()
        if r < 0.02 and too_long_ok:
            return b"k" * 251  # one byte over memcached's limit
        return self.r.choice(KEYS[:-1] if r < 0.9 else KEYS)

    def value(self):
        r = self.r.random()
        if r < 0.35:
            return self.r.choice(NUMBERS)
        if r < 0.45:
            return b""
        if r < 0.47:
            return b"x" * (1024 * 1024 + 1)  # over the item limit
        n = self.r.choice([1, 3, 10, 100, 2000])
        while True:
            v = bytes(self.r.randrange(256) for _ in range(n))
            # Not white space only: memcached's incr/decr then reads on past the item's "\r\n"
            # (strtoull skips white space) into whatever memory follows.
            if v.strip(b" \t\n\v\f\r"):
                return v

    def exptime(self):
        return self.r.choice(EXPTIMES)

    def noreply(self):
        return b" noreply" if self.r.random() < 0.15 else b""

    def cas_value(self, names):
        """A CAS token: one the replies showed ({casN}), or 0, or one no item has."""
        r = self.r.random()
        if names and r < 0.8:
            return b"{cas%d}" % self.r.randint(max(1, names - 3), names)
        return b"0" if r < 0.9 else b"99999999999"

    def storage(self, names):
        cmd = self.r.choice([b"set", b"set", b"add", b"replace", b"append", b"prepend", b"cas"])
        key = self.key()
        v = self.value()
        if len(key) > 250 and len(v) > 2000:
            # Refused for the key, the data block is read as command lines: a 1 MiB one makes
            # both servers close the connection while the test still sends.
            v = b"x"
        extra = b" " + self.cas_value(names) if cmd == b"cas" else b""
        return b"%s %s %d %d %d%s%s\r\n%s\r\n" % (cmd, key, self.r.choice(FLAGS),
                                                   self.exptime(), len(v), extra,
                                                   self.noreply(), v)

    def retrieval(self, alone):
        cmd = self.r.choice([b"get", b"gets", b"gat", b"gats"])
        # A key over 250 bytes not after other commands in one request (memcached 1.6.18 then
        # drops their replies), and not in gat/gats (memcached touches the keys before it, then
        # answers the error): docs/memcached.md, "Where apicached differs on purpose".
        long_ok = alone and not cmd.startswith(b"gat")
        keys = b" ".join(self.key(too_long_ok=long_ok) for _ in range(self.r.randint(1, 4)))
        if cmd.startswith(b"gat"):
            return b"%s %d %s\r\n" % (cmd, self.exptime(), keys)
        return b"%s %s\r\n" % (cmd, keys)

    def other_text(self):
        r = self.r.random()
        if r < 0.35:
            cmd = self.r.choice([b"incr", b"decr"])
            deltas = DELTAS + BIG_DELTAS if cmd == b"decr" else DELTAS
            return b"%s %s %s%s\r\n" % (cmd, self.key(), self.r.choice(deltas), self.noreply())
        if r < 0.55:
            return b"delete %s%s\r\n" % (self.key(), self.noreply())
        if r < 0.75:
            return b"touch %s %d%s\r\n" % (self.key(), self.exptime(), self.noreply())
        if r < 0.8:
            return b"flush_all%s\r\n" % self.r.choice([b"", b" 0", b" noreply"])
        if r < 0.85:
            return b"verbosity 1\r\n"
        return b"get %s\r\n" % self.key(too_long_ok=False)

    def meta_flags(self, choices, names):
        out = []
        for f in choices:
            if self.r.random() < 0.3:
                if f in ("T", "N"):
                    out.append(b"%s%d" % (f.encode(), self.r.choice([0, 30, 1000, 2592001, -1])))
                elif f == "R":
                    # No TTL the steps set: whether R wins at exactly that TTL depends on when
                    # memcached's clock ticks (once a second) between the two commands.
                    out.append(b"R%d" % self.r.choice([0, 500, 2000, 2592001, -1]))
                elif f == "O":
                    out.append(b"O%d" % self.r.randrange(1000))
                elif f == "C":
                    out.append(b"C" + self.cas_value(names))
                elif f == "F":
                    out.append(b"F%d" % self.r.choice(FLAGS))
                elif f == "M":
                    out.append(b"M" + self.r.choice([b"S", b"E", b"A", b"P", b"R", b"I", b"D",
                                                     b"+", b"-", b"s", b"a"]))
                elif f == "J":
                    out.append(b"J" + self.r.choice(NUMBERS[:4]))
                elif f == "D":
                    out.append(b"D" + self.r.choice(DELTAS[:4]))
                else:
                    out.append(f.encode())
        self.r.shuffle(out)
        if any(f[:1] == b"N" for f in out) and any(
                f[:1] in (b"N", b"T") and f[1:] in (b"-1", b"2592001") for f in out):
            # An item this command creates may be expired at once. memcached shows the cas of
            # the item it created and let expire, apicached c0: it stored nothing (docs/
            # memcached.md, "Where apicached differs on purpose"). Leave c out there.
            out = [f for f in out if f != b"c"]
        return b"".join(b" " + f for f in out)

    def meta(self, names):
        r = self.r.random()
        key = self.key()
        b, k = b"", "k"
        if self.r.random() < 0.1:
            # A binary key, sent in base64 (b). Never with k: memcached returns the key of an
            # item that ms b stored in base64 and of one that mg or ma N created raw
            # (ITEM_KEY_BINARY), docs/memcached.md.
            key, b, k = base64.b64encode(self.r.choice(BINARY_KEYS)), b" b", ""
        if r < 0.4:
            return b"mg %s%s%s\r\n" % (key, b, self.meta_flags("vftcsqOTNR" + k, names))
        if r < 0.7:
            v = self.value()
            if len(key) > 250 and len(v) > 2000:
                v = b"x"  # as in storage()
            return b"ms %s %d%s%s\r\n%s\r\n" % (key, len(v), b,
                                                  self.meta_flags("TFCIqOM" + k, names), v)
        if r < 0.85:
            return b"md %s%s%s\r\n" % (key, b, self.meta_flags("qICTO" + k, names))
        # No T: memcached 1.6.18 keeps an ma's new TTL on some items and not others (the
        # README's list of differences); the hand-written cases test T on a created item.
        return b"ma %s%s%s\r\n" % (key, b, self.meta_flags("NJDMqvtcO" + k, names))

    def step(self, names):
        parts = []
        count = 1 if self.r.random() < 0.7 else self.r.randint(2, 5)
        while len(parts) < count:
            r = self.r.random()
            if r < 0.3:
                parts.append(self.storage(names))
            elif r < 0.5:
                parts.append(self.retrieval(alone=not parts))
            elif r < 0.75:
                parts.append(self.other_text())
            else:
                parts.append(self.meta(names))
            if len(parts) > 1 and parts[-1].startswith((b"incr ", b"decr ", b"ma ")):
                # Arithmetic only first in a request. After a read of the same item in that
                # request memcached 1.6.18 writes a shorter counter as a new item, unpadded,
                # else in place, padded (do_add_delta's reference count): only the second is
                # determined.
                parts.pop()
        return b"".join(parts)


@pytest.fixture(scope="module")
def quiet_reference():
    """A reference memcached without its LRU crawler and maintainer threads. They take a
    reference on items they look at, and an incr/decr that finds an item so referenced writes a
    new item (a shorter counter unpadded) instead of rewriting it in place (padded with
    spaces): with them on, the same sequence may answer either way."""
    server = started(lambda: mcservers.MemcachedServer(
        ["-o", "no_lru_crawler,no_lru_maintainer"]).start())
    yield server
    server.close()


@pytest.fixture
def pair(quiet_reference, subject):
    p = open_pair(quiet_reference, subject)
    yield p
    p.close()


@pytest.mark.parametrize("seed", seeds())
def test_random_sequence(pair, seed):
    gen = Gen(seed)
    done = []
    for i in range(STEPS):
        names = len(pair.ref.cas.by_value)
        request = gen.step(names)
        try:
            pair.check(request)
        except AssertionError as e:
            shown = [s if len(s) < 300 else s[:300] + b"..." for s in done[-8:]]
            raise AssertionError("seed %d, step %d; the steps before it (last 8): %r\n%s"
                                 % (seed, i, shown, e)) from None
        done.append(request)
