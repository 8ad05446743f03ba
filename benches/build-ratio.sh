#!/usr/bin/env bash
# Clean build of this crate's library (default features) beside the `cloudflare` crate 0.14's, side
# by side in one run on this machine, and the ratio of the two.
#
#   bash benches/build-ratio.sh [RUNS]      (default 3 runs of each, alternately)
#
# Each is built the way a user's project builds it: as a dependency of an empty library in a scratch
# project (`cargo build`, dev profile, a fresh target directory every run). The scratch projects live
# under ${SCRATCH:-/tmp/cf-build-ratio}; the one `cargo fetch` that downloads the crates is the only
# network use, every build after it runs with --offline. Prints the median wall and CPU (user +
# system) time of each and the ratios, this crate / cloudflare.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$(pwd)
runs=${1:-3}
scratch=${SCRATCH:-/tmp/cf-build-ratio}
mkdir -p "$scratch"

project() { # name, dependency line
  local dir="$scratch/$1"
  mkdir -p "$dir/src"
  printf '[package]\nname = "%s"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s\n\n[workspace]\n' \
    "$1" "$2" >"$dir/Cargo.toml"
  echo "// empty: only the dependency is built" >"$dir/src/lib.rs"
  (cd "$dir" && cargo fetch --quiet)
  echo "$dir"
}

ours=$(project ours "cloudflare-origin-trust-store = { path = \"$here\" }")
theirs=$(project theirs 'cloudflare = "0.14"')

timed_build() { # dir -> "wall cpu"
  local dir=$1 out
  rm -rf "$dir/target"
  out=$( { /usr/bin/env time -f '%e %U %S' cargo build --offline --quiet --manifest-path "$dir/Cargo.toml" >/dev/null; } 2>&1 | tail -n 1)
  awk '{printf "%.1f %.1f\n", $1, $2 + $3}' <<<"$out"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }

: >"$scratch/ours.txt"
: >"$scratch/theirs.txt"
for i in $(seq "$runs"); do
  timed_build "$ours" | tee -a "$scratch/ours.txt" | sed "s/^/run $i  this crate       (wall cpu s): /"
  timed_build "$theirs" | tee -a "$scratch/theirs.txt" | sed "s/^/run $i  cloudflare 0.14  (wall cpu s): /"
done

ow=$(cut -d' ' -f1 "$scratch/ours.txt" | median)
oc=$(cut -d' ' -f2 "$scratch/ours.txt" | median)
tw=$(cut -d' ' -f1 "$scratch/theirs.txt" | median)
tc=$(cut -d' ' -f2 "$scratch/theirs.txt" | median)
echo
echo "median of $runs, $(nproc) cores, $(cargo --version)"
printf '%-40s %8s %8s\n' "clean build" "wall s" "CPU s"
printf '%-40s %8s %8s\n' "cloudflare-origin-trust-store (default)" "$ow" "$oc"
printf '%-40s %8s %8s\n' "cloudflare 0.14 (default)" "$tw" "$tc"
awk -v ow="$ow" -v tw="$tw" -v oc="$oc" -v tc="$tc" \
  'BEGIN {printf "ratio this crate / cloudflare: wall %.2fx, CPU %.2fx\n", ow / tw, oc / tc}'
