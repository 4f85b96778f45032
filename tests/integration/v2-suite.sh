#!/bin/sh
# Runs inside ../shared/tools/vmrun (pure cgroup v2): the cgroup unit tests
# and the lifecycle/exec/cgroup bats suites against the host-built binary.
# Prints "v2 totals: P passed F failed S skipped" (last line).
#
#   BUILD        build dir under the repo (default build)
#   V2_SUITES    bats suites to run (default "lifecycle exec cgroup rootless")
#   CELL_TEST_FAST=1  leave out tests tagged slow (seconds of real load)
#   V2_FILTER    only the tests whose name matches this regex (bats -f)
#   V2_ENGINE_SUITES  engine suites whose cgroup-dependent tests run too
#                (default "docker podman-rootless")
# A virtio scratch disk attached to the VM (cgroup_v2_lib.sh --suite does
# it) is handed to the tests as CELL_TEST_SCRATCH_DISK; without one the
# tests that need it skip.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export CELL=$top/$BUILD/cell RUNTIME=$top/$BUILD/cell
export TMPDIR=/tmp
p=0 f=0 s=0
echo "v2: $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup, kernel $(uname -r)"
# Only in the VM (the root is the host's, over 9p, or an overlay on it with
# --overlay-root), and only an unmounted whole disk: the host's /dev/vda is
# its root filesystem.
root_fs=$(awk '$2 == "/" { t = $3 } END { print t }' /proc/mounts)
if [ -z "${CELL_TEST_SCRATCH_DISK:-}" ] &&
	{ [ "$root_fs" = 9p ] || [ "$root_fs" = overlay ]; } &&
	[ -b /dev/vda ] && ! grep -q '^/dev/vda' /proc/mounts; then
	export CELL_TEST_SCRATCH_DISK=/dev/vda
	echo "v2: scratch disk $CELL_TEST_SCRATCH_DISK"
fi
# the unit tests are the full build's (make: $BUILD/full), or this one's
for t in "$BUILD"/full/tests/unit/test_cgroup "$BUILD"/tests/unit/test_cgroup; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	rc=$?
	tp=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	tf=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	ts=$(echo "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	tp=${tp:-0} tf=${tf:-0} ts=${ts:-0}
	[ "$rc" -ne 0 ] && [ "$tf" -eq 0 ] && tf=1
	echo "v2 unit $(basename "$t"): $tp passed $tf failed $ts skipped"
	[ "$tf" -eq 0 ] || echo "$out" | grep -E 'FAIL|error|Error' | head -20 | sed 's/^/  /'
	p=$((p + tp)) f=$((f + tf)) s=$((s + ts))
	break
done
suites=""
for b in ${V2_SUITES:-lifecycle exec cgroup rootless}; do
	[ -f tests/integration/$b.bats ] && suites="$suites tests/integration/$b.bats"
done
filter=""
[ "${CELL_TEST_FAST:-0}" = 1 ] && filter="--filter-tags !slow"
# V2_FILTER: a bats -f regex (no spaces), to run a few tests while debugging.
[ -n "${V2_FILTER:-}" ] && filter="$filter -f $V2_FILTER"
if [ -n "$suites" ]; then
	# One bats run: the busybox rootfs the helpers build once per run
	# costs ~30 s under TCG, and side-by-side runs gain nothing on a VM
	# that gets about one host core.
	start=$(date +%s)
	outdir=$(mktemp -d /tmp/v2-suite.XXXXXX)
	# shellcheck disable=SC2086
	bats --tap --timing $filter $suites >"$outdir/all.tap" 2>&1
	out=$(cat "$outdir/all.tap")
	bp=$(echo "$out" | grep -c '^ok ')
	bs=$(echo "$out" | grep -c '^ok .* # skip')
	bf=$(echo "$out" | grep -c '^not ok')
	bp=$((bp - bs))
	echo "v2 bats:$suites: $bp passed $bf failed $bs skipped ($(($(date +%s) - start)) s)"
	# The slowest tests, to see where the VM time goes.
	sed -n 's/^\(not \)*ok [0-9]* \(.*\) in \([0-9]*\)ms.*/\3 \2/p' "$outdir/all.tap" |
		sort -rn | head -5 | awk '{ printf "  slowest: %5.1f s ", $1 / 1000; $1 = ""; print }'
	# The measurements the cgroup suite prints (ratios, rates, counts).
	echo "$out" | grep '^# measured:' | sed 's/^/  /'
	echo "$out" | grep '^ok .* # skip' | sed 's/^/  /'
	[ "$bf" -eq 0 ] || echo "$out" | awk '/^not ok/{show=1} /^ok /{show=0} show' | head -60 | sed 's/^/  /'
	rm -rf "$outdir"
	p=$((p + bp)) f=$((f + bf)) s=$((s + bs))
fi
# The engines on cgroup v2: their tests whose outcome depends on the cgroup
# version (the rest are version-blind and run on the host) -- Docker's
# limits, update, stats, pause and OOM, and rootless Podman in a delegated
# subtree (useradd: the VM needs --overlay-root).  V2_ENGINE_SUITES=""
# leaves them out.
engine_filter() {
	case $1 in
	docker) echo 'cgroup|blkio|update|stats|pause|OOM' ;;
	podman-rootless) echo 'delegated' ;;
	*) echo '.' ;;
	esac
}
for b in ${V2_ENGINE_SUITES-docker podman-rootless}; do
	[ -f tests/integration/$b.bats ] || continue
	start=$(date +%s)
	out=$(bats --tap -f "$(engine_filter "$b")" tests/integration/$b.bats 2>&1)
	bp=$(echo "$out" | grep -c '^ok ')
	bs=$(echo "$out" | grep -c '^ok .* # skip')
	bf=$(echo "$out" | grep -c '^not ok')
	bp=$((bp - bs))
	echo "v2 bats: $b (cgroup-dependent tests): $bp passed $bf failed $bs skipped ($(($(date +%s) - start)) s)"
	echo "$out" | grep '^ok .* # skip' | sed 's/^/  /'
	[ "$bf" -eq 0 ] || echo "$out" | awk '/^not ok/{show=1} /^ok /{show=0} show' | head -60 | sed 's/^/  /'
	p=$((p + bp)) f=$((f + bf)) s=$((s + bs))
done
echo "v2 totals: $p passed $f failed $s skipped"
