"""Random command sequences byte for byte against redis-server 7.0: a seeded generator writes
string, counter, expiry and key commands over a few keys in two databases (arguments chosen at
random, edge values and wrong ones favoured; some in pipelines, some inside MULTI/EXEC, and a
few Lua scripts through EVAL), each
step goes to both servers on one connection pair, and the replies must be identical.

The hand-written cases (test_strings_compare.py, test_server_compare.py) pin each command; this
suite finds what their combinations do: a GETEX PERSIST of a key SET ... KEEPTTL kept, an
INCRBYFLOAT of what APPEND built, a MULTI whose queued command is refused, all of it in RESP2
and, after a HELLO 3, in RESP3.

No step waits for time: TTLs are far ahead or already past. A remaining TTL (TTL, PTTL) may
differ by the time between the two servers' answers: one second, 1000 ms (EXPIRETIME,
PEXPIRETIME too, for a TTL set relative to each server's clock). A failure names the
seed and the step; `REDIS_RANDOM_SEEDS=FIRST:COUNT` and `REDIS_RANDOM_STEPS` run other or more
sequences:

    REDIS_RANDOM_SEEDS=1000:500 REDIS_RANDOM_STEPS=300 /usr/bin/python3 -m pytest -q \\
        test_random_compare.py
"""
import os
import random
import re

import pytest

from resp import Side, cmd

KEYS = [b"a", b"b", b"c", b"n", b"k" * 300]
VALUES = [b"0", b"1", b"-1", b"7", b"41", b"9223372036854775807", b"-9223372036854775808",
          b"9223372036854775808", b"3.5", b"-0.25", b"1e3", b"10.0", b" 1", b"1 ", b"abc", b"",
          b"inf", b"0x10", b"007"]
# Seconds and milliseconds ahead; absolute times far ahead (2100) or past (2001); wrong ones.
SECONDS = [b"100", b"1000", b"86400", b"0", b"-1", b"x", b"9223372036854775807"]
MILLIS = [b"100000", b"1000000", b"0", b"-5", b"y"]
UNIX = [b"4102444800", b"1000000000", b"0"]
UNIX_MS = [b"4102444800000", b"1000000000000"]
INTS = [b"0", b"1", b"-1", b"5", b"9223372036854775807", b"-9223372036854775808", b"x",
        b"1.5", b""]
FLOATS = [b"0", b"1.5", b"-2.25", b"1e3", b"inf", b"nan", b"x", b"5e308"]
EXPIRY_FLAGS = [b"NX", b"XX", b"GT", b"LT"]
# Replies that a relative TTL makes depend on when each server ran the command.
SCRIPTS = [
    b"return redis.call('GET', KEYS[1])",
    b"return redis.call('INCRBY', KEYS[1], ARGV[1])",
    b"return redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')",
    b"return {redis.call('EXISTS', KEYS[1]), redis.call('TTL', KEYS[1]) > 0}",
    b"return redis.pcall('INCR', KEYS[1])",
    b"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) "
    b"else return 0 end",  # redis-py's Lock release
    b"return tonumber(ARGV[1])",
    b"return redis.call('NOSUCH')",
]
TTL_COMMANDS = {b"TTL": 1, b"PTTL": 1000, b"EXPIRETIME": 1, b"PEXPIRETIME": 1000}


def seeds():
    first, count = (int(x) for x in os.environ.get("REDIS_RANDOM_SEEDS", "1:40").split(":"))
    return range(first, first + count)


