"""The text protocol byte for byte: each case sends the same request bytes to memcached 1.6 and
to the subject and asserts identical replies (only CAS values and VERSION's text are
normalised, see mcwire.py). Where a case gives the expected bytes, they are memcached 1.6.18's
own reply, written down so the case documents it.

Each case runs on fresh connections after flush_all. No case waits for time to pass: expiry is
tested with exptimes that are already in the past (negative, or an absolute time before now)."""
import time

import pytest

V1M = 1024 * 1024


def S(key, value, flags=0, exptime=0, cmd=b"set", extra=b""):
    """A storage command with its data block."""
    return b"%s %s %d %d %d%s\r\n%s\r\n" % (cmd, key, flags, exptime, len(value), extra, value)


CASES = {
    # --- storage and retrieval ---
    "set_get": [(S(b"k", b"hello") + b"get k\r\n", b"STORED\r\nVALUE k 0 5\r\nhello\r\nEND\r\n")],
    "get_miss": [(b"get nope\r\n", b"END\r\n")],
    "get_many_keys": [
        (S(b"a", b"1") + S(b"b", b"22", 1) + S(b"c", b"333", 2), None),
        (b"get a nope b c nope a\r\n", None),
        (b"gets a b nope c\r\n", None),
    ],
    "get_100_keys": [
        (b"".join(S(b"key%d" % i, b"v%d" % i, i) for i in range(0, 100, 3)), None),
        (b"get " + b" ".join(b"key%d" % i for i in range(100)) + b"\r\n", None),
    ],
    "flags_edges": [
        (S(b"f", b"x", 0) + b"get f\r\n", None),
        (S(b"f", b"x", 1) + S(b"g", b"x", 2) + S(b"h", b"x", 16) + b"get f g h\r\n", None),
        (S(b"f", b"x", 4294967295) + b"get f\r\n", None),
        (b"set f 4294967296 0 1\r\nx\r\nget f\r\n", None),
        (b"set f -1 0 1\r\nx\r\nget f\r\n", None),
    ],
    "add": [(S(b"k", b"1", cmd=b"add") + S(b"k", b"2", cmd=b"add") + b"get k\r\n",
             b"STORED\r\nNOT_STORED\r\nVALUE k 0 1\r\n1\r\nEND\r\n")],
    "replace": [(S(b"k", b"1", cmd=b"replace") + S(b"k", b"1") +
                 S(b"k", b"2", 5, cmd=b"replace") + b"get k\r\n",
                 b"NOT_STORED\r\nSTORED\r\nSTORED\r\nVALUE k 5 1\r\n2\r\nEND\r\n")],
    "append_prepend": [
        (S(b"k", b"x", cmd=b"append") + S(b"k", b"x", cmd=b"prepend"),
         b"NOT_STORED\r\nNOT_STORED\r\n"),
        (S(b"k", b"mid", 7) + S(b"k", b">>", 9, cmd=b"append") + S(b"k", b"<<", 9, cmd=b"prepend")
         + b"get k\r\n", b"STORED\r\nSTORED\r\nSTORED\r\nVALUE k 7 7\r\n<<mid>>\r\nEND\r\n"),
    ],
    "cas": [
        (S(b"k", b"1") + b"gets k\r\n", None),
        (S(b"k", b"2", cmd=b"cas", extra=b" {cas1}") + b"gets k\r\n", None),
        (S(b"k", b"3", cmd=b"cas", extra=b" {cas1}") + b"get k\r\n", None),  # stale: EXISTS
        (S(b"nope", b"3", cmd=b"cas", extra=b" 1") + b"get nope\r\n", None),  # NOT_FOUND
        (b"cas k 0 0 1 abc\r\nx\r\n", None),
        (b"cas k 0 0 1\r\nx\r\n", None),
    ],
    "cas_changes_on_every_write": [
        (S(b"k", b"1") + b"gets k\r\n", None),
        (S(b"k", b"1", cmd=b"append") + b"gets k\r\n", None),
        (b"incr k 1\r\ngets k\r\ntouch k 100\r\ngets k\r\n", None),
    ],
    "delete": [
        (S(b"k", b"1") + b"delete k\r\ndelete k\r\nget k\r\n",
         b"STORED\r\nDELETED\r\nNOT_FOUND\r\nEND\r\n"),
        (S(b"k", b"1") + b"delete k 0\r\ndelete k 5\r\n", None),
    ],
    # --- incr / decr ---
    "incr_decr": [
        (S(b"n", b"10") + b"incr n 5\r\ndecr n 3\r\nget n\r\n",
         b"STORED\r\n15\r\n12\r\nVALUE n 0 2\r\n12\r\nEND\r\n"),
        (b"incr nope 1\r\ndecr nope 1\r\n", b"NOT_FOUND\r\nNOT_FOUND\r\n"),
    ],
    "incr_wraps_at_2_64": [
        (S(b"n", b"18446744073709551615") + b"incr n 1\r\nget n\r\n", None),
        (S(b"n", b"18446744073709551610") + b"incr n 10\r\n", None),
        (b"incr n 18446744073709551615\r\n", None),
    ],
    "decr_floors_at_0": [
        (S(b"n", b"5") + b"decr n 6\r\nget n\r\ndecr n 18446744073709551615\r\n", None),
    ],
    "incr_grows_decr_pads": [
        (S(b"n", b"99") + b"incr n 1\r\nget n\r\n", None),
        (b"decr n 1\r\nget n\r\n", None),  # memcached keeps the length: "99 "
    ],
    "incr_errors": [
        (S(b"s", b"abc") + b"incr s 1\r\ndecr s 1\r\n",
         b"STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
         b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"),
        (S(b"n", b"1") + b"incr n abc\r\nincr n -1\r\nincr n 18446744073709551616\r\n", None),
        (S(b"big", b"123456789012345678901") + b"incr big 1\r\n", None),  # 21 digits
        (S(b"sp", b" 12") + b"incr sp 1\r\n", None),
        (b"incr\r\nincr n\r\n", None),
    ],
    # --- touch, gat, gats ---
    "touch": [(S(b"k", b"1") + b"touch k 100\r\ntouch nope 100\r\ntouch k abc\r\n", None)],
    "gat_gats": [
        (S(b"k", b"v", 3) + b"gat 100 k nope\r\n", None),
        (b"gats 100 k nope k\r\n", None),
        (b"gat k\r\ngat\r\ngat abc k\r\n", None),
        (b"gat -1 k\r\nget k\r\n", None),  # a negative exptime expires the entry
    ],
    # --- flush_all, version, verbosity ---
    "flush_all": [
        (S(b"a", b"1") + S(b"b", b"2") + b"flush_all\r\nget a b\r\n", None),
        (S(b"a", b"1") + b"flush_all 0\r\nget a\r\n", None),
        (b"flush_all abc\r\nflush_all -1\r\n", None),
    ],
    "flush_all_delay_keeps_entries_until_then": [
        (S(b"a", b"1") + b"flush_all 100\r\nget a\r\n", None),
    ],
    "version": [(b"version\r\n", b"VERSION <version>\r\n")],
    "verbosity": [(b"verbosity 1\r\nverbosity 0\r\nverbosity\r\nverbosity abc\r\n", None)],
    # --- noreply on every command that takes it ---
    "noreply_storage": [
        (S(b"k", b"1", extra=b" noreply") + S(b"k", b"2", cmd=b"add", extra=b" noreply") +
         S(b"k", b"3", cmd=b"replace", extra=b" noreply") +
         S(b"k", b"4", cmd=b"append", extra=b" noreply") +
         S(b"k", b"5", cmd=b"prepend", extra=b" noreply") + b"get k\r\n", None),
        (b"gets k\r\n", None),
        (S(b"k", b"6", cmd=b"cas", extra=b" {cas1} noreply") + b"get k\r\n", None),
        (S(b"k", b"7", cmd=b"cas", extra=b" {cas1} noreply") + b"get k\r\n", None),  # stale
    ],
    "noreply_others": [
        (S(b"n", b"5") + b"incr n 3 noreply\r\ndecr n 1 noreply\r\nget n\r\n", None),
        (b"touch n 100 noreply\r\ndelete n noreply\r\nget n\r\n", None),
        (b"incr nope 1 noreply\r\ndelete nope noreply\r\ntouch nope 1 noreply\r\n", b""),
        (b"verbosity 1 noreply\r\nflush_all noreply\r\nflush_all 0 noreply\r\n", b""),
    ],
    "noreply_with_errors": [
        (b"set k 0 0 z noreply\r\nx\r\n", None),
        (S(b"s", b"abc") + b"incr s 1 noreply\r\n", None),
    ],
    # --- binary values, keys ---
    "binary_value_with_crlf": [
        (S(b"bin", b"a\r\nb\r\n\r\nEND\r\n\x00\xff") + b"get bin\r\n", None),
    ],
    "all_byte_values": [(S(b"bytes", bytes(range(256)) * 4) + b"get bytes\r\n", None)],
    "empty_value": [(S(b"e", b"") + b"get e\r\n", b"STORED\r\nVALUE e 0 0\r\n\r\nEND\r\n")],
    "key_250_bytes": [
        (S(b"k" * 250, b"x") + b"get " + b"k" * 250 + b"\r\n", None),
        (b"delete " + b"k" * 250 + b"\r\n", None),
    ],
    "key_251_bytes": [
        (S(b"k" * 251, b"x"), None),
        (b"get " + b"k" * 251 + b"\r\n", None),
        (b"get a " + b"k" * 251 + b" b\r\n", None),
        (b"delete " + b"k" * 251 + b"\r\n", None),
        (b"incr " + b"k" * 251 + b" 1\r\n", None),
        (b"touch " + b"k" * 251 + b" 1\r\n", None),
    ],
    "key_with_control_chars": [
        (S(b"a\x01b", b"x") + b"get a\x01b\r\n", None),
        (S(b"t\tab", b"x") + b"get t\tab\r\n", None),
        (S(b"a\x7fb", b"x") + b"get a\x7fb\r\n", None),
    ],
    "key_with_utf8": [(S("clé".encode(), b"x") + "get clé\r\n".encode(), None)],
    # --- too large, bad lengths, bad lines ---
    "too_large_is_swallowed": [
        (b"set big 0 0 %d\r\n%s\r\nget big\r\n" % (V1M + 1, b"x" * (V1M + 1)),
         b"SERVER_ERROR object too large for cache\r\nEND\r\n"),
        (S(b"after", b"ok") + b"get after\r\n", b"STORED\r\nVALUE after 0 2\r\nok\r\nEND\r\n"),
    ],
    "too_large_set_removes_old_value": [
        (S(b"big", b"old") + b"set big 0 0 %d\r\n%s\r\nget big\r\n"
         % (V1M + 1, b"x" * (V1M + 1)), None),
    ],
    "large_value_below_limit": [(S(b"v", b"y" * 1000000) + b"get v\r\n", None)],
    "bad_data_chunk": [(b"set k 0 0 1\r\nxy\r\nget k\r\n", None)],
    "bad_lengths": [
        (b"set k 0 0 -1\r\n", None),
        (b"set k 0 0 abc\r\n", None),
        (b"set k abc 0 1\r\nx\r\n", None),
        (b"set k 0 abc 1\r\nx\r\n", None),
    ],
    "bad_command_lines": [
        (b"\r\n", None),
        (b"bogus\r\n", b"ERROR\r\n"),
        (b"GET k\r\n", None),
        (b"set k\r\n", None),
        (b"get\r\n", None),
        (b"x" * 2000 + b"\r\n", None),
    ],
    "long_lines": [
        (b"x" * 10000 + b"\r\n", None),                                   # garbage: ERROR
        (b"set " + b"k" * 5000 + b" 0 0 1\r\nx\r\n", None),                # key far too long
        (S(b"k7", b"x") + b"get " + b" ".join(b"k%d" % i for i in range(3000)) + b"\r\n",
         None),                                                           # a 17 KB get line
    ],
    "bare_newline_terminates_lines": [
        (b"set k 0 0 1\nx\r\nget k\n", None),
    ],
    # --- exptime edges (no waiting: the past is already expired) ---
    "exptime_negative_is_expired": [(S(b"k", b"x", exptime=-1) + b"get k\r\n", None)],
    "exptime_absolute_past_is_expired": [
        (S(b"k", b"x", exptime=1000000000) + b"get k\r\n", None),
        (S(b"k", b"x", exptime=2592001) + b"get k\r\n", None),  # 30 days + 1 s: 1970
    ],
    "exptime_30_days_is_relative": [
        (S(b"k", b"x", exptime=2592000) + b"get k\r\nmg k t\r\n", None),
    ],
    "exptime_absolute_future": [
        (lambda: S(b"k", b"x", exptime=int(time.time()) + 1000) + b"get k\r\n", None),
    ],
    "exptime_zero_never_expires": [(S(b"k", b"x", exptime=0) + b"mg k t v\r\n", None)],
    "exptime_bad": [(b"set k 0 4294967296 1\r\nx\r\nget k\r\nset k 0 z 1\r\nx\r\n", None)],
    "touch_negative_expires": [(S(b"k", b"x") + b"touch k -1\r\nget k\r\n", None)],
    # --- pipelining ---
    "pipeline_many_commands": [
        (b"".join(S(b"p%d" % i, b"v%d" % i) + b"get p%d\r\nincr p%d 1\r\n" % (i, i)
                  for i in range(300)), None),
        (b"get " + b" ".join(b"p%d" % i for i in range(300)) + b"\r\n", None),
    ],
    "pipeline_mixed_errors": [
        (S(b"k", b"1") + b"bogus\r\nget k\r\nincr k x\r\n" + S(b"k" * 251, b"x") +
         b"get k\r\n", None),
    ],
}


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_text(pair, steps):
    for request, expect in steps:
        if callable(request):
            request = request()
        pair.check(request, expect)


def test_quit_closes(pair):
    pair.check(S(b"k", b"1"), b"STORED\r\n")
    pair.check(b"quit\r\n", b"", expect_close=True)


def test_quit_after_pipelined_get(pair):
    pair.check(S(b"k", b"1"), b"STORED\r\n")
    pair.check(b"get k\r\nquit\r\nget k\r\n", b"VALUE k 0 1\r\n1\r\nEND\r\n", expect_close=True)


def test_endless_line_closes_the_connection(pair):
    """64 KiB without a newline: memcached closes the connection (its line bound)."""
    pair.check(b"x" * 65536, expect=b"", expect_close=True)


def test_too_large_in_pieces_stays_in_sync(pair):
    """The oversized data arrives in several sends; the connection is still in sync after."""
    for side in (pair.ref, pair.sub):
        c = side.conn
        c.send(b"set big 0 0 %d\r\n" % (V1M + 1))
        for _ in range(4):
            c.send(b"z" * (V1M // 4))
        c.send(b"z\r\n" + S(b"k", b"v") + b"get k big\r\n")
    replies = [b"".join(s.conn.read_until(b"END\r\n")) for s in (pair.ref, pair.sub)]
    assert replies[0] == (b"SERVER_ERROR object too large for cache\r\nSTORED\r\n"
                          b"VALUE k 0 1\r\nv\r\nEND\r\n")
    assert replies[1] == replies[0]


def test_stats_shape(pair):
    """stats: STAT lines then END (the figures differ by nature); the general stats carry the
    fields clients read."""
    for side in (pair.ref, pair.sub):
        side.conn.send(b"stats\r\n")
        lines = side.conn.read_until(b"END\r\n")
        assert all(ln.startswith(b"STAT ") for ln in lines[:-1]), lines
        names = {ln.split()[1] for ln in lines[:-1]}
        for field in (b"pid", b"uptime", b"time", b"version", b"curr_items", b"get_hits",
                      b"get_misses", b"cmd_get", b"cmd_set", b"curr_connections"):
            assert field in names, "%s: no STAT %s in %r" % (side.server.name, field, lines)


def test_stats_settings_shape(pair):
    for side in (pair.ref, pair.sub):
        side.conn.send(b"stats settings\r\n")
        lines = side.conn.read_until(b"END\r\n")
        assert len(lines) > 1 and all(ln.startswith(b"STAT ") for ln in lines[:-1]), lines
        names = {ln.split()[1] for ln in lines[:-1]}
        assert b"item_size_max" in names, "%s: %r" % (side.server.name, lines)


def test_stats_counts_hits_and_misses(pair):
    """get_hits/get_misses move as memcached's do for the same requests."""
    def counts(side):
        side.conn.send(b"stats\r\n")
        stats = dict(ln.split()[1:3] for ln in side.conn.read_until(b"END\r\n")[:-1])
        return int(stats[b"get_hits"]), int(stats[b"get_misses"])
    before = [counts(s) for s in (pair.ref, pair.sub)]
    pair.check(S(b"h", b"1") + b"get h h nope\r\n")
    after = [counts(s) for s in (pair.ref, pair.sub)]
    deltas = [(a[0] - b[0], a[1] - b[1]) for a, b in zip(after, before)]
    assert deltas[0] == (2, 1)
    assert deltas[1] == deltas[0], "%s counted %r, memcached %r" % (
        pair.sub.server.name, deltas[1], deltas[0])
