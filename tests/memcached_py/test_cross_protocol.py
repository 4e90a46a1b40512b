"""One store behind two protocols: a value written over memcached reads back byte for byte over
HTTP and the other way round, in the listener's namespace (--memcached-namespace, see
docs/memcached.md). apicached only: memcached has no HTTP side."""
import http.client
import subprocess

import pytest

import mcservers
from conftest import started
from mcwire import Conn
from test_text_compare import S

NS = "xproto"


@pytest.fixture(scope="module")
def daemon():
    if mcservers.subject_kind() != "apicached":
        pytest.skip("SKIPPED LOUDLY: MC_SUBJECT=%s: the cross-protocol tests need apicached's "
                    "HTTP side" % mcservers.subject_kind())
    try:
        binary = mcservers.apicached_bin()
    except mcservers.ToolMissing as e:
        pytest.skip("SKIPPED LOUDLY: %s" % e)
    helptext = subprocess.run([binary, "--help"], stdout=subprocess.PIPE, timeout=30).stdout
    if b"--memcached-namespace" not in helptext:
        pytest.skip("SKIPPED LOUDLY: %s has no --memcached-namespace" % binary)
    server = started(lambda: mcservers.ApicachedServer(["--memcached-namespace", NS]).start())
    yield server
    server.close()


def http_call(daemon, method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", daemon.http_port, timeout=15)
    c.request(method, path, body=body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


VALUE = b"binary\r\nEND\r\n\x00\xff" + bytes(range(256))


def test_memcached_write_reads_back_over_http(daemon):
    c = Conn(daemon.address)
    assert c.call(S(b"from-mc", VALUE)) == b"STORED\r\n"
    c.close()
    assert http_call(daemon, "GET", "/v1/cache/%s/from-mc" % NS) == (200, VALUE)


def test_http_write_reads_back_over_memcached(daemon):
    status, _ = http_call(daemon, "PUT", "/v1/cache/%s/from-http?ttl=0" % NS, VALUE)
    assert status in (200, 201, 204)
    c = Conn(daemon.address)
    assert c.call(b"get from-http\r\n") == b"VALUE from-http 0 %d\r\n%s\r\nEND\r\n" % (
        len(VALUE), VALUE)
    assert c.call(b"mg from-http v s t\r\n") == b"VA %d s%d t-1\r\n%s\r\n" % (
        len(VALUE), len(VALUE), VALUE)
    c.close()


def test_memcached_delete_is_seen_over_http(daemon):
    c = Conn(daemon.address)
    assert c.call(S(b"gone", b"x") + b"delete gone\r\n") == b"STORED\r\nDELETED\r\n"
    c.close()
    assert http_call(daemon, "GET", "/v1/cache/%s/gone" % NS)[0] == 404


def test_http_delete_is_seen_over_memcached(daemon):
    c = Conn(daemon.address)
    assert c.call(S(b"gone2", b"x")) == b"STORED\r\n"
    assert http_call(daemon, "DELETE", "/v1/cache/%s/gone2" % NS)[0] in (200, 204)
    assert c.call(b"get gone2\r\n") == b"END\r\n"
    c.close()
