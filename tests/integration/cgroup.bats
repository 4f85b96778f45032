#!/usr/bin/env bats
# Performance isolation, observed from the host: every linux.resources value
# lands in the container's cgroup files at create and changes with `update`
# (flags and `-r -`), and the limits hold against real load (fork bomb,
# memory hog, CPU contention, O_DIRECT reads, pause).  Runs on cgroup v1 /
# hybrid (this host) and pure v2 (tests/integration/v2-suite.sh in vmrun):
# every check reads the file the host's layout has for that controller.
#
# Tags: `slow` = seconds of real load (CPU ratio, throttled read); v2-suite.sh
# runs them unless CELL_TEST_FAST=1.  `scratch-disk` = needs a block device
# to hold the rootfs: on the host the disk under TEST_DIR, in the VM
# CELL_TEST_SCRATCH_DISK (v2-suite.sh sets it when a virtio disk is
# attached; see cgroup_v2_lib.sh --suite).

load helpers

# --- where the container's cgroup files are ---------------------------------

# The layout, detected as src/cgroup does: unified, hybrid or legacy.
cg_detect_mode() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo unified
	elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo hybrid
	else
		echo legacy
	fi
}
CG_MODE="$(cg_detect_mode)"

# v1_mount CTRL: the mount point of the v1 hierarchy carrying CTRL.
v1_mount() {
	awk -v c="$1" '{
		for (i = 1; i <= NF; i++) if ($i == "-") break
		if ($(i + 1) != "cgroup") next
		n = split($(i + 3), o, ",")
		for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }
	}' /proc/self/mountinfo
}

# cg_dir CTRL [ID]: the directory holding CTRL's files for the container
# (CTRL by its v2 name or v1 name: io/blkio).  Fails when the host has no
# such controller.
cg_dir() {
	local ctrl="$1" id="${2:-$CID}" v1="$1" v2="$1" m
	[ "$ctrl" = io ] && v1=blkio
	[ "$ctrl" = blkio ] && v2=io
	if [ "$CG_MODE" = unified ]; then
		# devices (eBPF) and the freezer are part of the v2 core.
		case "$v2" in
		devices | freezer) ;;
		*) grep -qw "$v2" /sys/fs/cgroup/cgroup.controllers || return 1 ;;
		esac
		echo "/sys/fs/cgroup/cell-$id"
		return 0
	fi
	m="$(v1_mount "$v1")"
	if [ -n "$m" ]; then
		echo "$m/cell-$id"
		return 0
	fi
	if [ "$CG_MODE" = hybrid ] &&
		grep -qw "$v2" /sys/fs/cgroup/unified/cgroup.controllers; then
		echo "/sys/fs/cgroup/unified/cell-$id"
		return 0
	fi
	return 1
}

# cg_child_has CTRL FILE: a cgroup below the root of CTRL's hierarchy has
# FILE.  Some files are never on a root: v2 io.weight and memory.swap.max
# (and the container's own directory appears only at create), so on v2 a
# scratch child is made, looked into and removed.  On pure v2 (the VM) the
# controller is enabled below the root first, as cell does for its
# containers; a hybrid host's v2 root is left as it is.
cg_child_has() {
	local d p r=1
	d="$(cg_dir "$1" "probe-$$")" || return 1
	p="$(dirname "$d")"
	if [ "$CG_MODE" = unified ] || [ "$p" = /sys/fs/cgroup/unified ]; then
		if ! grep -qw "$1" "$p/cgroup.subtree_control"; then
			[ "$CG_MODE" = unified ] || return 1
			echo "+$1" >"$p/cgroup.subtree_control" || return 1
		fi
		mkdir "$d" || return 1
		[ -e "$d/$2" ] && r=0
		rmdir "$d"
		return $r
	fi
	[ -e "$p/$2" ]
}

