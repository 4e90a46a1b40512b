"""Settings for Django's own test suite (runtests.py of Debian's python-django source) with a
PyMemcacheCache at $DJANGO_MEMCACHED_LOCATION, and a test runner that writes each test's outcome
to $DJANGO_RESULTS_JSON for run_django_cache.py to compare. Based on Django's test_sqlite.py."""
import json
import os
import unittest

from django.test.runner import DiscoverRunner

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3"},
    "other": {"ENGINE": "django.db.backends.sqlite3"},
}
SECRET_KEY = "django_tests_secret_key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# tests/cache/tests.py finds the memcached configuration among CACHES by its BACKEND.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "memcached": {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": os.environ["DJANGO_MEMCACHED_LOCATION"],
    },
}

TEST_RUNNER = "apicached_django_settings.RecordingRunner"


def _tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _tests(t)
        else:
            yield t


class RecordingRunner(DiscoverRunner):
    """DiscoverRunner that also records {test id: outcome} as JSON."""

    def run_suite(self, suite, **kwargs):
        ids = [t.id() for t in _tests(suite)]
        result = super().run_suite(suite, **kwargs)
        outcome = {i: "ok" for i in ids}
        for kind, items in (("FAIL", result.failures), ("ERROR", result.errors),
                            ("skipped", result.skipped),
                            ("expected failure", result.expectedFailures)):
            for test, detail in items:
                outcome[test.id()] = kind
        for test in result.unexpectedSuccesses:
            outcome[test.id()] = "unexpected success"
        details = {t.id(): d[-3000:] for t, d in result.failures + result.errors}
        with open(os.environ["DJANGO_RESULTS_JSON"], "w") as f:
            json.dump({"outcome": outcome, "details": details}, f, indent=1, sort_keys=True)
        return result
