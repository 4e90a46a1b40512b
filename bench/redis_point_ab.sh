#!/usr/bin/env bash
# Before/after of one redis-benchmark point in ONE run: daemon binaries (or one binary with
# different flags) run one at a time, interleaved round by round so that all meet the same
# machine. Per run: apicached alone with --redis-listen in a temp dir, 200k SETs -P16 over the
# key space first, then the measured point; prints req/s and the server's CPU time per request
# (user+sys from /proc/PID/stat over the point / requests), the steadier figure on a shared
# machine (docs/benchmarks-redis.md, "Pipelined writes").
#
# Usage: bench/redis_point_ab.sh BIN[::FLAGS] BIN[::FLAGS]...   (a minute or two; not in CI)
#   e.g. bench/redis_point_ab.sh build/daemon/apicached '/tmp/old/apicached' \
#          'build/daemon/apicached::--io-threads 1'
#   TEST=set  PIPE=16  CONNS=50  REQUESTS=800000  KEYS=100000  VALUE=100  ROUNDS=2
#   TEST=setpx: `SET key:__rand_int__ <VALUE bytes> PX 600000` instead of a -t test (what
#   django-redis sends for each cache.set with a timeout)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || bench_die "usage: $0 BIN[::FLAGS]..."
TEST=${TEST:-set} PIPE=${PIPE:-16} CONNS=${CONNS:-50} REQUESTS=${REQUESTS:-800000}
KEYS=${KEYS:-100000} VALUE=${VALUE:-100} ROUNDS=${ROUNDS:-2}
bench_require redis-benchmark redis-cli
bench_init redis-point-ab

run_one() {  # run_one BIN FLAGS: prints "req/s cpu_us_per_req"
  local bin=$1 flags=$2 port pid t0 t1 out rps
  port=$(bench_free_port)
  rm -rf "$BENCH_TMP/data"
  # shellcheck disable=SC2086
  "$bin" --config '' --listen 127.0.0.1:0 --redis-listen "127.0.0.1:$port" \
    --data-dir "$BENCH_TMP/data" $flags 2>"$BENCH_TMP/log" &
  pid=$!
  BENCH_PIDS+=("$pid")
  bench_wait_redis "$pid" -p "$port"
  redis-benchmark -p "$port" -t set -n 200000 -r "$KEYS" -d "$VALUE" -c 50 -P 16 -q >/dev/null
  t0=$(bench_cpu_ticks "$pid")
  local what=(-t "$TEST")
  [ "$TEST" != setpx ] || what=(SET 'key:__rand_int__' "$(head -c "$VALUE" /dev/zero | tr '\0' x)" PX 600000)
  out=$(redis-benchmark -p "$port" -n "$REQUESTS" -r "$KEYS" -d "$VALUE" -c "$CONNS" \
    -P "$PIPE" -q "${what[@]}" 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
  t1=$(bench_cpu_ticks "$pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rps=$(sed 's/.*: \([0-9.]*\) requests.*/\1/' <<<"$out")
  echo "$rps $(bench_cpu_us_per $((t1 - t0)) "$REQUESTS")"
}

echo "| round | binary | flags | $TEST -P$PIPE c=$CONNS req/s | CPU us/req |"
echo "|---|---|---|---:|---:|"
for round in $(seq "$ROUNDS"); do
  for spec in "$@"; do
    bin=${spec%%::*}
    flags=""
    [ "$spec" = "$bin" ] || flags=${spec#*::}
    read -r rps cpu < <(run_one "$bin" "$flags")
    echo "| $round | $bin | $flags | $rps | $cpu |"
  done
done
