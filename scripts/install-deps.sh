#!/usr/bin/env bash
# Installs the Debian bookworm packages apicached needs to build, test and (optionally) benchmark.
# Usage: scripts/install-deps.sh [build|test|bench]   (default: build)
# Only missing packages are installed, so a second run is a no-op. Needs root (or sudo).
set -euo pipefail
profile=${1:-build}
pkgs=(build-essential cmake ninja-build pkg-config
      librocksdb-dev libboost1.74-dev libboost-program-options-dev nlohmann-json3-dev
      prometheus-cpp-dev libgtest-dev libgmock-dev googletest libbenchmark-dev)
case "$profile" in
  build) ;;
  test)  pkgs+=(python3 curl prometheus systemd clang clang-format libclang-rt-14-dev) ;;
  bench) pkgs+=(python3 curl wrk nginx-light redis-server memcached redis-tools) ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
