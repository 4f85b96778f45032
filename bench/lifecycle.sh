#!/usr/bin/env bash
# cell against crun and runc, side by side, in one run on one busybox
# bundle, with the kernel's own floor beside them.
#
#   bench/lifecycle.sh                     # N=100
#   N=30 CELL=build-x/cell bench/lifecycle.sh
#   SECTIONS="run exec" bench/lifecycle.sh # a subset
#
# Sections (see bench/README.md):
#   run       wall time of `RUNTIME run ID` of /bin/true, start to exit, and
#             of bench/floor.c (clone with the same namespaces, pivot_root,
#             exec: what the kernel alone charges)
#   exec      wall time of `RUNTIME exec ID /bin/true` into a running sleep
#   parallel  create+start+delete of PAR_TOTAL containers from PAR_JOBS
#             callers at once: containers per second
#   people    `cell run -- /bin/true` on the default rootfs: the first
#             container (empty seccomp cache, fresh state root), then the
#             median of the next ones
#   rss       peak RSS of a `run` (GNU time %M), over RSS_RUNS invocations
#   syscalls  system calls of one `run`, every process (strace -f -c)
#   cpu       CPU time of a `run`, every process (perf stat -r, task-clock)
#   callgrind instructions of cell's runtime process for one `run`
# Timed runs are interleaved (floor, cell, crun, runc, floor, ...) so drift
# in the machine's load hits every runtime alike.  Each runtime has its own
# --root on tmpfs and each container a unique id.
#
# The benchmark runs in a private mount namespace of its own, so that what
# it changes there never reaches the host:
# - crun 1.8 refuses a cgroup v1 "hybrid" host (v1 controllers plus a
#   cgroup2 mount at /sys/fs/cgroup/unified).  On such a host that one mount
#   is hidden, so that every runtime sees the same legacy v1 hierarchy.
# - The state roots are on a tmpfs, as /run is on a host booted normally
#   (the runtimes' defaults are /run/cell, /run/crun, /run/runc).  Where /run
#   is a plain directory of the root disk (this project's test machine: ext4
#   mounted with `discard`), removing a state directory waits for a
#   synchronous discard of its blocks, ~0.2 ms per container that measures
#   the disk, not the runtime.

set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"

if [ -z "${BENCH_IN_NS:-}" ]; then
	exec unshare -m --propagation private env BENCH_IN_NS=1 "$0" "$@"
fi
HIDDEN_V2=""
if [ -d /sys/fs/cgroup/unified ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified)" = cgroup2fs ] &&
	command -v crun >/dev/null; then
	umount /sys/fs/cgroup/unified
	HIDDEN_V2=1
fi

N="${N:-100}"
RSS_RUNS="${RSS_RUNS:-10}"
PAR_TOTAL="${PAR_TOTAL:-100}"
PAR_JOBS="${PAR_JOBS:-8}"
PAR_ROUNDS="${PAR_ROUNDS:-3}"
SECTIONS="${SECTIONS:-run exec parallel people rss syscalls cpu callgrind}"
CELL="${CELL:-$REPO/build/cell}"
RUNC="${RUNC:-$(command -v runc || echo /usr/sbin/runc)}"
CRUN="${CRUN:-$(command -v crun || echo /usr/bin/crun)}"
GNU_TIME=/usr/bin/time

die() {
	echo "lifecycle.sh: $*" >&2
	exit 1
}
want() {
	case " $SECTIONS " in *" $1 "*) return 0 ;; esac
	return 1
}

[ -x "$CELL" ] || die "no cell binary at $CELL (set CELL=)"
[ -x "$RUNC" ] || die "no runc at $RUNC (apt-get install runc, or set RUNC=)"
[ -x "$CRUN" ] || die "no crun at $CRUN (apt-get install crun, or set CRUN=)"
[ -x "$GNU_TIME" ] || die "no $GNU_TIME (apt-get install time)"
command -v jq >/dev/null || die "no jq (apt-get install jq)"
command -v cc >/dev/null || die "no cc (apt-get install gcc)"
[ -n "${EPOCHREALTIME:-}" ] || die "bash >= 5 is needed for EPOCHREALTIME"

WORK="$(mktemp -d /tmp/cell-bench.XXXXXX)"
chmod 755 "$WORK"
BUNDLE="$WORK/bundle"
# State roots live on tmpfs under /run, as the runtimes' defaults do
# (/run/cell, /run/crun, /run/runc): on a disk, each state write is ext4
# journal work that measures the disk, not the runtime.
STATE="$(mktemp -d /run/cell-bench.XXXXXX)"
STATE_FS="$(stat -fc %T "$STATE")"
if [ "$STATE_FS" != tmpfs ]; then
	mount -t tmpfs -o mode=0755 cell-bench "$STATE"
