#!/bin/sh
# Runs inside `../shared/tools/vmrun --systemd` (systemd is PID 1, pure
# cgroup v2, the system bus up, this script in a delegated service): the
# systemd cgroup driver's bats suites against the host-built binary.
# Prints "systemd totals: P passed F failed S skipped" (last line).
#
#   BUILD           build dir under the repo (default build)
#   RUNTIME         the runtime under test (default $BUILD/cell;
#                   /usr/sbin/runc runs the same cases against runc)
#   SYSTEMD_SUITES  bats files in tests/systemd (default: every one)
#   SYSTEMD_FILTER  only the tests whose name matches this regex (bats -f)
#   SYSTEMD_TAP     keep bats' TAP output in this file (to watch a run)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
BUILD=${BUILD:-build}
export CELL=$top/$BUILD/cell
export RUNTIME=${RUNTIME:-$CELL}
export TMPDIR=/tmp
echo "systemd: $(systemctl is-system-running 2>&1), $(systemctl --version | head -1), $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup, runtime $RUNTIME"
suites=""
if [ -n "${SYSTEMD_SUITES:-}" ]; then
	for b in $SYSTEMD_SUITES; do
		[ -f tests/systemd/$b.bats ] && suites="$suites tests/systemd/$b.bats"
	done
else
	suites=" $(echo tests/systemd/*.bats)"
fi
set --
[ -n "${SYSTEMD_FILTER:-}" ] && set -- -f "$SYSTEMD_FILTER"
start=$(date +%s)
out=${SYSTEMD_TAP:-$(mktemp /tmp/systemd-suite.XXXXXX)}
# shellcheck disable=SC2086
bats --tap --timing "$@" $suites >"$out" 2>&1
p=$(grep -c '^ok ' "$out")
s=$(grep -c '^ok .* # skip' "$out")
f=$(grep -c '^not ok' "$out")
p=$((p - s))
echo "systemd bats:$suites: $p passed $f failed $s skipped ($(($(date +%s) - start)) s)"
sed -n 's/^\(not \)*ok [0-9]* \(.*\) in \([0-9]*\)ms.*/\3 \2/p' "$out" |
	sort -rn | head -5 | awk '{ printf "  slowest: %5.1f s ", $1 / 1000; $1 = ""; print }'
grep '^ok .* # skip' "$out" | sed 's/^/  /'
[ "$f" -eq 0 ] || awk '/^not ok/{show=1} /^ok /{show=0} show' "$out" | head -80 | sed 's/^/  /'
[ -n "${SYSTEMD_VERBOSE:-}" ] && sed 's/^/  | /' "$out"
[ -n "${SYSTEMD_TAP:-}" ] || rm -f "$out"
echo "systemd totals: $p passed $f failed $s skipped"
