"""TLS on every front (issue #19): the real clients (pymemcache, redis-py, curl, apicachectl)
over TLS; a wrong CA, expired certificates, a client without a certificate under mutual TLS,
clear text sent to a TLS port and a stalled handshake are refused cleanly, without disturbing
the other connections; SIGHUP swaps the certificate for new connections while old ones go on.
No sleeps: every wait is a blocking read with a deadline or a poll."""
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request

import pytest

from conftest import require_tool
from tlsdaemon import client_context, poll

FRONTS = ("http", "memcached", "redis")
DEADLINE_S = 20.0


def metric(daemon, certs, protocol, result):
    with urllib.request.urlopen("https://127.0.0.1:%d/metrics" % daemon.ports["http"],
                                context=client_context(certs), timeout=DEADLINE_S) as r:
        text = r.read().decode()
    m = re.search(r'apicached_tls_handshakes_total\{protocol="%s",result="%s"\} (\d+)'
                  % (protocol, result), text)
    assert m, "no handshake series for %s/%s" % (protocol, result)
    return int(m.group(1))


def request_for(front):
    return {"http": b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
            "memcached": b"version\r\n", "redis": b"PING\r\n"}[front]


def answer_over(ctx, port, front):
    """Connects with ctx, sends one request, returns the first bytes of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(request_for(front))
            return s.recv(4096)


def refused(ctx, port, front):
    """True when the TLS connection fails: in the handshake (TLS 1.2, or a client-side check)
    or, under TLS 1.3 where the server checks the client certificate after the client's
    handshake is done, at the first read (an alert or a close, never an answer)."""
    try:
        data = answer_over(ctx, port, front)
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError):
        return True
    return data == b""


# -- the real clients ---------------------------------------------------------------------------

def test_pymemcache_over_tls(daemon, certs):
    from pymemcache.client.base import Client
    c = Client(("127.0.0.1", daemon.ports["memcached"]), tls_context=client_context(certs),
               timeout=DEADLINE_S)
    assert c.set("greeting", b"hello over tls")
    assert c.get("greeting") == b"hello over tls"
    c.close()


def test_redis_py_over_tls(daemon, certs):
    import redis
    r = redis.Redis(host="127.0.0.1", port=daemon.ports["redis"], ssl=True,
                    ssl_ca_certs=certs["ca.crt"], socket_timeout=DEADLINE_S)
    assert r.set("k", "v")
    assert r.get("k") == b"v"
    assert r.ping()
    r.close()


def test_curl_over_tls(daemon, certs):
    require_tool("curl")
    base = "https://localhost:%d/v1/cache/tlsns/key1" % daemon.ports["http"]
    resolve = "localhost:%d:127.0.0.1" % daemon.ports["http"]
    put = subprocess.run(["curl", "-sS", "--resolve", resolve, "--cacert", certs["ca.crt"], "-X",
                          "PUT", "-H", "Content-Type: application/json", "--data", '"cached"',
                          "-o", "/dev/null", "-w", "%{http_code}", base],
                         capture_output=True, text=True, timeout=DEADLINE_S)
    assert put.stdout in ("200", "201", "204"), put
    get = subprocess.run(["curl", "-sS", "--resolve", resolve, "--cacert", certs["ca.crt"], base],
                         capture_output=True, text=True, timeout=DEADLINE_S)
    assert get.returncode == 0 and "cached" in get.stdout, get
    # Without the CA curl refuses the certificate (exit 60).
    bad = subprocess.run(["curl", "-sS", "--resolve", resolve, base], capture_output=True,
                         timeout=DEADLINE_S)
    assert bad.returncode == 60, bad


def apicachectl():
    path = os.environ.get("APICACHECTL_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("SKIPPED LOUDLY: APICACHECTL_BIN is not set (ctest sets it)")
    return path


def test_apicachectl_over_tls(daemon, certs):
    ctl = apicachectl()
    url = "https://127.0.0.1:%d" % daemon.ports["http"]
    run = lambda *a: subprocess.run([ctl, "--url", url, "--cacert", certs["ca.crt"]] + list(a),
                                    capture_output=True, text=True, timeout=DEADLINE_S)
    s = run("set", "ctlns", "k", "from-ctl")
    assert s.returncode == 0, s
    g = run("get", "ctlns", "k")
    assert g.returncode == 0 and "from-ctl" in g.stdout, g
    # --tls on an http:// URL means the same; without the CA the certificate is refused.
    tls = subprocess.run([ctl, "--url", "http://127.0.0.1:%d" % daemon.ports["http"], "--tls",
                          "--cacert", certs["ca.crt"], "get", "ctlns", "k"],
                         capture_output=True, text=True, timeout=DEADLINE_S)
    assert tls.returncode == 0 and "from-ctl" in tls.stdout, tls
    bad = subprocess.run([ctl, "--url", url, "get", "ctlns", "k"], capture_output=True,
                         text=True, timeout=DEADLINE_S)
    assert bad.returncode != 0 and "certificate" in bad.stderr, bad


def test_apicachectl_with_a_client_certificate(mutual, certs):
    ctl = apicachectl()
    url = "https://127.0.0.1:%d" % mutual.ports["http"]
    base = [ctl, "--url", url, "--cacert", certs["ca.crt"]]
    ok = subprocess.run(base + ["--cert", certs["client.crt"], "--key", certs["client.key"],
                                "set", "ns", "k", "v"], capture_output=True, text=True,
                        timeout=DEADLINE_S)
    assert ok.returncode == 0, ok
    without = subprocess.run(base + ["get", "ns", "k"], capture_output=True, text=True,
                             timeout=DEADLINE_S)
    assert without.returncode != 0, without


def test_python_client_over_tls(daemon, certs):
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                    "clients", "python"))
    from apicached import Client
    from apicached.errors import CacheUnavailable
    url = "https://localhost:%d" % daemon.ports["http"]
    with Client(url, ssl_context=client_context(certs), timeout=DEADLINE_S) as c:
        c.put("pyns", "k", b"over tls")
        assert c.get("pyns", "k").value == b"over tls"
        assert c.get("pyns", "k").value == b"over tls"  # a kept-alive TLS connection
    with Client(url, ssl_context=client_context(certs, ca="otherca"), timeout=DEADLINE_S) as c:
        with pytest.raises(CacheUnavailable):
            c.get("pyns", "k")


# -- refusals -----------------------------------------------------------------------------------

@pytest.mark.parametrize("front", FRONTS)
def test_a_wrong_ca_is_refused(daemon, certs, front):
    with pytest.raises(ssl.SSLCertVerificationError):
        answer_over(client_context(certs, ca="otherca"), daemon.ports[front], front)
    # The server saw a failed handshake (the client's alert), counted by the metrics layer.
    poll(lambda: metric(daemon, certs, front, "failed") >= 1, DEADLINE_S, "a failed handshake")
    assert answer_over(client_context(certs), daemon.ports[front], front)


def test_an_expired_server_certificate_is_refused_by_clients(certs):
    from tlsdaemon import TlsDaemon
    d = TlsDaemon(certs, cert="expiredserver").start()
    try:
        for front in FRONTS:
            with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
                answer_over(client_context(certs), d.ports[front], front)
    finally:
        d.close()


@pytest.mark.parametrize("front", FRONTS)
def test_mutual_tls_serves_a_client_with_a_certificate(mutual, certs, front):
    data = answer_over(client_context(certs, cert="client"), mutual.ports[front], front)
    assert data.startswith({"http": b"HTTP/1.1 200", "memcached": b"VERSION",
                            "redis": b"+PONG"}[front]), data


@pytest.mark.parametrize("cert", [None, "expired", "stranger"])
@pytest.mark.parametrize("front", FRONTS)
def test_mutual_tls_refuses_no_expired_or_foreign_client_certificate(mutual, certs, front, cert):
    assert refused(client_context(certs, cert=cert), mutual.ports[front], front)
    # Other connections are not disturbed.
    assert answer_over(client_context(certs, cert="client"), mutual.ports[front], front)


def test_mutual_tls_with_the_real_clients(mutual, certs):
    import redis
    from pymemcache.client.base import Client
    r = redis.Redis(host="127.0.0.1", port=mutual.ports["redis"], ssl=True,
                    ssl_ca_certs=certs["ca.crt"], ssl_certfile=certs["client.crt"],
                    ssl_keyfile=certs["client.key"], socket_timeout=DEADLINE_S)
    assert r.set("m", "1") and r.get("m") == b"1"
    r.close()
    c = Client(("127.0.0.1", mutual.ports["memcached"]),
               tls_context=client_context(certs, cert="client"), timeout=DEADLINE_S)
    assert c.set("m", b"2") and c.get("m") == b"2"
    c.close()
    anonymous = redis.Redis(host="127.0.0.1", port=mutual.ports["redis"], ssl=True,
                            ssl_ca_certs=certs["ca.crt"], socket_timeout=DEADLINE_S)
    with pytest.raises(redis.exceptions.ConnectionError):
        anonymous.ping()


@pytest.mark.parametrize("front", FRONTS)
def test_clear_text_to_a_tls_port_gets_a_close(daemon, certs, front):
    before = metric(daemon, certs, front, "failed")
    with socket.create_connection(("127.0.0.1", daemon.ports[front]), timeout=DEADLINE_S) as s:
        s.sendall(request_for(front))
        try:
            data = s.recv(4096)
        except ConnectionResetError:
            data = b""
    # No clear-text answer, no TLS record either: the connection is closed.
    assert data == b"", data
    poll(lambda: metric(daemon, certs, front, "failed") > before, DEADLINE_S,
         "the clear-text handshake counted as failed")


@pytest.mark.parametrize("front", FRONTS)
def test_a_stalled_handshake_is_closed_without_disturbing_others(daemon, certs, front):
    before = metric(daemon, certs, front, "timed_out")
    started = time.monotonic()
    stalled = []
    for partial in (b"", b"\x16\x03\x01\x02\x00\x01"):  # nothing; half a ClientHello header
        s = socket.create_connection(("127.0.0.1", daemon.ports[front]), timeout=DEADLINE_S)
        s.sendall(partial)
        stalled.append(s)
    # While they stall, another client is served at once.
    assert answer_over(client_context(certs), daemon.ports[front], front)
    for s in stalled:
        try:
            assert s.recv(4096) == b""  # blocks until the server closes (handshake timeout 1 s)
        except ConnectionResetError:
            pass
        s.close()
    assert time.monotonic() - started < DEADLINE_S
    poll(lambda: metric(daemon, certs, front, "timed_out") >= before + 2, DEADLINE_S,
         "two timed-out handshakes counted")


# -- certificate reload -------------------------------------------------------------------------

def peer_der(port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE_S) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return s.getpeercert(binary_form=True)


def der_of(path):
    with open(path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def test_sighup_swaps_the_certificate_for_new_connections_only(fresh, certs):
    import redis
    from pymemcache.client.base import Client
    old, new = der_of(certs["server.crt"]), der_of(certs["server2.crt"])
    r = redis.Redis(host="127.0.0.1", port=fresh.ports["redis"], ssl=True,
                    ssl_ca_certs=certs["ca.crt"], socket_timeout=DEADLINE_S)
    assert r.set("before", "1")
    mc = Client(("127.0.0.1", fresh.ports["memcached"]), tls_context=client_context(certs),
                timeout=DEADLINE_S)
    assert mc.set("before", b"1")
    old_conn = client_context(certs).wrap_socket(
        socket.create_connection(("127.0.0.1", fresh.ports["http"]), timeout=DEADLINE_S),
        server_hostname="localhost")
    for front in FRONTS:
        assert peer_der(fresh.ports[front]) == old

    shutil.copy(certs["server2.crt"], fresh.cert_file)
    shutil.copy(certs["server2.key"], fresh.key_file)
    fresh.hup()
    for front in FRONTS:
        poll(lambda: peer_der(fresh.ports[front]) == new, DEADLINE_S,
             "the new certificate on the %s port" % front)

    # The connections opened before go on, with the certificate they started with.
    assert r.get("before") == b"1" and r.set("after", "2")
    assert mc.get("before") == b"1"
    assert old_conn.getpeercert(binary_form=True) == old
    old_conn.sendall(b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert old_conn.recv(4096).startswith(b"HTTP/1.1 200")
    old_conn.close()
    r.close()
    mc.close()
    assert "reloaded" in fresh.log() and "TLS certificate" in fresh.log()


def test_a_bad_certificate_on_sighup_keeps_the_current_one(fresh, certs):
    with open(fresh.cert_file, "w") as f:
        f.write("not a certificate\n")
    fresh.hup()
    poll(lambda: "keeping the current TLS certificate" in fresh.log(), DEADLINE_S,
         "the reload error in the log")
    assert peer_der(fresh.ports["redis"]) == der_of(certs["server.crt"])