fi
RUNTIMES=(cell crun runc)
declare -A ROOT=([cell]="$STATE/root-cell" [crun]="$STATE/root-crun" [runc]="$STATE/root-runc")
declare -A BIN=([cell]="$CELL" [crun]="$CRUN" [runc]="$RUNC")

cleanup() {
	local r id
	for r in "${RUNTIMES[@]}"; do
		for id in $("${BIN[$r]}" --root "${ROOT[$r]}" list -q 2>/dev/null); do
			"${BIN[$r]}" --root "${ROOT[$r]}" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$WORK"
	[ "$STATE_FS" = tmpfs ] || umount "$STATE"
	rm -rf "$STATE"
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
# skips them silently, cell refuses.  Drop them so all run the same config.
jq '.process.terminal = false | .process.args = ["/bin/true"] | del(.process.capabilities.ambient)' \
	"$BUNDLE/config.json" >"$BUNDLE/c.json"
mv "$BUNDLE/c.json" "$BUNDLE/config.json"
mkdir -p "${ROOT[cell]}" "${ROOT[crun]}" "${ROOT[runc]}"
cc -O2 -o "$WORK/floor" "$HERE/floor.c" || die "cannot build bench/floor.c"

for r in "${RUNTIMES[@]}"; do
	if ! err="$("${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "check-$r" 2>&1 </dev/null)"; then
		die "$r run does not work: $err"
	fi
done
"$WORK/floor" "$BUNDLE/rootfs" || die "the floor program does not work"

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

# stats FILE: "mean median min max" of a column of numbers.
stats() {
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
		END {
			if (NR == 0) { print "- - - -"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.2f %.2f %.2f %.2f\n", s / NR, m, v[1], v[NR]
		}'
}
median() {
	local mean med rest
	read -r mean med rest < <(stats "$1")
	echo "$med"
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }'
}
verdict() { # VALUE OP TARGET
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "-" || v == "") { print "-"; exit }
		ok = (op == "<=") ? (v <= t) : (v >= t)
		print ok ? "MET" : "missed"
	}'
}

echo "bench: N=$N; cell $("$CELL" --version | head -1 | awk '{print $3}'), crun $("$CRUN" --version | head -1 | awk '{print $3}'), runc $("$RUNC" --version | head -1 | awk '{print $3}')"
echo "bench: busybox-static bundle, $(nproc) cpus, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
[ -n "$HIDDEN_V2" ] && echo "bench: hybrid host: /sys/fs/cgroup/unified hidden in the benchmark's mount namespace (crun refuses hybrid)"
[ "$STATE_FS" = tmpfs ] || echo "bench: /run is $STATE_FS here: the state roots are on a tmpfs of the benchmark's mount namespace"

# --- run ---------------------------------------------------------------------
if want run; then
	echo -n "run:      "
	for i in $(seq "$N"); do
		time_cmd "$WORK/run.floor" "$WORK/floor" "$BUNDLE/rootfs"
		for r in "${RUNTIMES[@]}"; do
			time_cmd "$WORK/run.$r" "${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "run-$r-$i"
		done
		[ $((i % 20)) -eq 0 ] && echo -n "$i "
	done
	echo
fi

# --- exec --------------------------------------------------------------------
if want exec; then
	jq '.process.args = ["/bin/sleep", "100000"]' "$BUNDLE/config.json" >"$WORK/sleep.json"
	cp "$BUNDLE/config.json" "$WORK/true.json"
	cp "$WORK/sleep.json" "$BUNDLE/config.json"
	for r in "${RUNTIMES[@]}"; do
		"${BIN[$r]}" --root "${ROOT[$r]}" run -d -b "$BUNDLE" "exec-$r" </dev/null >/dev/null 2>&1 ||
			die "$r run -d failed"
	done
	cp "$WORK/true.json" "$BUNDLE/config.json"
	echo -n "exec:     "
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
fi

