#!/bin/sh
# run_pytest.sh PYTHON TESTS_DIR: pytest on the Python client's tests; exit 77 (ctest skip) with a
# loud reason when pytest is not installed for PYTHON.
py=$1
shift
if ! "$py" -c 'import pytest' 2>/dev/null; then
  echo "SKIPPED LOUDLY: pytest is not installed for $py (scripts/install-deps.sh test installs python3-pytest)"
  exit 77
fi
exec "$py" -m pytest -q -p no:cacheprovider "$@"
