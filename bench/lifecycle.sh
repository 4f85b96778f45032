#!/usr/bin/env bash
# cell vs runc, side by side, in one run on one busybox bundle.
#
#   bench/lifecycle.sh                 # N=200
#   N=50 CELL=build-x/cell bench/lifecycle.sh
#
# Measures (see bench/README.md):
#   run   wall time of `RUNTIME run ID` of /bin/true, start to exit
#   exec  wall time of `RUNTIME exec ID /bin/true` into a running `sleep` container
#   rss   peak RSS of a `run` (GNU time %M), over RSS_RUNS invocations
# Runs are interleaved (cell, runc, cell, runc, ...) so drift in the machine's
# load hits both alike.  Each runtime has its own --root, each run a unique id.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
N="${N:-200}"
RSS_RUNS="${RSS_RUNS:-10}"
CELL="${CELL:-$REPO/build/cell}"
RUNC="${RUNC:-$(command -v runc || echo /usr/sbin/runc)}"
GNU_TIME=/usr/bin/time

die() {
	echo "lifecycle.sh: $*" >&2
	exit 1
}

[ -x "$CELL" ] || die "no cell binary at $CELL (set CELL=)"
[ -x "$RUNC" ] || die "no runc at $RUNC (apt-get install runc, or set RUNC=)"
[ -x "$GNU_TIME" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y time >/dev/null 2>&1 || true
[ -x "$GNU_TIME" ] || die "no $GNU_TIME (apt-get install time)"
command -v jq >/dev/null || die "no jq (apt-get install jq)"
[ -n "${EPOCHREALTIME:-}" ] || die "bash >= 5 is needed for EPOCHREALTIME"

WORK="$(mktemp -d /tmp/cell-bench.XXXXXX)"
chmod 755 "$WORK"
BUNDLE="$WORK/bundle"
# State roots live on tmpfs under /run, as both runtimes' defaults do
# (/run/cell, /run/runc): on a disk, each state write is ext4 journal work
# that measures the disk, not the runtime.
STATE="$(mktemp -d /run/cell-bench.XXXXXX)"
declare -A ROOT=([cell]="$STATE/root-cell" [runc]="$STATE/root-runc")
declare -A BIN=([cell]="$CELL" [runc]="$RUNC")
RUNTIMES=(cell runc)

cleanup() {
	local r id
	for r in "${RUNTIMES[@]}"; do
		for id in $("${BIN[$r]}" --root "${ROOT[$r]}" list -q 2>/dev/null); do
			"${BIN[$r]}" --root "${ROOT[$r]}" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$WORK" "$STATE"
}
trap cleanup EXIT

# --- the bundle: busybox-static, /bin/true, no terminal ----------------------
mkdir -p "$BUNDLE/rootfs"/{bin,proc,sys,dev,tmp,etc}
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
for a in sh true sleep; do
	ln -s busybox "$BUNDLE/rootfs/bin/$a"
done
(cd "$BUNDLE" && "$RUNC" spec)
# runc's template lists ambient capabilities that are not inheritable: runc
# skips them silently, cell refuses.  Drop them so both run the same config.
jq '.process.terminal = false | .process.args = ["/bin/true"] | del(.process.capabilities.ambient)' \
	"$BUNDLE/config.json" >"$BUNDLE/c.json"
mv "$BUNDLE/c.json" "$BUNDLE/config.json"
mkdir -p "${ROOT[cell]}" "${ROOT[runc]}"

# Check both work before timing anything.
for r in "${RUNTIMES[@]}"; do
	if ! err="$("${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "check-$r" 2>&1 </dev/null)"; then
		die "$r run does not work: $err"
	fi
done

# time_cmd OUTFILE CMD...: append the wall time of CMD in ms to OUTFILE.
# EPOCHREALTIME costs no fork, so the timer adds nothing to either side.
time_cmd() {
	local out="$1" t0 t1
	shift
	t0="${EPOCHREALTIME/./}"
	"$@" </dev/null >/dev/null 2>>"$WORK/errors" || {
		echo "failed: $*" >>"$WORK/errors"
		FAILS=$((FAILS + 1))
	}
	t1="${EPOCHREALTIME/./}"
	echo "$(((t1 - t0) / 1000)).$(printf '%03d' $(((t1 - t0) % 1000)))" >>"$out"
}
FAILS=0

echo "bench: N=$N, cell=$CELL, runc=$RUNC ($("$RUNC" --version | head -1))"
echo "bench: bundle $BUNDLE (busybox-static), $(nproc) cpus, kernel $(uname -r)"

# --- run ---------------------------------------------------------------------
echo -n "run:  "
for i in $(seq "$N"); do
	for r in "${RUNTIMES[@]}"; do
		time_cmd "$WORK/run.$r" "${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "run-$r-$i"
	done
	[ $((i % 20)) -eq 0 ] && echo -n "$i "
done
echo

# --- exec --------------------------------------------------------------------
jq '.process.args = ["/bin/sleep", "100000"]' "$BUNDLE/config.json" >"$WORK/sleep.json"
cp "$BUNDLE/config.json" "$WORK/true.json"
cp "$WORK/sleep.json" "$BUNDLE/config.json"
for r in "${RUNTIMES[@]}"; do
	"${BIN[$r]}" --root "${ROOT[$r]}" run -d -b "$BUNDLE" "exec-$r" </dev/null >/dev/null 2>&1 ||
		die "$r run -d failed"
done
cp "$WORK/true.json" "$BUNDLE/config.json"
echo -n "exec: "
for i in $(seq "$N"); do
	for r in "${RUNTIMES[@]}"; do
		time_cmd "$WORK/exec.$r" "${BIN[$r]}" --root "${ROOT[$r]}" exec "exec-$r" /bin/true
	done
	[ $((i % 20)) -eq 0 ] && echo -n "$i "
done
echo
for r in "${RUNTIMES[@]}"; do
	"${BIN[$r]}" --root "${ROOT[$r]}" delete --force "exec-$r" >/dev/null 2>&1 || true
done

# --- peak RSS ----------------------------------------------------------------
# GNU time's %M is ru_maxrss from wait4() on the runtime process: the largest
# resident set of that process and of every descendant it reaped.  For runc
# that covers `runc init` (runc re-execs itself as the container's init; runc
# reaps it) and for cell its forked child; in both, the init then execs
# /bin/true, whose own RSS (busybox, static) is a floor on the figure.
for i in $(seq "$RSS_RUNS"); do
	for r in "${RUNTIMES[@]}"; do
		"$GNU_TIME" -f %M -o "$WORK/rss.one" "${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "rss-$r-$i" \
			</dev/null >/dev/null 2>&1 || true
		cat "$WORK/rss.one" >>"$WORK/rss.$r"
	done
done
# The floor: busybox true alone.
"$GNU_TIME" -f %M -o "$WORK/rss.floor" "$BUNDLE/rootfs/bin/true"

# --- report ------------------------------------------------------------------
# stats FILE: "mean median min max" of a column of numbers.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END {
			if (NR == 0) { print "- - - -"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f %.2f %.2f %.2f\n", s / NR, m, v[1], v[NR]
		}'
}

