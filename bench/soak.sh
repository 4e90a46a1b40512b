#!/usr/bin/env bash
# Soak run: 10 minutes of mixed load with TTLs expiring all the time; samples resident memory and
# disk use every 10 s and says whether RSS stays within 10% after warm-up and disk stays bounded.
#
# Usage: bench/soak.sh             (SOAK_SECONDS + about a minute; not part of CI)
#   SOAK_SECONDS=600  SOAK_WARMUP=120  SOAK_INTERVAL=10  SOAK_CONNS=50  SOAK_KEYS=100000
#   SOAK_MAX_TTL=30 (TTLs are 1..SOAK_MAX_TTL s)  BENCH_OUT=docs/soak.md ("-": stdout only)
# Load (bench/lua/mixed.lua): 60% GET, 30% PUT of 500 bytes with ?ttl=1..MAX_TTL, 10% DELETE, on
# random keys of SOAK_KEYS. RSS flat within 10%: every sample after warm-up within 10% of their
# median, and the mean of the second half at most 5% above the first (no creeping growth).
# Disk bounded: the largest sample of the last half is at most 1.5x the largest of the first half
# after warm-up (growth has stopped), and below a fixed cap of 10x the live data size.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
DURATION=${SOAK_SECONDS:-600}
WARMUP=${SOAK_WARMUP:-120}
INTERVAL=${SOAK_INTERVAL:-10}
CONNS=${SOAK_CONNS:-50}
KEYS=${SOAK_KEYS:-100000}
MAX_TTL=${SOAK_MAX_TTL:-30}
SIZE=500
OUT=${BENCH_OUT:-$BENCH_ROOT/docs/soak.md}

"$BENCH_ROOT/scripts/install-deps.sh" bench
bench_require wrk curl python3
bench_init soak
bench_build_release
data=$BENCH_TMP/data
mkdir -p "$data"
bench_start_apicached "$data"
python3 "$BENCH_ROOT/bench/load.py" --url "$APICACHED_URL" --ns soak --prefix k --count "$KEYS" \
  --size "$SIZE" --ttl "$MAX_TTL" >/dev/null

bench_log "soak: ${DURATION}s of mixed load on $APICACHED_URL, sampling every ${INTERVAL}s"
wrk -t "$(nproc)" -c "$CONNS" -d "${DURATION}s" --latency --timeout 5s \
  -s "$BENCH_ROOT/bench/lua/mixed.lua" "$APICACHED_URL" -- /v1/cache/soak/k "$KEYS" "$SIZE" \
  "$MAX_TTL" >"$BENCH_TMP/wrk.out" 2>&1 &
wrk_pid=$!
BENCH_PIDS+=("$wrk_pid")
samples=$BENCH_TMP/samples.tsv
start=$SECONDS
while kill -0 "$wrk_pid" 2>/dev/null; do
  t=$((SECONDS - start))
  rss=$(bench_rss_kb "$APICACHED_PID")
  disk=$(bench_du_bytes "$data")
  printf '%d\t%d\t%d\n' "$t" "$rss" "$disk" >>"$samples"
  bench_log "t=${t}s rss=$((rss / 1024)) MiB disk=$((disk / 1048576)) MiB"
  sleep "$INTERVAL"
done
wait "$wrk_pid" || true
health=$(curl -s -w ' (HTTP %{http_code})' "$APICACHED_URL/v1/health")
alive=yes
kill -0 "$APICACHED_PID" 2>/dev/null || alive=no
bench_stop "$APICACHED_PID"

