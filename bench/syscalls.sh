#!/usr/bin/env bash
# System calls per memcached request: apicached against memcached 1.6 on this machine, in one
# run, counted by perf's syscall tracepoints on the server process while bench/mc_load runs
# (docs/benchmarks.md, "System calls per request"). On demand, never in CI. With a system call
# costing 1-2 us on these VMs (build/bench/syscall_bench), the count is much of a request's CPU.
#
# Usage: bench/syscalls.sh [SECONDS=3]
#   MODES="set get" CONNS=50   APICACHED_BIN=<a daemon> (else build-release is built)
# Prints, per server and mode, the calls per request of each system call the server made
# (those above 0.005), their total, and the recv() calls that found nothing (EAGAIN).
# Needs perf (Debian's linux-perf) with its syscall tracepoints, as bench/read_profile.sh does.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SECS=${1:-3}
read -r -a MODES <<<"${MODES:-set get}"
CONNS=${CONNS:-50}
KEYS=100000

"$BENCH_ROOT/scripts/install-deps.sh" bench
bench_require memcached perf python3 g++
bench_init syscalls
bench_daemon
g++ -std=c++20 -O2 -pthread "$BENCH_ROOT/bench/mc_load.cpp" -o "$BENCH_TMP/mc_load"
LOAD=$BENCH_TMP/mc_load
grep -q 'syscalls:sys_enter_recvfrom' < <(perf list 2>/dev/null) ||
  bench_die "perf has no syscall tracepoints here (needs tracefs and perf_event_paranoid <= 1)"

M_PORT=$(bench_free_port)
mc_user=()
[ "$(id -u)" -ne 0 ] || mc_user=(-u nobody)
memcached -l 127.0.0.1 -p "$M_PORT" -U 0 -m 1024 "${mc_user[@]}" &
M_PID=$!
BENCH_PIDS+=("$M_PID")
mkdir -p "$BENCH_TMP/data"
bench_start_apicached "$BENCH_TMP/data" --memcached-listen 127.0.0.1:0
A_PID=$APICACHED_PID
A_PORT=$(sed -n 's/.*memcached listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
  "$BENCH_TMP"/apicached.*.log | head -1)
deadline=$((SECONDS + 30))
until python3 -c "import socket; socket.create_connection(('127.0.0.1',$M_PORT),1)" 2>/dev/null; do
  [ $SECONDS -lt $deadline ] || bench_die "memcached did not start"
  sleep 0.02
done

# count NAME PID PORT MODE: one measured run, its table on stdout.
count() {
  local name=$1 pid=$2 port=$3 mode=$4 out
  "$LOAD" --port "$port" --mode set --conns "$CONNS" --seconds 1 --keys "$KEYS" \
    --value-size 500 >/dev/null  # every key exists for the gets; both servers warm
  perf stat -x, -e 'syscalls:sys_enter_*' -e 'syscalls:sys_exit_recvfrom' --filter 'ret == -11' \
    -e 'syscalls:sys_exit_recvmsg' --filter 'ret == -11' -e 'syscalls:sys_exit_read' \
    --filter 'ret == -11' -p "$pid" -o "$BENCH_TMP/perf.$name.$mode" &
  local perf_pid=$!
  sleep 0.5  # perf attaches (hundreds of tracepoints) before the measured load starts
  out=$("$LOAD" --port "$port" --mode "$mode" --conns "$CONNS" --seconds "$SECS" --keys "$KEYS" \
    --value-size 500)
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  python3 - "$name" "$mode" "$out" "$BENCH_TMP/perf.$name.$mode" <<'PY'
import json, sys
name, mode, load, path = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
requests = load["requests"]
calls, eagain = {}, 0
for line in open(path):
    f = line.strip().split(",")
    if len(f) < 3 or not f[0].isdigit():
        continue
    event = f[2].split(":")[-1]
    if event.startswith("sys_exit_"):
        eagain += int(f[0])
    else:
        calls[event.removeprefix("sys_enter_")] = int(f[0])
rows = sorted(((n / requests, c) for c, n in calls.items() if n / requests >= 0.005), reverse=True)
print(f"{name} {mode}: {load['rps']:.0f} req/s, {requests} requests; "
      f"{sum(calls.values()) / requests:.2f} system calls per request "
      f"(recv EAGAIN {eagain / requests:.2f})")
for per, call in rows:
    print(f"    {call:16s} {per:6.3f}")
PY
}

for mode in "${MODES[@]}"; do
  count memcached "$M_PID" "$M_PORT" "$mode"
  count apicached "$A_PID" "$A_PORT" "$mode"
done
