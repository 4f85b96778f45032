#!/bin/sh
# Run the cgroup unit tests under pure cgroup v2, in a throwaway vmrun VM.
#
#   tests/integration/cgroup_v2_lib.sh [BUILD_DIR]     (default build-cgroup)
#
# Build on the host first (the guest sees the host's /usr read-only, so the
# binary runs there).  A small scratch disk is attached so the io.max
# (blockIO throttle) test has a real block device; without virtio_blk the
# test skips itself.  Exit status is the unit test's.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build-cgroup}
bin=$repo/$build/tests/unit/test_cgroup
vmrun=${VMRUN:-/work/shared/tools/vmrun}
[ -x "$bin" ] || { echo "no $bin: build it first" >&2; exit 2; }

disk=$(mktemp /tmp/cell-cgroup-disk.XXXXXX)
trap 'rm -f "$disk"' EXIT
truncate -s 16M "$disk"

cd "$repo"
VMRUN_MODULES="${VMRUN_MODULES:-} virtio_blk" \
VMRUN_QEMU_OPTS="${VMRUN_QEMU_OPTS:-} -drive file=$disk,if=virtio,format=raw" \
	"$vmrun" --timeout 300 -- sh -c "cd '$repo' && '$bin'"
