#!/usr/bin/env bash
# Scale run: 1 million entries of 500 bytes (the seed's "about 1 million entries in 512 MB")
# loaded through the HTTP API, then restarted and read at random.
#
# Usage: bench/scale.sh            (a few minutes; not part of CI)
#   SCALE_ENTRIES=1000000  SCALE_SIZE=500  SCALE_SECONDS=10 (the GET run)  SCALE_CONNS=50
#   BENCH_OUT=docs/scale.md ("-": stdout only)
# Reports: load time (POST _mset, 1000 entries a batch, 2 connections), bytes on disk (du of the
# data dir after a graceful stop), resident memory after the load and after the restart, time
# from start to ready (process start to /v1/health 200) on the full data dir, and GET p50/p99 on
# random keys of the whole range just after the restart (a cold RAM tier: keys are not in RAM).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ENTRIES=${SCALE_ENTRIES:-1000000}
SIZE=${SCALE_SIZE:-500}
SECS=${SCALE_SECONDS:-10}
CONNS=${SCALE_CONNS:-50}
OUT=${BENCH_OUT:-$BENCH_ROOT/docs/scale.md}

"$BENCH_ROOT/scripts/install-deps.sh" bench
bench_require wrk curl python3 bc
bench_init scale
bench_build_release
data=$BENCH_TMP/data
mkdir -p "$data"

bench_start_apicached "$data"
first_ready=$APICACHED_READY_SECONDS
bench_log "loading $ENTRIES entries of $SIZE B into $APICACHED_URL"
load_json=$(python3 "$BENCH_ROOT/bench/load.py" --url "$APICACHED_URL" --ns scale --prefix k \
  --count "$ENTRIES" --size "$SIZE" --batch 1000 --conns 2 --ttl 0)
bench_log "load: $load_json"
load_secs=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["seconds"])' "$load_json")
load_rate=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["entries_per_s"])' "$load_json")
rss_loaded=$(bench_rss_kb "$APICACHED_PID")
bench_stop "$APICACHED_PID"
disk=$(bench_du_bytes "$data")

bench_start_apicached "$data"
ready=$APICACHED_READY_SECONDS
rss_restart=$(bench_rss_kb "$APICACHED_PID")
sample=$(curl -fsS "$APICACHED_URL/v1/cache/scale/k$((ENTRIES - 1))" | head -c 20)
read -r rps p50 p99 errors <<<"$(bench_wrk "$BENCH_TMP/get" "$CONNS" "$SECS" "$APICACHED_URL" \
  "$BENCH_ROOT/bench/lua/get_random.lua" -- /v1/cache/scale/k "$ENTRIES")"
rss_after_gets=$(bench_rss_kb "$APICACHED_PID")
bench_stop "$APICACHED_PID"

commit=$BENCH_COMMIT
mib() { awk -v b="$1" 'BEGIN { printf "%.0f MiB", b / 1048576 }'; }
report() {
  cat <<MD
# Scale: $ENTRIES entries of $SIZE bytes

Latest run: $(date -u +"%Y-%m-%d %H:%M UTC"), commit $commit, $(nproc) cores, produced by
\`bench/scale.sh\` (Release build, default options, 127.0.0.1).

| Figure | Value |
|---|---:|
| Load through HTTP (\`_mset\`, 1000 entries a batch, 2 connections) | ${load_secs} s (${load_rate} entries/s) |
| Bytes on disk after a graceful stop (du of the data dir) | $(mib "$disk") ($disk bytes; raw data $(mib $((ENTRIES * SIZE)))) |
| Resident memory after the load | $(mib $((rss_loaded * 1024))) |
| Start to ready on the full data dir (process start to /v1/health 200) | $(printf '%.2f' "$ready") s (empty dir: $(printf '%.2f' "$first_ready") s) |
| Resident memory just after the restart | $(mib $((rss_restart * 1024))) |
| GET of random keys over the whole range, $CONNS connections, ${SECS} s, just after the restart | $rps req/s, p50 $p50 ms, p99 $p99 ms ($errors errors) |
| Resident memory after those GETs | $(mib $((rss_after_gets * 1024))) |

Notes:
- The GETs pick uniformly among all $ENTRIES keys right after a restart, so nearly every read
  misses apicached's RAM and goes to RocksDB (block cache, then the OS page cache: the files were
  just written and the page cache is not dropped, as that would disturb the whole machine).
- Values are the key, ':' and random base64 (bench/load.py), so they compress about as badly as
  real API answers (RocksDB compresses with LZ4 when available).
- A read of the last key after the restart answered: \`$sample...\`.
- The load generator (wrk, python) shares the $(nproc) cores with the daemon; the loader is a
  single Python process that builds every JSON batch with fresh random values, so the load rate
  is a lower bound of what the daemon takes.
MD
}
if [ "$OUT" = "-" ]; then report; else report | tee "$OUT"; bench_log "wrote $OUT"; fi