STEPS = int(os.environ.get("REDIS_RANDOM_STEPS", "60"))


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def key(self):
        return self.r.choice(KEYS if self.r.random() < 0.05 else KEYS[:-1])

    def value(self):
        if self.r.random() < 0.8:
            return self.r.choice(VALUES)
        return bytes(self.r.randrange(256) for _ in range(self.r.choice([1, 5, 100])))

    def c(self, xs):
        return self.r.choice(xs)

    def maybe(self, p, *words):
        return list(words) if self.r.random() < p else []

    def set_options(self):
        opts = []
        r = self.r.random()
        if r < 0.15:
            opts += [b"EX", self.c(SECONDS)]
        elif r < 0.25:
            opts += [b"PX", self.c(MILLIS)]
        elif r < 0.3:
            opts += [b"EXAT", self.c(UNIX)]
        elif r < 0.35:
            opts += [b"PXAT", self.c(UNIX_MS)]
        elif r < 0.45:
            opts += [b"KEEPTTL"]
        opts += self.maybe(0.2, self.c([b"NX", b"XX"]))
        opts += self.maybe(0.15, b"GET")
        if self.r.random() < 0.05:
            opts += [self.c([b"EX", b"PX", b"NX", b"KEEPTTL", b"BOGUS"])]  # repeated or wrong
        if self.r.random() < 0.1:
            self.r.shuffle(opts)
        return opts

    def command(self):
        """One command as a list of arguments, and whether its reply is a remaining TTL."""
        k = self.key
        r = self.r.random()
        if r < 0.16:
            return [b"SET", k(), self.value()] + self.set_options()
        if r < 0.26:
            return [self.c([b"GET", b"GETDEL", b"STRLEN", b"TYPE", b"EXISTS", b"PERSIST"]), k()]
        if r < 0.32:
            opts = self.c([[], [b"PERSIST"], [b"EX", self.c(SECONDS)], [b"PX", self.c(MILLIS)],
                           [b"EXAT", self.c(UNIX)], [b"PXAT", self.c(UNIX_MS)],
                           [b"EX", b"10", b"PX", b"10"], [b"BOGUS"]])
            return [b"GETEX", k()] + opts
        if r < 0.42:
            name = self.c([b"INCR", b"DECR", b"INCRBY", b"DECRBY", b"INCRBYFLOAT"])
            if name in (b"INCR", b"DECR"):
                return [name, k()]
            return [name, k(), self.c(FLOATS if name == b"INCRBYFLOAT" else INTS)]
        if r < 0.5:
            return [b"APPEND", k(), self.value()]
        if r < 0.6:
            name = self.c([b"EXPIRE", b"PEXPIRE", b"EXPIREAT", b"PEXPIREAT"])
            arg = {b"EXPIRE": SECONDS, b"PEXPIRE": MILLIS, b"EXPIREAT": UNIX,
                   b"PEXPIREAT": UNIX_MS}[name]
            # GT and LT with absolute times only: a relative TTL compared with one set from the
            # same number a few steps before is greater or equal as the milliseconds fall.
            flags = EXPIRY_FLAGS if name.endswith(b"AT") else EXPIRY_FLAGS[:2]
            return [name, k(), self.c(arg)] + self.maybe(0.4, self.c(flags))
        if r < 0.68:
            return [self.c([b"TTL", b"PTTL", b"EXPIRETIME", b"PEXPIRETIME"]), k()]
        if r < 0.74:
            return [self.c([b"SETEX", b"PSETEX"]), k(), self.c(SECONDS), self.value()]
        if r < 0.78:
            return [self.c([b"SETNX", b"GETSET"]), k(), self.value()]
        if r < 0.84:
            name = self.c([b"MGET", b"DEL", b"UNLINK", b"EXISTS"])
            return [name] + [k() for _ in range(self.r.randint(1, 4))]
        if r < 0.89:
            name = self.c([b"MSET", b"MSETNX"])
            args = []
            for _ in range(self.r.randint(1, 3)):
                args += [k(), self.value()]
            return [name] + (args if self.r.random() < 0.9 else args[:-1])  # odd: an error
        if r < 0.93:
            return [b"SELECT", self.c([b"0", b"1", b"0", b"16", b"x"])]
        if r < 0.94:
            # (DBSIZE: redis-server counts keys whose time is up until it reclaims them.)
            return [b"EXISTS", k(), k()]
        if r < 0.955:
            # WATCH of up to two keys (none: an error), so that the writes between it and EXEC
            # decide EXEC's answer as redis-server's do. UNWATCH is queued inside MULTI.
            if self.r.random() < 0.3:
                return [b"UNWATCH"]
            return [b"WATCH"] + [k() for _ in range(self.r.randint(0, 2))]
        if r < 0.97:
            return [b"EVAL", self.c(SCRIPTS), b"1", k(), self.value()]
        if r < 0.98:
            return [self.c([b"FLUSHDB", b"GET", b"SET", b"INCRBY", b"EXPIRE"])]  # arity errors
        return [b"ECHO", self.value()]  # (KEYS: its order is the server's own)

    def step(self):
        """(request bytes, number of replies, for each reply the TTL tolerance, 0, or None
        for a reply not compared)."""
        r = self.r.random()
        if r < 0.03:  # RESP3 or back: HELLO's reply names the server, so it is not compared
            return cmd(b"HELLO", self.c([b"2", b"3"])), 1, [None]
        if r < 0.1:  # a transaction
            cmds = [self.command() for _ in range(self.r.randint(0, 4))]
            end = self.c([b"EXEC", b"EXEC", b"DISCARD"])
            # TTLs inside EXEC come back in an array: no tolerance there, so none are queued.
            cmds = [c for c in cmds if c[0] not in TTL_COMMANDS]
            seq = [[b"MULTI"]] + cmds + [[end]]
            return b"".join(cmd(*c) for c in seq), len(seq), [0] * len(seq)
        count = 1 if r < 0.75 else self.r.randint(2, 5)
        seq = [self.command() for _ in range(count)]
        return (b"".join(cmd(*c) for c in seq), len(seq),
                [TTL_COMMANDS.get(c[0], 0) for c in seq])


