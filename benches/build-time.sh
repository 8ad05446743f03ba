#!/usr/bin/env bash
# Clean build time of the library, as a user who adds the crate pays it: `cargo build --lib` in the
# dev profile, a fresh target directory each time, crates already downloaded. Measures this tree's
# feature sets, then any git revisions given (in temporary worktrees), RUNS times each (default 2),
# and prints the median wall time and the CPU time (user + system, steadier on a busy machine).
#
#   [RUNS=3] bash benches/build-time.sh [REV ...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fetch --quiet

RUNS=${RUNS:-2}

measure() {
  local label=$1 dir=$2
  shift 2
  local walls=() cpus=() target start end cpu
  for _ in $(seq "$RUNS"); do
    target=$(mktemp -d)
    start=$(date +%s.%N)
    cpu=$(cd "$dir" && { TIMEFORMAT='%U %S'; time CARGO_TARGET_DIR="$target" cargo build --quiet --lib "$@" ; } 2>&1 | tail -n 1)
    end=$(date +%s.%N)
    rm -rf "$target"
    walls+=("$(echo "$end - $start" | bc)")
    cpus+=("$(echo "$cpu" | awk '{print $1 + $2}')")
  done
  printf '| %s | %.1f s | %.1f s |\n' "$label" "$(median "${walls[@]}")" "$(median "${cpus[@]}")"
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo "$(nproc) cores; $(cargo --version)"
echo
echo "| build | clean build of the library (wall, median of $RUNS) | CPU time (user + system) |"
echo "|---|---:|---:|"
measure "this tree, default features (rustls with ring)" .
measure "this tree, native-tls instead of rustls" . --no-default-features --features native-tls
for rev in "$@"; do
  worktree=$(mktemp -d)
  git worktree add --quiet --detach "$worktree" "$rev"
  (cd "$worktree" && cargo fetch --quiet)
  measure "revision $(git rev-parse --short "$rev"), default features" "$worktree"
  git worktree remove --force "$worktree"
done
