"""Fixtures: the reference redis-server, the server under test (apicached by default, see
redisservers.py for REDIS_SUBJECT) and a raw-socket Pair over both. A missing tool or a binary
without the Redis front skips the test loudly, with the reason.

expected_failures.txt names the tests that fail against apicached today, each with its reason;
they are marked xfail (not strict: a fix landing in the front turns them into XPASS, which
`pytest -ra` lists, and the line is then removed). The list applies to REDIS_SUBJECT=apicached
only: against redis-server every test must pass."""
import fnmatch
import os
import shutil
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

sys.path.insert(0, os.path.join(HERE, "..", "django_cache"))

import redisservers  # noqa: E402
import resp  # noqa: E402
from run_django_cache import expected_failures  # noqa: E402


def pytest_report_header(config):
    return ["redis suites: reference %s, subject %s (APICACHED_BIN=%s)"
            % (os.environ.get("REDIS_SERVER_BIN", "redis-server"), redisservers.subject_kind(),
               os.environ.get("APICACHED_BIN", "<unset>"))]


def pytest_collection_modifyitems(config, items):
    if redisservers.subject_kind() != "apicached":
        return
    expected = expected_failures(os.path.join(HERE, "expected_failures.txt"))
    for item in items:
        for pattern, reason in expected.items():
            if fnmatch.fnmatchcase(item.nodeid, pattern):
                item.add_marker(pytest.mark.xfail(reason="expected_failures.txt: " + reason,
                                                  strict=False))
                break


def started(factory):
    try:
        return factory()
    except (redisservers.ToolMissing, redisservers.FrontMissing) as e:
        pytest.skip("SKIPPED LOUDLY: %s" % e)


def require_tool(*names):
    for name in names:
        if not shutil.which(name):
            pytest.skip("SKIPPED LOUDLY: %s is not installed; scripts/install-deps.sh test "
                        "installs it" % name)


def is_apicached():
    return redisservers.subject_kind() == "apicached"


def require_controllable():
    if redisservers.subject_kind() not in ("apicached", "redis"):
        pytest.skip("SKIPPED LOUDLY: REDIS_SUBJECT=%s is not started by the tests, so they "
                    "cannot restart or configure it" % redisservers.subject_kind())


@pytest.fixture(scope="session")
def reference():
    server = started(lambda: redisservers.RedisServer().start())
    yield server
    server.close()


@pytest.fixture(scope="session")
def subject():
    server = started(redisservers.make_subject)
    yield server
    server.close()


@pytest.fixture
def fresh_subject():
    """A server of its own for a test that stops or restarts it."""
    require_controllable()
    server = started(redisservers.make_subject)
    yield server
    server.close()


def flush(server):
    c = resp.Conn(server.address)
    try:
        reply = c.call("FLUSHALL")
        assert reply == b"+OK\r\n", "FLUSHALL answered %r" % reply
    finally:
        c.close()


@pytest.fixture
def pair(reference, subject):
    """A Pair over fresh connections, both servers flushed first."""
    flush(reference)
    flush(subject)
    p = resp.Pair(reference, subject)
    yield p
    p.close()


@pytest.fixture
def client(subject):
    """A redis-py client on the flushed subject (RESP2, as django-redis uses it)."""
    import redis
    flush(subject)
    c = redis.Redis(host="127.0.0.1", port=subject.port, socket_timeout=15)
    yield c
    c.close()


TOKEN = "t0ken-for-tests_0123456789"


@pytest.fixture(scope="session")
def token_servers():
    """redis-server --requirepass TOKEN and the subject with TOKEN (apicached:
    --auth-token-file), started once for the session."""
    require_controllable()
    ref = started(lambda: redisservers.RedisServer(token=TOKEN).start())
    try:
        sub = started(lambda: redisservers.make_subject(token=TOKEN))
    except BaseException:
        ref.close()
        raise
    yield ref, sub
    ref.close()
    sub.close()