declare -A RUN_MEAN RUN_MED EXEC_MEAN EXEC_MED RSS
for r in "${RUNTIMES[@]}"; do
	read -r RUN_MEAN[$r] RUN_MED[$r] _ _ < <(stats "$WORK/run.$r")
	read -r EXEC_MEAN[$r] EXEC_MED[$r] _ _ < <(stats "$WORK/exec.$r")
	RSS[$r]="$(sort -n "$WORK/rss.$r" | tail -1)"
done

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'
}

echo
printf '%-10s %12s %12s %12s %12s %14s\n' runtime "run mean" "run median" "exec mean" "exec median" "peak RSS"
printf '%-10s %12s %12s %12s %12s %14s\n' "" "(ms)" "(ms)" "(ms)" "(ms)" "(KB)"
for r in "${RUNTIMES[@]}"; do
	printf '%-10s %12s %12s %12s %12s %14s\n' "$r" "${RUN_MEAN[$r]}" "${RUN_MED[$r]}" \
		"${EXEC_MEAN[$r]}" "${EXEC_MED[$r]}" "${RSS[$r]}"
done
printf '%-10s %12s %12s %12s %12s %14s\n' "cell/runc" \
	"$(ratio "${RUN_MEAN[cell]}" "${RUN_MEAN[runc]}")" "$(ratio "${RUN_MED[cell]}" "${RUN_MED[runc]}")" \
	"$(ratio "${EXEC_MEAN[cell]}" "${EXEC_MEAN[runc]}")" "$(ratio "${EXEC_MED[cell]}" "${EXEC_MED[runc]}")" \
	"$(ratio "${RSS[cell]}" "${RSS[runc]}")"
echo
echo "targets:  run <= 0.25x runc, exec <= 0.30x runc, peak RSS <= 2560 KB"
echo "floor:    busybox true alone peaks at $(cat "$WORK/rss.floor") KB (part of every RSS figure)"
awk -v r="$(ratio "${RUN_MED[cell]}" "${RUN_MED[runc]}")" \
	-v e="$(ratio "${EXEC_MED[cell]}" "${EXEC_MED[runc]}")" -v m="${RSS[cell]}" 'BEGIN {
	printf "verdict:  run %s, exec %s, rss %s (medians)\n",
		(r != "-" && r <= 0.25) ? "MET" : "missed",
		(e != "-" && e <= 0.30) ? "MET" : "missed",
		(m != "" && m <= 2560) ? "MET" : "missed"
}'
if [ "$FAILS" -gt 0 ]; then
	echo "warning:  $FAILS timed commands failed; first errors:"
	head -5 "$WORK/errors" | sed 's/^/    /'
fi
