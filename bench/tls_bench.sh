#!/usr/bin/env bash
# The cost of TLS (issue #19): GET hits over TLS against plain TCP, in one run, on kept-alive
# connections, for apicached's Redis and HTTP fronts and for redis-server 7.0 (Debian's build
# has TLS: `port` and `tls-port` in one process).
#
# On demand, never in CI. Builds a Release apicached (build-release) unless APICACHED_BIN is
# given. Makes a CA and a server certificate (P-256) with openssl in a temp dir, then starts on
# free 127.0.0.1 ports:
#   apicached-tcp  apicached --redis-listen            (its HTTP listener plain too)
#   apicached-tls  apicached --redis-listen --redis-tls --http-tls
#   redis          redis-server --port P --tls-port T (no persistence; one process, two ports)
# loads KEYS keys of VALUE bytes into each, then:
#   1. redis-benchmark -t get (keep-alive, -P 1) at CONNS connections, REQUESTS requests per
#      point: apicached over TCP and TLS, redis over TCP and TLS, one after the other;
#   2. wrk GET of one key for DURATION seconds at 50 connections, http:// and https://.
# For each: requests/s and the server's CPU time per request (user+sys from /proc/PID/stat over
# the run / requests). Writes docs/benchmarks-tls.md (or $OUT) and prints it.
#
# Usage: bench/tls_bench.sh [REQUESTS=50000] [KEYS=10000]
# Env: VALUE (default 100), CONNS ("1 50"), DURATION (wrk seconds, default 5), OUT, APICACHED_BIN
# (then say what it is built from in BENCH_COMMIT), POINT_TIMEOUT (default 120).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REQUESTS=${1:-50000}
KEYS=${2:-10000}
VALUE=${VALUE:-100}
CONNS=${CONNS:-"1 50"}
DURATION=${DURATION:-5}
POINT_TIMEOUT=${POINT_TIMEOUT:-120}
OUT=${OUT:-$BENCH_ROOT/docs/benchmarks-tls.md}

bench_require redis-server redis-benchmark redis-cli openssl wrk curl python3
bench_init tls
if [ -n "${APICACHED_BIN:-}" ]; then
  BENCH_COMMIT=${BENCH_COMMIT:-"unknown (APICACHED_BIN=$APICACHED_BIN)"}
else
  bench_build_release
fi

# The certificates: a CA and a server certificate for 127.0.0.1.
C=$BENCH_TMP/certs
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=bench-ca \
  -keyout "$C/ca.key" -out "$C/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$C/server.key" -out "$C/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$C/server.ext"
openssl x509 -req -in "$C/server.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
  -days 2 -extfile "$C/server.ext" -out "$C/server.crt" 2>/dev/null
TLS_FILES=(--tls-cert-file "$C/server.crt" --tls-key-file "$C/server.key")
CLI_TLS=(--tls --cacert "$C/ca.crt")

