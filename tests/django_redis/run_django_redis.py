#!/usr/bin/env python3
"""django-redis 5.2.0's own test suite (tests/ of its source, the version Debian's
python3-django-redis installs) with its single-server settings (tests/settings/sqlite.py:
DefaultClient, database 1; here apicached_django_redis_settings.py) pointed at (a) the reference
redis-server 7.0 and (b) the subject (apicached by default; REDIS_SUBJECT as in
tests/redis_py/redisservers.py), both runs side by side, against the installed django_redis.

Passes when every test passes against redis-server, and the subject fails no test outside
expected_failures.txt (the tests that need what apicached does not have, each with the reason).
A listed test that passes against the subject is printed (the list then shrinks).

Exit status: 0 pass, 1 fail, 77 skipped (a tool or the source is missing; the reason is printed).
Environment: APICACHED_BIN, REDIS_SERVER_BIN, REDIS_SUBJECT; APICACHED_DJANGO_REDIS_SRC (where
scripts/install-deps.sh test unpacks the source; default ~/.cache/apicached/django-redis-src);
DJANGO_REDIS_TESTS (default: the whole tests/ dir); KEEP_LOGS=1 keeps the runs' logs.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "redis_py"))
sys.path.insert(0, os.path.join(HERE, "..", "django_cache"))
import redisservers  # noqa: E402
from run_django_cache import expected_failures, failed, summary  # noqa: E402

SKIP = 77
RUN_DEADLINE_S = 900


def skip(reason):
    print("SKIPPED LOUDLY: " + reason, flush=True)
    sys.exit(SKIP)


def source_tests_dir():
    base = os.environ.get("APICACHED_DJANGO_REDIS_SRC") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "apicached",
        "django-redis-src")
    tests = os.path.join(base, "django-redis", "tests")
    if not os.path.isfile(os.path.join(tests, "test_backend.py")):
        skip("django-redis's test suite is not unpacked at %s (scripts/install-deps.sh test "
             "does it from Debian's source package django-redis)" % tests)
    return tests


def start_run(name, server, tests_dir, tmp):
    results = os.path.join(tmp, name + ".xml")
    log = open(os.path.join(tmp, name + ".log"), "wb")
    env = dict(os.environ, DJANGO_REDIS_LOCATION=server.location,
               DJANGO_REDIS_DEAD_LOCATION="127.0.0.1:%d" % redisservers.free_port(),
               PYTHONPATH=HERE, PYTHONDONTWRITEBYTECODE="1")
    targets = os.environ.get("DJANGO_REDIS_TESTS", "").split() or ["."]
    # --import-mode=append: the installed django_redis (Debian's), not the source tree's copy
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider",
                             "-c", os.path.join(HERE, "pytest.ini"),
                             "--rootdir", os.path.dirname(tests_dir),
                             "--import-mode=append", "--ds=apicached_django_redis_settings",
                             "--junitxml=" + results, "-q"] + targets,
                            cwd=tests_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc, results, log.name


def outcomes(results):
    """{test id: PASS|FAIL|ERROR|SKIP} from pytest's junit XML; the id is FILE::CLASS::NAME
    (or FILE::NAME), FILE relative to tests/."""
    out = {}
    for case in ET.parse(results).getroot().iter("testcase"):
        classname = case.get("classname", "")
        parts = classname.split(".")
        module = [p for p in parts if p.startswith("test_")]
        cls = parts[parts.index(module[0]) + 1:] if module else []
        test = "::".join([module[0] + ".py" if module else classname] + cls + [case.get("name")])
        if case.find("failure") is not None:
            out[test] = "FAIL"
        elif case.find("error") is not None:
            out[test] = "ERROR"
        elif case.find("skipped") is not None:
            out[test] = "SKIP"
        else:
            out[test] = "PASS"
    return out


def main():
    tests_dir = source_tests_dir()
    for module in ("pytest", "pytest_django", "pytest_mock", "django", "django_redis", "redis"):
        try:
            __import__(module)
        except ImportError:
            skip("%s cannot import %s (Debian python3-pytest, python3-pytest-django, "
                 "python3-pytest-mock, python3-django, python3-django-redis, python3-redis; "
                 "scripts/install-deps.sh test)" % (sys.executable, module))
    try:
        reference = redisservers.RedisServer().start()
    except redisservers.ToolMissing as e:
        skip(str(e))
    servers = [reference]
    tmp = tempfile.mkdtemp(prefix="django-redis-")
    try:
        try:
            subject = redisservers.make_subject()
        except (redisservers.ToolMissing, redisservers.FrontMissing) as e:
            skip(str(e))
        servers.append(subject)
        runs = [("redis", reference), (subject.name, subject)]
        procs = [(name,) + start_run(name, s, tests_dir, tmp) for name, s in runs]
        results = {}
        for name, proc, xml, log in procs:
            try:
                proc.wait(timeout=RUN_DEADLINE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                print("FAIL: the %s run took more than %d s" % (name, RUN_DEADLINE_S))
            if not os.path.exists(xml):
                with open(log, "rb") as f:
                    print("FAIL: the %s run wrote no results; its log:\n%s"
                          % (name, f.read().decode("utf-8", "replace")[-5000:]))
                return 1
            results[name] = outcomes(xml)
            print("%s: %s" % (name, summary(results[name])))
        ref, sub = results["redis"], results[subject.name]
        expected = expected_failures(os.path.join(HERE, "expected_failures.txt"))
        ok = True
        if failed(ref):
            ok = False
            print("FAIL: tests that fail against redis-server itself (the suite or its settings "
                  "are broken):\n  " + "\n  ".join(sorted(failed(ref))))
        unexpected = sorted(failed(sub) - set(expected))
        if unexpected:
            ok = False
            print("FAIL: %s fails tests that are not in expected_failures.txt:\n  %s"
                  % (subject.name, "\n  ".join(unexpected)))
        missing = sorted(set(sub) - set(ref))
        if missing or sorted(set(ref) - set(sub)):
            ok = False
            print("FAIL: the runs collected different tests: %r" % missing[:20])
        fixed = sorted(t for t in expected if sub.get(t) == "PASS")
        if fixed and subject.name == "apicached":
            print("NOTE: listed in expected_failures.txt but passing now (remove the line):\n  "
                  + "\n  ".join(fixed))
        absent = sorted(t for t in expected if t not in sub)
        if absent:
            print("NOTE: expected_failures.txt names tests this run did not collect:\n  "
                  + "\n  ".join(absent))
        for t in sorted(failed(sub) & set(expected)):
            print("expected failure (%s): %s" % (expected[t], t))
        if not ok or os.environ.get("KEEP_LOGS"):
            print("logs kept in %s" % tmp)
            for name, _, _, log in procs:
                with open(log, "rb") as f:
                    tail = f.read().decode("utf-8", "replace")[-6000:]
                print("---- %s run, end of log ----\n%s" % (name, tail))
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        for s in servers:
            s.close()
        if not os.environ.get("KEEP_LOGS"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
