#!/usr/bin/env bash
# Before/after of apicached's read paths in ONE run: two daemon binaries side by side, their
# loads interleaved round by round so that both meet the same machine (docs/benchmarks.md,
# "Read path"), with redis-server GET -P 16 beside _mget.
#
# Usage: bench/read_ab.sh BEFORE_BIN AFTER_BIN     (a few minutes; not part of CI)
#   BENCH_SECONDS=5  BENCH_CONNS="50 200"  BENCH_ROUNDS=2  BENCH_DISK_KEYS=200000
#   BENCH_PATHS="ram disk mget"  (a subset runs only those paths; the binaries' order alternates
#   round by round)
# Paths, per binary: GET of one key from the RAM tier, GET of random keys of a dataset larger than
# an 8 MiB RAM tier (RocksDB's block cache, then the OS page cache), _mget of 100 random keys of
# 10k in the RAM tier. Prints one markdown row per path, binary and connection count: req/s (or
# keys/s), p50/p99 ms and server CPU us per request (per key for _mget), each the median of the
# rounds.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_ab_args 5 "50 200" 2 "$@"
DISK_KEYS=${BENCH_DISK_KEYS:-200000}
RAM_KEYS=10000
SIZE=500
LUA=$BENCH_ROOT/bench/lua

bench_require wrk redis-server redis-benchmark redis-cli curl python3
bench_init read-ab
RAW=$BENCH_TMP/raw
mkdir -p "$RAW"

declare -A URL PID
for i in 0 1; do
  APICACHED_BIN=${BINS[$i]}
  n=${NAMES[$i]}
  mkdir -p "$BENCH_TMP/ram-$n" "$BENCH_TMP/disk-$n"
  bench_start_apicached "$BENCH_TMP/ram-$n"
  URL[ram-$n]=$APICACHED_URL
  PID[ram-$n]=$APICACHED_PID
  bench_start_apicached "$BENCH_TMP/disk-$n" --hot-cache-bytes $((8 << 20))
  URL[disk-$n]=$APICACHED_URL
  PID[disk-$n]=$APICACHED_PID
  value=$(head -c "$SIZE" /dev/zero | tr '\0' 'v')
  curl -fsS -o /dev/null -X PUT --data-binary "$value" "${URL[ram-$n]}/v1/cache/bench/hot"
  python3 "$BENCH_ROOT/bench/load.py" --url "${URL[ram-$n]}" --ns bench --prefix k \
    --count "$RAM_KEYS" --size "$SIZE" >/dev/null
  python3 "$BENCH_ROOT/bench/load.py" --url "${URL[disk-$n]}" --ns disk --prefix k \
    --count "$DISK_KEYS" --size "$SIZE" --ttl 0 >/dev/null
  # Every _mget key in the RAM tier before the runs.
  bench_wrk "$RAW/warm" 4 2 "${URL[ram-$n]}" "$LUA/mget.lua" -- /v1/cache/bench/_mget k \
    "$RAM_KEYS" 100 >/dev/null
done
R_PORT=$(bench_free_port)
mkdir -p "$BENCH_TMP/redis"
redis-server --bind 127.0.0.1 --port "$R_PORT" --save '' --appendonly no --dir "$BENCH_TMP/redis" \
  --daemonize no --logfile "$BENCH_TMP/redis/log" &
R_PID=$!
BENCH_PIDS+=("$R_PID")
until redis-cli -p "$R_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
redis-benchmark -p "$R_PORT" -t set -n $((RAM_KEYS * 4)) -r "$RAM_KEYS" -d "$SIZE" -P 64 -c 4 -q \
  >/dev/null 2>&1

# run NAME PID [wrk args...]: "RPS P50 P99 ERRORS CPU_US" of one wrk run against the daemon PID.
run() {
  local name=$1 pid=$2
  shift 2
  bench_cpu_wrk "$pid" "$RAW/$name" "$@"
}

PATHS=" ${BENCH_PATHS:-ram disk mget} "
wants() { [[ $PATHS == *" $1 "* ]]; }

declare -A RES
for round in $(seq "$ROUNDS"); do
  order=("${NAMES[@]}")
  [ $((round % 2)) = 1 ] || order=("${NAMES[1]}" "${NAMES[0]}")
  for c in "${CONNS[@]}"; do
    for n in "${order[@]}"; do
      if wants ram; then
        RES[ram-$n-$c]+="$(run ram "${PID[ram-$n]}" "$c" "$SECS" "${URL[ram-$n]}/v1/cache/bench/hot")"$'\n'
      fi
      if wants disk; then
        RES[disk-$n-$c]+="$(run disk "${PID[disk-$n]}" "$c" "$SECS" "${URL[disk-$n]}" \
          "$LUA/get_random.lua" -- /v1/cache/disk/k "$DISK_KEYS")"$'\n'
      fi
      if wants mget; then
        RES[mget-$n-$c]+="$(run mget "${PID[ram-$n]}" "$c" "$SECS" "${URL[ram-$n]}" \
          "$LUA/mget.lua" -- /v1/cache/bench/_mget k "$RAM_KEYS" 100)"$'\n'
      fi
    done
    threads=$((c < $(nproc) ? c : $(nproc)))
    n_req=$((200000 * SECS))
    t0=$(bench_cpu_ticks "$R_PID")
    r=$(redis-benchmark -p "$R_PORT" -t get -c "$c" -n "$n_req" -r "$RAM_KEYS" -d "$SIZE" -P 16 \
      --threads "$threads" --csv 2>/dev/null | awk -F'"' 'NR == 2 { print $4, $10, $14 }')
    t1=$(bench_cpu_ticks "$R_PID")
    RES[redis-$c]+="$r 0 $(bench_cpu_us_per $((t1 - t0)) "$n_req")"$'\n'
    bench_log "round $round, $c connections done"
  done
done

echo "| Path | Conns | Binary | req/s (keys/s) | p50 / p99 ms | CPU us per request (key) |"
echo "|---|---:|---|---:|---:|---:|"
for path in ram disk mget; do
  wants "$path" || continue
  for c in "${CONNS[@]}"; do
    for n in "${NAMES[@]}"; do
      rows=${RES[$path-$n-$c]}
      rps=$(bench_median "$rows" 1)
      cpu=$(bench_median "$rows" 5)
      if [ "$path" = mget ]; then
        rps=$(awk -v r="$rps" 'BEGIN { printf "%.0f", r * 100 }')
        cpu=$(awk -v u="$cpu" 'BEGIN { printf "%.3f", u / 100 }')
      fi
      echo "| $path | $c | $n | $rps | $(bench_median "$rows" 2) / $(bench_median "$rows" 3) | $cpu |"
    done
    if [ "$path" = mget ]; then
      rows=${RES[redis-$c]}
      echo "| redis GET -P 16 | $c | redis-server | $(bench_median "$rows" 1) | $(bench_median "$rows" 2) / $(bench_median "$rows" 3) | $(bench_median "$rows" 5) |"
    fi
  done
done
