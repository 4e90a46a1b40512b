"""Shared fixtures of the operator-facing tests: the real daemon (clients/python/tests/daemon.py)
with a little traffic, and the tools they need (promtool, chromium), skipped loudly when
missing."""
from __future__ import annotations

import os
import shutil
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path[:0] = [os.path.join(REPO, "clients", "python"),
                os.path.join(REPO, "clients", "python", "tests")]

import daemon as daemon_mod  # noqa: E402
from apicached import Client  # noqa: E402


def require_tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.skip(f"SKIPPED LOUDLY: {name} is not installed (Debian package {package}; "
                    "scripts/install-deps.sh test installs it)")
    return path


def start_daemon(extra_args=None):
    try:
        return daemon_mod.Daemon(extra_args).start()
    except FileNotFoundError as e:
        pytest.skip(f"SKIPPED LOUDLY: {e}")


def make_traffic(client: Client) -> None:
    """Hits, misses, a batch, an invalid-ID report, lookups and a lease, in two namespaces."""
    client.put("migo", "ruc_20131312955", b'{"name":"ACME"}', ttl=3600,
               content_type="application/json")
    for _ in range(4):
        client.get("migo", "ruc_20131312955")
    client.get("migo", "ruc_absent")
    client.mset("nubefact", [("invoice_1", b"x", "text/plain", 60)])
    client.mget("nubefact", ["invoice_1", "invoice_2"])
    client.report_invalid("ruc", "20999999999", "NOT_FOUND")
    client.check_ruc("20999999999")
    client.check_ruc("20131312955")
    client.request("GET", "/v1/cache/migo/ruc_leased", query={"lease": 5})  # grants a lease


@pytest.fixture(scope="module")
def daemon():
    d = start_daemon()
    yield d
    d.stop()
