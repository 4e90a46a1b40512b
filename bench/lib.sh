# Shared helpers of the on-demand benchmark scripts (run-benchmarks.sh, scale.sh, soak.sh).
# Sourced, not run. Every server started here listens on 127.0.0.1 only, lives in a temp dir and
# is killed by bench_cleanup (installed as an EXIT trap by bench_init).

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_RELEASE_BUILD=${BENCH_RELEASE_BUILD:-$BENCH_ROOT/build-release}
BENCH_PIDS=()

# bench_median ROWS COLUMN: the median of one column of newline-separated result rows (as
# bench_cpu_wrk prints them: 1 req/s, 2 p50, 3 p99, 4 errors, 5 CPU us per request).
bench_median() {
  awk -v c="$2" 'NF { print $c }' <<<"$1" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# bench_ab_args DEFAULT_SECONDS "DEFAULT_CONNS" DEFAULT_ROUNDS BEFORE_BIN AFTER_BIN: the shared
# arguments of the A/B scripts. Sets BINS, NAMES (before after), SECS, CONNS (an array) and
# ROUNDS, from BENCH_SECONDS, BENCH_CONNS and BENCH_ROUNDS when set.
bench_ab_args() {
  [ $# -eq 5 ] || bench_die "usage: $0 BEFORE_BIN AFTER_BIN"
  BINS=("$4" "$5")
  NAMES=(before after)
  SECS=${BENCH_SECONDS:-$1}
  read -r -a CONNS <<<"${BENCH_CONNS:-$2}"
  ROUNDS=${BENCH_ROUNDS:-$3}
}

bench_log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# bench_check_rounds NAME VALUE: dies unless VALUE (the variable NAME's) is a count of rounds.
bench_check_rounds() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || bench_die "$1 must be a number above 0, got '$2'"
}

bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${BENCH_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  BENCH_PIDS=()
  if [ -n "${BENCH_TMP:-}" ] && [ -d "$BENCH_TMP" ] && [ -z "${BENCH_KEEP_TMP:-}" ]; then
    rm -rf "$BENCH_TMP"
  fi
}

# bench_init NAME: a temp dir in $BENCH_TMP and the cleanup trap.
bench_init() {
  BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/apicached-$1.XXXXXX")
  chmod 755 "$BENCH_TMP"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_require() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null || bench_die "$t not found (scripts/install-deps.sh bench installs it)"
  done
}

# The daemon to measure: $APICACHED_BIN when set (BENCH_COMMIT should then say what it is built
# from), else bench_build_release's.
bench_daemon() {
  if [ -n "${APICACHED_BIN:-}" ]; then
    BENCH_COMMIT=${BENCH_COMMIT:-"unknown (APICACHED_BIN=$APICACHED_BIN)"}
  else
    bench_build_release
  fi
}

# Builds the Release daemon in $BENCH_RELEASE_BUILD; sets APICACHED_BIN. -O2 rather than CMake's
# -O3: GCC 12 at -O3 raises a false -Wrestrict inside libstdc++'s char_traits (-Werror).
# Also sets BENCH_COMMIT, the commit the binary is built from, for the reports: taken now, since
# others may commit while the runs go on, and marked when the working tree has uncommitted
# changes. Set BENCH_COMMIT yourself when BENCH_RELEASE_BUILD builds another source tree.
bench_build_release() {
  if [ -z "${BENCH_COMMIT:-}" ]; then
    BENCH_COMMIT=$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    if ! git -C "$BENCH_ROOT" diff --quiet HEAD 2>/dev/null; then
      BENCH_COMMIT="$BENCH_COMMIT (plus uncommitted changes)"
    fi
  fi
  if [ ! -f "$BENCH_RELEASE_BUILD/build.ninja" ]; then
    cmake -S "$BENCH_ROOT" -B "$BENCH_RELEASE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DAPICACHED_BUILD_TESTS=OFF -DAPICACHED_BUILD_BENCHMARKS=OFF >&2
  fi
  cmake --build "$BENCH_RELEASE_BUILD" -j "$(nproc)" --target apicached >&2
  APICACHED_BIN=$BENCH_RELEASE_BUILD/daemon/apicached
  [ -x "$APICACHED_BIN" ] || bench_die "no daemon binary at $APICACHED_BIN"
}

# A free TCP port on 127.0.0.1 (asked from the kernel; for servers that cannot take port 0).
bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_wait_http URL [SECONDS]: polls until URL answers 200 or the deadline passes.
bench_wait_http() {
  local url=$1 deadline=$((SECONDS + ${2:-30}))
  while [ $SECONDS -lt $deadline ]; do
    if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# bench_wait_redis PID REDIS_CLI_ARGS...: polls (60 s at most) until `redis-cli ARGS PING` answers
# PONG; dies if PID exits first or nothing answers.
bench_wait_redis() {
  local pid=$1 deadline=$((SECONDS + 60))
  shift
  until [ "$(redis-cli "$@" PING 2>/dev/null)" = PONG ]; do
    kill -0 "$pid" 2>/dev/null || bench_die "the server (redis-cli $*) exited"
    [ $SECONDS -lt $deadline ] || bench_die "nothing answers PING (redis-cli $*)"
    sleep 0.02
  done
}

# bench_start_apicached DATA_DIR [FLAGS...]: starts the daemon on 127.0.0.1:0 and waits for
# /v1/health. Sets APICACHED_PID, APICACHED_URL, APICACHED_READY_SECONDS (start to ready).
bench_start_apicached() {
  local data_dir=$1
  shift
  local log=$BENCH_TMP/apicached.$RANDOM.log
  local t0 addr deadline
  t0=$(date +%s.%N)
  : >"$log"  # exists before the daemon opens it: the poll below reads it at once
  "$APICACHED_BIN" --listen 127.0.0.1:0 --data-dir "$data_dir" "$@" 2>"$log" &
  APICACHED_PID=$!
  BENCH_PIDS+=("$APICACHED_PID")
  deadline=$((SECONDS + 120))
  addr=""
  while [ -z "$addr" ]; do
    addr=$(sed -n 's/.*apicached: listening on \([0-9.:]*\).*/\1/p' "$log" | head -1)
    kill -0 "$APICACHED_PID" 2>/dev/null || { cat "$log" >&2; bench_die "apicached exited"; }
    [ $SECONDS -lt $deadline ] || bench_die "apicached did not print its address"
    [ -n "$addr" ] || sleep 0.02
  done
  APICACHED_URL="http://$addr"
  bench_wait_http "$APICACHED_URL/v1/health" 120 || bench_die "apicached not healthy"
  APICACHED_READY_SECONDS=$(echo "$(date +%s.%N) - $t0" | bc -l)
}

# bench_stop PID: SIGTERM, wait for the exit (graceful stop), forget the pid.
bench_stop() {
  local pid=$1 p keep=()
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${BENCH_PIDS[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")
}

# Resident memory in KiB of the given pids and their children (nginx workers), summed.
bench_rss_kb() {
  local total=0 pid kids v
  for pid in "$@"; do
    kids=$(pgrep -P "$pid" 2>/dev/null || true)
    for p in $pid $kids; do
      v=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
      total=$((total + ${v:-0}))
    done
  done
  echo "$total"
}

# Bytes under a directory. du fails when a file vanishes while it counts (RocksDB deletes files
# all the time), giving a partial total: count again then.
# bench_start_nginx WWW_DIR FILE: nginx serving WWW_DIR (FILE in it is polled for readiness) on a free 127.0.0.1 port, one worker per core,
# access log off, keep-alive unlimited, everything else in $BENCH_TMP/nginx. Sets NGINX_PID and
# NGINX_URL (http://127.0.0.1:PORT, no trailing slash).
bench_start_nginx() {
  local www=$1 file=$2 dir=$BENCH_TMP/nginx port
  port=$(bench_free_port)
  mkdir -p "$dir/tmp"
  chmod -R a+rX "$www" "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes $(nproc);
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  default_type application/octet-stream;
  server { listen 127.0.0.1:$port; root $www; }
}
CONF
  nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" &
  NGINX_PID=$!
  BENCH_PIDS+=("$NGINX_PID")
  NGINX_URL="http://127.0.0.1:$port"
  bench_wait_http "$NGINX_URL/$file" 30 || { cat "$dir/error.log" >&2; bench_die "nginx did not start"; }
}

bench_du_bytes() {
  local out try
  for try in 1 2 3 4 5; do
    if out=$(du -sb "$1" 2>/dev/null); then break; fi
  done
  awk '{print $1}' <<<"$out"
}

# bench_cpu_ticks PID: user + system CPU time of the process (all its threads) and of its
# children (nginx workers) so far, in clock ticks (/proc/PID/stat fields 14 and 15).
bench_cpu_ticks() {
  local p total=0 v
  for p in "$1" $(pgrep -P "$1" 2>/dev/null || true); do
    v=$(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

# bench_cpu_us_per TICKS COUNT: microseconds of CPU per unit (request, key) for TICKS over COUNT.
bench_cpu_us_per() {
  awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "%.1f\n", (n > 0 ? t * 1e6 / hz / n : 0) }'
}

# bench_wrk_requests OUT_PREFIX: the number of requests the bench_wrk run of OUT_PREFIX completed.
bench_wrk_requests() {
  awk '/ requests in / { print $1; found = 1 } END { if (!found) print 0 }' "$1.wrk"
}

# bench_wrk OUT_PREFIX CONNS SECONDS URL [LUA [-- ARGS...]]: runs wrk with --latency and prints
# "RPS P50_MS P99_MS ERRORS" (errors: socket errors + non-2xx/3xx answers). The raw output is kept
# in OUT_PREFIX.wrk.
bench_wrk() {
  local out=$1 conns=$2 secs=$3 url=$4 lua=${5:-}
  shift $(($# < 5 ? $# : 5))
  local threads=$(( conns < $(nproc) ? conns : $(nproc) ))
  local args=(-t "$threads" -c "$conns" -d "${secs}s" --latency --timeout 5s)
  [ -n "$lua" ] && args+=(-s "$lua")
  wrk "${args[@]}" "$url" "$@" >"$out.wrk" 2>&1 || true
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /Requests\/sec:/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { err += $5 }
    END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, err }' "$out.wrk"
}

# bench_cpu_wrk PID OUT_PREFIX CONNS SECONDS URL [LUA [-- ARGS...]]: bench_wrk's "RPS P50_MS
# P99_MS ERRORS" plus the CPU per request of the server PID over the run.
bench_cpu_wrk() {
  local pid=$1 out=$2 t0 t1 res
  shift 2
  t0=$(bench_cpu_ticks "$pid")
  res=$(bench_wrk "$out" "$@")
  t1=$(bench_cpu_ticks "$pid")
  echo "$res $(bench_cpu_us_per $((t1 - t0)) "$(bench_wrk_requests "$out")")"
}

# bench_redis_read_resp KEYS: RESP MGETs of 100 keys each over keys key:%012d, every key once, on
# stdout, for redis-cli --pipe: the first read of each key, before timed GETs.
bench_redis_read_resp() {
  python3 - "$1" <<'PY'
import sys
keys = int(sys.argv[1])
out = sys.stdout.buffer
for start in range(0, keys, 100):
    names = [b"key:%012d" % i for i in range(start, min(start + 100, keys))]
    out.write(b"*%d\r\n$4\r\nMGET\r\n" % (len(names) + 1))
    for k in names:
        out.write(b"$%d\r\n%s\r\n" % (len(k), k))
PY
}

# bench_redis_load_resp KEYS VALUE_BYTES: RESP SET commands for keys key:%012d (redis-benchmark's
# -r names) with values of VALUE_BYTES bytes, on stdout, for redis-cli --pipe.
bench_redis_load_resp() {
  python3 - "$1" "$2" <<'PY'
import sys
keys, size = int(sys.argv[1]), int(sys.argv[2])
value = b"x" * size
out = sys.stdout.buffer
for i in range(keys):
    k = b"key:%012d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, size, value))
PY
}