# cg_is_v2 CTRL: CTRL's files have v2 names (pure v2, or a controller that
# only the hybrid v2 node carries, such as hugetlb on this host).
cg_is_v2() {
	local d
	d="$(cg_dir "$1")" || return 1
	[ "$CG_MODE" = unified ] || [[ "$d" == /sys/fs/cgroup/unified/* ]]
}

# cg_cat CTRL FILE [ID]: the content of one of the container's cgroup files.
cg_cat() {
	local d
	d="$(cg_dir "$1" "${3:-$CID}")" || fail "no $1 controller" || return 1
	cat "$d/$2"
}

# expect_cg CTRL FILE VALUE: the file reads VALUE.
expect_cg() {
	local got
	got="$(cg_cat "$1" "$2")" || return 1
	[ "$got" = "$3" ] || fail "$(cg_dir "$1")/$2 is '$got', expected '$3'"
}

# cg_procs_file: the file listing every process of the container.
cg_procs_file() {
	echo "$(cg_dir pids "${1:-$CID}")/cgroup.procs"
}

# Every directory cell could have made for ID, in any hierarchy.
cg_all_dirs() {
	local id="${1:-$CID}"
	ls -d /sys/fs/cgroup/cell-"$id" /sys/fs/cgroup/*/cell-"$id" 2>/dev/null || true
}

assert_no_cgroup_dirs() {
	local left
	left="$(cg_all_dirs "$@")"
	[ -z "$left" ] || fail "cgroup left behind: $left"
}

# The conversions engines expect (as src/cgroup/convert.c and runc).
shares_to_weight() { echo $((1 + ($1 - 2) * 9999 / 262142)); }
blkio_to_io_weight() { echo $((1 + ($1 - 10) * 9999 / 990)); }

# update_json JSON: `update -r -` with JSON on stdin.
update_json() {
	run env CELL_TEST_MARK="$CID" "$RUNTIME" --root "$TEST_ROOT" update -r - "$CID" <<<"$1"
	assert_status 0
}

# res JSON: merge JSON into linux.resources.
res() {
	update_config ".linux.resources += $1"
}

# whole_block_dev: "major:minor" of a real whole disk (a partition cannot
# carry a throttle): the one holding TEST_DIR, else the first one listed.
whole_block_dev() {
	local mm f
	mm="$(stat -c '%Hd:%Ld' "$TEST_DIR")"
	if [ -e "/sys/dev/block/$mm" ] && [ ! -e "/sys/dev/block/$mm/partition" ]; then
		echo "$mm"
		return 0
	fi
	for f in /sys/dev/block/*; do
		[ -e "$f" ] && [ ! -e "$f/partition" ] || continue
		basename "$f"
		return 0
	done
	return 1
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- scratch disk (the rootfs on a real block device) ------------------------

SCRATCH_MNT=""

# rootfs_on_block_device: move the bundle's rootfs onto a real block device
# and set ROOTFS_DEV to its major:minor.  The host: TEST_DIR's own disk.
# The VM (/ is 9p, /tmp tmpfs): CELL_TEST_SCRATCH_DISK, made ext4 and
# mounted for the test.  Skips when neither exists.
rootfs_on_block_device() {
	ROOTFS_DEV="$(stat -c '%Hd:%Ld' "$TEST_DIR")"
	if [ -e "/sys/dev/block/$ROOTFS_DEV" ] &&
		[ ! -e "/sys/dev/block/$ROOTFS_DEV/partition" ]; then
		return 0
	fi
	local disk="${CELL_TEST_SCRATCH_DISK:-}"
	[ -n "$disk" ] && [ -b "$disk" ] ||
		skip "TEST_DIR is not on a whole disk and no CELL_TEST_SCRATCH_DISK"
	# Never format a disk in use (the host's root, say).
	if grep -q "^$disk[ 0-9p]" /proc/mounts; then
		skip "$disk is mounted: not a scratch disk"
	fi
	ensure_tool mkfs.ext4 e2fsprogs || skip "no mkfs.ext4"
	mkfs.ext4 -q -F "$disk" >/dev/null 2>&1 || fail "mkfs.ext4 $disk" || return 1
	SCRATCH_MNT="$TEST_DIR/disk"
	mkdir -p "$SCRATCH_MNT"
	mount "$disk" "$SCRATCH_MNT" || fail "mount $disk" || return 1
	cp -a "$BUNDLE/rootfs" "$SCRATCH_MNT/rootfs"
	update_config ".root.path = \"$SCRATCH_MNT/rootfs\""
	ROOTFS_DEV="$(printf '%d:%d' "0x$(stat -c %t "$disk")" "0x$(stat -c %T "$disk")")"
}

setup() {
	setup_bundle
	SCRATCH_MNT=""
}

teardown() {
	if [ -n "$SCRATCH_MNT" ]; then
		rt delete --force "$CID" >/dev/null 2>&1 || true
		umount "$SCRATCH_MNT" 2>/dev/null || umount -l "$SCRATCH_MNT"
	fi
	teardown_bundle
}

# === the container's view =====================================================

@test "the cgroup mount: each hierarchy shows the container's own cgroup, read-only" {
	# The init mounts the hierarchies it finds in the mount table the
	# runtime read (src/fs/cgroupfs.c): afresh with a cgroup namespace,
	# as binds of the container's own directories without one.
	update_config '.linux.resources.memory.limit = 67108864'
	local limit_file=memory/memory.limit_in_bytes procs=pids/cgroup.procs
	if [ "$CG_MODE" = unified ]; then
		limit_file=memory.max procs=cgroup.procs
	fi
	local script="ls /sys/fs/cgroup; echo limit \$(cat /sys/fs/cgroup/$limit_file)"
	script+="; echo procs \$(cat /sys/fs/cgroup/$procs)"
	script+="; mkdir /sys/fs/cgroup/x 2>/dev/null && echo writable || echo read-only"
	set_args sh -c "$script"
	local cgns
	for cgns in with without; do
		if [ "$cgns" = without ]; then
			update_config 'del(.linux.namespaces[] | select(.type == "cgroup"))'
		else
			update_config '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
		fi
		runtime run -b "$BUNDLE" "$CID"
		assert_status 0
		[[ "$output" == *"limit 67108864"* ]] || fail "$cgns cgroupns: limit: $output"
		# its own cgroup: the init (1) is in it, seen from its pid namespace
		[[ "$output" == *"procs 1 "* ]] || fail "$cgns cgroupns: procs: $output"
		[[ "$output" == *read-only* ]] || fail "$cgns cgroupns: writable: $output"
		[ "$CG_MODE" != unified ] || continue
		# every v1 hierarchy the container has a cgroup in
		local h
		for h in memory pids cpuset devices freezer; do
			[ -n "$(v1_mount "$h")" ] || continue
			grep -qx "$(basename "$(v1_mount "$h")")" <<<"$output" ||
				fail "$cgns cgroupns: no $h hierarchy inside: $output"
		done
	done
}

# === every resource: create, then update ====================================

@test "cpu: shares (v2 weight) and quota/period at create, update flags and -r -" {
	cg_dir cpu >/dev/null || skip "no cpu controller"
	res '{"cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
	create_container
	if cg_is_v2 cpu; then
		expect_cg cpu cpu.weight "$(shares_to_weight 512)"
		expect_cg cpu cpu.max "50000 100000"
	else
		expect_cg cpu cpu.shares 512
		expect_cg cpu cpu.cfs_quota_us 50000
		expect_cg cpu cpu.cfs_period_us 100000
	fi

	runtime update --cpu-shares 1024 --cpu-quota 20000 --cpu-period 50000 "$CID"
	assert_status 0
	if cg_is_v2 cpu; then
		expect_cg cpu cpu.weight "$(shares_to_weight 1024)"
		expect_cg cpu cpu.max "20000 50000"
	else
		expect_cg cpu cpu.shares 1024
		expect_cg cpu cpu.cfs_quota_us 20000
		expect_cg cpu cpu.cfs_period_us 50000
	fi

	# -1 lifts the quota; the period stays.
	update_json '{"cpu": {"shares": 2048, "quota": -1}}'
	if cg_is_v2 cpu; then
		expect_cg cpu cpu.weight "$(shares_to_weight 2048)"
		expect_cg cpu cpu.max "max 50000"
	else
		expect_cg cpu cpu.shares 2048
		expect_cg cpu cpu.cfs_quota_us -1
		expect_cg cpu cpu.cfs_period_us 50000
	fi
}

@test "cpuset: cpus and mems at create, update flags and -r -" {
	cg_dir cpuset >/dev/null || skip "no cpuset controller"
	res '{"cpu": {"cpus": "0", "mems": "0"}}'
	create_container
	expect_cg cpuset cpuset.cpus 0
	expect_cg cpuset cpuset.mems 0
	local pid
	pid="$(container_pid "$CID")"
	[ "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" = 0 ]

	[ "$(nproc)" -ge 2 ] || skip "one cpu: nothing to move to"
	runtime update --cpuset-cpus 0-1 --cpuset-mems 0 "$CID"
	assert_status 0
	expect_cg cpuset cpuset.cpus 0-1
	[ "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" = 0-1 ]
	update_json '{"cpu": {"cpus": "1"}}'
	expect_cg cpuset cpuset.cpus 1
	[ "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$pid/status")" = 1 ]
}

# memory_expect LIMIT SWAP RESERVATION: OCI values (swap = memory+swap).
memory_expect() {
	local limit="$1" swap="$2" resv="$3"
	if cg_is_v2 memory; then
		expect_cg memory memory.max "$limit"
		if [ -e "$(cg_dir memory)/memory.swap.max" ]; then
			expect_cg memory memory.swap.max "$((swap - limit))"
		fi
		expect_cg memory memory.low "$resv"
	else
		expect_cg memory memory.limit_in_bytes "$limit"
		if [ -e "$(cg_dir memory)/memory.memsw.limit_in_bytes" ]; then
			expect_cg memory memory.memsw.limit_in_bytes "$swap"
		fi
		expect_cg memory memory.soft_limit_in_bytes "$resv"
	fi
}

@test "memory: limit, swap, reservation, swappiness at create, update flags and -r -" {
	cg_dir memory >/dev/null || skip "no memory controller"
	res '{"memory": {"limit": 67108864, "swap": 134217728,
		"reservation": 33554432, "swappiness": 10}}'
	create_container
	memory_expect 67108864 134217728 33554432
	cg_is_v2 memory || expect_cg memory memory.swappiness 10

	# Raising: memsw before the limit (v1 keeps limit <= memsw).
	runtime update --memory 128m --memory-swap 256m --memory-reservation 64m "$CID"
	assert_status 0
	memory_expect 134217728 268435456 67108864

	# Lowering: the limit before memsw.
	update_json '{"memory": {"limit": 33554432, "swap": 67108864,
		"reservation": 16777216, "swappiness": 60}}'
	memory_expect 33554432 67108864 16777216
	cg_is_v2 memory || expect_cg memory memory.swappiness 60

	# -1: unlimited, memory and swap.
	update_json '{"memory": {"limit": -1, "swap": -1}}'
	if cg_is_v2 memory; then
		expect_cg memory memory.max max
		[ ! -e "$(cg_dir memory)/memory.swap.max" ] || expect_cg memory memory.swap.max max
	else
		# v1 reads "unlimited" back as the largest page-aligned number.
		[ "$(cg_cat memory memory.limit_in_bytes)" -gt $((1 << 62)) ]
	fi
}

# memsw_expect LIMIT MEMSW: the limit and memory+swap in force.
memsw_expect() {
	if cg_is_v2 memory; then
		expect_cg memory memory.max "$1"
		expect_cg memory memory.swap.max "$(($2 - $1))"
	else
		expect_cg memory memory.limit_in_bytes "$1"
		expect_cg memory memory.memsw.limit_in_bytes "$2"
	fi
}

@test "memory: limit or swap alone on update keeps the other (memory+swap as v1 memsw)" {
	local d
	d="$(cg_dir memory)" || skip "no memory controller"
	cg_child_has memory memory.memsw.limit_in_bytes ||
		cg_child_has memory memory.swap.max || skip "no swap accounting"
	res '{"memory": {"limit": 67108864, "swap": 134217728}}'
	create_container
	memsw_expect 67108864 134217728
	runtime update --memory-swap 192m "$CID"
	assert_status 0
	memsw_expect 67108864 201326592
	# v2: swap.max = memory+swap in force - the new limit.
	runtime update --memory 96m "$CID"
	assert_status 0
	memsw_expect 100663296 201326592

	# Past the other value in force: refused, naming both, nothing changed.
	runtime update --memory 256m "$CID"
	assert_failed_cleanly
	assert_output_contains "memory.limit: 268435456 is above the memory+swap limit 201326592"
	runtime update --memory-swap 32m "$CID"
	assert_failed_cleanly
	assert_output_contains "memory.swap: 33554432 is less than the memory limit 100663296"
	memsw_expect 100663296 201326592

	# swap == limit: no swap at all (v2 swap.max 0, not left at max).
	update_json '{"memory": {"limit": 67108864, "swap": 67108864}}'
	memsw_expect 67108864 67108864
}

@test "pids: limit at create, update flag and -r - (-1 = max)" {
	cg_dir pids >/dev/null || skip "no pids controller"
	res '{"pids": {"limit": 64}}'
	create_container
	expect_cg pids pids.max 64
	runtime update --pids-limit 100 "$CID"
	assert_status 0
	expect_cg pids pids.max 100
	update_json '{"pids": {"limit": -1}}'
	expect_cg pids pids.max max
}

# What Docker 20.10 writes for `docker run --memory 64m --pids-limit 50`:
# every other field at its zero value, which runc reads as "not set".
DOCKER_ZEROS='{"blockIO": {"weight": 0, "leafWeight": 0},
	"cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0,
		"realtimePeriod": 0, "cpus": "", "mems": ""},
	"memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0,
		"kernelTCP": 0, "swappiness": "U64MAX",
		"disableOOMKiller": false},
	"pids": {"limit": 0}, "network": {"classID": 0}}'
# jq turns 18446744073709551615 into a double: put it in with sed.
u64max() {
	sed 's/"U64MAX"/18446744073709551615/'
}

@test "engine zeros: 0, \"\" and uint64(-1) are unset at create and update (runc's reading)" {
	cg_dir memory >/dev/null && cg_dir pids >/dev/null && cg_dir cpu >/dev/null ||
		skip "no memory/pids/cpu controller"
	update_config ".linux.resources += $DOCKER_ZEROS
		| .linux.resources.memory.limit = 67108864
		| .linux.resources.pids.limit = 50"
	u64max <"$BUNDLE/config.json" >"$BUNDLE/config.tmp"
	mv "$BUNDLE/config.tmp" "$BUNDLE/config.json"
	grep -q 18446744073709551615 "$BUNDLE/config.json"
	local lim shares
	if cg_is_v2 memory; then lim=memory.max; else lim=memory.limit_in_bytes; fi
	if cg_is_v2 cpu; then shares=cpu.weight; else shares=cpu.shares; fi
	local shares0 quota0
	create_container
	expect_cg memory "$lim" 67108864
	expect_cg pids pids.max 50
	# The zeros left the kernel's defaults alone.
	if cg_is_v2 cpu; then
		expect_cg cpu cpu.weight 100
		expect_cg cpu cpu.max "max 100000"
	else
		expect_cg cpu cpu.shares 1024
		expect_cg cpu cpu.cfs_quota_us -1
	fi
	# `docker update --cpu-shares 512` sends every field; only the
	# shares change.
	update_json "$(jq -c '.cpu.shares = 512' <<<"$DOCKER_ZEROS" | u64max)"
	expect_cg memory "$lim" 67108864
	expect_cg pids pids.max 50
	if cg_is_v2 cpu; then expect_cg cpu cpu.weight 20; else expect_cg cpu cpu.shares 512; fi
	# runc reads every negative pids limit and cpu quota as unlimited.
	update_json '{"pids": {"limit": -3}, "cpu": {"quota": -7}}'
	expect_cg pids pids.max max
	if cg_is_v2 cpu; then
		expect_cg cpu cpu.max "max 100000"
	else
		expect_cg cpu cpu.cfs_quota_us -1
	fi
}

@test "blkio weight: create, update flag and -r - (v2 io.weight converted)" {
	local d f conv=1
	d="$(cg_dir io)" || skip "no blkio/io controller"
	# The weight file depends on the I/O scheduler: v1 blkio.weight (CFQ)
	# or blkio.bfq.weight; v2 io.bfq.weight (1..1000 as is) or io.weight
	# (1..10000, converted; iocost's, there even where no disk uses iocost).
	for f in blkio.weight blkio.bfq.weight io.bfq.weight io.weight; do
		cg_child_has io "$f" && break
		f=""
	done
	[ -n "$f" ] || skip "no blkio/io weight file (no weight-based I/O scheduler or iocost)"
	[ "$f" = io.weight ] || conv=0
	res '{"blockIO": {"weight": 500}}'
	create_container
	local want
	for w in 500 1000 10; do
		if [ "$w" = 1000 ]; then
			runtime update --blkio-weight 1000 "$CID"
			assert_status 0
		elif [ "$w" = 10 ]; then
			update_json '{"blockIO": {"weight": 10}}'
		fi
		if [ "$conv" = 1 ]; then
			want="default $(blkio_to_io_weight "$w")"
		else
			want="$w"
		fi
		[ "$(head -1 "$d/$f")" = "$want" ] ||
			[ "$(head -1 "$d/$f")" = "default $want" ] ||
			fail "$d/$f: '$(head -1 "$d/$f")', expected '$want'"
	done
}

@test "blkio throttle: read/write bps/iops on a real disk at create and update -r -" {
	local mm maj min d
	mm="$(whole_block_dev)" || skip "no block device (attach a scratch disk in the VM)"
	maj="${mm%:*}" min="${mm#*:}"
	d="$(cg_dir io)" || skip "no blkio/io controller"
	res "{\"blockIO\": {
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 2097152}],
		\"throttleWriteBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}],
		\"throttleReadIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 200}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 100}]}}"
	create_container
	if cg_is_v2 io; then
		grep -qx "$mm rbps=2097152 wbps=1048576 riops=200 wiops=100" "$d/io.max" ||
			fail "io.max: $(cat "$d/io.max")"
	else
		grep -qx "$mm 2097152" "$d/blkio.throttle.read_bps_device"
		grep -qx "$mm 1048576" "$d/blkio.throttle.write_bps_device"
		grep -qx "$mm 200" "$d/blkio.throttle.read_iops_device"
		grep -qx "$mm 100" "$d/blkio.throttle.write_iops_device"
	fi
	update_json "{\"blockIO\": {
		\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 4194304}],
		\"throttleWriteIOPSDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 50}]}}"
	if cg_is_v2 io; then
		grep -qx "$mm rbps=4194304 wbps=1048576 riops=200 wiops=50" "$d/io.max" ||
			fail "io.max: $(cat "$d/io.max")"
	else
		grep -qx "$mm 4194304" "$d/blkio.throttle.read_bps_device"
		grep -qx "$mm 1048576" "$d/blkio.throttle.write_bps_device"
		grep -qx "$mm 50" "$d/blkio.throttle.write_iops_device"
	fi
}

@test "hugetlb: limit at create and update -r -" {
	local d file
	d="$(cg_dir hugetlb)" || skip "no hugetlb controller"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	res '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
	create_container
	if cg_is_v2 hugetlb; then file=hugetlb.2MB.max; else file=hugetlb.2MB.limit_in_bytes; fi
	expect_cg hugetlb "$file" 4194304
	update_json '{"hugepageLimits": [{"pageSize": "2MB", "limit": 8388608}]}'
	expect_cg hugetlb "$file" 8388608
}

@test "unified: v2 keys written as they are at create and update (v1: refused)" {
	res '{"unified": {"memory.high": "67108864", "pids.max": "10"}}'
	if [ "$CG_MODE" != unified ]; then
		runtime_detached create -b "$BUNDLE" "$CID"
		assert_failed_cleanly
		assert_output_contains "linux.resources.unified"
		assert_output_contains "cgroup v2"
		assert_no_cgroup_dirs
		assert_no_state
		return 0
	fi
	create_container
	expect_cg memory memory.high 67108864
	expect_cg pids pids.max 10
	update_json '{"unified": {"memory.high": "max"}}'
	expect_cg memory memory.high max
	expect_cg pids pids.max 10
}

@test "devices: a denied device cannot be opened inside, an allowed one can" {
	# /dev/zero, /dev/null and friends are the runtime-spec's default
	# devices, which runc and cell allow after linux.resources.devices
	# (so a config cannot deny them).  /dev/kmsg (c 1:11) is not one:
	# bind the host's node in and open it write-only (no CAP_SYSLOG
	# needed, nothing written).
	[ -c /dev/kmsg ] || skip "no /dev/kmsg"
	setup_outdir
	add_bind /dev/kmsg /dev/kmsg '["bind"]'
	set_args sh -c 'exec 2>/out/err; if (: >/dev/kmsg); then echo open >/out/kmsg; else echo denied >/out/kmsg; fi; cat /dev/zero | head -c 3 | wc -c >/out/zero; echo >/out/done; exec sleep 1000'
	start_container
	wait_for_file "$OUT/done"
	[ "$(cat "$OUT/kmsg")" = denied ] || fail "kmsg: $(cat "$OUT/kmsg") $(cat "$OUT/err")"
	grep -q "Operation not permitted" "$OUT/err" # EPERM: the cgroup said no
	[ "$(cat "$OUT/zero")" = 3 ]
	rt delete --force "$CID"

	# Allowed by a rule: the same open succeeds.
	rm -f "$OUT"/*
	res '{"devices": [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]}'
	start_container
	wait_for_file "$OUT/done"
	[ "$(cat "$OUT/kmsg")" = open ] || fail "kmsg: $(cat "$OUT/kmsg") $(cat "$OUT/err")"
	[ "$(cat "$OUT/zero")" = 3 ]
	if ! cg_is_v2 devices; then
		grep -qx 'c 1:11 w' "$(cg_dir devices)/devices.list"
	fi
}

@test "devices: update -r with device rules keeps the default devices" {
	set_args sleep 1000
	start_container
	echo '{"devices": [{"allow": false, "access": "rwm"}]}' |
		rt update -r - "$CID"
	runtime exec "$CID" sh -c ': >/dev/null && head -c 3 /dev/zero | wc -c'
	assert_status 0
	[ "$output" = 3 ]
}

# === the promises, under load ===============================================

@test "fork bomb: pids.current stays <= 64, the container gets EAGAIN, the host still forks" {
	cg_dir pids >/dev/null || skip "no pids controller"
	setup_outdir
	res '{"pids": {"limit": 64}}'
	# Every shell forks two more, for ever; a refused fork makes the shell
	# print "can't fork" (EAGAIN) and exit, and the survivors keep trying.
	# The init stays out of it (its death would end the container).
	set_args sh -c 'exec 2>>/out/err; (b() { b & b; }; b) & exec sleep 1000'
	start_container
	local max=0 cur i
	for i in $(seq 1 20); do
		cur="$(cg_cat pids pids.current)"
		[ "$cur" -gt "$max" ] && max="$cur"
		sleep 0.05
	done
	echo "# measured: pids.current peak $max (limit 64)" >&3
	[ "$max" -le 64 ] || fail "pids.current $max > 64"
	[ "$max" -ge 32 ] || fail "the bomb did not grow ($max)"
	# The kernel counted refused forks, and the shells saw EAGAIN.
	[ "$(awk '$1 == "max" { print $2 }' "$(cg_dir pids)/pids.events")" -gt 0 ]
	grep -qi "fork.*resource temporarily unavailable\|can't fork" "$OUT/err" ||
		fail "no EAGAIN in the container's stderr: $(head -3 "$OUT/err")"
	# The host is unaffected.
	run sh -c 'for i in 1 2 3 4 5 6 7 8; do true & done; wait; echo host-ok'
	[ "$output" = host-ok ]
	runtime delete --force "$CID"
	assert_status 0
	assert_no_cgroup_dirs
}

@test "oom: an allocation past 64M is killed inside, the rest runs on, events reports oom" {
	cg_dir memory >/dev/null || skip "no memory controller"
	res '{"memory": {"limit": 67108864, "swap": 67108864}}'
	set_args sh -c 'sleep 1000 & exec sleep 1001'
	start_container
	local pid events_pid sibling
	pid="$(container_pid "$CID")"
	rt events --interval 100ms "$CID" >"$TEST_DIR/events" 2>&1 &
	events_pid=$!
	sleep 0.3

	# dd's 128M buffer is touched by one read from /dev/zero: quick, even
	# under TCG, where piping 64M through tail takes half a minute.
	runtime exec "$CID" dd if=/dev/zero of=/dev/null bs=128M count=1
	[ "$status" -eq 137 ] || { show_run; fail "the hog was not SIGKILLed"; }

	# Killed inside: the container's OOM counter, and everything else lives.
	local kills
	if cg_is_v2 memory; then
		kills="$(awk '$1 == "oom_kill" { print $2 }' "$(cg_dir memory)/memory.events")"
	else
		kills="$(awk '$1 == "oom_kill" { print $2 }' "$(cg_dir memory)/memory.oom_control")"
	fi
	[ "$kills" -ge 1 ] || fail "oom_kill $kills"
	pid_alive "$pid"
	[ "$(container_status "$CID")" = running ]
	[ "$(wc -l <"$(cg_procs_file)")" -eq 2 ] || fail "procs: $(cat "$(cg_procs_file)")"

	# The stream looks every 100ms; one round of stats is slow in a VM.
	local tries=200
	while ! grep -q '"type":"oom"' "$TEST_DIR/events" && [ "$tries" -gt 0 ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
	kill "$events_pid" 2>/dev/null || true
	wait "$events_pid" 2>/dev/null || true
	grep -q '"type":"oom"' "$TEST_DIR/events" ||
		fail "no oom event: $(grep -v '"type":"stats"' "$TEST_DIR/events" | head -5)"
	grep '"type":"oom"' "$TEST_DIR/events" | head -1 | jq -e ".id == \"$CID\""
	echo "# measured: oom_kill=$kills, event: $(grep -m1 '"type":"oom"' "$TEST_DIR/events")" >&3
}

# cpu_usage_ns ID: the container's CPU time so far.
cpu_usage_ns() {
	local d
	d="$(cg_dir cpuacct "$1" 2>/dev/null)"
	if [ -n "$d" ] && [ -e "$d/cpuacct.usage" ]; then
		cat "$d/cpuacct.usage"
	else
		d="$(cg_dir cpu "$1")"
		echo $(($(awk '$1 == "usage_usec" { print $2 }' "$d/cpu.stat") * 1000))
	fi
}

# bats test_tags=slow
@test "cpu shares 2:1 on one cpu: CPU time ratio between 1.5 and 2.7" {
	cg_dir cpu >/dev/null && cg_dir cpuset >/dev/null || skip "no cpu/cpuset controller"
	local a="${CID}a" b="${CID}b"
	set_args sh -c 'while :; do :; done'
	res '{"cpu": {"cpus": "0", "shares": 1024}}'
	create_container "$a"
	res '{"cpu": {"cpus": "0", "shares": 512}}'
	create_container "$b"
	runtime_detached start "$a"
	runtime_detached start "$b"
	wait_for_status "$a" running
	wait_for_status "$b" running
	sleep 0.5
	local a0 b0 a1 b1 t0 t1
	a0="$(cpu_usage_ns "$a")" b0="$(cpu_usage_ns "$b")" t0="$(now_ms)"
	sleep 3
	a1="$(cpu_usage_ns "$a")" b1="$(cpu_usage_ns "$b")" t1="$(now_ms)"
	rt delete --force "$a"
	rt delete --force "$b"
	local ratio
	ratio="$(awk -v a=$((a1 - a0)) -v b=$((b1 - b0)) 'BEGIN { printf "%.2f", b ? a / b : 99 }')"
	echo "# measured: cpu: A $(((a1 - a0) / 1000000)) ms, B $(((b1 - b0) / 1000000)) ms in $((t1 - t0)) ms: ratio $ratio" >&3
	awk -v r="$ratio" 'BEGIN { exit !(r >= 1.5 && r <= 2.7) }' ||
		fail "ratio $ratio not in [1.5, 2.7]"
	# Pinned: together they used about one CPU, not two.
	[ $(((a1 - a0 + b1 - b0) / 1000000)) -le $(((t1 - t0) * 12 / 10)) ]
}

# bats test_tags=slow,scratch-disk
@test "throttleReadBpsDevice 2 MB/s: an O_DIRECT read of the rootfs disk runs at <= 2.4 MB/s" {
	local mm maj min
	rootfs_on_block_device
	mm="$ROOTFS_DEV"
	maj="${mm%:*}" min="${mm#*:}"
	cg_dir io >/dev/null || skip "no blkio/io controller"
	local root
	root="$(jq -r .root.path "$BUNDLE/config.json")"
	[[ "$root" == /* ]] || root="$BUNDLE/$root"
	head -c 6291456 /dev/urandom >"$root/data"
	sync
	res "{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 2097152}]}}"
	start_container
	local t0 t1 ms rate
	t0="$(now_ms)"
	runtime exec "$CID" dd if=/data of=/dev/null bs=1M count=6 iflag=direct
	t1="$(now_ms)"
	assert_status 0
	assert_output_contains "6+0 records in"
	ms=$((t1 - t0))
	rate="$(awk -v ms="$ms" 'BEGIN { printf "%.2f", 6 * 1000 / ms }')"
	echo "# measured: O_DIRECT read of 6 MiB on $mm at 2 MiB/s: $ms ms = $rate MiB/s" >&3
	awk -v r="$rate" 'BEGIN { exit !(r <= 2.4) }' || fail "read at $rate MiB/s"
	# The kernel saw the reads on that device.
	run rt events --stats "$CID"
	jq -e "[.data.blkio.ioServiceBytesRecursive[] | select(.major == $maj and .minor == $min and (.op == \"Read\" or .op == \"read\")) | .value] | max >= 6291456" <<<"$output"
}

# counter N: the value a counter loop last wrote to /out/cN (retrying over
# the moment the shell has truncated the file but not written it yet).
counter() {
	local v tries=50
	while [ "$tries" -gt 0 ]; do
		v="$(cat "$OUT/c$1" 2>/dev/null)"
		[ -n "$v" ] && echo "$v" && return 0
		sleep 0.01
		tries=$((tries - 1))
	done
	return 1
}

# state_of PID: the one-letter state from /proc/PID/stat.
state_of() {
	sed 's/.*) \(.\).*/\1/' "/proc/$1/stat"
}

@test "pause freezes every process (state, freezer, counters); resume continues them" {
	setup_outdir
	# Each counter is renamed into place: a process frozen between the
	# truncate and the write of `echo >file` would leave it empty.
	set_args sh -c 'c() { i=0; while :; do i=$((i+1)); echo $i >/out/t$1; mv /out/t$1 /out/c$1; sleep 0.02; done; }; c 1 & c 2 & c 3'
	start_container
	wait_for_file "$OUT/c1" && wait_for_file "$OUT/c2" && wait_for_file "$OUT/c3"
	local procs
	procs="$(cg_procs_file)"
	runtime pause "$CID"
	assert_status 0
	[ "$(container_status "$CID")" = paused ]
	if cg_is_v2 freezer || ! cg_dir freezer >/dev/null; then
		local d=/sys/fs/cgroup/cell-$CID
		[ "$CG_MODE" = unified ] || d="/sys/fs/cgroup/unified/cell-$CID"
		grep -qx "frozen 1" "$d/cgroup.events"
	else
		expect_cg freezer freezer.state FROZEN
	fi
	local p st n=0
	for p in $(cat "$procs"); do
		st="$(state_of "$p")"
		# v1 freezer: D (TASK_FROZEN); v2: S, parked in the freezer trap.
		[ "$st" = D ] || [ "$st" = S ] || fail "pid $p is '$st' while frozen"
		n=$((n + 1))
	done
	[ "$n" -ge 3 ]
	local c1 c2 c3
	c1="$(counter 1)" c2="$(counter 2)" c3="$(counter 3)"
	sleep 0.5
	[ "$(counter 1)" = "$c1" ] && [ "$(counter 2)" = "$c2" ] &&
		[ "$(counter 3)" = "$c3" ] || fail "a counter moved while paused"

	runtime resume "$CID"
	assert_status 0
	[ "$(container_status "$CID")" = running ]
	if cg_dir freezer >/dev/null && ! cg_is_v2 freezer; then
		expect_cg freezer freezer.state THAWED
	fi
	sleep 0.5
	[ "$(counter 1)" -gt "$c1" ] && [ "$(counter 2)" -gt "$c2" ] &&
		[ "$(counter 3)" -gt "$c3" ] || fail "a counter did not move after resume"
}

@test "ps lists every process of the container" {
	set_args sh -c 'sleep 1001 & sleep 1002 & sleep 1003 & exec sleep 1004'
	start_container
	local procs want got
	procs="$(cg_procs_file)"
	local tries=100
	while [ "$(wc -l <"$procs")" -lt 4 ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	want="$(sort -n "$procs" | tr '\n' ' ')"
	runtime ps --format json "$CID"
	assert_status 0
	got="$(jq -r '.[]' <<<"$output" | sort -n | tr '\n' ' ')"
	[ "$got" = "$want" ] || fail "ps json: '$got', cgroup: '$want'"
	runtime ps "$CID"
	assert_status 0
	[[ "${lines[0]}" == *PID* ]]
	for s in 1001 1002 1003 1004; do
		assert_output_contains "sleep $s"
	done
	[ "${#lines[@]}" -eq 5 ]
}

@test "events --stats: cpu, memory, pids, blkio with sane numbers" {
	res '{"memory": {"limit": 67108864}, "pids": {"limit": 32}}'
	set_args sh -c 'sleep 1000 & i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 1001'
	start_container
	local tries=100
	while [ "$(wc -l <"$(cg_procs_file)")" -lt 2 ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	wait_for_cmdline "$(container_pid "$CID")" sleep 1001
	runtime events --stats "$CID"
	assert_status 0
	local ev="$output"
	jq -e ".type == \"stats\" and .id == \"$CID\"" <<<"$ev"
	jq -e '.data | has("cpu") and has("memory") and has("pids") and has("blkio")' <<<"$ev"
	jq -e '.data.cpu.usage.total > 1000000' <<<"$ev"
	jq -e '.data.cpu.usage.user + .data.cpu.usage.kernel <= .data.cpu.usage.total * 2' <<<"$ev"
	jq -e '.data.memory.usage.limit == 67108864' <<<"$ev"
	jq -e '.data.memory.usage.usage > 0 and .data.memory.usage.usage <= 67108864' <<<"$ev"
	jq -e '.data.pids.current == 2 and .data.pids.limit == 32' <<<"$ev"
	jq -e '.data.blkio.ioServiceBytesRecursive | type == "array"' <<<"$ev"
	echo "# measured: stats: cpu $(jq .data.cpu.usage.total <<<"$ev") ns, memory $(jq .data.memory.usage.usage <<<"$ev") B, pids $(jq .data.pids.current <<<"$ev")" >&3
}

# === bad values ==============================================================

# refused_create JSON FIELD: create with JSON merged into linux.resources
# fails with one line naming FIELD, leaving no cgroup and no state.
refused_create() {
	cp "$BUNDLE/config.json" "$TEST_DIR/config.good"
	res "$1"
	runtime_detached create -b "$BUNDLE" "$CID"
	cp "$TEST_DIR/config.good" "$BUNDLE/config.json"
	assert_failed_cleanly || fail "resources $1" || return 1
	assert_output_contains "$2" || fail "resources $1" || return 1
	assert_no_cgroup_dirs
	assert_no_state
}

@test "bad values at create: one error naming the field, no cgroup, no state" {
	refused_create '{"memory": {"limit": -2}}' "memory.limit"
	refused_create '{"memory": {"swap": -5}}' "memory.swap"
	refused_create '{"memory": {"limit": 67108864, "swap": 33554432}}' "memory.swap"
	refused_create '{"memory": {"swappiness": 101}}' "memory.swappiness"
	refused_create '{"cpu": {"period": 5}}' "cpu.period"
	refused_create '{"cpu": {"cpus": "1-0"}}' "cpu.cpus"
	refused_create '{"blockIO": {"weight": 5}}' "blockIO.weight"
	refused_create '{"blockIO": {"weight": 2000}}' "blockIO.weight"
	refused_create '{"blockIO": {"throttleReadBpsDevice": [{"major": 4095, "minor": 4095, "rate": 1}]}}' \
		"throttleReadBpsDevice"
	refused_create '{"hugepageLimits": [{"pageSize": "3XB", "limit": 1}]}' "hugepageLimits"
	if [ "$CG_MODE" != unified ]; then
		refused_create '{"unified": {"memory.max": "1000000"}}' "unified"
	else
		refused_create '{"unified": {"no.such.file": "1"}}' "unified"
	fi
}

@test "bad values on update: refused naming the field, nothing changed" {
	cg_dir memory >/dev/null && cg_dir pids >/dev/null || skip "no memory/pids controller"
	res '{"memory": {"limit": 134217728}, "pids": {"limit": 50}}'
	set_args sh -c 'head -c 20m /dev/zero | tail & exec sleep 1000'
	start_container
	local lim
	if cg_is_v2 memory; then lim=memory.max; else lim=memory.limit_in_bytes; fi
	# The tail holds 20M: wait for the usage to show it.
	local tries=100 usage_file
	if cg_is_v2 memory; then usage_file=memory.current; else usage_file=memory.usage_in_bytes; fi
	while [ "$(cg_cat memory "$usage_file")" -lt 20000000 ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done

	runtime update -r - "$CID" <<<'{"memory": {"limit": 8388608, "checkBeforeUpdate": true}}'
	assert_failed_cleanly
	assert_output_contains "memory.limit"
	assert_output_contains "checkBeforeUpdate"
	expect_cg memory "$lim" 134217728

	# One bad value in an update changes nothing, the good ones included.
	runtime update -r - "$CID" <<<'{"pids": {"limit": 60}, "memory": {"limit": -2}}'
	assert_failed_cleanly
	assert_output_contains "memory.limit"
	expect_cg pids pids.max 50
	runtime update --blkio-weight 5000 "$CID"
	assert_failed_cleanly
	assert_output_contains "blockIO.weight"
	runtime update -r - "$CID" <<<'{"blockIO": {"throttleWriteIOPSDevice": [{"major": 4095, "minor": 0, "rate": 1}]}}'
	assert_failed_cleanly
	assert_output_contains "throttleWriteIOPSDevice"
	if [ "$CG_MODE" != unified ]; then
		runtime update -r - "$CID" <<<'{"unified": {"memory.high": "1000000"}}'
		assert_failed_cleanly
		assert_output_contains "unified"
	fi
	[ "$(container_status "$CID")" = running ]
}
