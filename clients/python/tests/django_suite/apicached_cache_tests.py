"""Django's own cache test suite (tests/cache/tests.py of the installed Django's source) on
apicached.django.APICachedCache, the way Django tests its own backends: a subclass of its
BaseCacheTests with the cache settings from its caches_setting_for_tests().

Imported by run_cache_suite.py, which puts Django's tests/ folder on sys.path, starts the daemon
and sets APICACHED_DJANGO_LOCATION. EXCLUDED lists the tests this backend does not run, each
with its reason (reported as skipped with "EXCLUDED:").
"""
import os
import unittest

from cache import tests as django_cache_tests  # Django's tests/cache/tests.py
from django.test import TestCase, override_settings

APICACHED_PARAMS = {
    "BACKEND": "apicached.django.APICachedCache",
    "LOCATION": os.environ["APICACHED_DJANGO_LOCATION"],
}

# Test name -> why this backend does not run it. Empty when every test of BaseCacheTests runs;
# the culling tests skip themselves (Django's own "Culling isn't implemented." skip) because the
# 'cull' and 'zero_cull' caches are left out, as for memcached: apicached bounds its size by TTL
# and disk, not by MAX_ENTRIES.
EXCLUDED = {}


def _exclude(cls):
    for name, reason in EXCLUDED.items():
        setattr(cls, name, unittest.skip(f"EXCLUDED: {reason}")(getattr(cls, name)))
    return cls


@_exclude
@override_settings(CACHES=django_cache_tests.caches_setting_for_tests(
    base=APICACHED_PARAMS, exclude=django_cache_tests.memcached_excluded_caches))
class APICachedCacheTests(django_cache_tests.BaseCacheTests, TestCase):
    base_params = APICACHED_PARAMS
    # incr/decr on a value that is not an integer (the daemon's 409) raise TypeError, like
    # Django's own non-memcached backends.
    incr_decr_type_error = TypeError
