#!/usr/bin/env bash
# The memcached protocol: apicached vs memcached 1.6 on the same machine, in one run, with the
# same load generator (bench/mc_load.cpp; memtier_benchmark is not in Debian bookworm).
#
# On demand, never in CI. Builds a Release apicached (build-release) and mc_load, starts
# memcached (-m 2048, its default 4 threads) and apicached (--memcached-listen and a hot tier of
# HOT_BYTES, defaults otherwise) on free 127.0.0.1 ports with temp dirs, then:
#   1. loads ENTRIES entries of 500 bytes into each (mc_load load: 4 connections, 100 sets in
#      flight per connection) and reads each server's RSS (VmRSS); then reads each key of the
#      working set once (mc_load warm, gets of 100 keys), the same for both servers: memcached
#      holds everything in RAM already, apicached's RAM tier fills on first reads (its writes
#      invalidate, they do not fill), and the points measure hits, not first reads;
#   2. GET hit, a multi-get of 100 keys and SET over the first 100000 keys, at 1, 50 and 200
#      connections, SECONDS per point, memcached then apicached at each point: requests/s,
#      p50/p99 (per request; per 100-key request for the multi-get) and the server's CPU time
#      per request (user+sys from /proc/PID/stat over the run / requests);
#   3. reads each server's RSS again (hot tier full).
# Writes docs/benchmarks-memcached.md (or $OUT) naming the commit, and prints the table.
#
# Usage: bench/memcached_vs_memcached.sh [SECONDS=5] [ENTRIES=1000000]
# ROUNDS (default 3): each point runs ROUNDS times, one round after another within a load (every
# read load's rounds before the SET's, as below); the report gives each figure's median over the
# rounds and each ratio's median with its range.
# Env: HOT_BYTES (apicached --hot-cache-bytes, default 64 MiB, the daemon's own default: the
# working set of 100000 entries of 500 bytes is charged ~62 MiB since the one-block layout; runs
# before 2026-11-29 used 128 MiB, when an entry was charged ~820 bytes), APICACHED_FLAGS (extra
# daemon flags), OUT (report path), LOAD_THREADS (mc_load threads,
# default 2), CONNS ("1 50 200"), MODES ("get mget set"), APICACHED_BIN (a binary to use instead of building
# build-release; then say what it is built from in BENCH_COMMIT).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECS=${1:-5}
ENTRIES=${2:-1000000}
WORKING_SET=100000
[ "$ENTRIES" -ge "$WORKING_SET" ] || WORKING_SET=$ENTRIES
LOAD_THREADS=${LOAD_THREADS:-2}
HOT_BYTES=${HOT_BYTES:-67108864}
CONNS=${CONNS:-"1 50 200"}
ROUNDS=${ROUNDS:-3}
bench_check_rounds ROUNDS "$ROUNDS"
OUT=${OUT:-$BENCH_ROOT/docs/benchmarks-memcached.md}

bench_require memcached python3 g++
bench_init mc-vs-memcached
bench_daemon
grep -q -- --memcached-listen <<<"$("$APICACHED_BIN" --help 2>&1)" ||
  bench_die "$APICACHED_BIN has no --memcached-listen (the memcached front has not landed)"
g++ -std=c++20 -O2 -pthread "$BENCH_ROOT/bench/mc_load.cpp" -o "$BENCH_TMP/mc_load"
LOAD=$BENCH_TMP/mc_load

# --- memcached ---
M_PORT=$(bench_free_port)
mc_user=()
[ "$(id -u)" -ne 0 ] || mc_user=(-u nobody)
memcached -l 127.0.0.1 -p "$M_PORT" -U 0 -m 2048 -c 4096 "${mc_user[@]}" &
M_PID=$!
BENCH_PIDS+=("$M_PID")

# --- apicached ---
A_LOG=$BENCH_TMP/apicached.log
# shellcheck disable=SC2086
"$APICACHED_BIN" --config '' --listen 127.0.0.1:0 --memcached-listen 127.0.0.1:0 \
  --data-dir "$BENCH_TMP/data" --hot-cache-bytes "$HOT_BYTES" ${APICACHED_FLAGS:-} 2>"$A_LOG" &
