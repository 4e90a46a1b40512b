#!/usr/bin/env bash
# Profiles apicached's read paths with linux-perf: GET from the RAM tier, GET of keys not in the
# RAM tier (RocksDB's block cache / the OS page cache) and _mget of 100 keys, each under a short
# wrk load, with the server's CPU time per request beside each profile (docs/benchmarks.md,
# "Read path").
#
# Usage: bench/read_profile.sh           (about a minute; not part of CI; needs perf)
#   BENCH_SECONDS=5          length of each load (perf records the same span)
#   BENCH_CONNS=50           wrk connections
#   BENCH_DISK_KEYS=200000   entries of the disk dataset (500 bytes each)
#   BENCH_PROFILE_OUT=DIR    where perf.data files and the text reports go (default: a temp dir,
#                            kept)
#   BENCH_RELEASE_BUILD=...  as bench/lib.sh (a Release build, built here if missing)
#
# Each path gets DIR/<path>.txt: the `perf report --no-children` top of the symbols by self
# time, and the load's figures (req/s, p50/p99, CPU us per request).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECS=${BENCH_SECONDS:-5}
CONNS=${BENCH_CONNS:-50}
DISK_KEYS=${BENCH_DISK_KEYS:-200000}
RAM_KEYS=10000
SIZE=500
LUA=$BENCH_ROOT/bench/lua

bench_require wrk perf curl python3
bench_init read-profile
OUT=${BENCH_PROFILE_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/apicached-read-profile.XXXXXX")}
mkdir -p "$OUT"
bench_build_release

# profile NAME PID URL [LUA [-- ARGS...]]: wrk for SECS with perf recording the server meanwhile.
profile() {
  local name=$1 pid=$2 res
  shift 2
  perf record -q -g -p "$pid" -o "$OUT/$name.perf.data" -- sleep "$SECS" 2>/dev/null &
  local perf_pid=$!
  res=$(bench_cpu_wrk "$pid" "$OUT/$name" "$CONNS" "$SECS" "$@")
  wait "$perf_pid" || true
  {
    echo "# $name: $CONNS connections, ${SECS} s, commit $BENCH_COMMIT"
    echo "# req/s p50_ms p99_ms errors server-CPU-us-per-request (perf running): $res"
    perf report -i "$OUT/$name.perf.data" --no-children --percent-limit 0.7 --stdio \
      --sort symbol -g none 2>/dev/null | grep -v '^#' | grep -v '^$' |
      sed -E 's/[[:space:]-]+$//' | cut -c1-160 | head -60
  } >"$OUT/$name.txt"
  bench_log "$name: $res"
}

# The RAM daemon: the default hot tier holds every key.
mkdir -p "$BENCH_TMP/data-ram"
bench_start_apicached "$BENCH_TMP/data-ram"
RAM_URL=$APICACHED_URL
RAM_PID=$APICACHED_PID
python3 "$BENCH_ROOT/bench/load.py" --url "$RAM_URL" --ns bench --prefix k --count "$RAM_KEYS" \
  --size "$SIZE" >/dev/null
# Two passes over the keys so that every one is in the RAM tier.
for _ in 1 2; do
  bench_wrk "$OUT/warm" 4 2 "$RAM_URL" "$LUA/mget.lua" -- /v1/cache/bench/_mget k "$RAM_KEYS" 100 \
    >/dev/null
done
profile get-ram "$RAM_PID" "$RAM_URL" "$LUA/get_random.lua" -- /v1/cache/bench/k "$RAM_KEYS"
profile mget "$RAM_PID" "$RAM_URL" "$LUA/mget.lua" -- /v1/cache/bench/_mget k "$RAM_KEYS" 100

# The disk daemon: an 8 MiB hot tier in front of a dataset several times larger.
mkdir -p "$BENCH_TMP/data-disk"
bench_start_apicached "$BENCH_TMP/data-disk" --hot-cache-bytes $((8 << 20))
DISK_URL=$APICACHED_URL
DISK_PID=$APICACHED_PID
python3 "$BENCH_ROOT/bench/load.py" --url "$DISK_URL" --ns disk --prefix k --count "$DISK_KEYS" \
  --size "$SIZE" --ttl 0 >/dev/null
profile get-disk "$DISK_PID" "$DISK_URL" "$LUA/get_random.lua" -- /v1/cache/disk/k "$DISK_KEYS"

bench_log "profiles in $OUT"
for f in get-ram mget get-disk; do
  head -2 "$OUT/$f.txt"
done
