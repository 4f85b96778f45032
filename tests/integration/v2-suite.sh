#!/bin/sh
# Runs inside ../shared/tools/vmrun (pure cgroup v2): the cgroup unit tests
# and the lifecycle/exec/cgroup bats suites against the host-built binary.
# Prints "v2 totals: P passed F failed S skipped".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export CELL=$top/$BUILD/cell RUNTIME=$top/$BUILD/cell
export TMPDIR=/tmp
p=0 f=0 s=0
echo "v2: $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup, kernel $(uname -r)"
for t in "$BUILD"/tests/unit/test_cgroup; do
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
done
suites=""
for b in lifecycle exec cgroup; do
	[ -f tests/integration/$b.bats ] && suites="$suites tests/integration/$b.bats"
done
if [ -n "$suites" ]; then
	out=$(bats --tap $suites 2>&1)
	bp=$(echo "$out" | grep -c '^ok ')
	bs=$(echo "$out" | grep -c '^ok .* # skip')
	bf=$(echo "$out" | grep -c '^not ok')
	bp=$((bp - bs))
	echo "v2 bats:$suites: $bp passed $bf failed $bs skipped"
	[ "$bf" -eq 0 ] || echo "$out" | awk '/^not ok/{show=1} /^ok /{show=0} show' | head -60 | sed 's/^/  /'
	p=$((p + bp)) f=$((f + bf)) s=$((s + bs))
fi
echo "v2 totals: $p passed $f failed $s skipped"
