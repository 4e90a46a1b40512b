"""The comparison harness itself (no server): normalising hides only what may differ, so a real
difference still fails."""
from mcwire import CasNames, normalise_unit, own_mn_count, ttl_slack


def norm(units):
    cas = CasNames()
    return [normalise_unit(u, cas) for u in units]


def test_cas_values_are_named_in_order_and_keep_equality():
    a = norm([b"VALUE k 0 1 17\r\nx\r\n", b"VALUE j 0 1 17\r\ny\r\n", b"HD c99\r\n"])
    b = norm([b"VALUE k 0 1 900001\r\nx\r\n", b"VALUE j 0 1 900001\r\ny\r\n", b"HD c5\r\n"])
    assert a == b == [b"VALUE k 0 1 <cas1>\r\nx\r\n", b"VALUE j 0 1 <cas1>\r\ny\r\n",
                      b"HD c<cas2>\r\n"]
    # equal CAS on one server, different on the other: a difference
    assert norm([b"VALUE k 0 1 1\r\nx\r\n", b"VALUE j 0 1 1\r\ny\r\n"]) != \
        norm([b"VALUE k 0 1 1\r\nx\r\n", b"VALUE j 0 1 2\r\ny\r\n"])


def test_values_flags_and_lengths_are_not_normalised():
    assert norm([b"VALUE k 0 1\r\nx\r\n"]) != norm([b"VALUE k 1 1\r\nx\r\n"])
    assert norm([b"VALUE k 0 1\r\nx\r\n"]) != norm([b"VALUE k 0 1\r\ny\r\n"])
    assert norm([b"VA 1 c5 f1\r\nx\r\n"]) != norm([b"VA 1 c5 f2\r\nx\r\n"])
    assert norm([b"VALUE k 0 3 12\r\nc12\r\n"]) == [b"VALUE k 0 3 <cas1>\r\nc12\r\n"]


def test_version_text_only():
    assert norm([b"VERSION 1.6.18\r\n"]) == norm([b"VERSION 0.1.0\r\n"])
    assert norm([b"VERSION 1.6.18\r\n"]) != norm([b"ERROR\r\n"])


def test_ttl_slack_is_one_second_in_meta_replies_only():
    assert ttl_slack([b"HD t100\r\n"], [b"HD t99\r\n"]) == [b"HD t100\r\n"]
    assert ttl_slack([b"HD t100\r\n"], [b"HD t98\r\n"]) == [b"HD t98\r\n"]
    assert ttl_slack([b"HD t100\r\n"], [b"HD t-1\r\n"]) == [b"HD t-1\r\n"]
    assert ttl_slack([b"t100\r\n"], [b"t99\r\n"]) == [b"t99\r\n"]


def test_ttl_underflow_matches_zero_only():
    assert ttl_slack([b"HD t4294967235\r\n"], [b"HD t0\r\n"]) == [b"HD t4294967235\r\n"]
    assert ttl_slack([b"HD t4294967235\r\n"], [b"HD t5\r\n"]) == [b"HD t5\r\n"]
    assert ttl_slack([b"HD t5\r\n"], [b"HD t0\r\n"]) == [b"HD t0\r\n"]


def test_counter_padding_only():
    padded, bare = b"VALUE a 0 3 <cas1>\r\n7  \r\n", b"VALUE a 0 1 <cas1>\r\n7\r\n"
    assert ttl_slack([padded], [bare]) == [padded]
    assert ttl_slack([b"VA 3 t5\r\n7  \r\n"], [b"VA 1 t5\r\n7\r\n"]) == [b"VA 3 t5\r\n7  \r\n"]
    # another number, other flags, or a value that is not a counter: no match
    assert ttl_slack([padded], [b"VALUE a 0 1 <cas1>\r\n8\r\n"]) != [padded]
    assert ttl_slack([padded], [b"VALUE a 1 1 <cas1>\r\n7\r\n"]) != [padded]
    assert ttl_slack([b"VALUE a 0 3\r\nx  \r\n"], [b"VALUE a 0 1\r\nx\r\n"]) != [
        b"VALUE a 0 3\r\nx  \r\n"]


def test_own_mn_count():
    assert own_mn_count(b"mn\r\n") == 1
    assert own_mn_count(b"get k\r\nmn\r\nmn\r\n") == 2
    assert own_mn_count(b"get mn\r\n") == 0