INT_REPLY = re.compile(rb"^:(-?\d+)\r\n$")


def within(ref, sub, tolerance):
    """Whether two integer replies differ by at most tolerance (a remaining TTL)."""
    a, b = INT_REPLY.match(ref), INT_REPLY.match(sub)
    return bool(a and b and int(a.group(1)) >= 0 and int(b.group(1)) >= 0
                and abs(int(a.group(1)) - int(b.group(1))) <= tolerance)


def run_sequence(seed, sides):
    """Runs STEPS generated steps, each on one (reference, subject) connection pair of sides
    chosen at random, and compares the replies."""
    gen = Gen(seed)
    picker = random.Random(seed * 7919 + len(sides))
    done = []
    for i in range(STEPS):
        data, n, tolerances = gen.step()
        which = picker.randrange(len(sides))
        ref_side, sub_side = sides[which]
        ref = ref_side.exchange(data, n, False)
        sub = sub_side.exchange(data, n, False)
        sub = [r if t is None or (t and within(r, s, t)) else s
               for r, s, t in zip(ref, sub, tolerances)]
        if sub != ref:
            shown = [(w, d if len(d) < 300 else d[:300] + b"...") for w, d in done[-8:]]
            raise AssertionError(
                "seed %d, step %d on connection %d; the steps before it (last 8, connection "
                "first): %r\n%s answers differently than redis-server 7.0:\nrequest:  %r\n"
                "redis:    %r\n%-9s %r"
                % (seed, i, which, shown, sub_side.server.name, data[:600],
                   b"".join(ref)[:2000], sub_side.server.name + ":", b"".join(sub)[:2000]))
        done.append((which, data))


@pytest.mark.parametrize("seed", seeds())
def test_random_sequence(pair, seed):
    run_sequence(seed, [(pair.ref, pair.sub)])


@pytest.mark.parametrize("seed", seeds())
def test_random_two_connections(pair, seed):
    """The same steps spread over two connections to each server: one connection's writes
    and transactions meet the other's WATCH, MULTI and SELECT."""
    second = (Side(pair.ref.server), Side(pair.sub.server))
    try:
        run_sequence(seed, [(pair.ref, pair.sub), second])
    finally:
        second[0].conn.close()
        second[1].conn.close()