A_PID=$!
BENCH_PIDS+=("$A_PID")
deadline=$((SECONDS + 120))
A_PORT=""
while [ -z "$A_PORT" ]; do
  A_PORT=$(sed -n 's/.*apicached: memcached listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$A_LOG" |
           head -1)
  kill -0 "$A_PID" 2>/dev/null || { cat "$A_LOG" >&2; bench_die "apicached exited"; }
  [ $SECONDS -lt $deadline ] || bench_die "apicached did not print its memcached port"
  [ -n "$A_PORT" ] || sleep 0.02
done
for port in "$M_PORT" "$A_PORT"; do
  deadline=$((SECONDS + 30))
  until python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$port),1)" \
        2>/dev/null; do
    [ $SECONDS -lt $deadline ] || bench_die "nothing listens on port $port"
    sleep 0.02
  done
done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
RESULTS=$BENCH_TMP/results.jsonl
: >"$RESULTS"

# run_point SERVER PID PORT MODE CONNS ROUND
run_point() {
  local server=$1 pid=$2 port=$3 mode=$4 conns=$5 round=$6 t0 t1 out threads
  threads=$(( conns < LOAD_THREADS ? conns : LOAD_THREADS ))
  t0=$(cpu_ticks "$pid")
  out=$("$LOAD" --port "$port" --mode "$mode" --conns "$conns" --seconds "$SECS" \
        --keys "$WORKING_SET" --threads "$threads")
  t1=$(cpu_ticks "$pid")
  echo "{\"server\":\"$server\",\"round\":$round,\"cpu_ticks\":$((t1 - t0)),\"result\":$out}" \
    >>"$RESULTS"
  bench_log "$server $mode c=$conns round $round: $out"
}

for s in "memcached $M_PID $M_PORT" "apicached $A_PID $A_PORT"; do
  read -r name pid port <<<"$s"
  bench_log "$name: loading $ENTRIES entries of 500 bytes"
  out=$("$LOAD" --port "$port" --mode load --keys "$ENTRIES" --conns 4 --depth 100 \
        --threads "$LOAD_THREADS")
  rss=$(bench_rss_kb "$pid")
  disk=0
  [ "$name" = memcached ] || disk=$(bench_du_bytes "$BENCH_TMP/data")
  echo "{\"server\":\"$name\",\"rss_kb\":$rss,\"disk_bytes\":$disk,\"result\":$out}" \
    >>"$RESULTS"
  bench_log "$name: loaded: $out, RSS $rss KiB"
  out=$("$LOAD" --port "$port" --mode warm --keys "$WORKING_SET" --conns 4 --threads "$LOAD_THREADS")
  bench_log "$name: working set read once: $out"
done

# The reads first: apicached's writes invalidate its RAM tier (they do not fill it), so reads
# after the SET points would measure RocksDB reads of the keys just overwritten.
for mode in ${MODES:-get mget set}; do
  for round in $(seq "$ROUNDS"); do
    for c in $CONNS; do
      run_point memcached "$M_PID" "$M_PORT" "$mode" "$c" "$round"
      run_point apicached "$A_PID" "$A_PORT" "$mode" "$c" "$round"
    done
  done
done

for s in "memcached $M_PID" "apicached $A_PID"; do
  read -r name pid <<<"$s"
  echo "{\"server\":\"$name\",\"rss_end_kb\":$(bench_rss_kb "$pid")}" >>"$RESULTS"
done

python3 - "$RESULTS" "$OUT" "$BENCH_COMMIT" "$SECS" "$ENTRIES" "$WORKING_SET" \
  "$(nproc)" "$(uptime)" "$(getconf CLK_TCK)" "$*" "$HOT_BYTES" "$ROUNDS" <<'PY'
