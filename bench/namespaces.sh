#!/usr/bin/env bash
# Namespaces at scale: creation time, RSS and open files per namespace up to NS_COUNT, GET and PUT
# latency on an existing namespace while they are created (GET also over the first NS_WINDOW
# creations), drop time, and start-to-ready (wall and the daemon's CPU time) with the namespaces
# left on disk, NS_STARTS times.
#
# Usage: bench/namespaces.sh          (minutes; not part of CI)
#   NS_COUNT=1000  NS_EVERY=100 (sample period)  NS_DROPS=10  NS_MAX_SECONDS=600  NS_WINDOW=200
#   NS_STARTS=3
#   APICACHED_BIN=path (default: the Release build of bench_build_release)
#   BENCH_OUT=docs/namespaces-run.md ("-": stdout only)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
COUNT=${NS_COUNT:-1000}
EVERY=${NS_EVERY:-100}
DROPS=${NS_DROPS:-10}
MAX_SECONDS=${NS_MAX_SECONDS:-600}
WINDOW=${NS_WINDOW:-200}
STARTS=${NS_STARTS:-3}
OUT=${BENCH_OUT:-$BENCH_ROOT/docs/namespaces-run.md}

bench_require curl python3 bc
bench_init namespaces
if [ -z "${APICACHED_BIN:-}" ]; then
  bench_build_release
else
  BENCH_COMMIT=${BENCH_COMMIT:-$(git -C "$BENCH_ROOT" rev-parse --short HEAD)}
fi
data=$BENCH_TMP/data
mkdir -p "$data"
flags=(--max-namespaces $((COUNT + 10)) --hot-cache-bytes 0 --stats-flush-period 0)

bench_start_apicached "$data" "${flags[@]}"
empty_ready=$APICACHED_READY_SECONDS
bench_log "creating $COUNT namespaces on $APICACHED_URL"
result=$(python3 "$BENCH_ROOT/bench/namespaces.py" --url "$APICACHED_URL" --pid "$APICACHED_PID" \
  --count "$COUNT" --every "$EVERY" --drops "$DROPS" --max-seconds "$MAX_SECONDS" \
  --window "$WINDOW")
bench_log "$result"
created=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["created"])' "$result")
bench_stop "$APICACHED_PID"
disk=$(bench_du_bytes "$data")
# The daemon's CPU seconds so far (user + system, all threads).
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"
}
# Seconds its threads have waited for a CPU so far (schedstat run_delay): on a shared machine
# start-to-ready minus this is what a quiet one would show.
runqueue_seconds() {
  cat /proc/"$1"/task/*/schedstat | awk '{s += $2} END {printf "%.2f", s / 1e9}'
}
starts=()
for _ in $(seq "$STARTS"); do
  bench_start_apicached "$data" "${flags[@]}"
  starts+=("$(printf '%.2f' "$APICACHED_READY_SECONDS") s (CPU $(cpu_seconds "$APICACHED_PID") s, \
waiting for a CPU $(runqueue_seconds "$APICACHED_PID") s)")
  rss_ready=$(bench_rss_kb "$APICACHED_PID")
  fds_ready=$(ls "/proc/$APICACHED_PID/fd" | wc -l)
  bench_stop "$APICACHED_PID"
done
ready=$(IFS=';'; echo "${starts[*]}" | sed 's/;/, /g')

report() {
  python3 - "$result" <<PY
import json, sys
r = json.loads(sys.argv[1])
print("# Namespaces at scale: a run of bench/namespaces.sh")
print()
print("Run: $(date -u +"%Y-%m-%d %H:%M UTC"), commit $BENCH_COMMIT, $(nproc) cores, load average"
      " $(cut -d' ' -f1 /proc/loadavg) at the end; daemon flags: ${flags[*]}.")
print()
print("| namespaces | create p50 (ms) | create max (ms) | RSS (MiB) | open fds |")
print("|---:|---:|---:|---:|---:|")
print(f"| 0 | | | {r['base_rss_kb']/1024:.0f} | {r['base_open_fds']} |")
for s in r["samples"]:
    print(f"| {s['namespaces']} | {s['create_ms_p50']} | {s['create_ms_max']} | "
          f"{s['rss_kb']/1024:.0f} | {s['open_fds']} |")
g, p, d = r["get_during_creation"], r["put_during_creation"], r["drop_ms"]
w = r["get_during_window"]
print()
print(f"- {r['created']} namespaces created in {r['create_seconds']} s (one PUT each, one connection).")
print(f"- GET of an existing namespace meanwhile: {g['n']} requests, p50 {g['p50_ms']} ms, "
      f"p99 {g['p99_ms']} ms, max {g['max_ms']} ms.")
print(f"- GET of an existing namespace while the first {w['namespaces']} were created: {w['n']} "
      f"requests, p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, max {w['max_ms']} ms.")
print(f"- PUT to an existing namespace meanwhile: {p['n']} requests, p50 {p['p50_ms']} ms, "
      f"p99 {p['p99_ms']} ms, max {p['max_ms']} ms.")
print(f"- Drop of {d['n']} namespaces (DELETE ?drop=true) at {r['created']}: p50 {d['p50']} ms, max {d['max']} ms.")
print(f"- Start to ready (process start to /v1/health 200) with {r['created'] - d['n']} namespaces, "
      f"$STARTS starts: $ready (empty data dir: {float('$empty_ready'):.2f} s); then RSS "
      f"$((rss_ready / 1024)) MiB, $fds_ready open fds; data dir $disk bytes.")
PY
}
if [ "$OUT" = "-" ]; then report; else report | tee "$OUT"; fi
