"""Fixtures: the certificates (made once per session in a temp dir) and apicached daemons with
TLS on all three fronts. A missing tool skips loudly, with the reason."""
import os
import shutil
import sys
import tempfile

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import certs as certs_module  # noqa: E402
from tlsdaemon import TlsDaemon  # noqa: E402


def require_tool(name):
    if not shutil.which(name):
        pytest.skip("SKIPPED LOUDLY: %s is not installed; scripts/install-deps.sh test "
                    "installs it" % name)


@pytest.fixture(scope="session")
def certs():
    require_tool("openssl")
    d = tempfile.mkdtemp(prefix="apicached-certs-")
    yield certs_module.make(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def daemon(certs):
    """TLS on every front, no client certificates, a short handshake timeout."""
    d = TlsDaemon(certs, ["--tls-handshake-timeout", "1"]).start()
    yield d
    d.close()


@pytest.fixture(scope="session")
def mutual(certs):
    """Mutual TLS: a client certificate signed by the CA is required."""
    d = TlsDaemon(certs, ["--tls-ca-cert-file", certs["ca.crt"], "--tls-auth-clients", "yes"])
    d.start()
    yield d
    d.close()


@pytest.fixture
def fresh(certs):
    """A daemon of its own (the SIGHUP test overwrites its certificate)."""
    d = TlsDaemon(certs).start()
    yield d
    d.close()
