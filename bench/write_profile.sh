#!/usr/bin/env bash
# Where a write's CPU goes, against what the write aims allow (#13, #16, #18): for each write
# point the server's CPU time per request, split by a perf profile into
#   - the RocksDB write on the request path (samples under rocksdb::DBImpl::WriteImpl: the WAL
#     buffer, the memtable insert, the write queue's waits; and under DBImpl::FlushWAL: the
#     group commit's WAL write),
#   - RocksDB's background threads (flushes and compactions, threads named rocksdb:*),
#   - the rest (the front, the cache layer, the RAM tier, the sockets),
# beside the reference server's CPU per request in the same run and the CPU per request the aim
# leaves apicached (the reference's divided by the aim's ratio: on a machine whose cores the
# servers share with the load generator, the rate follows the CPU per request, roughly), and how
# much of that budget RocksDB's part (the write and the background) takes by itself.
#
# Usage: bench/write_profile.sh          (about three minutes; not in CI; needs perf,
#                                          redis-server, redis-benchmark, memcached, wrk)
#   SECS=6        each measured run (the CPU run and the profiled run are separate: perf's own
#                 cost would count as the daemon's)
#   KEYS=100000   key space of each point (filled before it)
#   FILL=KEYS     entries loaded before the memcached point (bench/memcached_vs_memcached.sh:
#                 1000000, and its SETs go to the first 100000)
#   POINTS="redis memcached http"   which of the points below to run
#   OUT=FILE      the report (default: a file in the temp dir, printed at the end)
#   APICACHED_BIN as bench/lib.sh (default: the Release build, built here)
#
# Points:
#   redis      SET -P 1 and -P 16 at 50 connections (100-byte values) against redis-server with
#              appendonly yes, appendfsync everysec (#18's 1.0x and 0.7x);
#   memcached  set at 50 connections (500-byte values; bench/mc_load.cpp with two threads, as
#              bench/memcached_vs_memcached.sh) against memcached 1.6 (#13's 0.7x);
#   http       PUT of 500 bytes at 50 connections against the same daemon's GET of random keys
#              from RAM (#16's 0.8x).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECS=${SECS:-6}
KEYS=${KEYS:-100000}
FILL=${FILL:-$KEYS}
POINTS=" ${POINTS:-redis memcached http} "
bench_require perf redis-server redis-benchmark redis-cli memcached wrk curl python3 g++
bench_init write-profile
bench_daemon
OUT=${OUT:-$BENCH_TMP/write-profile.md}
LUA=$BENCH_ROOT/bench/lua
g++ -std=c++20 -O2 -pthread "$BENCH_ROOT/bench/mc_load.cpp" -o "$BENCH_TMP/mc_load"
LOAD=$BENCH_TMP/mc_load

# split PERF_DATA: "WRITE_PCT BACKGROUND_PCT" of the process's samples. A sample is the write's
# when its stack holds DBImpl::WriteImpl (the write: WAL buffer, memtable, write queue) or
# DBImpl::FlushWAL / SyncWAL (the group commit's WAL write), and the background's when its thread
# is one of RocksDB's (rocksdb:low, rocksdb:high).
split() {
  perf script -i "$1" -F comm,ip,sym 2>/dev/null | awk '
    /^[^ \t]/ { if (n) { t++; W += w; B += b } n = 1; w = 0; b = ($1 ~ /^rocksdb:/); next }
    /rocksdb::DBImpl::(WriteImpl|FlushWAL|SyncWAL)/ { w = 1 }
    END {
      if (n) { t++; W += w; B += b }
      printf "%.1f %.1f\n", t ? 100 * W / t : 0, t ? 100 * B / t : 0
    }'
}

# row NAME CPU_US WRITE_PCT BG_PCT REF_NAME REF_US AIM
row() {
  awk -v n="$1" -v cpu="$2" -v w="$3" -v b="$4" -v rn="$5" -v r="$6" -v aim="$7" 'BEGIN {
    ww = cpu * w / 100; bb = cpu * b / 100; rest = cpu - ww - bb; budget = r / aim
    printf "| %s | %.1f | %.1f (%.0f%%) | %.1f (%.0f%%) | %.1f | %s %.1f | %.1fx | %.1f | %.0f%% |\n",
      n, cpu, ww, w, bb, b, rest, rn, r, aim, budget, 100 * (ww + bb) / budget
  }'
}

