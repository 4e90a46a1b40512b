#!/usr/bin/env python3
"""Django's own cache test suite (tests/cache of Debian's python-django source package) with
PyMemcacheCache pointed at (a) the reference memcached 1.6 and (b) the subject (apicached by
default; MC_SUBJECT as in tests/memcached_py/mcservers.py), both runs side by side.

Passes when the subject fails no test that memcached passes. The tests that fail against
memcached itself are listed, with the reason, in expected_failures.txt; a difference between
that list and this run's memcached failures is printed (the list documents, the live run
decides).

Exit status: 0 pass, 1 fail, 77 skipped (a tool or Django's source is missing; the reason is
printed). Environment: APICACHED_BIN, MEMCACHED_BIN, MC_SUBJECT; APICACHED_DJANGO_SRC (where
scripts/install-deps.sh test unpacks the source; default ~/.cache/apicached/django-src);
DJANGO_TEST_LABELS (default "cache"); KEEP_LOGS=1 keeps the runs' logs.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "memcached_py"))
import mcservers  # noqa: E402

SKIP = 77
RUN_DEADLINE_S = 900


def skip(reason):
    print("SKIPPED LOUDLY: " + reason, flush=True)
    sys.exit(SKIP)


def django_tests_dir():
    base = os.environ.get("APICACHED_DJANGO_SRC") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "apicached",
        "django-src")
    tests = os.path.join(base, "python-django", "tests")
    if not os.path.isfile(os.path.join(tests, "cache", "tests.py")):
        skip("Django's test suite is not unpacked at %s (scripts/install-deps.sh test does it "
             "from Debian's source package of python-django)" % tests)
    return tests


def expected_failures(path=os.path.join(HERE, "expected_failures.txt")):
    """{test id: reason} from an expected-failures file (lines "ID REASON", # comments); the
    Redis suites read theirs with it too."""
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                test, _, reason = line.partition(" ")
                out[test] = reason.strip()
    return out


def start_run(name, server, tests_dir, tmp):
    results = os.path.join(tmp, name + ".json")
    log = open(os.path.join(tmp, name + ".log"), "wb")
    env = dict(os.environ, DJANGO_MEMCACHED_LOCATION=server.location,
               DJANGO_RESULTS_JSON=results, PYTHONPATH=HERE, PYTHONDONTWRITEBYTECODE="1")
    labels = os.environ.get("DJANGO_TEST_LABELS", "cache").split()
    proc = subprocess.Popen([sys.executable, "runtests.py", "--settings=apicached_django_settings",
                             "--parallel=1", "--noinput"] + labels, cwd=tests_dir, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc, results, log.name


def summary(outcome):
    counts = {}
    for v in outcome.values():
        counts[v] = counts.get(v, 0) + 1
    return ", ".join("%s %d" % kv for kv in sorted(counts.items()))


def failed(outcome):
    return {t for t, v in outcome.items() if v in ("FAIL", "ERROR")}


def main():
    try:
        import django  # noqa: F401
        import pymemcache  # noqa: F401
    except ImportError as e:
        skip("%s: %s lacks python3-django or python3-pymemcache (scripts/install-deps.sh test)"
             % (e, sys.executable))
    tests_dir = django_tests_dir()
    tmp = tempfile.mkdtemp(prefix="django-cache-")
    servers = []
    try:
        try:
            servers.append(mcservers.MemcachedServer().start())
            servers.append(mcservers.make_subject())
        except (mcservers.ToolMissing, mcservers.FrontMissing) as e:
            skip(str(e))
        names = ["memcached", "%s(%s)" % (servers[1].name, mcservers.subject_kind())]
        runs = [start_run(n.split("(")[0] + str(i), s, tests_dir, tmp)
                for i, (n, s) in enumerate(zip(names, servers))]
        outcomes = []
        for (proc, results, log), name in zip(runs, names):
            try:
                rc = proc.wait(timeout=RUN_DEADLINE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            if not os.path.exists(results):
                with open(log) as f:
                    print(f.read()[-5000:])
                print("FAIL: the run against %s recorded no result (exit %d)" % (name, rc))
                return 1
            with open(results) as f:
                outcomes.append(json.load(f))
        ref, sub = (o["outcome"] for o in outcomes)
        expected = expected_failures()
        labels = os.environ.get("DJANGO_TEST_LABELS", "cache")
        print("Django %s, runtests.py %s, PyMemcacheCache" % (django.get_version(), labels))
        for name, o in zip(names, (ref, sub)):
            pm = {t: v for t, v in o.items() if ".PyMemcacheCacheTests." in t}
            print("  %-22s %d tests: %s; PyMemcacheCacheTests: %s"
                  % (name, len(o), summary(o), summary(pm)))
        ref_failed, sub_failed = failed(ref), failed(sub)
        if ref_failed != set(expected) and labels == "cache":
            print("NOTE: memcached's failures differ from expected_failures.txt:")
            for t in sorted(ref_failed - set(expected)):
                print("  failed now, not listed: " + t)
            for t in sorted(set(expected) - ref_failed):
                print("  listed, passed now:     " + t)
        for t in sorted(sub_failed & ref_failed):
            print("  fails against both (%s): %s"
                  % ("in expected_failures.txt" if t in expected else "not listed", t))
        regressions = sorted(sub_failed - ref_failed)
        for t in regressions:
            print("REGRESSION: %s fails against %s, passes against memcached:\n%s\n"
                  % (t, names[1], outcomes[1]["details"].get(t, "")))
        if regressions:
            print("FAIL: %d tests fail only against %s" % (len(regressions), names[1]))
            return 1
        print("PASS: %s fails no test that memcached passes" % names[1])
        return 0
    finally:
        for s in servers:
            s.close()
        if os.environ.get("KEEP_LOGS"):
            print("logs kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