# --- parallel ----------------------------------------------------------------
# PAR_JOBS callers each create, start and delete their share of PAR_TOTAL
# containers; the wall time of the whole batch, PAR_ROUNDS times per
# runtime (interleaved), gives containers per second.
par_worker() { # RUNTIME ROUND JOB COUNT
	local r="$1" k="$2" j="$3" n="$4" i id
	for i in $(seq "$n"); do
		id="par-$r-$k-$j-$i"
		"${BIN[$r]}" --root "${ROOT[$r]}" create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>>"$WORK/errors" &&
			"${BIN[$r]}" --root "${ROOT[$r]}" start "$id" </dev/null >/dev/null 2>>"$WORK/errors" &&
			"${BIN[$r]}" --root "${ROOT[$r]}" delete --force "$id" </dev/null >/dev/null 2>>"$WORK/errors" ||
			echo "failed: $r parallel $id" >>"$WORK/errors"
	done
}
if want parallel; then
	echo -n "parallel: "
	per=$(((PAR_TOTAL + PAR_JOBS - 1) / PAR_JOBS))
	for k in $(seq "$PAR_ROUNDS"); do
		for r in "${RUNTIMES[@]}"; do
			t0="${EPOCHREALTIME/./}"
			for j in $(seq "$PAR_JOBS"); do
				par_worker "$r" "$k" "$j" "$per" &
			done
			wait
			t1="${EPOCHREALTIME/./}"
			awk -v n=$((per * PAR_JOBS)) -v us=$((t1 - t0)) 'BEGIN { printf "%.1f\n", n / (us / 1e6) }' >>"$WORK/par.$r"
		done
		echo -n "$k "
	done
	echo
fi

# --- people ------------------------------------------------------------------
if want people; then
	PEOPLE_ROOT="$STATE/root-people"
	# The first container on a machine: no seccomp program cached yet
	# (moved aside, then put back), no state root.
	saved=""
	if [ -d /var/cache/cell/seccomp ]; then
		saved="$WORK/seccomp-cache"
		mv /var/cache/cell/seccomp "$saved"
	fi
	time_cmd "$WORK/people.first" "$CELL" --root "$PEOPLE_ROOT" run -- /bin/true
	for i in $(seq "$N"); do
		time_cmd "$WORK/people.next" "$CELL" --root "$PEOPLE_ROOT" run -- /bin/true
	done
	if [ -n "$saved" ]; then
		rm -rf /var/cache/cell/seccomp
		mv "$saved" /var/cache/cell/seccomp
	fi
fi

# --- peak RSS ----------------------------------------------------------------
# GNU time's %M is ru_maxrss from wait4() on the runtime process: the largest
# resident set of that process and of every descendant it reaped (runc's
# re-exec'd `runc init`, crun's and cell's forked child), including the
# /bin/true (busybox, static) they finally exec, whose own RSS is a floor.
if want rss; then
	for i in $(seq "$RSS_RUNS"); do
		for r in "${RUNTIMES[@]}"; do
			"$GNU_TIME" -f %M -o "$WORK/rss.one" "${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "rss-$r-$i" \
				</dev/null >/dev/null 2>&1 || true
			cat "$WORK/rss.one" >>"$WORK/rss.$r"
		done
	done
	"$GNU_TIME" -f %M -o "$WORK/rss.true" "$BUNDLE/rootfs/bin/true"
fi

# --- system calls ------------------------------------------------------------
if want syscalls && command -v strace >/dev/null; then
	for r in "${RUNTIMES[@]}"; do
		strace -f -c -o "$WORK/strace.$r" "${BIN[$r]}" --root "${ROOT[$r]}" run -b "$BUNDLE" "strace-$r" \
			</dev/null >/dev/null 2>&1 || true
	done
	strace -f -c -o "$WORK/strace.floor" "$WORK/floor" "$BUNDLE/rootfs" >/dev/null 2>&1 || true
fi

# --- CPU time ----------------------------------------------------------------
# task-clock counts CPU time of the runtime and every child, not the time
# spent waiting: it is steadier than wall time on a loaded machine.
if want cpu && command -v perf >/dev/null; then
	for r in "${RUNTIMES[@]}"; do
		perf stat -x, -e task-clock -r "$RSS_RUNS" -o "$WORK/cpu.$r" \
			sh -c 'exec "$0" --root "$1" run -b "$2" "cpu-$$"' "${BIN[$r]}" "${ROOT[$r]}" "$BUNDLE" \
			</dev/null >/dev/null 2>&1 || true
	done
fi

