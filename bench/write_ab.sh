#!/usr/bin/env bash
# Before/after of apicached's HTTP write path in ONE run: two daemon binaries side by side, their
# loads interleaved round by round so that both meet the same machine (docs/benchmarks.md).
#
# Usage: bench/write_ab.sh BEFORE_BIN AFTER_BIN     (a few minutes; not part of CI)
#   BENCH_SECONDS=4  BENCH_CONNS="50"  BENCH_ROUNDS=3
# Paths, per binary: PUT of 500 B under a new key each time (keys of 100M: the created-or-replaced
# answer needs the store, as for a cache-aside write after a miss) and PUT over one of 10k keys
# written before (all in the RAM tier). Prints one markdown row per path, binary and connection
# count: req/s, p50/p99 ms and server CPU us per request, each the median of the rounds (of an
# even count, the lower middle one). Each round's raw wrk output is in $BENCH_TMP/raw, kept with
# BENCH_KEEP_TMP=1.
# The two daemons live through every round: a later round's PUT over the 10k keys meets the
# compactions of the earlier rounds' new keys (~120k a point), and those keys have pushed the
# 10k out of the RAM tier; that round can run at a fifth of the first one's rate, for both
# binaries alike (docs/API.md, "PUTs of many connections in one batch"). For figures of a fresh
# daemon, run BENCH_ROUNDS=1 several times.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_ab_args 4 50 3 "$@"
SIZE=500
OVER_KEYS=10000
LUA=$BENCH_ROOT/bench/lua

bench_require wrk curl python3
bench_init write-ab
RAW=$BENCH_TMP/raw
mkdir -p "$RAW"

declare -A URL PID
for i in 0 1; do
  APICACHED_BIN=${BINS[$i]}
  n=${NAMES[$i]}
  mkdir -p "$BENCH_TMP/data-$n"
  bench_start_apicached "$BENCH_TMP/data-$n"
  URL[$n]=$APICACHED_URL
  PID[$n]=$APICACHED_PID
  python3 "$BENCH_ROOT/bench/load.py" --url "${URL[$n]}" --ns bench --prefix o \
    --count "$OVER_KEYS" --size "$SIZE" >/dev/null
done

declare -A RES
for round in $(seq "$ROUNDS"); do
  for c in "${CONNS[@]}"; do
    for n in "${NAMES[@]}"; do
      RES[new-$n-$c]+="$(bench_cpu_wrk "${PID[$n]}" "$RAW/new-$n-$c-$round" "$c" "$SECS" "${URL[$n]}" \
        "$LUA/put_random.lua" -- "/v1/cache/bench/n$round-" 100000000 "$SIZE")"$'\n'
      RES[over-$n-$c]+="$(bench_cpu_wrk "${PID[$n]}" "$RAW/over-$n-$c-$round" "$c" "$SECS" "${URL[$n]}" \
        "$LUA/put_random.lua" -- /v1/cache/bench/o "$OVER_KEYS" "$SIZE")"$'\n'
    done
    bench_log "round $round, $c connections done"
  done
done

echo "| Path | Conns | Binary | req/s | p50 / p99 ms | CPU us per request |"
echo "|---|---:|---|---:|---:|---:|"
for path in new over; do
  for c in "${CONNS[@]}"; do
    for n in "${NAMES[@]}"; do
      rows=${RES[$path-$n-$c]}
      echo "| PUT $path | $c | $n | $(bench_median "$rows" 1) | $(bench_median "$rows" 2) / $(bench_median "$rows" 3) | $(bench_median "$rows" 5) |"
    done
  done
done
