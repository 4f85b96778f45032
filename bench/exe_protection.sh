#!/usr/bin/env bash
# The cost of the CVE-2019-5736 protection (src/sec/exec.c): `cell run` of
# /bin/true with the protection (the container's process is exec'd through
# an 800-byte static trampoline run from a sealed memfd) and without it
# (a plain execve), interleaved, N runs each.
#
#   bench/exe_protection.sh                  # N=200, CELL=build/cell
#   N=50 CELL=build-x/cell bench/exe_protection.sh
#
# "without" sets CELL_TEST_NO_EXEC_TRAMPOLINE=1, which only a build with
# -Dtest_hooks=true honours (the default build/ dir has it); a release
# build cannot turn the protection off.
#
# Prints mean and median wall time (ms) of each, and the difference.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
N="${N:-200}"
CELL="${CELL:-$REPO/build/cell}"

die() {
	echo "exe_protection.sh: $*" >&2
	exit 1
}

[ -x "$CELL" ] || die "no cell binary at $CELL (set CELL=)"
command -v jq >/dev/null || die "no jq (apt-get install jq)"
[ -n "${EPOCHREALTIME:-}" ] || die "bash >= 5 is needed for EPOCHREALTIME"

WORK="$(mktemp -d /tmp/cell-bench-exe.XXXXXX)"
chmod 755 "$WORK"
BUNDLE="$WORK/bundle"
ROOT="$(mktemp -d /run/cell-bench-exe.XXXXXX)"

cleanup() {
	local id
	for id in $("$CELL" --root "$ROOT" list -q 2>/dev/null); do
		"$CELL" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
	done
	rm -rf "$WORK" "$ROOT"
}
trap cleanup EXIT

mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc} "$ROOT"
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
ln -s busybox "$BUNDLE/rootfs/bin/true"
(cd "$BUNDLE" && "$CELL" spec)
jq '.process.terminal = false | .process.args = ["/bin/true"]' "$BUNDLE/config.json" >"$BUNDLE/c.json"
mv "$BUNDLE/c.json" "$BUNDLE/config.json"

# Is the protection there, and can it be turned off for the comparison?
probe() {
	"$CELL" --root "$ROOT" run -b "$BUNDLE" "probe-$1" </dev/null >/dev/null 2>&1 ||
		die "cell run does not work"
}
probe warm

FAILS=0
time_cmd() {
	local out="$1" t0 t1
	shift
	t0="${EPOCHREALTIME/./}"
	"$@" </dev/null >/dev/null 2>>"$WORK/errors" || FAILS=$((FAILS + 1))
	t1="${EPOCHREALTIME/./}"
	echo $(((t1 - t0))) >>"$out"
}

for i in $(seq 1 "$N"); do
	time_cmd "$WORK/with" "$CELL" --root "$ROOT" run -b "$BUNDLE" "w$i"
	time_cmd "$WORK/without" env CELL_TEST_NO_EXEC_TRAMPOLINE=1 \
		"$CELL" --root "$ROOT" run -b "$BUNDLE" "o$i"
done
# `env` adds one exec to "without"; time it alone and take it off.
for i in $(seq 1 "$N"); do
	time_cmd "$WORK/env" env /bin/true
	time_cmd "$WORK/bare" /bin/true
done

stats() { # FILE -> "mean median" in ms (input in µs)
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
		      printf "%.3f %.3f\n", s / NR / 1000, m / 1000 }'
}
read -r env_mean env_med < <(stats "$WORK/env")
read -r bare_mean bare_med < <(stats "$WORK/bare")
read -r w_mean w_med < <(stats "$WORK/with")
read -r o_mean o_med < <(stats "$WORK/without")
o_mean="$(awk -v a="$o_mean" -v b="$env_mean" -v c="$bare_mean" 'BEGIN { printf "%.3f", a - (b - c) }')"
o_med="$(awk -v a="$o_med" -v b="$env_med" -v c="$bare_med" 'BEGIN { printf "%.3f", a - (b - c) }')"

printf 'cell run /bin/true, N=%d each, interleaved (%s)\n' "$N" "$CELL"
printf '%-22s %10s %10s\n' "" "mean ms" "median ms"
printf '%-22s %10s %10s\n' "with protection" "$w_mean" "$w_med"
printf '%-22s %10s %10s\n' "without protection" "$o_mean" "$o_med"
awk -v a="$w_mean" -v b="$o_mean" -v c="$w_med" -v d="$o_med" \
	'BEGIN { printf "%-22s %10.3f %10.3f\n", "cost", a - b, c - d }'
[ "$FAILS" -eq 0 ] || { echo "$FAILS runs failed:" >&2; head -5 "$WORK/errors" >&2; exit 1; }
