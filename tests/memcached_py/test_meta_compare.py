"""The meta protocol (mg, ms, md, ma, mn, me) byte for byte against memcached 1.6, with the flags
clients use most: v k f t c s T q O b N R I and the W/Z/X results. Same rules as
test_text_compare.py (CAS values named, a remaining TTL may differ by one second)."""
import base64

import pytest

from test_text_compare import S


def MS(key, value, flags=b""):
    return b"ms %s %d%s\r\n%s\r\n" % (key, len(value), b" " + flags if flags else b"", value)


B64 = base64.b64encode(b"binkey!")

CASES = {
    "mn": [(b"mn\r\n", b"MN\r\n")],
    "mg_miss": [(b"mg nope\r\nmg nope v\r\nmg nope v k O77\r\n", None)],
    "mg_miss_quiet": [(b"mg nope v q\r\nmg nope q k O1\r\n", b"")],
    "mg_hit_flags": [
        (S(b"k", b"hello", 42) + b"mg k\r\nmg k v\r\nmg k v k f s\r\n", None),
        (b"mg k s f k v c\r\n", None),
        (b"mg k k O123 q\r\nmg k O9 v\r\n", None),
    ],
    "mg_t_flag": [
        (S(b"k", b"x", exptime=1000) + b"mg k t\r\nmg k v t\r\n", None),
        (S(b"n", b"x") + b"mg n t\r\n", None),  # no expiry: t-1
    ],
    "mg_T_updates_ttl": [(S(b"k", b"x") + b"mg k T500 t\r\nmg k t\r\n", None)],
    "mg_base64_key": [
        (b"mg %s b v k\r\n" % B64, None),
        (MS(B64, b"hi", b"b") + b"mg %s b v k\r\n" % B64, None),
        (b"get binkey!\r\n", None),
        (b"mg !!!notbase64 b v\r\n", None),
    ],
    "mg_N_vivify_W_Z": [
        (b"mg viv s v N30 t\r\n", None),   # miss: W, an empty value created
        (b"mg viv s v N30 t\r\n", None),   # someone else won already: Z
        (MS(b"viv", b"hi") + b"mg viv v\r\n", None),
    ],
    "mg_R_recache": [
        (S(b"r", b"x", exptime=1000) + b"mg r v R30 t\r\n", None),
        (b"mg r v R2000 t\r\n", None),  # TTL below 2000: W to this client, Z after
        (b"mg r v R2000 t\r\n", None),
    ],
    "lease_win_ends_with_the_next_write": [
        (b"mg lw v N30 c\r\n", None),
        (b"mg lw v N30\r\n", None),
        (MS(b"lw", b"fresh", b"T60") + b"mg lw v t\r\n", None),  # a new item: no W, no Z
        (b"md lw I\r\nmg lw v\r\nmg lw v\r\nmg lw v R30\r\n", None),  # X: one W, then Z
        (MS(b"lw", b"again") + b"mg lw v\r\n", None),
    ],
    "md_I_marks_stale_X": [
        (S(b"k", b"x") + b"md k I T30\r\nmg k v c t\r\nmg k v c\r\n", None),
        (MS(b"k", b"new") + b"mg k v\r\n", None),
    ],
    "mg_errors": [
        (b"mg\r\n", None),
        (b"mg " + b"k" * 251 + b" v\r\n", None),
        (b"mg k zz\r\n", None),
    ],
    "ms_basic": [
        (MS(b"k", b"hi") + b"mg k v f\r\n", b"HD\r\nVA 2 f0\r\nhi\r\n"),
        (MS(b"k", b"yo", b"F5 T100") + b"mg k v f t\r\n", None),
        (MS(b"k", b"q", b"q") + b"mg k v\r\n", None),
        (MS(b"k", b"v", b"k O5 c") + b"mg k v\r\n", None),
        (MS(b"k", b"", b"") + b"mg k v s\r\n", None),
    ],
    "ms_binary_value": [(MS(b"k", b"a\r\nb\x00\xff") + b"mg k v s\r\n", None)],
    "ms_modes": [
        (MS(b"x", b"ab", b"MA") + MS(b"x", b"ab", b"ME") + MS(b"x", b"cd", b"ME"), None),
        (MS(b"x", b"<", b"MP") + MS(b"x", b">", b"MA") + b"mg x v\r\n", None),
        (MS(b"y", b"ab", b"MR") + MS(b"x", b"zz", b"MR") + b"mg x v\r\n", None),
        (MS(b"x", b"s", b"MS") + MS(b"x", b"zz", b"MX"), None),
        (MS(b"y", b"ab", b"MA") + MS(b"y", b"ab", b"MP") + MS(b"y", b"ab", b"MS q"), None),
    ],
    "ms_cas": [
        (MS(b"z", b"ab", b"c") + b"mg z c\r\n", None),
        (MS(b"z", b"cd", b"C{cas1} c") + b"mg z v c\r\n", None),
        (MS(b"z", b"ef", b"C{cas1}") + b"mg z v\r\n", None),  # stale: EX
        (MS(b"nope", b"ef", b"C{cas1}"), None),                # missing: NF
    ],
    "ms_I_invalidate": [
        (MS(b"i", b"ab", b"c") + b"md i I\r\nmg i v c\r\n", None),
        (MS(b"i", b"cd", b"I C{cas1}") + b"mg i v c\r\n", None),
    ],
    "ms_errors": [
        (b"ms k\r\n", None),
        (b"ms k abc\r\nab\r\n", None),
        (b"ms k 2 MX\r\nab\r\n", None),
        (b"ms k 1\r\nab\r\n", None),
        (b"ms " + b"k" * 251 + b" 1\r\nx\r\n", None),
        (b"ms big %d\r\n%s\r\nmg big v\r\n" % (1024 * 1024 + 1, b"x" * (1024 * 1024 + 1)), None),
    ],
    "md": [
        (S(b"k", b"x") + b"md k\r\nmd k\r\nmd k q\r\n", None),
        (S(b"k", b"x") + b"md k q\r\nmg k v\r\n", None),
        (S(b"k", b"x") + b"md k k O3\r\n", None),
        (S(b"k", b"x") + b"mg k c\r\n", None),
        (b"md k C{cas1}\r\nmg k v\r\n", None),
        (S(b"k", b"y") + b"mg k c\r\n", None),
        (b"md k C{cas1}\r\nmg k v\r\n", None),  # stale: EX
    ],
    "ma": [
        (b"ma cnt\r\nma cnt q\r\n", None),
        (b"ma cnt N0 J10 v\r\nma cnt v\r\nma cnt D5 v t c\r\n", None),
        (b"ma cnt MD D20 v\r\nma cnt MI D18446744073709551615 v\r\nma cnt v\r\n", None),
        (b"ma cnt MD v\r\nma cnt k O4\r\nma cnt q\r\nmg cnt v\r\n", None),
        (S(b"s", b"abc") + b"ma s\r\nma s v\r\n", None),
        (b"ma cnt Mz\r\nma cnt Dabc\r\n", None),
    ],
    "me": [(b"me nope\r\n", b"EN\r\n")],
    # Found by test_random_compare.py (2026-11-29); each was answered differently before.
    "C0_is_no_cas_check": [
        (S(b"k", b"1") + MS(b"k", b"y", b"C0") + MS(b"k", b"y", b"I C0") + b"mg k v\r\n",
         b"STORED\r\nEX\r\nEX\r\nVA 1\r\n1\r\n"),  # a cas never matches 0, nor is 0 older
        (b"ma k C0 v\r\n" + MS(b"k", b"2", b"MA C0") + MS(b"k", b"0", b"MP C0") + b"mg k v\r\n",
         b"VA 1\r\n2\r\nHD\r\nHD\r\nVA 3\r\n022\r\n"),
        (S(b"s", b"abc") + b"ma s C0\r\n",
         b"STORED\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n"),
    ],
    "ms_append_with_cas_on_a_missing_key_is_NS": [
        (MS(b"nope", b"x", b"MA C5") + MS(b"nope", b"x", b"MP C5") + MS(b"nope", b"x", b"MR C5") +
         MS(b"nope", b"x", b"MS C5"), b"NS\r\nNS\r\nNF\r\nNF\r\n"),
    ],
    "mg_R_past_or_negative_never_wins": [
        (S(b"r", b"x", exptime=1000) + b"mg r R-1\r\nmg r R2592001\r\nmg r R1000000000\r\n",
         b"STORED\r\nHD\r\nHD\r\nHD\r\n"),
        (b"mg r R2000\r\n", b"HD W\r\n"),
    ],
    "mg_tokens_in_order": [
        (S(b"k", b"x", exptime=1000) + b"mg k t T30\r\nmg k T60 t\r\nmg k t\r\n",
         b"STORED\r\nHD t1000\r\nHD t60\r\nHD t60\r\n"),
        (b"mg n1 t N30\r\nmg n1 t\r\n", b"HD t-1 W\r\nHD t30 Z\r\n"),
        (b"mg n2 N30 T60 t\r\nmg n2 t\r\nmg n3 T60 N30 t\r\nmg n3 t\r\n",
         b"HD t60 W\r\nHD t60 Z\r\nHD t30 W\r\nHD t30 Z\r\n"),
        (S(b"e", b"x") + b"mg e t T-1\r\nmg e\r\n", b"STORED\r\nHD t-1\r\nEN\r\n"),
    ],
    "ma_created_item": [
        (b"ma c1 N30 T100 t\r\nmg c1 t\r\nma c2 T100 N30\r\nmg c2 t\r\n",
         b"HD t100\r\nHD t100\r\nHD\r\nHD t30\r\n"),
        (b"ma c3 q N30 v\r\nma c3 q v\r\nmg c3 v\r\n", b"VA 1\r\n0\r\nVA 1\r\n1\r\n"),
    ],
    "incr_in_place_keeps_the_stale_mark": [
        (S(b"i", b"10") + b"md i I\r\n", b"STORED\r\nHD\r\n"),
        (b"incr i 5\r\n", b"15\r\n"),
        (b"mg i v\r\nmg i v\r\n", b"VA 2 X W\r\n15\r\nVA 2 Z X\r\n15\r\n"),
    ],
    "meta_pipeline": [
        (b"".join(MS(b"m%d" % i, b"v%d" % i, b"T0 F%d" % i) + b"mg m%d v f k q\r\n" % i +
                  b"ma c%d N0 J%d v\r\n" % (i, i) for i in range(200)) + b"mn\r\n", None),
    ],
    "meta_and_text_share_entries": [
        (MS(b"k", b"meta", b"F3") + b"get k\r\n", None),
        (S(b"t", b"text", 4) + b"mg t v f\r\n", None),
    ],
}


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_meta(pair, steps):
    for request, expect in steps:
        pair.check(request, expect)


def test_me_hit_answers_a_debug_line(pair):
    """me prints server internals (memcached: exp, la, cas, fetch, cls, size), so only the shape
    is compared: one `ME <key> ...` line for a hit."""
    pair.check(S(b"k", b"x"), b"STORED\r\n")
    for side in (pair.ref, pair.sub):
        reply = side.conn.call(b"me k\r\n")
        assert reply.startswith(b"ME k ") and reply.endswith(b"\r\n") \
            and reply.count(b"\r\n") == 1, "%s: %r" % (side.server.name, reply)
