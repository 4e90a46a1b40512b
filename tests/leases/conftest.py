"""Fixtures of the lease suites: the real apicached with HTTP and a memcached listener on port 0
(tests/memcached_py/mcservers.py starts it: ports read from its log, readiness polled under a
deadline, no sleeps), and the reference memcached 1.6 for byte-for-byte comparisons."""
from __future__ import annotations

import os
import sys
from types import SimpleNamespace

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "memcached_py"))
sys.path.insert(0, HERE)

import mcservers  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test's report carries whether the daemon still runs and the end of its log: a
    failure seen once under load (a connection the daemon closed) is then explained by the run
    that shows it, not by a rerun."""
    outcome = yield
    report = outcome.get_result()
    subject = item.funcargs.get("daemon") if report.failed else None
    if subject is not None:
        server = subject.server
        report.sections.append(("apicached", "running: %s (exit status %s)\n%s" % (
            server.running(), server.proc.returncode if server.proc else None,
            server.log()[-6000:])))


@pytest.fixture(scope="module")
def daemon():
    try:
        server = mcservers.ApicachedServer(["--io-threads", "2"]).start()
    except (mcservers.ToolMissing, mcservers.FrontMissing) as e:
        pytest.skip(f"SKIPPED LOUDLY: {e}")
    yield SimpleNamespace(port=server.http_port, mc_port=server.port, server=server)
    server.close()


@pytest.fixture(scope="module")
def reference():
    """memcached 1.6.18 on port 0, for comparing the meta protocol's lease answers."""
    try:
        server = mcservers.MemcachedServer().start()
    except mcservers.ToolMissing as e:
        pytest.skip(f"SKIPPED LOUDLY: {e}")
    yield server
    server.close()
