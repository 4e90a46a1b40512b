#!/usr/bin/env bash
# The benchmark suite: apicached against nginx and redis-server on this machine, in one run.
#
# Usage: bench/run-benchmarks.sh            (about 12 minutes; not part of CI)
#   BENCH_SECONDS=5      length of each measurement
#   BENCH_ROUNDS=3       rounds of every measurement, one after another on the same servers:
#                        each figure is the median of the rounds, each ratio the median of the
#                        rounds' ratios with their range beside it (one run of these 2-core VMs
#                        moved a ratio by a quarter between runs: docs/benchmarks.md)
#   BENCH_CONNS="1 50 200"
#   BENCH_WORKLOADS="ram set mget disk"   which workloads to run (each as below)
#   BENCH_DISK_KEYS=200000  entries of the "GET hit from disk" dataset (500 bytes each)
#   BENCH_DISK_BLOCK_CACHE=268435456  the block cache of the "disk, in block cache" daemon (it
#                           must hold the dataset's blocks: about 1.2x the dataset)
#   BENCH_MGET_KEYS=100     keys per _mget request (16: as many keys in flight per connection
#                           as redis-benchmark's -P 16, for comparing latencies)
#   BENCH_OUT=docs/benchmarks-suite.md   where the markdown report goes ("-": stdout only)
#   BENCH_RELEASE_BUILD=build-release     the build dir of the daemon (bench/lib.sh); with a
#   BENCH_COMMIT=<what it was built from>  build of another source tree, say what it is
#   APICACHED_BIN=<a daemon binary>       use it instead of building (say BENCH_COMMIT too)
#
# Installs wrk, nginx, redis (scripts/install-deps.sh bench), builds a Release apicached in
# build-release, then starts on 127.0.0.1 only, each in a temp dir: apicached (port 0), nginx
# (a 500-byte static file, minimal config, access log off) and two redis-servers: one without
# persistence, one with appendonly yes + appendfsync everysec (apicached's durability: an
# acknowledged write survives the process being killed).
# Workloads, each at every connection count, p50/p99 from wrk --latency / redis-benchmark:
#   ram   GET hit, RAM   apicached GET of one 500-byte key  vs nginx GET of a 500-byte file
#                                                           and vs redis GET (random of 10k keys)
#   set   SET            apicached PUT of 500 bytes, random of 100k keys  vs redis SET -d 500
#                        (both redis), and vs apicached's own GET from RAM
#   mget  mget N         apicached _mget of N random keys (BENCH_MGET_KEYS; keys/s)  vs redis GET
#                        -P 16 (keys/s)
#   disk  GET hit, disk  apicached GET of random keys of a dataset larger than the hot cache
#                        vs redis GET (random, same key count) and vs apicached's GET from RAM;
#                        once with the default block cache (blocks mostly from the OS page
#                        cache), once with a block cache that holds the dataset
# Server CPU time per request (user + system of the server process over the run, from
# /proc/PID/stat, divided by the requests it answered) is reported beside each figure: it is
# steadier than req/s on a shared machine. Resident memory (VmRSS, nginx: master + workers) is
# read from /proc after the runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
bench_check_rounds BENCH_ROUNDS "$ROUNDS"
read -r -a CONNS <<<"${BENCH_CONNS:-1 50 200}"
WORKLOADS=" ${BENCH_WORKLOADS:-ram set mget disk} "
DISK_KEYS=${BENCH_DISK_KEYS:-200000}
MGET_KEYS=${BENCH_MGET_KEYS:-100}
OUT=${BENCH_OUT:-$BENCH_ROOT/docs/benchmarks-suite.md}
RAM_KEYS=10000
SET_KEYS=100000
SIZE=500
SMALL_HOT_CACHE=$((8 << 20))
DISK_BLOCK_CACHE=${BENCH_DISK_BLOCK_CACHE:-$((256 << 20))}
LUA=$BENCH_ROOT/bench/lua

