"""Fixtures: the reference memcached, the server under test (apicached by default, see
mcservers.py for MC_SUBJECT) and a raw-socket Pair over both. A missing tool or a binary
without the memcached front skips the test loudly, with the reason."""
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import mcservers  # noqa: E402
import mcwire  # noqa: E402


def pytest_report_header(config):
    return ["memcached suites: reference %s, subject %s (APICACHED_BIN=%s)"
            % (os.environ.get("MEMCACHED_BIN", "memcached"), mcservers.subject_kind(),
               os.environ.get("APICACHED_BIN", "<unset>"))]


def started(factory):
    try:
        return factory()
    except (mcservers.ToolMissing, mcservers.FrontMissing) as e:
        pytest.skip("SKIPPED LOUDLY: %s" % e)


def require_tool(*names):
    for name in names:
        if not shutil.which(name):
            pytest.skip("SKIPPED LOUDLY: %s is not installed; scripts/install-deps.sh test "
                        "installs it" % name)


@pytest.fixture(scope="session")
def reference():
    server = started(lambda: mcservers.MemcachedServer().start())
    yield server
    server.close()


@pytest.fixture(scope="session")
def subject():
    server = started(mcservers.make_subject)
    yield server
    server.close()


@pytest.fixture
def fresh_subject():
    """A server of its own for a test that stops or restarts it."""
    if mcservers.subject_kind() not in ("apicached", "memcached"):
        pytest.skip("SKIPPED LOUDLY: MC_SUBJECT=%s is not started by the tests, so they cannot "
                    "restart it" % mcservers.subject_kind())
    server = started(mcservers.make_subject)
    yield server
    server.close()


def open_pair(reference, subject):
    """A Pair over fresh connections, both servers flushed first."""
    p = mcwire.Pair(reference, subject)
    p.check(b"flush_all\r\n", expect=b"OK\r\n")
    return p


@pytest.fixture
def pair(reference, subject):
    p = open_pair(reference, subject)
    yield p
    p.close()
