#!/bin/sh
# Every test stage of `make check`, with one closing line of totals:
#   N passed, N failed, N skipped
# Stages: cmocka unit tests; bats integration suites; the same under
# ASan+UBSan; the cgroup v2 suite inside a throwaway VM; the systemd cgroup
# driver's suite inside a VM booted with systemd; a fuzz smoke run.
# STAGES="unit integration" limits what runs (default: all).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
CELL=${CELL:-$top/$BUILD/cell}
# the full (glibc) build: the unit tests, and valgrind (which cannot follow
# the static build's malloc)
FULL=${FULL:-$BUILD/full}
case $FULL in /*) ;; *) FULL=$top/$FULL ;; esac
STAGES=${STAGES:-"unit integration legacy asan v2 systemd fuzz"}
log=$(mktemp -d /tmp/cell-check.XXXXXX)
passed=0 failed=0 skipped=0

add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3)); }
stage() { printf '\n=== %s\n' "$*"; }
wants() { case " $STAGES " in *" $1 "*) return 0 ;; esac; return 1; }

# cmocka prints "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)..." /
# "[  SKIPPED ] N test(s)".
run_cmocka() { # dir
	for t in "$1"/tests/unit/test_*; do
		case $t in *.p) continue ;; esac
		[ -f "$t" ] && [ -x "$t" ] || continue
		out=$log/$(basename "$t").$(basename "$1").out
		"$t" >"$out" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
		s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
		p=${p:-0} f=${f:-0} s=${s:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		printf '%-28s %3s passed %3s failed %3s skipped\n' "$(basename "$t")" "$p" "$f" "$s"
		[ "$f" -eq 0 ] || sed 's/^/    /' "$out" | grep -v '^    \[ *\(RUN\|OK\) ' | tail -40
		add "$p" "$f" "$s"
	done
}

run_bats() { # name, bats args...
	name=$1
	shift
	run_tap "$name" bats --tap "$@"
}

run_tap() { # name, a command that prints TAP...
	name=$1
	shift
	out=$log/bats.$name.tap
	"$@" >"$out" 2>&1
	p=$(grep -c '^ok .*' "$out" | tr -d ' ')
	s=$(grep -c '^ok .* # skip' "$out" | tr -d ' ')
	f=$(grep -c '^not ok' "$out" | tr -d ' ')
	# no plan line: the command did not get as far as running a test
	grep -q '^1\.\.' "$out" || { f=$((f + 1)); tail -5 "$out" | sed 's/^/    /'; }
	p=$((p - s))
	printf '%-28s %3s passed %3s failed %3s skipped\n' "bats $name" "$p" "$f" "$s"
	[ "$f" -eq 0 ] || awk '/^not ok/{show=1} /^ok /{show=0} show' "$out" | head -80 | sed 's/^/    /'
	add "$p" "$f" "$s"
}

if wants unit; then
	stage "unit tests (cmocka)"
	run_cmocka "$FULL"
fi

if wants integration; then
	stage "integration tests (bats) against $CELL"
	CELL=$CELL RUNTIME=$CELL run_bats integration tests/integration
fi

# A pure cgroup v1 host (no cgroup2 mount, as on RHEL 8): this hybrid host
# with /sys/fs/cgroup/unified hidden in a private mount namespace of the
# suites' own (the host's mount is untouched).  exec shares the runtime's
# memory with its child only there (no clone3 needed), so exec.bats and
# console.bats run its path.
if wants legacy; then
	stage "cgroup v1 legacy (the unified mount hidden)"
	if [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		CELL=$CELL RUNTIME=$CELL run_tap legacy \
			unshare -m --propagation private sh -c \
			'umount /sys/fs/cgroup/unified && exec bats --tap "$@"' sh \
			tests/integration/lifecycle.bats tests/integration/exec.bats \
			tests/integration/console.bats tests/integration/cgroup.bats \
			tests/integration/crash.bats tests/integration/security.bats \
			tests/integration/process.bats tests/integration/people.bats \
			tests/integration/namespaces.bats tests/integration/bad-input.bats \
			tests/integration/builds.bats
	else
		echo "no hybrid cgroup2 mount to hide: the integration stage ran this host's own layout"
		add 0 0 1
	fi
fi

if wants asan; then
	stage "sanitizers: ASan + UBSan"
	if [ ! -f build-asan/build.ninja ]; then
		CC=clang meson setup build-asan -Db_sanitize=address,undefined \
			-Db_lundef=false -Dtest_hooks=true >/dev/null
	fi
	if ninja -C build-asan >"$log/asan-build.out" 2>&1; then
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		run_cmocka build-asan
		CELL=$top/build-asan/cell RUNTIME=$top/build-asan/cell \
			run_bats asan tests/integration/lifecycle.bats tests/integration/exec.bats \
			tests/integration/trace.bats
	else
		tail -30 "$log/asan-build.out"
		add 0 1 0
	fi
fi

if wants asan; then
	stage "valgrind: the CLI paths"
	out=$(CELL=$FULL/cell sh tests/valgrind.sh 2>&1)
	echo "$out" | head -40
	line=$(echo "$out" | grep '^valgrind: [0-9]' | tail -1)
	set -- $(echo "${line#valgrind: }" | sed 's/[^0-9 ]//g')
	add "${1:-0}" "${2:-1}" 0
fi

if wants v2; then
	stage "cgroup v2 (throwaway VM)"
	if [ -x ../shared/tools/vmrun ]; then
		# a scratch disk for the io.max and throttled-read tests
		disk=$log/scratch.img
		truncate -s 64M "$disk"
		if VMRUN_MODULES="${VMRUN_MODULES:-} virtio_blk" \
			VMRUN_QEMU_OPTS="${VMRUN_QEMU_OPTS:-} -drive file=$disk,if=virtio,format=raw" \
			../shared/tools/vmrun --overlay-root --timeout 1800 -- sh tests/integration/v2-suite.sh \
			>"$log/v2.out" 2>&1; then :; fi
		rm -f "$disk"
		cat "$log/v2.out" | grep -E '^(v2|  )' | head -60
		line=$(grep -E '^v2 totals: ' "$log/v2.out" | tail -1)
		if [ -n "$line" ]; then
			set -- $(echo "${line#v2 totals: }" | sed 's/[^0-9 ]//g')
			add "$1" "$2" "$3"
		else
			echo "the v2 VM run did not report (see below)"
			tail -30 "$log/v2.out"
			add 0 1 0
		fi
	else
		echo "../shared/tools/vmrun not found: v2 stage skipped"
		add 0 0 1
	fi
fi

if wants systemd; then
	stage "systemd cgroup driver (VM booted with systemd)"
	if [ -x ../shared/tools/vmrun ]; then
		if ../shared/tools/vmrun --systemd --timeout 1500 -- sh tests/systemd/suite.sh \
			>"$log/systemd.out" 2>&1; then :; fi
		grep -E '^(systemd|  )' "$log/systemd.out" | head -60
		line=$(grep -E '^systemd totals: ' "$log/systemd.out" | tail -1)
		if [ -n "$line" ]; then
			set -- $(echo "${line#systemd totals: }" | sed 's/[^0-9 ]//g')
			add "$1" "$2" "$3"
		else
			echo "the systemd VM run did not report (see below)"
			tail -30 "$log/systemd.out"
			add 0 1 0
		fi
	else
		echo "../shared/tools/vmrun not found: systemd stage skipped"
		add 0 0 1
	fi
fi

if wants fuzz; then
	stage "fuzz smoke (libFuzzer)"
	if sh tests/fuzz/run.sh "${FUZZ_SMOKE_SECONDS:-3}" >"$log/fuzz.out" 2>&1; then
		cat "$log/fuzz.out"
		add 1 0 0
	else
		tail -30 "$log/fuzz.out"
		add 0 1 0
	fi
fi

echo
echo "logs: $log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