"$BENCH_ROOT/scripts/install-deps.sh" bench
bench_require wrk nginx redis-server redis-benchmark redis-cli curl python3 bc
bench_init bench
bench_daemon

# --- servers ---------------------------------------------------------------------------------
# start_redis NAME [FLAGS...]: a redis-server on a free port in $BENCH_TMP/NAME; sets REDIS_PORT
# and REDIS_PID.
start_redis() {
  local name=$1
  shift
  REDIS_PORT=$(bench_free_port)
  mkdir -p "$BENCH_TMP/$name"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --dir "$BENCH_TMP/$name" \
    --daemonize no --logfile "$BENCH_TMP/$name/redis.log" "$@" &
  REDIS_PID=$!
  BENCH_PIDS+=("$REDIS_PID")
  local deadline=$((SECONDS + 30))
  until redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || bench_die "redis-server did not start"
    sleep 0.05
  done
}

# bench_redis PID PORT TEST CONNS KEYS PIPELINE: "RPS P50_MS P99_MS ERRORS CPU_US" of
# redis-benchmark against the server PID on PORT (CPU_US: its CPU per request). Requests are
# sized to last about $SECS seconds at the rates this kind of machine reaches.
bench_redis() {
  local pid=$1 port=$2 test=$3 conns=$4 keys=$5 pipeline=$6 per_s threads n t0 t1 res
  per_s=$((conns == 1 ? 30000 : 100000))
  [ "$pipeline" -gt 1 ] && per_s=$((per_s * 6))
  threads=$((conns < $(nproc) ? conns : $(nproc)))
  n=$((per_s * SECS))
  t0=$(bench_cpu_ticks "$pid")
  res=$(redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" -c "$conns" -n "$n" \
    -r "$keys" -d "$SIZE" -P "$pipeline" --threads "$threads" --csv 2>/dev/null |
    awk -F'"' 'NR == 2 { printf "%.0f %.3f %.3f 0\n", $4, $10, $14 }')
  t1=$(bench_cpu_ticks "$pid")
  echo "$res $(bench_cpu_us_per $((t1 - t0)) "$n")"
}

wants() { [[ $WORKLOADS == *" $1 "* ]]; }

mkdir -p "$BENCH_TMP/nginx-www"
head -c "$SIZE" /dev/zero | tr '\0' 'n' >"$BENCH_TMP/nginx-www/value"
bench_start_nginx "$BENCH_TMP/nginx-www" value
NGINX_URL="$NGINX_URL/value"
start_redis redis --appendonly no
R_PORT=$REDIS_PORT
R_PID=$REDIS_PID
start_redis redis-aof --appendonly yes --appendfsync everysec
RA_PORT=$REDIS_PORT
RA_PID=$REDIS_PID

hot_flag=""
help_text=$("$APICACHED_BIN" --help 2>&1 || true)
if grep -q -- '--hot-cache-bytes' <<<"$help_text"; then
  hot_flag="--hot-cache-bytes"
fi
mkdir -p "$BENCH_TMP/data-ram"
bench_start_apicached "$BENCH_TMP/data-ram"
A_URL=$APICACHED_URL
A_PID=$APICACHED_PID
bench_log "apicached $A_URL, nginx $NGINX_URL, redis 127.0.0.1:$R_PORT, redis (AOF) 127.0.0.1:$RA_PORT"

# --- data ------------------------------------------------------------------------------------
value=$(head -c "$SIZE" /dev/zero | tr '\0' 'v')
curl -fsS -o /dev/null -X PUT --data-binary "$value" -H 'Content-Type: application/octet-stream' \
  "$A_URL/v1/cache/bench/hot"
python3 "$BENCH_ROOT/bench/load.py" --url "$A_URL" --ns bench --prefix k --count "$RAM_KEYS" \
  --size "$SIZE" >/dev/null
