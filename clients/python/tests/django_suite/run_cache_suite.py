#!/usr/bin/env python3
"""Runs Django's cache test suite on apicached.django.APICachedCache against a real daemon.

Usage: run_cache_suite.py [--django-tests DIR] [-v N]
  DIR: Django's tests/ folder of the installed version (default: where scripts/install-deps.sh
       test unpacks Debian's source package of python-django, the same tree tests/django_cache
       uses: $APICACHED_DJANGO_SRC/python-django/tests, $APICACHED_DJANGO_SRC defaulting to
       ~/.cache/apicached/django-src).
The daemon binary comes from $APICACHED_BIN (see ../daemon.py). Prints the counts (run, passed,
skipped with reasons, excluded, failed) and exits 0 only when nothing failed. When Django's
source cannot be had it says why and exits 77 (ctest's SKIP_RETURN_CODE), never silently.
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
PACKAGE_ROOT = os.path.dirname(TESTS)
SKIP = 77


def django_tests_dir(given):
    if given:
        return given
    base = os.environ.get("APICACHED_DJANGO_SRC") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "apicached",
        "django-src")
    return os.path.join(base, "python-django", "tests")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--django-tests")
    parser.add_argument("-v", "--verbosity", type=int, default=2)
    args = parser.parse_args()
    tests_dir = django_tests_dir(args.django_tests)
    if not os.path.isfile(os.path.join(tests_dir, "cache", "tests.py")):
        print(f"SKIPPED LOUDLY: Django's test suite is not unpacked at {tests_dir} "
              "(scripts/install-deps.sh test does it from Debian's source package of "
              "python-django)", flush=True)
        sys.exit(SKIP)
    sys.path[:0] = [PACKAGE_ROOT, TESTS, HERE, tests_dir]

    import django
    from django.conf import settings
    from django.test.runner import DiscoverRunner

    import daemon as daemon_mod

    try:
        d = daemon_mod.Daemon().start()
    except FileNotFoundError as e:
        print(f"SKIPPED LOUDLY: {e}", flush=True)
        sys.exit(SKIP)
    try:
        os.environ["APICACHED_DJANGO_LOCATION"] = d.url + "/django"
        settings.configure(
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3"}},
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "cache"],
            CACHES={"default": {"BACKEND": "apicached.django.APICachedCache",
                                "LOCATION": os.environ["APICACHED_DJANGO_LOCATION"]}},
            SECRET_KEY="apicached-django-suite", USE_TZ=False, MIDDLEWARE=[],
            DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        )
        django.setup()
        print(f"Django {django.get_version()} cache tests from {tests_dir}", flush=True)

        outcome = {}

        class Runner(DiscoverRunner):
            def run_suite(self, suite, **kwargs):
                result = super().run_suite(suite, **kwargs)
                outcome["result"] = result
                return result

        failures = Runner(verbosity=args.verbosity, interactive=False).run_tests(
            ["apicached_cache_tests"])
        result: unittest.TestResult = outcome["result"]
        excluded = [(t, r) for t, r in result.skipped if r.startswith("EXCLUDED:")]
        skipped = [(t, r) for t, r in result.skipped if not r.startswith("EXCLUDED:")]
        failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
        passed = result.testsRun - len(result.skipped) - failed - len(result.expectedFailures)
        print(f"\nDjango cache suite on APICachedCache: {result.testsRun} run, {passed} passed, "
              f"{len(skipped)} skipped, {len(excluded)} excluded, {failed} failed")
        for test, reason in skipped + excluded:
            print(f"  skipped {test.id().rsplit('.', 1)[-1]}: {reason}")
        return 1 if failures or failed else 0
    finally:
        d.stop()


if __name__ == "__main__":
    sys.exit(main())
