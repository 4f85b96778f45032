#!/bin/sh
# Run the cgroup tests under pure cgroup v2, in a throwaway vmrun VM.
#
#   tests/integration/cgroup_v2_lib.sh [BUILD_DIR]          unit tests only
#   tests/integration/cgroup_v2_lib.sh --suite [BUILD_DIR]  v2-suite.sh
#                                                           (unit + bats)
# (BUILD_DIR defaults to build-cgroup.)  Build on the host first (the guest
# sees the host's /usr read-only, so the binary runs there).  A small scratch
# disk is attached so the blockIO tests have a real block device: the io.max
# unit test, and in the bats suite the throttled O_DIRECT read, whose rootfs
# goes on it (v2-suite.sh finds the disk and exports CELL_TEST_SCRATCH_DISK).
# Without virtio_blk those tests skip themselves.  Exit status is the
# unit test's, or with --suite v2-suite.sh's (non-zero on any failure).
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
suite=0
if [ "${1:-}" = --suite ]; then
	suite=1
	shift
fi
build=${1:-build-cgroup}
bin=$repo/$build/tests/unit/test_cgroup
vmrun=${VMRUN:-/work/shared/tools/vmrun}
[ -x "$bin" ] || { echo "no $bin: build it first" >&2; exit 2; }

disk=$(mktemp /tmp/cell-cgroup-disk.XXXXXX)
trap 'rm -f "$disk"' EXIT
truncate -s 64M "$disk"

cd "$repo"
if [ "$suite" = 1 ]; then
	set -- --timeout 900 -e BUILD="$build" -e CELL_TEST_FAST="${CELL_TEST_FAST:-0}" \
		-e V2_SUITES="${V2_SUITES:-}" -e V2_FILTER="${V2_FILTER:-}" -- sh tests/integration/v2-suite.sh
else
	set -- --timeout 300 -- sh -c "cd '$repo' && '$bin'"
fi
VMRUN_MODULES="${VMRUN_MODULES:-} virtio_blk" \
VMRUN_QEMU_OPTS="${VMRUN_QEMU_OPTS:-} -drive file=$disk,if=virtio,format=raw" \
	"$vmrun" "$@"
