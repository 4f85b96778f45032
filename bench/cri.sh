#!/usr/bin/env bash
# A pod's life through containerd 1.6's CRI plugin, cell vs runc as the
# runtime handler, side by side (bench/cri_pods.py times each call).
#
#   bench/cri.sh                # N=20 pods per handler
#   N=5 CELL=build-x/cell bench/cri.sh
#
# containerd, its images, network namespace and state are the bench's own
# (tests/cri/cri.bash), removed at the end.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
N="${N:-20}"
CELL="${CELL:-$REPO/build/cell}"
BATS_TEST_NUMBER=bench
# shellcheck source=../tests/cri/cri.bash
. "$REPO/tests/cri/cri.bash"
pid_alive() { [ -e "/proc/$1" ]; }
trap 'cri_stop' EXIT
cri_start "$CELL" || exit 1
"$CRI_PY" "$HERE/cri_pods.py" "$CRI_DIR/gen" "$CRI_SOCK" "$N" cell runc
rc=$?
while read -r uid; do
	[ -n "$uid" ] && remove_pod_cgroups "$uid"
done <"$CRI_DIR/gen/bench-uids"
exit $rc