# start_apicached NAME FLAGS...: sets PID, RPORT (Redis) and HPORT (HTTP).
start_apicached() {
  local name=$1 log=$BENCH_TMP/$1.log deadline=$((SECONDS + 120))
  shift
  "$APICACHED_BIN" --config '' --listen 127.0.0.1:0 --redis-listen 127.0.0.1:0 \
    --data-dir "$BENCH_TMP/$name" "$@" 2>"$log" &
  PID=$!
  BENCH_PIDS+=("$PID")
  RPORT="" HPORT=""
  while [ -z "$RPORT" ] || [ -z "$HPORT" ]; do
    RPORT=$(sed -n 's/.*redis listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    HPORT=$(sed -n 's/.*apicached: listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    kill -0 "$PID" 2>/dev/null || { cat "$log" >&2; bench_die "$name exited"; }
    [ $SECONDS -lt $deadline ] || bench_die "$name did not print its ports"
    [ -n "$RPORT" ] && [ -n "$HPORT" ] || sleep 0.02
  done
}

start_apicached apicached-tcp
AT_PID=$PID AT_RPORT=$RPORT AT_HPORT=$HPORT
bench_wait_redis "$AT_PID" -p "$AT_RPORT"
start_apicached apicached-tls --redis-tls --http-tls "${TLS_FILES[@]}"
AS_PID=$PID AS_RPORT=$RPORT AS_HPORT=$HPORT
bench_wait_redis "$AS_PID" -p "$AS_RPORT" "${CLI_TLS[@]}"

R_PORT=$(bench_free_port)
R_TLS_PORT=$(bench_free_port)
mkdir -p "$BENCH_TMP/redis"
redis-server --port "$R_PORT" --tls-port "$R_TLS_PORT" --bind 127.0.0.1 --save '' \
  --appendonly no --dir "$BENCH_TMP/redis" --daemonize no --logfile "$BENCH_TMP/redis/log" \
  --tls-cert-file "$C/server.crt" --tls-key-file "$C/server.key" \
  --tls-ca-cert-file "$C/ca.crt" --tls-auth-clients no &
R_PID=$!
BENCH_PIDS+=("$R_PID")
bench_wait_redis "$R_PID" -p "$R_PORT"
bench_wait_redis "$R_PID" -p "$R_TLS_PORT" "${CLI_TLS[@]}"

# Load KEYS keys (redis-benchmark's -r names: key:%012d) into each server, and one HTTP entry.
bench_redis_load_resp "$KEYS" "$VALUE" >"$BENCH_TMP/load.resp"
redis-cli -p "$AT_RPORT" --pipe <"$BENCH_TMP/load.resp" >&2
redis-cli -p "$AS_RPORT" "${CLI_TLS[@]}" --pipe <"$BENCH_TMP/load.resp" >&2
redis-cli -p "$R_PORT" --pipe <"$BENCH_TMP/load.resp" >&2
BODY=$(head -c "$VALUE" /dev/zero | tr '\0' x)
curl -fsS -o /dev/null -X PUT --data "$BODY" "http://127.0.0.1:$AT_HPORT/v1/cache/bench/k"
curl -fsS -o /dev/null -X PUT --data "$BODY" --cacert "$C/ca.crt" \
  "https://127.0.0.1:$AS_HPORT/v1/cache/bench/k"

# What each TLS server negotiates with a default client (for the report).
negotiated() {
  openssl s_client -connect "127.0.0.1:$1" -CAfile "$C/ca.crt" </dev/null 2>/dev/null |
    sed -n 's/^New, \(.*\)$/\1/p' | head -1
}
A_CIPHER=$(negotiated "$AS_RPORT")
R_CIPHER=$(negotiated "$R_TLS_PORT")

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
RESULTS=$BENCH_TMP/results.jsonl
: >"$RESULTS"

# rb SERVER TRANSPORT PID PORT CONNS [TLS ARGS...]: one redis-benchmark GET run, one JSON line.
rb() {
  local server=$1 transport=$2 pid=$3 port=$4 conns=$5 t0 t1 csv
  shift 5
  t0=$(cpu_ticks "$pid")
  csv=$(timeout "$POINT_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" "$@" -t get \
        -c "$conns" -P 1 -n "$REQUESTS" -r "$KEYS" -d "$VALUE" --csv 2>/dev/null |
        tail -n +2) || bench_die "redis-benchmark against $server over $transport failed"
  t1=$(cpu_ticks "$pid")
  python3 -c 'import csv, io, json, sys
s, t, c, n, ticks, text = sys.argv[1:]
r = next(csv.reader(io.StringIO(text)))
print(json.dumps({"front": "redis", "server": s, "transport": t, "conns": int(c),
                  "requests": int(n), "ticks": int(ticks), "rps": float(r[1]),
                  "p50": float(r[4]), "p99": float(r[6])}))' \
    "$server" "$transport" "$conns" "$REQUESTS" $((t1 - t0)) "$csv" >>"$RESULTS"
  bench_log "redis-benchmark GET $server $transport c=$conns: $csv"
}

for c in $CONNS; do
  rb apicached tcp "$AT_PID" "$AT_RPORT" "$c"
  rb apicached tls "$AS_PID" "$AS_RPORT" "$c" --tls --cacert "$C/ca.crt"
  rb redis-server tcp "$R_PID" "$R_PORT" "$c"
  rb redis-server tls "$R_PID" "$R_TLS_PORT" "$c" --tls --cacert "$C/ca.crt"
done

# wk TRANSPORT PID URL: one wrk run of GET hits, one JSON line.
wk() {
  local transport=$1 pid=$2 url=$3 t0 t1 out
  t0=$(cpu_ticks "$pid")
  out=$(timeout "$POINT_TIMEOUT" wrk -t 2 -c 50 -d "${DURATION}s" --latency "$url") ||
    bench_die "wrk $url failed"
  t1=$(cpu_ticks "$pid")
  python3 -c 'import json, re, sys
t, ticks, text = sys.argv[1:]
n = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def ms(label):
    m = re.search(r"\s%s%%\s+([\d.]+)(us|ms|s)" % label, text)
    v = float(m.group(1))
    return v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(json.dumps({"front": "http", "server": "apicached", "transport": t, "conns": 50,
                  "requests": n, "ticks": int(ticks), "rps": rps, "p50": ms("50"),
                  "p99": ms("99"), "non2xx": int(errors.group(1)) if errors else 0}))' \
    "$transport" $((t1 - t0)) "$out" >>"$RESULTS"
  bench_log "wrk GET $transport: $(grep Requests/sec <<<"$out")"
}
# wrk does not verify certificates: the TLS cost measured is the same.
wk tcp "$AT_PID" "http://127.0.0.1:$AT_HPORT/v1/cache/bench/k"
wk tls "$AS_PID" "https://127.0.0.1:$AS_HPORT/v1/cache/bench/k"

python3 - "$RESULTS" "$OUT" "$BENCH_COMMIT" "$REQUESTS" "$KEYS" "$VALUE" "$DURATION" "$(nproc)" \
  "$(uptime)" "$(getconf CLK_TCK)" "$*" "$A_CIPHER" "$R_CIPHER" <<'PY'
import json, sys
results, out, commit, n, keys, value, duration, cores, up, tck, args, a_cipher, r_cipher = sys.argv[1:]
tck = int(tck)
runs = {}
for line in open(results):
    x = json.loads(line)
    x["cpu_us"] = x["ticks"] / tck / max(x["requests"], 1) * 1e6
    runs[(x["front"], x["server"], x["conns"], x["transport"])] = x
L = ["# The cost of TLS: GET hits over TLS against plain TCP\n"]
L.append("Commit `%s`; %s cores shared with other work (the figures are noisy; compare the "
         "ratios within a row, measured minutes apart at most). Load average at the end: `%s`. "
         "Certificate: P-256 ECDSA. Negotiated with `openssl s_client`: apicached `%s`, "
         "redis-server `%s` (both OpenSSL 3.0 from Debian). Every connection is kept alive, so "
         "the handshake is paid once per connection.\n"
         % (commit, cores, up.strip().split("load average:")[-1].strip(), a_cipher, r_cipher))
L.append("Command: `bench/tls_bench.sh %s` (Redis: `redis-benchmark -t get -P 1 -n %s -r %s "
         "-d %s`, with `--tls --cacert` for TLS; HTTP: `wrk -t 2 -c 50 -d %ss` on one key of "
         "%s bytes). CPU µs/req is the server's user+sys time over the run divided by the "
         "requests (10 ms clock ticks: coarse on short runs).\n"
         % (args, n, keys, value, duration, value))
L.append("## Redis protocol (apicached's Redis front and redis-server 7.0.15)\n")
L.append("| server | conns | TCP req/s | TLS req/s | TLS/TCP | TCP p50 ms | TLS p50 ms | TCP CPU µs/req | TLS CPU µs/req | TLS CPU/TCP CPU |")
L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for (front, server, conns, transport), tcp in sorted(runs.items()):
    if front != "redis" or transport != "tcp":
        continue
    tls = runs.get((front, server, conns, "tls"))
    if not tls:
        continue
    L.append("| %s | %d | %.0f | %.0f | %.2f | %.3f | %.3f | %.1f | %.1f | %s |" % (
        server, conns, tcp["rps"], tls["rps"], tls["rps"] / tcp["rps"], tcp["p50"], tls["p50"],
        tcp["cpu_us"], tls["cpu_us"],
        "%.2f" % (tls["cpu_us"] / tcp["cpu_us"]) if tcp["cpu_us"] else "-"))
L.append("")
L.append("apicached against redis-server, same transport and connections (req/s ratio):\n")
L.append("| conns | TCP: apicached/redis | TLS: apicached/redis |")
L.append("|---:|---:|---:|")
for conns in sorted({k[2] for k in runs if k[0] == "redis"}):
    def ratio(t):
        a, r = runs.get(("redis", "apicached", conns, t)), runs.get(("redis", "redis-server", conns, t))
        return "%.2f" % (a["rps"] / r["rps"]) if a and r else "-"
    L.append("| %d | %s | %s |" % (conns, ratio("tcp"), ratio("tls")))
L.append("")
L.append("## HTTP (apicached's Beast front, wrk, 50 connections)\n")
L.append("| transport | req/s | p50 ms | p99 ms | CPU µs/req | non-2xx |")
L.append("|---|---:|---:|---:|---:|---:|")
for t in ("tcp", "tls"):
    x = runs.get(("http", "apicached", 50, t))
    if x:
        L.append("| %s | %.0f | %.3f | %.3f | %.1f | %d |" % (
            t.upper(), x["rps"], x["p50"], x["p99"], x["cpu_us"], x["non2xx"]))
a, b = runs.get(("http", "apicached", 50, "tcp")), runs.get(("http", "apicached", 50, "tls"))
if a and b:
    L.append("\nTLS/TCP: %.2fx the requests/s, %.2fx the CPU per request.\n" % (
        b["rps"] / a["rps"], b["cpu_us"] / a["cpu_us"] if a["cpu_us"] else float("nan")))
text = "\n".join(L) + "\n"
open(out, "w").write(text)
print(text)
PY
bench_log "report written to $OUT"
