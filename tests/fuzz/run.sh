#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each one for a bounded time.
#
# Usage: tests/fuzz/run.sh [-t SECONDS] [TARGET...]
#   -t SECONDS  time per target (default 60; also FUZZ_SECONDS)
#   TARGET      entry_codec, http_request, batch_json, json_string, key_list, memcached_request, redis_script, redis_request, redis_command, memcached_command (default: every target that was built)
#   FUZZ_BUILD  build directory (default build-fuzz)
#
# New interesting inputs go to a scratch corpus under $FUZZ_WORK (default /tmp/apicached-fuzz),
# never into the repository; the committed seeds in tests/fuzz/corpus/<target>/ are read only.
# A crash leaves crash-<sha1> in $FUZZ_WORK/<target>/ and the script exits non-zero: copy that
# file into tests/fuzz/corpus/<target>/ (the replay test then fails until the bug is fixed).
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
while getopts "t:" opt; do
  case $opt in
    t) seconds=$OPTARG ;;
    *) sed -n '2,12p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
build=${FUZZ_BUILD:-build-fuzz}
work=${FUZZ_WORK:-/tmp/apicached-fuzz}
all_targets=(entry_codec http_request batch_json json_string key_list memcached_request redis_script redis_request redis_command memcached_command)
targets=("$@")

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ not found; run scripts/install-deps.sh test (clang, libclang-rt-14-dev)" >&2
  exit 1
fi
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DAPICACHED_FUZZ=ON -DAPICACHED_SANITIZE=ON -DAPICACHED_BUILD_BENCHMARKS=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link"
fi
# A build directory configured otherwise (by hand, or by an older run.sh) builds the targets
# without coverage on apicached's libraries and without the sanitizers: libFuzzer then sees only
# the target's own file, and memory errors go unseen. Refuse it rather than fuzz half-blind.
cache="$build/CMakeCache.txt"
if ! grep -q '^CMAKE_CXX_FLAGS:STRING=.*-fsanitize=fuzzer-no-link' "$cache" ||
   ! grep -q '^APICACHED_SANITIZE:BOOL=ON' "$cache"; then
  echo "fuzz: $build was not configured by this script (no -fsanitize=fuzzer-no-link or no" \
    "APICACHED_SANITIZE=ON in $cache); remove it, or set FUZZ_BUILD to a new directory" >&2
  exit 1
fi
if [ ${#targets[@]} -eq 0 ]; then
  for t in "${all_targets[@]}"; do
    [ -f "tests/fuzz/${t}_fuzz.cpp" ] && targets+=("$t")
  done
fi
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  echo "fuzz: $t for ${seconds}s (scratch corpus $work/$t)" >&2
  log="$work/$t.log"
  args=("$work/$t" "tests/fuzz/corpus/$t" -max_total_time="$seconds" -print_final_stats=1
        -artifact_prefix="$work/$t/")
  [ -f "tests/fuzz/dict/$t.dict" ] && args+=(-dict="tests/fuzz/dict/$t.dict")
  # A script that grows a string a few bytes per loop (corpus/redis_script/quadratic_concat)
  # churns ASan's default 256 MiB quarantine up to about 2.3 GiB of RSS within its time limit:
  # no leak (docs/fuzzing.md), but past libFuzzer's 2 GiB. A 32 MiB quarantine keeps it lower.
  run_env=()
  [ "$t" != redis_script ] || run_env=(ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=32")
  if env "${run_env[@]}" "$build/tests/fuzz/fuzz_$t" "${args[@]}" >"$log" 2>&1; then
    grep -E 'stat::number_of_executed_runs|cov:' "$log" | tail -2 >&2 || true
  else
    echo "fuzz: $t FAILED; see $log and $work/$t/crash-*" >&2
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failures in ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${targets[*]}: no crash in ${seconds}s each" >&2
