#!/usr/bin/env bash
# The Redis protocol: apicached vs redis-server 7.0 on the same machine, in one run, with the same
# load generator (redis-benchmark from Debian redis-tools).
#
# On demand, never in CI. Builds a Release apicached (build-release) unless APICACHED_BIN is
# given, starts on free 127.0.0.1 ports with temp dirs:
#   redis      redis-server --save '' --appendonly no             (no persistence)
#   redis-aof  redis-server --save '' --appendonly yes --appendfsync everysec
#   apicached  apicached --redis-listen (defaults otherwise: every write reaches RocksDB's WAL)
# then:
#   1. `redis-benchmark -t get,set,incr,mset` against apicached (the issue's compatibility check);
#   2. loads KEYS keys of VALUE bytes into each server (redis-cli --pipe), then reads each of them
#      once (MGETs of 100; WARM=0: not), the same for every server: apicached's RAM tier fills on
#      first reads, and the GET points measure hits, not first reads;
#   3. GET (hits) and SET on random keys among them, at 1, 50 and 200 connections, with -P 1 and
#      -P 16, REQUESTS requests per point, the three servers one after the other at each point:
#      requests/s, p50/p99 latency and the server's CPU time per request (user+sys from
#      /proc/PID/stat over the run / requests).
# Writes docs/benchmarks-redis.md (or $OUT) naming the commit, and prints the table.
#
# Usage: bench/redis_vs_redis.sh [REQUESTS=100000] [KEYS=100000]
# ROUNDS (default 3): each point runs ROUNDS times, one round after another within a test (the
# GET's rounds before the SET's); the report gives each figure's median over the rounds and each
# ratio's median with its range.
# Env: VALUE (value bytes, default 100), CONNS ("1 50 200"), PIPES ("1 16"), TESTS ("get set"),
# APICACHED_FLAGS, WARM (1: read every key once before the points, the default; 0: not),
# OUT, APICACHED_BIN (a binary to use instead of building build-release; say what it is built
# from in BENCH_COMMIT), POINT_TIMEOUT (seconds a point may take, default 300).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REQUESTS=${1:-100000}
KEYS=${2:-100000}
VALUE=${VALUE:-100}
CONNS=${CONNS:-"1 50 200"}
PIPES=${PIPES:-"1 16"}
POINT_TIMEOUT=${POINT_TIMEOUT:-300}
OUT=${OUT:-$BENCH_ROOT/docs/benchmarks-redis.md}
ROUNDS=${ROUNDS:-3}
bench_check_rounds ROUNDS "$ROUNDS"

bench_require redis-server redis-benchmark redis-cli python3
bench_init redis-vs-redis
bench_daemon
grep -q -- --redis-listen <<<"$("$APICACHED_BIN" --help 2>&1)" ||
  bench_die "$APICACHED_BIN has no --redis-listen (the Redis front has not landed)"

start_redis() {  # start_redis NAME EXTRA_ARGS...: sets PORT and PID
  local name=$1
  shift
  PORT=$(bench_free_port)
  mkdir -p "$BENCH_TMP/$name"
  redis-server --port "$PORT" --bind 127.0.0.1 --save '' --dir "$BENCH_TMP/$name" \
    --daemonize no --logfile "$BENCH_TMP/$name/log" "$@" &
  PID=$!
  BENCH_PIDS+=("$PID")
  bench_wait_redis "$PID" -p "$PORT"
}

start_redis redis --appendonly no
R_PORT=$PORT R_PID=$PID
start_redis redis-aof --appendonly yes --appendfsync everysec
F_PORT=$PORT F_PID=$PID

A_LOG=$BENCH_TMP/apicached.log
# shellcheck disable=SC2086
"$APICACHED_BIN" --config '' --listen 127.0.0.1:0 --redis-listen 127.0.0.1:0 \
  --data-dir "$BENCH_TMP/data" ${APICACHED_FLAGS:-} 2>"$A_LOG" &
