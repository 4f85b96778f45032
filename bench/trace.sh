#!/usr/bin/env bash
# What tracing costs: `run` of /bin/true on one busybox bundle, interleaved
#   base   BASE=path/to/cell built without the tracing code (optional)
#   off    CELL, no flag           (must equal base: the off cost)
#   trace  CELL --trace FILE
#   explain CELL --explain
# and the median and mean wall time of each, in ms.
#
#   BASE=/tmp/cell-before N=200 bench/trace.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
N="${N:-100}"
CELL="${CELL:-$REPO/build/cell}"
BASE="${BASE:-}"
[ -x "$CELL" ] || { echo "trace.sh: no cell at $CELL" >&2; exit 1; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "trace.sh: bash >= 5 needed" >&2; exit 1; }

WORK="$(mktemp -d /tmp/cell-trace-bench.XXXXXX)"
STATE="$(mktemp -d /run/cell-trace-bench.XXXXXX)"
trap 'rm -rf "$WORK" "$STATE"' EXIT
chmod 755 "$WORK"
mkdir -p "$WORK/bundle/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$WORK/bundle/rootfs/bin/busybox"
ln -s busybox "$WORK/bundle/rootfs/bin/true"
(cd "$WORK/bundle" && "$CELL" spec)
jq '.process.terminal = false | .process.args = ["/bin/true"]' \
	"$WORK/bundle/config.json" >"$WORK/c.json"
mv "$WORK/c.json" "$WORK/bundle/config.json"

declare -A CMD=(
	[off]="$CELL --root $STATE"
	[trace]="$CELL --root $STATE --trace $WORK/t.json"
	[explain]="$CELL --root $STATE --explain"
)
KINDS=(off trace explain)
if [ -n "$BASE" ]; then
	CMD[base]="$BASE --root $STATE"
	KINDS=(base off trace explain)
fi

for k in "${KINDS[@]}"; do
	${CMD[$k]} run -b "$WORK/bundle" "warm-$k" >/dev/null 2>&1
	: >"$WORK/$k.ms"
done
for i in $(seq "$N"); do
	for k in "${KINDS[@]}"; do
		t0=$EPOCHREALTIME
		${CMD[$k]} run -b "$WORK/bundle" "b$i-$k" >/dev/null 2>&1
		t1=$EPOCHREALTIME
		echo "$t0 $t1" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' >>"$WORK/$k.ms"
	done
done
printf '%-8s %8s %8s   (N=%s, ms)\n' kind median mean "$N"
for k in "${KINDS[@]}"; do
	sort -n "$WORK/$k.ms" | awk -v k="$k" '{ v[NR] = $1; s += $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%-8s %8.2f %8.2f\n", k, m, s / NR }'
done
