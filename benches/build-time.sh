#!/usr/bin/env bash
# Clean build time of the library, as a user who adds the crate pays it: `cargo build --lib` in the
# dev profile, a fresh target directory each time, crates already downloaded. Measures this tree's
# feature sets, then any git revisions given (in temporary worktrees), one after the other.
#
#   bash benches/build-time.sh [REV ...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fetch --quiet

measure() {
  local label=$1 dir=$2
  shift 2
  local target start end
  target=$(mktemp -d)
  start=$(date +%s.%N)
  (cd "$dir" && CARGO_TARGET_DIR="$target" cargo build --quiet --lib "$@")
  end=$(date +%s.%N)
  rm -rf "$target"
  printf '| %s | %.1f s |\n' "$label" "$(echo "$end - $start" | bc)"
}

echo "$(nproc) cores; $(cargo --version)"
echo
echo "| build | clean build of the library |"
echo "|---|---:|"
measure "this tree, default features (rustls with ring)" .
measure "this tree, native-tls instead of rustls" . --no-default-features --features native-tls
for rev in "$@"; do
  worktree=$(mktemp -d)
  git worktree add --quiet --detach "$worktree" "$rev"
  (cd "$worktree" && cargo fetch --quiet)
  measure "revision $(git rev-parse --short "$rev"), default features" "$worktree"
  git worktree remove --force "$worktree"
done
