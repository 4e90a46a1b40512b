#!/usr/bin/env bash
# Before/after of the eviction's cost to writers in ONE run: two evict_bench binaries (built
# before and after a change), their rounds interleaved so that both meet the same machine
# (docs/benchmarks-eviction.md, "Writes that find the index busy").
#
# Usage: bench/evict_ab.sh BEFORE_BIN AFTER_BIN [TRACE] [PAIRS]   (about a minute per binary and
#        round; not part of CI)
#   TRACE: zipf (default) or scan (a one-off scan of 200k other keys mixed in); PAIRS: 3.
# Each binary runs `--keys 1000000 --requests 2000000 --trace TRACE --rounds 1` once per pair,
# before first. Prints, per run, the hit ratio, the fill-rate ratio with / without eviction,
# the writer's CPU and blocked time per fill and request, and the eviction work. Copy the binary
# (build/bench/evict_bench) aside before rebuilding: both must exist for the whole run.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,12p' "$0" >&2
  exit 2
fi
before=$1
after=$2
trace=${3:-zipf}
pairs=${4:-3}
scan=()
[[ $trace == scan ]] && scan=(--scan-keys 200000)
for bin in "$before" "$after"; do
  [[ -x $bin ]] || { echo "not an executable: $bin" >&2; exit 2; }
done

for ((i = 1; i <= pairs; i++)); do
  for side in before after; do
    bin=$before
    [[ $side == after ]] && bin=$after
    echo "### $side, $trace, pair $i, $(date -u +%T) UTC, load $(cut -d' ' -f1 /proc/loadavg)"
    "$bin" --keys 1000000 --requests 2000000 "${scan[@]}" --trace "$trace" --rounds 1 |
      grep -E '^(hit ratio|fill writes|per fill|writer thread|evictions)'
  done
done
