"""Fixtures: the real apicached daemon (one per test module), a client and the seed's service
on it, the package imported from this checkout."""
from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # the apicached package of this checkout
sys.path.insert(0, HERE)

import daemon as daemon_mod  # noqa: E402
from apicached import APICacheService, Client  # noqa: E402


def pytest_report_header(config):
    return [f"apicached binary: {daemon_mod.binary()}"]


@pytest.fixture(scope="module")
def daemon():
    try:
        d = daemon_mod.Daemon().start()
    except FileNotFoundError as e:
        pytest.skip(f"SKIPPED LOUDLY: {e}")
    yield d
    d.stop()


@pytest.fixture
def client(daemon):
    c = Client(daemon.url, timeout=10.0)
    yield c
    c.close()


@pytest.fixture
def cache(daemon):
    """The seed's `cache = APICacheService()`, emptied before and after each test."""
    service = APICacheService(daemon.url, timeout=10.0, fail_silently=False)
    service.clear()
    yield service
    service.clear()
    service.close()
