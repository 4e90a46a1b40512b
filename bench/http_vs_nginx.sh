#!/usr/bin/env bash
# HTTP GET hit: apicached vs nginx serving a static file of the same size, in one run.
#
# On demand, never in CI. Installs nothing: needs wrk, nginx (nginx-light), curl, python3, bc;
# `scripts/install-deps.sh bench` installs them. Builds a Release apicached in build-release,
# starts it on a free 127.0.0.1 port with a temp data dir and PUTs one value, starts nginx on
# another free port with a minimal config in the temp dir serving a file of the same size, runs
# the same wrk load against both and prints requests/s, p50, p99 and the ratio.
#
# Usage: bench/http_vs_nginx.sh [SECONDS=10] [CONNECTIONS=50] [SIZE=500]
# Env: APICACHED_FLAGS (extra daemon flags). wrk threads: min(CONNECTIONS, cores) (bench_wrk).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECS=${1:-10}
CONNS=${2:-50}
SIZE=${3:-500}
THREADS=$(( CONNS < $(nproc) ? CONNS : $(nproc) ))  # what bench_wrk uses, for the labels

bench_require wrk nginx curl python3 bc
bench_init http-vs-nginx
bench_build_release

# --- apicached ---
# shellcheck disable=SC2086
bench_start_apicached "$BENCH_TMP/data" ${APICACHED_FLAGS:-}
head -c "$SIZE" /dev/zero | tr '\0' 'v' >"$BENCH_TMP/value"
curl -fsS -o /dev/null -X PUT --data-binary @"$BENCH_TMP/value" \
  "$APICACHED_URL/v1/cache/bench/value?ttl=0" || bench_die "PUT failed"
A_URL="$APICACHED_URL/v1/cache/bench/value"

# --- nginx: a static file of the same size ---
mkdir -p "$BENCH_TMP/www"
cp "$BENCH_TMP/value" "$BENCH_TMP/www/value"
bench_start_nginx "$BENCH_TMP/www" value
N_URL="$NGINX_URL/value"

[ "$(curl -fsS "$A_URL" | wc -c)" -eq "$SIZE" ] || bench_die "apicached answers the wrong size"
[ "$(curl -fsS "$N_URL" | wc -c)" -eq "$SIZE" ] || bench_die "nginx answers the wrong size"

bench_log "warm-up (2 s each)"
bench_wrk "$BENCH_TMP/warm-a" "$CONNS" 2 "$A_URL" >/dev/null
bench_wrk "$BENCH_TMP/warm-n" "$CONNS" 2 "$N_URL" >/dev/null

bench_log "wrk -t$THREADS -c$CONNS -d${SECS}s --latency: apicached $A_URL"
read -r a_rps a_p50 a_p99 a_err < <(bench_wrk "$BENCH_TMP/apicached" "$CONNS" "$SECS" "$A_URL")
bench_log "wrk -t$THREADS -c$CONNS -d${SECS}s --latency: nginx $N_URL"
read -r n_rps n_p50 n_p99 n_err < <(bench_wrk "$BENCH_TMP/nginx" "$CONNS" "$SECS" "$N_URL")

ratio=$(echo "scale=2; $a_rps / $n_rps" | bc -l)
echo
echo "GET hit, ${SIZE}-byte value, $CONNS connections, wrk -t$THREADS -d${SECS}s, $(nproc) cores"
printf '%-10s %12s %10s %10s %8s\n' server "requests/s" "p50 ms" "p99 ms" errors
printf '%-10s %12s %10s %10s %8s\n' apicached "$a_rps" "$a_p50" "$a_p99" "$a_err"
printf '%-10s %12s %10s %10s %8s\n' nginx "$n_rps" "$n_p50" "$n_p99" "$n_err"
echo "ratio apicached/nginx (requests/s): ${ratio}x"
