#!/bin/sh
# pip_install_offline.sh PYTHON PACKAGE_DIR: installs the Python client into a fresh venv with
# no network (no index, no build isolation: Debian's python3-setuptools and python3-wheel build
# it) and imports every module from there. Exit 77 (ctest skip) when venv or pip is missing.
set -eu
py=$1
pkg=$2
if ! "$py" -c 'import venv, ensurepip' 2>/dev/null && ! "$py" -m pip --version >/dev/null 2>&1; then
  echo "SKIPPED LOUDLY: python3-venv / python3-pip missing for $py (scripts/install-deps.sh test)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m venv --system-site-packages "$tmp/venv"
# A copy, so the build's leftovers (build/, *.egg-info) never land in the checkout.
cp -r "$pkg" "$tmp/src"
rm -rf "$tmp/src/tests"
PIP_NO_INDEX=1 PIP_FIND_LINKS= "$tmp/venv/bin/python" -m pip install --no-index \
  --no-build-isolation --disable-pip-version-check -q "$tmp/src"
cd "$tmp"
"$tmp/venv/bin/python" - <<'PY'
import apicached, apicached.client, apicached.service, apicached.tasks, apicached.django
assert apicached.__file__.startswith(__import__("sys").prefix), apicached.__file__
print("installed", apicached.__version__, "at", apicached.__file__)
PY