# cpu_per_request PID COMMAND...: runs COMMAND (which prints its request count last) and echoes
# the CPU per request it cost the server PID.
cpu_per_request() {
  local pid=$1 t0 t1 n
  shift
  t0=$(bench_cpu_ticks "$pid")
  n=$("$@" | tail -1)
  t1=$(bench_cpu_ticks "$pid")
  bench_cpu_us_per $((t1 - t0)) "$n"
}

# cpu_and_profile PID NAME -- COMMAND...: COMMAND twice, once for the CPU per request (echoed)
# and once under perf (the profile in $BENCH_TMP/NAME.data).
cpu_and_profile() {
  local pid=$1 name=$2 perf_pid
  shift 3
  cpu_per_request "$pid" "$@"
  perf record -q -F 999 --call-graph dwarf,16384 -p "$pid" -o "$BENCH_TMP/$name.data" \
    2>/dev/null &
  perf_pid=$!
  "$@" >/dev/null
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" || true
}

redis_set() {  # redis_set PORT PIPE: SETs at 50 connections, about SECS of them for apicached
  # (80k/s at -P 1, 250k/s at -P 16 on 2 cores); prints the request count
  local n=$(( ($2 == 1 ? 80000 : 250000) * SECS ))
  redis-benchmark -p "$1" -t set -n "$n" -r "$KEYS" -d 100 -c 50 -P "$2" -q >/dev/null 2>&1
  echo "$n"
}

mc_set() {  # mc_set PORT: memcached sets for SECS at 50 connections; prints the request count
  "$LOAD" --port "$1" --mode set --conns 50 --threads 2 --seconds "$SECS" --keys "$KEYS" \
    --value-size 500 |
    python3 -c 'import json, sys; print(json.loads(sys.stdin.read())["requests"])'
}

http_put() {  # http_put URL: PUTs for SECS at 50 connections; prints the request count
  bench_wrk "$BENCH_TMP/put" 50 "$SECS" "$1" "$LUA/put_random.lua" -- /v1/cache/bench/k "$KEYS" 500 \
    >/dev/null
  bench_wrk_requests "$BENCH_TMP/put"
}

http_get() {  # http_get URL: GETs of random keys of the first 10k (in the RAM tier) for SECS at
  # 50 connections (the suite's "GET RAM, random of 10k"); prints the request count
  bench_wrk "$BENCH_TMP/get" 50 "$SECS" "$1" "$LUA/get_random.lua" -- /v1/cache/bench/k 10000 \
    >/dev/null
  bench_wrk_requests "$BENCH_TMP/get"
}

# start_front FRONT DIR: apicached with --FRONT-listen on a free port and data in DIR; sets APID
# and APORT.
start_front() {
  APORT=$(bench_free_port)
  mkdir -p "$2"
  "$APICACHED_BIN" --config '' --listen 127.0.0.1:0 --"$1"-listen "127.0.0.1:$APORT" \
    --data-dir "$2" 2>"$2.log" &
  APID=$!
  BENCH_PIDS+=("$APID")
}

ROWS=()

# Redis: redis-server with AOF everysec, then apicached's Redis front, each filled first.
if [[ $POINTS == *" redis "* ]]; then
  rport=$(bench_free_port)
  mkdir -p "$BENCH_TMP/redis"
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly yes --appendfsync everysec \
    --dir "$BENCH_TMP/redis" --daemonize no >"$BENCH_TMP/redis.log" 2>&1 &
  RPID=$!
  BENCH_PIDS+=("$RPID")
  bench_wait_redis "$RPID" -p "$rport"
  start_front redis "$BENCH_TMP/data-redis"
  bench_wait_redis "$APID" -p "$APORT"
  for p in "$rport" "$APORT"; do
    redis-benchmark -p "$p" -t set -n 200000 -r "$KEYS" -d 100 -c 50 -P 16 -q >/dev/null 2>&1
  done
  for pipe in 1 16; do
    ref=$(cpu_per_request "$RPID" redis_set "$rport" "$pipe")
    cpu=$(cpu_and_profile "$APID" "redis-set-p$pipe" -- redis_set "$APORT" "$pipe")
    read -r w b < <(split "$BENCH_TMP/redis-set-p$pipe.data")
    aim=$([ "$pipe" = 1 ] && echo 1.0 || echo 0.7)
    ROWS+=("$(row "Redis SET -P $pipe" "$cpu" "$w" "$b" redis-aof "$ref" "$aim")")
    bench_log "Redis SET -P $pipe: apicached $cpu us ($w% write, $b% background), redis-aof $ref us"
  done
  bench_stop "$APID"
  bench_stop "$RPID"