A_PID=$!
BENCH_PIDS+=("$A_PID")
deadline=$((SECONDS + 120))
A_PORT=""
while [ -z "$A_PORT" ]; do
  A_PORT=$(sed -n 's/.*redis listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$A_LOG" | head -1)
  kill -0 "$A_PID" 2>/dev/null || { cat "$A_LOG" >&2; bench_die "apicached exited"; }
  [ $SECONDS -lt $deadline ] || bench_die "apicached did not print its redis port"
  [ -n "$A_PORT" ] || sleep 0.02
done
bench_wait_redis "$A_PID" -p "$A_PORT"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
RESULTS=$BENCH_TMP/results.jsonl
: >"$RESULTS"

# bench SERVER PID PORT TEST CONNS PIPE REQUESTS ROUND: one redis-benchmark run, one JSON line.
bench() {
  local server=$1 pid=$2 port=$3 test=$4 conns=$5 pipe=$6 n=$7 round=$8 t0 t1 csv
  t0=$(cpu_ticks "$pid")
  csv=$(timeout "$POINT_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" -t "$test" \
        -c "$conns" -P "$pipe" -n "$n" -r "$KEYS" -d "$VALUE" --csv 2>/dev/null |
        tail -n +2) || bench_die "redis-benchmark -t $test against $server failed"
  t1=$(cpu_ticks "$pid")
  echo "{\"server\":\"$server\",\"round\":$round,\"test\":\"$test\",\"conns\":$conns," \
       "\"pipe\":$pipe," \
       "\"requests\":$n,\"cpu_ticks\":$((t1 - t0)),\"csv\":$(python3 -c \
       'import json,sys; print(json.dumps(sys.argv[1]))' "$csv")}" >>"$RESULTS"
  bench_log "$server $test c=$conns P=$pipe round $round: $csv"
}

# 1. the issue's compatibility check: every test of -t get,set,incr,mset runs against apicached
bench_log "redis-benchmark -t get,set,incr,mset against apicached"
COMPAT=$BENCH_TMP/compat.csv
timeout "$POINT_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$A_PORT" -t get,set,incr,mset \
  -n "$REQUESTS" -r "$KEYS" -d "$VALUE" --csv >"$COMPAT" ||
  bench_die "redis-benchmark -t get,set,incr,mset against apicached failed"
cat "$COMPAT" >&2

# 2. load KEYS keys (redis-benchmark's -r names: key:%012d) into every server
# then read every key once on every server (WARM=0: not): redis holds everything in RAM
# already, apicached's RAM tier fills on first reads (the load's pipelined SETs are written as
# batches, which do not fill it), so the GET points measure hits, not first reads, as
# bench/memcached_vs_memcached.sh does.
bench_redis_load_resp "$KEYS" "$VALUE" >"$BENCH_TMP/load.resp"
bench_redis_read_resp "$KEYS" >"$BENCH_TMP/read.resp"
for port in "$R_PORT" "$F_PORT" "$A_PORT"; do
  redis-cli -p "$port" FLUSHALL >/dev/null
  redis-cli -p "$port" --pipe <"$BENCH_TMP/load.resp" >&2
  [ "$(redis-cli -p "$port" DBSIZE)" = "$KEYS" ] || bench_die "port $port did not load $KEYS keys"
  [ "${WARM:-1}" = 0 ] || redis-cli -p "$port" --pipe <"$BENCH_TMP/read.resp" >&2
done

# 3. the matrix, the three servers side by side at each point, ROUNDS times per test
for test in ${TESTS:-get set}; do
  for round in $(seq "$ROUNDS"); do
    for pipe in $PIPES; do
      for c in $CONNS; do
        bench redis "$R_PID" "$R_PORT" "$test" "$c" "$pipe" "$REQUESTS" "$round"
        bench redis-aof "$F_PID" "$F_PORT" "$test" "$c" "$pipe" "$REQUESTS" "$round"
        bench apicached "$A_PID" "$A_PORT" "$test" "$c" "$pipe" "$REQUESTS" "$round"
      done
    done
  done
done

python3 - "$RESULTS" "$COMPAT" "$OUT" "$BENCH_COMMIT" "$REQUESTS" "$KEYS" "$VALUE" "$(nproc)" \
  "$(uptime)" "$(getconf CLK_TCK)" "$*" "$ROUNDS" <<'PY'
import csv, io, json, os, statistics, sys
results, compat, out, commit, n, keys, value, cores, up, tck, args, rounds = sys.argv[1:]
tck = int(tck)


def row(csv_text):
    # redis-benchmark 7.0 --csv: test, rps, avg, min, p50, p95, p99, max (latencies in ms)
    r = next(csv.reader(io.StringIO(csv_text)))
    return {"rps": float(r[1]), "p50": float(r[4]), "p99": float(r[6])}


runs = {}
for line in open(results):
    x = json.loads(line)
    x.update(row(x["csv"]))
    x["cpu_us"] = x["cpu_ticks"] / tck / max(x["requests"], 1) * 1e6
    runs.setdefault((x["server"], x["test"], x["pipe"], x["conns"]), {})[x["round"]] = x
L = ["# apicached vs redis-server 7.0: the Redis protocol\n"]
L.append("Commit `%s`; redis-server 7.0.15 on the same machine (%s cores, shared with other "
         "work: the figures are noisy), same run, same client (`redis-benchmark` of Debian "
         "redis-tools 7.0.15). Load average at the end: `%s`.\n"
         % (commit, cores, up.strip().split("load average:")[-1].strip()))
warm = os.environ.get("WARM", "1") != "0"
L.append("Command: `bench/redis_vs_redis.sh %s` (%s rounds of %s requests per point on random keys among %s "
         "loaded keys of %s bytes%s; `redis` has no persistence, `redis-aof` has `appendonly yes "
         "appendfsync everysec`, apicached its defaults). p50/p99 in ms as redis-benchmark "
         "reports them; CPU µs/req is the server's user+sys time over the run divided by the "
         "requests (clock ticks of 10 ms: coarse on short runs). Every figure is the median of "
         "the rounds, each ratio the median of the rounds' ratios with their range.\n"
         % (args, rounds, n, keys, value,
            ", each read once on every server before the points" if warm else ", WARM=0"))
L.append("| test | -P | conns | redis req/s | p50 | p99 | CPU µs/req | redis-aof req/s | p50 | "
         "p99 | CPU µs/req | apicached req/s | p50 | p99 | CPU µs/req | vs redis | vs redis-aof |")
L.append("|---|---:|---:|" + "---:|" * 14)
for (s, test, pipe, conns), r in sorted(runs.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][3])):
    if s != "redis":
        continue
    f = runs.get(("redis-aof", test, pipe, conns))
    a = runs.get(("apicached", test, pipe, conns))

    def cells(x):
        if not x:
            return "- | - | - | -"
        med = lambda k: statistics.median(v[k] for v in x.values())
        return "%.0f | %.3f | %.3f | %.1f" % (med("rps"), med("p50"), med("p99"), med("cpu_us"))

    def ratio(x, y):
        rs = [x[k]["rps"] / y[k]["rps"] for k in sorted(y) if x and k in x and y[k]["rps"]]
        if not rs:
            return "-"
        text = "%.2fx" % statistics.median(rs)
        return text + (" (%.2f-%.2f)" % (min(rs), max(rs)) if len(rs) > 1 else "")
    L.append("| %s | %d | %d | %s | %s | %s | %s | %s |" % (
        test.upper(), pipe, conns, cells(r), cells(f), cells(a), ratio(a, r), ratio(a, f)))
L.append("")
L.append("`redis-benchmark -t get,set,incr,mset -n %s -r %s -d %s` against apicached "
         "(default 50 connections, -P 1), req/s:\n" % (n, keys, value))
L.append("| test | req/s | p50 ms | p99 ms |")
L.append("|---|---:|---:|---:|")
for line in open(compat).read().splitlines()[1:]:
    r = next(csv.reader(io.StringIO(line)))
    L.append("| %s | %.0f | %s | %s |" % (r[0], float(r[1]), r[4], r[6]))
L.append("")
text = "\n".join(L) + "\n"
open(out, "w").write(text)
print(text)
PY
bench_log "report written to $OUT"