verdict=$(awk -v warm="$WARMUP" -v live=$((KEYS * SIZE)) '
  $1 >= warm { n++; r[n] = $2; d[n] = $3
               if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
  END {
    if (n < 4) { print "not enough samples after warm-up"; exit }
    for (i = 1; i <= n; i++) s[i] = r[i]
    for (i = 2; i <= n; i++) { v = s[i]; for (j = i - 1; j >= 1 && s[j] > v; j--) s[j + 1] = s[j]; s[j + 1] = v }
    median = (n % 2) ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
    dev = 0
    for (i = 1; i <= n; i++) { x = (r[i] - median) / median * 100; if (x < 0) x = -x; if (x > dev) dev = x }
    half = int(n / 2); d1 = 0; d2 = 0; m1 = 0; m2 = 0
    for (i = 1; i <= half; i++) { if (d[i] > d1) d1 = d[i]; m1 += r[i] / half }
    for (i = half + 1; i <= n; i++) { if (d[i] > d2) d2 = d[i]; m2 += r[i] / (n - half) }
    growth = (m2 - m1) / m1 * 100
    printf "rss_min_mib=%.0f rss_max_mib=%.0f rss_median_mib=%.0f rss_max_dev_pct=%.1f rss_spread_pct=%.1f rss_growth_pct=%.1f rss_ok=%s ", min / 1024, max / 1024, median / 1024, dev, (max - min) / min * 100, growth, (dev <= 10 && growth <= 5 ? "yes" : "no")
    printf "disk_first_half_max_mib=%.0f disk_second_half_max_mib=%.0f disk_ok=%s\n", d1 / 1048576, d2 / 1048576, (d2 <= 1.5 * d1 && d2 <= 10 * live ? "yes" : "no")
  }' "$samples")
bench_log "soak verdict: $verdict"
get() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$verdict"; }
mixed=$(grep '^mixed:' "$BENCH_TMP/wrk.out" || echo "mixed: (no counts)")
rps=$(awk '/Requests\/sec:/ {print $2}' "$BENCH_TMP/wrk.out")
p99=$(awk '$1 == "99%" {print $2}' "$BENCH_TMP/wrk.out")
commit=$BENCH_COMMIT
report() {
  cat <<MD
# Soak: ${DURATION} s of mixed load with expiring TTLs

Latest run: $(date -u +"%Y-%m-%d %H:%M UTC"), commit $commit, $(nproc) cores, produced by
\`bench/soak.sh\` (Release build, default options, 127.0.0.1).

Load: wrk, $CONNS connections, bench/lua/mixed.lua: 60% GET, 30% PUT of $SIZE B with ttl 1..$MAX_TTL s,
10% DELETE, random keys among $KEYS (preloaded with ttl $MAX_TTL s). Every entry expires within
$MAX_TTL s of its last write, so expiry runs all the time. Answers: \`$mixed\`; $rps req/s,
p99 $p99.

Verdict (samples after a ${WARMUP} s warm-up):
- Resident memory: $(get rss_min_mib) to $(get rss_max_mib) MiB, median $(get rss_median_mib) MiB;
  every sample within $(get rss_max_dev_pct)% of the median, (max - min) / min = $(get rss_spread_pct)%,
  mean of the second half vs the first $(get rss_growth_pct)% -> flat within 10% (every sample
  within 10% of the median and no growth over 5%): **$(get rss_ok)**
- Disk: largest $(get disk_first_half_max_mib) MiB in the first half, $(get disk_second_half_max_mib) MiB in the second -> bounded: **$(get disk_ok)**
- Daemon alive at the end: $alive; health: \`$health\`

Disk use swings because the write-ahead log grows up to the store's cap (max_total_wal_bytes,
256 MiB by default) before RocksDB flushes and drops it; the live data is about
$((KEYS * SIZE / 1048576)) MiB. Expired entries are dropped by the TTL compaction filter whenever
their files are compacted.

| t (s) | RSS (MiB) | Disk (MiB) |
|---:|---:|---:|
$(awk '{ printf "| %d | %.1f | %.1f |\n", $1, $2 / 1024, $3 / 1048576 }' "$samples")
MD
}
if [ "$OUT" = "-" ]; then report; else report | tee "$OUT"; bench_log "wrote $OUT"; fi