fi

# memcached: memcached 1.6, then apicached's memcached front, each filled first.
if [[ $POINTS == *" memcached "* ]]; then
  mport=$(bench_free_port)
  mc_user=()
  [ "$(id -u)" -ne 0 ] || mc_user=(-u nobody)
  memcached -l 127.0.0.1 -p "$mport" -U 0 -m 2048 -c 4096 "${mc_user[@]}" \
    >"$BENCH_TMP/memcached.log" 2>&1 &
  MPID=$!
  BENCH_PIDS+=("$MPID")
  start_front memcached "$BENCH_TMP/data-mc"
  for p in "$mport" "$APORT"; do
    deadline=$((SECONDS + 60))
    until "$LOAD" --port "$p" --mode load --conns 4 --keys "$FILL" --value-size 500 >/dev/null 2>&1
    do
      [ $SECONDS -lt $deadline ] || bench_die "nothing answers on port $p"
      sleep 0.05
    done
  done
  ref=$(cpu_per_request "$MPID" mc_set "$mport")
  cpu=$(cpu_and_profile "$APID" mc-set -- mc_set "$APORT")
  read -r w b < <(split "$BENCH_TMP/mc-set.data")
  ROWS+=("$(row "memcached set" "$cpu" "$w" "$b" memcached "$ref" 0.7)")
  bench_log "memcached set: apicached $cpu us ($w% write, $b% background), memcached $ref us"
  bench_stop "$APID"
  bench_stop "$MPID"
fi

# HTTP: PUT against the same daemon's GET of random keys from RAM.
if [[ $POINTS == *" http "* ]]; then
  mkdir -p "$BENCH_TMP/data-http"
  bench_start_apicached "$BENCH_TMP/data-http"
  python3 "$BENCH_ROOT/bench/load.py" --url "$APICACHED_URL" --ns bench --prefix k --count "$KEYS" \
    --size 500 >/dev/null
  http_get "$APICACHED_URL" >/dev/null  # every key into the RAM tier
  ref=$(cpu_per_request "$APICACHED_PID" http_get "$APICACHED_URL")
  cpu=$(cpu_and_profile "$APICACHED_PID" http-put -- http_put "$APICACHED_URL")
  read -r w b < <(split "$BENCH_TMP/http-put.data")
  ROWS+=("$(row "HTTP PUT" "$cpu" "$w" "$b" "GET from RAM" "$ref" 0.8)")
  bench_log "HTTP PUT: $cpu us ($w% write, $b% background), GET from RAM $ref us"
  bench_stop "$APICACHED_PID"
fi

{
  echo "# bench/write_profile.sh: $(date -u +%Y-%m-%dT%H:%MZ), commit ${BENCH_COMMIT:-?}," \
    "$(nproc) cores, ${SECS} s per run, $KEYS keys ($FILL loaded before the memcached point)"
  echo
  echo "CPU µs per request (the daemon's user+sys from /proc over a run without perf), split by"
  echo "the shares of a perf profile of the next run. Budget: the reference's CPU per request"
  echo "divided by the aim's ratio. Last column: RocksDB's part (the write and the background)"
  echo "as a share of the budget."
  echo
  echo "| point (50 connections) | apicached | RocksDB write on the request path | flushes and compactions | the rest | reference | aim | budget | RocksDB's part of the budget |"
  echo "|---|---:|---:|---:|---:|---|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
} >"$OUT"
cat "$OUT"