import json, statistics, sys
results, out, commit, secs, entries, ws, cores, up, tck, args, hot, rounds = sys.argv[1:]
rows = [json.loads(l) for l in open(results)]
tck = int(tck)
load = {r["server"]: r for r in rows if "rss_kb" in r}
end = {r["server"]: r["rss_end_kb"] for r in rows if "rss_end_kb" in r}
# (server, mode, conns) -> {round: run}
runs = {}
for r in rows:
    if "cpu_ticks" in r:
        runs.setdefault((r["server"], r["result"]["mode"], r["result"]["conns"]), {})[r["round"]] = r
names = {"get": "GET hit", "set": "SET", "mget": "multi-get 100"}
L = []
L.append("# apicached vs memcached 1.6: the memcached protocol\n")
L.append("Commit `%s`; memcached 1.6.18 on the same machine (%s cores), same run, same load "
         "generator (`bench/mc_load.cpp`, closed loop, one request in flight per connection). "
         "Load average at the end: `%s`.\n" % (commit, cores, up.strip().split("load average:")[-1].strip()))
L.append("Command: `bench/memcached_vs_memcached.sh %s` (%s s per point, %s rounds of each point: "
         "every figure is the median of the rounds, the ratio the median of the rounds' ratios "
         "with their range; values of 500 bytes, "
         "requests over the first %s keys of the %s loaded, each read once before the points; apicached with --hot-cache-bytes %s; multi-get latency is per "
         "100-key request). CPU/req is the server's user+sys time over the run divided by "
         "requests (for the multi-get, per 100-key request).\n" % (args, secs, rounds, ws, entries, hot))
L.append("| load | conns | memcached req/s | p50 µs | p99 µs | CPU µs/req | apicached req/s | p50 µs | p99 µs | CPU µs/req | req/s ratio |")
L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")

def cpu_us(x):
    return x["cpu_ticks"] / tck / max(x["result"]["requests"], 1) * 1e6

def cells(by_round):
    med = lambda f: statistics.median(f(x) for x in by_round.values())
    return ["%.0f" % med(lambda x: x["result"]["rps"]), "%.0f" % med(lambda x: x["result"]["p50_us"]),
            "%.0f" % med(lambda x: x["result"]["p99_us"]), "%.1f" % med(cpu_us)]

for mode in ("get", "set", "mget"):
    for (s, m, c), r in sorted(runs.items(), key=lambda kv: kv[0][2]):
        if s != "memcached" or m != mode:
            continue
        a = runs.get(("apicached", m, c), {})
        ratios = [a[k]["result"]["rps"] / r[k]["result"]["rps"]
                  for k in sorted(r) if k in a and r[k]["result"]["rps"]]
        ratio = "-"
        if ratios:
            ratio = "%.2fx" % statistics.median(ratios)
            if len(ratios) > 1:
                ratio += " (%.2f-%.2f)" % (min(ratios), max(ratios))
        L.append("| %s | %d | %s | %s | %s |" % (names[mode], c, " | ".join(cells(r)),
                                                " | ".join(cells(a)) if a else "- | - | - | -", ratio))
L.append("")
L.append("| memory with %s entries of 500 bytes | memcached | apicached | ratio |" % entries)
L.append("|---|---:|---:|---:|")
m, a = load["memcached"], load["apicached"]
L.append("| RSS (MiB) | %.0f | %.0f | %.2fx |" % (m["rss_kb"] / 1024, a["rss_kb"] / 1024,
                                                 a["rss_kb"] / m["rss_kb"]))
L.append("| RSS after the runs (MiB; apicached's hot tier full) | %.0f | %.0f | %.2fx |" % (
    end["memcached"] / 1024, end["apicached"] / 1024, end["apicached"] / end["memcached"]))
L.append("| data dir on disk (MiB) | - | %.0f | |" % (a["disk_bytes"] / 1048576))
L.append("| load rate (sets/s, 4 conns x 100 in flight) | %.0f | %.0f | %.2fx |" % (
    m["result"]["rps"], a["result"]["rps"], a["result"]["rps"] / m["result"]["rps"]))
L.append("")
text = "\n".join(L) + "\n"
open(out, "w").write(text)
print(text)
PY
bench_log "report written to $OUT"
