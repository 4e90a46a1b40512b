#!/usr/bin/env bash
# Installs the Debian bookworm packages apicached needs to build, test and (optionally) benchmark.
# Usage: scripts/install-deps.sh [build|test|bench]   (default: build)
# Only missing packages are installed, so a second run is a no-op. Needs root (or sudo).
# The test profile also unpacks Django's own test suite from Debian's source package of
# python-django (tests/memcached_py and tests/django_cache run it; never committed) into
# $APICACHED_DJANGO_SRC (default ~/.cache/apicached/django-src), adding a deb-src list first
# when apt has none, and django-redis's test suite from Debian's source package django-redis
# (tests/django_redis runs it) into $APICACHED_DJANGO_REDIS_SRC (default
# ~/.cache/apicached/django-redis-src). redis-server, redis-tools, python3-redis,
# python3-django-redis, python3-pytest-django, python3-pytest-mock, python3-msgpack: tests/redis_py
# and tests/django_redis (the Redis front beside the reference redis-server).
# python3-venv/-pip/-setuptools/-wheel: the Python client's offline install test;
# python3-yaml: the dashboard and rules checks; chromium: the /status page test.
# liblua5.1-0-dev: the Lua 5.1 that Redis scripts (EVAL) run on; the daemon links its C++ build,
# liblua5.1-c++.so.0 from the runtime package liblua5.1-0.
# libssl-dev: OpenSSL 3 for TLS on the listeners and in apicachectl (Boost.Asio's ssl); openssl
# (test): tests/tls_py makes its certificates at test time.
set -euo pipefail
profile=${1:-build}
pkgs=(build-essential cmake ninja-build pkg-config
      librocksdb-dev libboost1.74-dev libboost-program-options-dev nlohmann-json3-dev
      prometheus-cpp-dev libgtest-dev libgmock-dev googletest libbenchmark-dev liblua5.1-0-dev
      libssl-dev)
case "$profile" in
  build) ;;
  test)  pkgs+=(python3 curl prometheus systemd clang clang-format libclang-rt-14-dev
               memcached libmemcached-tools nutcracker python3-pytest python3-pymemcache
               python3-django dpkg-dev
               redis-server redis-tools python3-redis python3-django-redis
               python3-pytest-django python3-pytest-mock python3-msgpack
               python3-venv python3-pip python3-setuptools python3-wheel python3-yaml chromium
               openssl) ;;
  bench) pkgs+=(python3 curl wrk nginx-light redis-server memcached redis-tools openssl) ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Django's tests/ from the source package of the installed python3-django, unpacked once.
django_tests() {
  local dir=${APICACHED_DJANGO_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/apicached/django-src}
  [ -f "$dir/python-django/tests/cache/tests.py" ] && return 0
  if ! grep -rqsE '^(deb-src |Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/
  then
    echo "install-deps: adding /etc/apt/sources.list.d/debian-src.sources (deb-src)" >&2
    printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
      'Suites: bookworm bookworm-updates' 'Components: main' \
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
      $sudo tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    $sudo apt-get update -qq
  fi
  echo "install-deps: unpacking Django's test suite into $dir" >&2
  mkdir -p "$dir/download"
  (cd "$dir/download" && apt-get source --download-only -qq python-django)
  rm -rf "$dir/python-django"
  dpkg-source --no-check -x "$(ls "$dir"/download/python-django_*.dsc | tail -n 1)" \
    "$dir/python-django" >/dev/null
}
# django-redis's tests/ from the source package of the installed python3-django-redis (source
# package django-redis), unpacked once. When the archive cannot serve it (a mirror without the
# pool files), say so and go on: tests/django_redis then skips loudly.
django_redis_tests() {
  local dir=${APICACHED_DJANGO_REDIS_SRC:-${XDG_CACHE_HOME:-$HOME/.cache}/apicached/django-redis-src}
  [ -f "$dir/django-redis/tests/test_backend.py" ] && return 0
  echo "install-deps: unpacking django-redis's test suite into $dir" >&2
  mkdir -p "$dir/download"
  if ! (cd "$dir/download" && apt-get source --download-only -qq django-redis); then
    echo "install-deps: WARNING: apt-get source django-redis failed; tests/django_redis will" \
         "skip (see docs/redis-conformance.md)" >&2
    return 0
  fi
  rm -rf "$dir/django-redis"
  dpkg-source --no-check -x "$(ls "$dir"/download/django-redis_*.dsc | tail -n 1)" \
    "$dir/django-redis" >/dev/null
}
if [ "$profile" = test ]; then
  django_tests
  django_redis_tests
fi