# Redis: every key the GET runs can pick (-r N picks key:000000000000 .. N-1), pipelined SETs.
redis-benchmark -h 127.0.0.1 -p "$R_PORT" -t set -n $((DISK_KEYS * 8)) -r "$DISK_KEYS" \
  -d "$SIZE" -P 64 -c 4 -q >/dev/null 2>&1

ROWS=()
ROW_KEYS=()            # each row's "workload|conns|baseline", in the order first measured
# Each row's rounds, one line per round:
# "A_RPS A_P50 A_P99 A_ERR A_CPU B_RPS B_P50 B_P99 B_CPU RATIO".
declare -A ROW_ROUNDS
RAW=$BENCH_TMP/raw
mkdir -p "$RAW"
ROUND=1

# row WORKLOAD CONNS "A_RPS A_P50 A_P99 A_ERR A_CPU" BASE_NAME "B_RPS B_P50 B_P99 B_ERR B_CPU"
# [SCALE]: records this round's figures of one row. SCALE multiplies apicached's requests/s and
# divides its CPU per request (mget: keys per request), so both columns count the same unit as
# the baseline's.
row() {
  local workload=$1 conns=$2 base=$4 scale=${6:-1} key
  local a_rps a_p50 a_p99 a_err a_cpu b_rps b_p50 b_p99 b_err b_cpu ratio
  read -r a_rps a_p50 a_p99 a_err a_cpu <<<"$3"
  read -r b_rps b_p50 b_p99 b_err b_cpu <<<"$5"
  a_rps=$((a_rps * scale))
  a_cpu=$(awk -v c="$a_cpu" -v s="$scale" 'BEGIN { printf "%.1f", c / s }')
  ratio=$(awk -v a="$a_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
  key="$workload|$conns|$base"
  [ -n "${ROW_ROUNDS[$key]+set}" ] || ROW_KEYS+=("$key")
  ROW_ROUNDS[$key]+="$a_rps $a_p50 $a_p99 ${a_err:-0} $a_cpu"
  ROW_ROUNDS[$key]+=" $b_rps $b_p50 $b_p99 $b_cpu $ratio"$'\n'
  bench_log "round $ROUND: | $workload | $conns | $a_rps | $a_p50 / $a_p99 | $a_cpu | $base" \
    "| $b_rps | $b_p50 / $b_p99 | $b_cpu | ${ratio}x |"
}

# median_rows: ROWS from ROW_ROUNDS, one markdown row per key: the median of each column over
# the rounds (of an even count, the mean of the middle two), errors summed, and with more than
# one round the range of the ratio.
median_rows() {
  local key workload conns base
  for key in "${ROW_KEYS[@]}"; do
    IFS='|' read -r workload conns base <<<"$key"
    ROWS+=("$(printf '%s' "${ROW_ROUNDS[$key]}" | awk -v w="$workload" -v c="$conns" -v b="$base" '
      function median(col,    n, i, j, t, v) {
        n = 0
        for (i = 1; i <= NR; i++) v[++n] = f[i, col]
        for (i = 2; i <= n; i++) {  # insertion sort: a handful of rounds
          t = v[i]
          for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]
          v[j + 1] = t
        }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
      }
      { for (i = 1; i <= NF; i++) f[NR, i] = $i; err += $4
        lo = (NR == 1 || $10 < lo) ? $10 : lo; hi = (NR == 1 || $10 > hi) ? $10 : hi }
      END {
        note = err > 0 ? sprintf(" (%d errors)", err) : ""
        range = NR > 1 ? sprintf(" (%.2f-%.2f)", lo, hi) : ""
        printf "| %s | %s | %.0f%s | %.3f / %.3f | %.1f ", w, c, median(1), note, median(2),
          median(3), median(5)
        printf "| %s | %.0f | %.3f / %.3f | %.1f | %.2fx%s |", b, median(6), median(7),
          median(8), median(9), median(10), range
      }')")
  done
}

declare -A GET_RAM GET_RAM_RANDOM
A_RSS_KB=0
B_RSS_KB=0
BC_RSS_KB=0
disk_bytes=0

# --- GET hit from disk -----------------------------------------------------------------------
# Daemons whose dataset is larger than their hot cache: with a small hot cache when the daemon
# has the flag, else just more data than the RAM-tier runs used. Twice when the daemon has
# --block-cache-bytes: with the default block cache (64 MiB: most reads fetch their block from
# the OS page cache) and with one that holds the whole dataset ($DISK_BLOCK_CACHE bytes). Each
# daemon is warmed by $SECS s of the same reads before it is measured, so the RAM tier and the
# block cache hold what they would hold in a steady state.
disk_flags=()
disk_note="the daemon has no --hot-cache-bytes flag: no RAM tier sits in front of RocksDB, so every GET goes through RocksDB (64 MiB block cache, then the OS page cache)"
ram_note="every GET goes through RocksDB (memtable, block cache): the daemon has no RAM tier"
if [ -n "$hot_flag" ]; then
  ram_note="served from the RAM tier (default $hot_flag)"
  disk_flags=("$hot_flag" "$SMALL_HOT_CACHE")
  disk_note="started with $hot_flag $SMALL_HOT_CACHE (8 MiB) so most reads miss the RAM tier and go to RocksDB (64 MiB block cache, then the OS page cache)"
fi
block_cache_flag=""
if grep -q -- '--block-cache-bytes' <<<"$help_text"; then
  block_cache_flag="--block-cache-bytes"
fi

# start_disk LABEL [FLAGS...]: a daemon with FLAGS, the dataset loaded and warmed by $SECS s of
# the reads measured, so that its RAM tier and block cache hold what a steady state holds. It
# lives through the rounds; measure_disk I measures the I-th at every connection count.
DISK_LABELS=()
DISK_PIDS=()
DISK_URLS=()
start_disk() {
  local label=$1 dir i=${#DISK_PIDS[@]}
  shift
  dir=$BENCH_TMP/data-disk-$i
  mkdir -p "$dir"
  bench_start_apicached "$dir" "$@"
  DISK_LABELS+=("$label")
  DISK_PIDS+=("$APICACHED_PID")
  DISK_URLS+=("$APICACHED_URL")
  load_json=$(python3 "$BENCH_ROOT/bench/load.py" --url "$APICACHED_URL" --ns disk --prefix k \
    --count "$DISK_KEYS" --size "$SIZE" --ttl 0)
  bench_log "disk dataset ($label): $load_json"
  [ "$i" != 0 ] || disk_bytes=$(bench_du_bytes "$dir")
  bench_wrk "$RAW/get-disk-warm-$i" 50 "$SECS" "$APICACHED_URL" "$LUA/get_random.lua" -- \
    /v1/cache/disk/k "$DISK_KEYS" >/dev/null
}

measure_disk() {
  local i=$1 c a r label=${DISK_LABELS[$1]}
  for c in "${CONNS[@]}"; do
    a=$(bench_cpu_wrk "${DISK_PIDS[$i]}" "$RAW/get-disk-apicached-$i-$c-$ROUND" "$c" "$SECS" \
      "${DISK_URLS[$i]}" "$LUA/get_random.lua" -- /v1/cache/disk/k "$DISK_KEYS")
    r=$(bench_redis "$R_PID" "$R_PORT" get "$c" "$DISK_KEYS" 1)
    row "$label (req/s)" "$c" "$a" "redis GET (RAM)" "$r"
    row "$label (req/s)" "$c" "$a" "apicached GET hit, RAM" "${GET_RAM[$c]}"
    row "$label (req/s)" "$c" "$a" "apicached GET hit, RAM, random of $RAM_KEYS" \
      "${GET_RAM_RANDOM[$c]}"
  done
}

# --- the rounds --------------------------------------------------------------------------------
for ROUND in $(seq "$ROUNDS"); do
  [ "$ROUNDS" = 1 ] || bench_log "round $ROUND of $ROUNDS"
  # --- GET hit from RAM ------------------------------------------------------------------------
  # Also measured (without the baselines) when only set or disk runs: they compare with it.
  if wants ram || wants set || wants disk; then
    for c in "${CONNS[@]}"; do
      GET_RAM[$c]=$(bench_cpu_wrk "$A_PID" "$RAW/get-ram-apicached-$c-$ROUND" "$c" "$SECS" \
        "$A_URL/v1/cache/bench/hot")
      if wants disk; then  # the RAM path over many keys, as the disk rows read
        GET_RAM_RANDOM[$c]=$(bench_cpu_wrk "$A_PID" "$RAW/get-ram-random-apicached-$c-$ROUND" \
          "$c" "$SECS" "$A_URL" "$LUA/get_random.lua" -- /v1/cache/bench/k "$RAM_KEYS")
      fi
      wants ram || continue
      n=$(bench_cpu_wrk "$NGINX_PID" "$RAW/get-nginx-$c-$ROUND" "$c" "$SECS" "$NGINX_URL")
      r=$(bench_redis "$R_PID" "$R_PORT" get "$c" "$RAM_KEYS" 1)
      row "GET hit, RAM (req/s)" "$c" "${GET_RAM[$c]}" "nginx static 500 B" "$n"
      row "GET hit, RAM (req/s)" "$c" "${GET_RAM[$c]}" "redis GET" "$r"
    done
  fi

  # --- SET -------------------------------------------------------------------------------------
  if wants set; then
    for c in "${CONNS[@]}"; do
      a=$(bench_cpu_wrk "$A_PID" "$RAW/set-apicached-$c-$ROUND" "$c" "$SECS" "$A_URL" \
        "$LUA/put_random.lua" -- /v1/cache/bench/s "$SET_KEYS" "$SIZE")
      r=$(bench_redis "$R_PID" "$R_PORT" set "$c" "$SET_KEYS" 1)
      ra=$(bench_redis "$RA_PID" "$RA_PORT" set "$c" "$SET_KEYS" 1)
      row "SET 500 B (req/s)" "$c" "$a" "redis SET, no persistence" "$r"
      row "SET 500 B (req/s)" "$c" "$a" "redis SET, AOF everysec" "$ra"
      row "SET 500 B (req/s)" "$c" "$a" "apicached GET hit, RAM" "${GET_RAM[$c]}"
    done
  fi

  # --- mget of MGET_KEYS keys ------------------------------------------------------------------
  if wants mget; then
    for c in "${CONNS[@]}"; do
      a=$(bench_cpu_wrk "$A_PID" "$RAW/mget-apicached-$c-$ROUND" "$c" "$SECS" "$A_URL" \
        "$LUA/mget.lua" -- /v1/cache/bench/_mget k "$RAM_KEYS" "$MGET_KEYS")
      r=$(bench_redis "$R_PID" "$R_PORT" get "$c" "$RAM_KEYS" 16)
      row "mget $MGET_KEYS keys (keys/s)" "$c" "$a" "redis GET -P 16" "$r" "$MGET_KEYS"
    done
  fi
  A_RSS_KB=$(bench_rss_kb "$A_PID")

  # --- GET hit from disk ---------------------------------------------------------------------
  if wants disk; then
    if [ "$ROUND" = 1 ]; then
      start_disk "GET hit, disk" "${disk_flags[@]}"
      if [ -n "$block_cache_flag" ]; then
        start_disk "GET hit, disk, in block cache" "${disk_flags[@]}" "$block_cache_flag" \
          "$DISK_BLOCK_CACHE"
      fi
    fi
    for i in "${!DISK_PIDS[@]}"; do measure_disk "$i"; done
  fi
done
if wants disk; then
  B_RSS_KB=$(bench_rss_kb "${DISK_PIDS[0]}")
  [ "${#DISK_PIDS[@]}" -lt 2 ] || BC_RSS_KB=$(bench_rss_kb "${DISK_PIDS[1]}")
  for pid in "${DISK_PIDS[@]}"; do bench_stop "$pid"; done
fi
median_rows
NGINX_RSS_KB=$(bench_rss_kb "$NGINX_PID")
REDIS_RSS_KB=$(bench_rss_kb "$R_PID")

# --- report ----------------------------------------------------------------------------------
commit=$BENCH_COMMIT
rounds_note=""
if [ "$ROUNDS" -gt 1 ]; then
  rounds_note=", $ROUNDS rounds one after another on the same servers: each figure is the median
of the rounds, each ratio the median of the rounds' ratios with their range in brackets"
fi
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
report() {
  cat <<MD
# Benchmark suite: apicached vs nginx and redis

Latest run: $(date -u +"%Y-%m-%d %H:%M UTC"), commit $commit, $(nproc) cores ($cpu),
$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM. Produced by \`bench/run-benchmarks.sh\` (${SECS} s per measurement$rounds_note);
every server and the load generator share this machine and talk over 127.0.0.1.

Ratio = apicached / baseline (above 1 means apicached is faster). Latencies are p50 / p99 in
milliseconds (wrk --latency for apicached and nginx, redis-benchmark for redis). wrk and
redis-benchmark use min(connections, cores) threads. CPU is the server's user + system CPU time
over the run divided by the requests it answered, in microseconds (/proc/PID/stat, all
threads; mget rows: per key, so x$MGET_KEYS per _mget request).

| Workload | Conns | apicached | p50 / p99 ms | CPU us | Baseline | baseline | p50 / p99 ms | CPU us | Ratio |
|---|---:|---:|---:|---:|---|---:|---:|---:|---:|
$(printf '%s\n' "${ROWS[@]}")

Resident memory (VmRSS after the runs):

| Process | RSS | Holding |
|---|---:|---|
| apicached (RAM runs) | $((A_RSS_KB / 1024)) MiB | $RAM_KEYS + up to $SET_KEYS entries of $SIZE B |
| apicached (disk run) | $((B_RSS_KB / 1024)) MiB | $DISK_KEYS entries of $SIZE B, $((disk_bytes / 1048576)) MiB on disk |
| apicached (disk run, $((DISK_BLOCK_CACHE >> 20)) MiB block cache) | $((BC_RSS_KB / 1024)) MiB | the same |
| nginx (master + workers) | $((NGINX_RSS_KB / 1024)) MiB | one $SIZE B file |
| redis-server | $((REDIS_RSS_KB / 1024)) MiB | $DISK_KEYS + $SET_KEYS keys of $SIZE B |

Notes:
- GET hit, RAM: one key read over and over (as nginx serves one file), $ram_note; redis
  picks among $RAM_KEYS keys. GET hit, disk: random keys of $DISK_KEYS; $disk_note.
  "In block cache": the same with $block_cache_flag $DISK_BLOCK_CACHE, which holds every block
  of the dataset (no block read from the page cache after the warm-up). The disk rows are also
  compared with GETs of random keys among the $RAM_KEYS in the RAM tier: the one-key RAM row
  reads the same few cache lines every time, random keys do not (CPU cache misses).
  The OS page cache is not dropped (that would disturb the whole machine), so "disk" means "not
  in apicached's RAM tier", not "from the device".
- SET: apicached PUT of a $SIZE-byte body under random keys among $SET_KEYS (written to the WAL,
  not fsynced: --sync-writes is off by default, so an acknowledged write survives the process
  being killed, not a power loss); redis SET -d $SIZE, once without persistence and once with
  appendonly yes + appendfsync everysec (the same guarantee).
- mget: one _mget request carries $MGET_KEYS random keys of the $RAM_KEYS loaded; keys/s =
  requests/s x $MGET_KEYS. redis: single-key GETs, 16 per pipeline.
- The machine has $(nproc) cores shared by the server and the load generator (and, during
  development, by other builds), so absolute figures are noisy; ratios within a run are the
  useful part.
MD
}
if [ "$OUT" = "-" ]; then
  report
else
  report | tee "$OUT"
  bench_log "wrote $OUT"
fi