# --- instructions ------------------------------------------------------------
# valgrind 3.19 has no open_tree/move_mount/pidfd_open: the init fails under
# it at its first mount, so the count is cell's runtime process alone
# (parse, cgroups, state, clone, teardown), which is what it measures.
if want callgrind && command -v valgrind >/dev/null; then
	(cd "$WORK" && valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.%p" \
		"$CELL" --root "${ROOT[cell]}" run -b "$BUNDLE" callgrind-1 </dev/null >/dev/null 2>&1) || true
	CG_IR="$(for f in "$WORK"/cg.*; do sed -n 's/^summary: //p' "$f"; done | sort -n | tail -1)"
fi

# --- report ------------------------------------------------------------------
echo
if want run; then
	printf '%-8s %10s %10s %10s\n' "run" "median ms" "mean ms" "/ floor"
	for r in floor "${RUNTIMES[@]}"; do
		read -r mean med _ _ < <(stats "$WORK/run.$r")
		printf '%-8s %10s %10s %10s\n' "$r" "$med" "$mean" "$(ratio "$med" "$(median "$WORK/run.floor")")"
	done
	RC="$(ratio "$(median "$WORK/run.cell")" "$(median "$WORK/run.crun")")"
	RR="$(ratio "$(median "$WORK/run.cell")" "$(median "$WORK/run.runc")")"
	RF="$(ratio "$(median "$WORK/run.cell")" "$(median "$WORK/run.floor")")"
	echo "run:      cell/crun $RC (<= 0.5: $(verdict "$RC" '<=' 0.5)), cell/runc $RR (<= 0.2: $(verdict "$RR" '<=' 0.2)), cell/floor $RF (<= 2.5: $(verdict "$RF" '<=' 2.5))"
	echo
fi
if want exec; then
	printf '%-8s %10s %10s\n' "exec" "median ms" "mean ms"
	for r in "${RUNTIMES[@]}"; do
		read -r mean med _ _ < <(stats "$WORK/exec.$r")
		printf '%-8s %10s %10s\n' "$r" "$med" "$mean"
	done
	EC="$(ratio "$(median "$WORK/exec.cell")" "$(median "$WORK/exec.crun")")"
	ER="$(ratio "$(median "$WORK/exec.cell")" "$(median "$WORK/exec.runc")")"
	echo "exec:     cell/crun $EC (<= 0.5: $(verdict "$EC" '<=' 0.5)), cell/runc $ER"
	echo
fi
if want parallel; then
	printf '%-8s %16s\n' "parallel" "containers/s"
	for r in "${RUNTIMES[@]}"; do
		printf '%-8s %16s\n' "$r" "$(median "$WORK/par.$r")"
	done
	PR="$(ratio "$(median "$WORK/par.cell")" "$(median "$WORK/par.runc")")"
	PC="$(ratio "$(median "$WORK/par.cell")" "$(median "$WORK/par.crun")")"
	echo "parallel: $PAR_TOTAL containers from $PAR_JOBS callers; cell/runc $PR (>= 3: $(verdict "$PR" '>=' 3)), cell/crun $PC (> 1: $(verdict "$PC" '>=' 1.0))"
	echo
fi
if want people; then
	PF="$(cat "$WORK/people.first")"
	echo "people:   cell run -- /bin/true (default rootfs): first $PF ms (< 50: $(verdict "$PF" '<=' 50)), then median $(median "$WORK/people.next") ms"
	echo
fi
if want rss; then
	for r in "${RUNTIMES[@]}"; do
		printf 'rss:      %-5s %6s KB\n' "$r" "$(sort -n "$WORK/rss.$r" | tail -1)"
	done
	CR="$(sort -n "$WORK/rss.cell" | tail -1)"
	echo "rss:      cell peak $CR KB (< 2560: $(verdict "$CR" '<=' 2560)); busybox true alone $(cat "$WORK/rss.true") KB"
	echo
fi
if want syscalls && [ -f "$WORK/strace.cell" ]; then
	for r in floor "${RUNTIMES[@]}"; do
		[ -f "$WORK/strace.$r" ] || continue
		awk -v r="$r" '/^-+/ { sep++; next } sep == 1 && NF >= 5 { n[$NF] = $4 }
			/ total$/ { tot = $4 }
			END {
				printf "syscalls: %-5s %5d per run;", r, tot
				c = 0
				for (k in n) order[++c] = k
				for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++)
					if (n[order[j]] > n[order[i]]) { t = order[i]; order[i] = order[j]; order[j] = t }
				for (i = 1; i <= 5 && i <= c; i++) printf " %s %d", order[i], n[order[i]]
				printf "\n"
			}' "$WORK/strace.$r"
	done
	echo
fi
if want cpu && [ -f "$WORK/cpu.cell" ]; then
	for r in "${RUNTIMES[@]}"; do
		awk -F, -v r="$r" '$3 == "task-clock" { printf "cpu:      %-5s %6.2f ms CPU per run\n", r, $1 }' "$WORK/cpu.$r"
	done
	echo
fi
if want callgrind && [ -n "${CG_IR:-}" ]; then
	echo "callgrind: cell's runtime process: $CG_IR instructions per run"
	echo
fi
if [ "$FAILS" -gt 0 ] || [ -s "$WORK/errors" ]; then
	echo "warning:  $FAILS timed commands failed; first errors:"
	head -5 "$WORK/errors" | sed 's/^/    /'
fi
