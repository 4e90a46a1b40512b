#!/bin/sh
# ctest's entry to the Redis suites: run.sh PYTHON APICACHED_BIN PYTEST_ARGS...
# Exit 77 (ctest: skipped) with the reason when pytest is missing or the binary has no Redis
# front; pytest's exit 5 (nothing collected) is turned into a failure.
python=$1
bin=$2
shift 2
if ! "$python" -c 'import pytest' 2>/dev/null; then
  echo "SKIPPED LOUDLY: $python has no pytest (Debian python3-pytest; scripts/install-deps.sh test)"
  exit 77
fi
# REDIS_NO_SERVER=1: the suite starts no server (the harness's own tests)
if [ "${REDIS_SUBJECT:-apicached}" = apicached ] && [ -z "${REDIS_NO_SERVER:-}" ] &&
   ! "$bin" --help 2>&1 | grep -q -- --redis-listen
then
  echo "SKIPPED LOUDLY: $bin has no --redis-listen: the Redis front has not landed"
  exit 77
fi
cd "$(dirname "$0")" || exit 1
APICACHED_BIN=$bin PYTHONDONTWRITEBYTECODE=1 "$python" -m pytest -ra "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "FAIL: pytest collected no test"
  exit 1
fi
exit "$rc"
