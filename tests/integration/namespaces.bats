#!/usr/bin/env bats
# Namespaces, observed from the host: /proc/<init>/ns/* against /proc/self/ns/*,
# the user namespace's id map, and a namespace joined by path.

load helpers

setup() {
	setup_bundle
	HOLDER_PIDS=()
}

teardown() {
	local p
	for p in "${HOLDER_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	teardown_bundle
}

# OCI namespace type -> /proc/<pid>/ns/ file name.
ns_file() {
	case "$1" in
	network) echo net ;;
	mount) echo mnt ;;
	*) echo "$1" ;;
	esac
}

# A user namespace mapping container 0..65535 to host 100000..165535; the
# rootfs must belong to the mapped root to be usable.
setup_userns() {
	add_namespace user
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	chown -R 100000:100000 "$BUNDLE/rootfs"
}

# A process holding a fresh namespace of KIND (unshare flag), for join-by-path.
start_holder() {
	unshare "$@" sleep 1000 3>&- &
	HOLDER_PIDS+=("$!")
	HOLDER=$!
	# Wait for unshare to exec sleep, i.e. for the new namespace to exist.
	wait_for_cmdline "$HOLDER" sleep 1000
}

check_ns_differs() {
	local type="$1" f pid
	f="$(ns_file "$type")"
	start_container
	pid="$(container_pid "$CID")"
	[ "$(readlink "/proc/$pid/ns/$f")" != "$(readlink "/proc/self/ns/$f")" ] ||
		fail "$type namespace is the host's"
}

check_ns_shared() {
	local type="$1" f pid
	f="$(ns_file "$type")"
	remove_namespace "$type"
	# A hostname needs a private UTS namespace.
	[ "$type" != uts ] || update_config 'del(.hostname)'
	start_container
	pid="$(container_pid "$CID")"
	[ "$(readlink "/proc/$pid/ns/$f")" = "$(readlink "/proc/self/ns/$f")" ] ||
		fail "$type namespace is not the host's"
}

@test "pid namespace: new when configured" { check_ns_differs pid; }
@test "pid namespace: host's when removed" { check_ns_shared pid; }
@test "ipc namespace: new when configured" { check_ns_differs ipc; }
@test "ipc namespace: host's when removed" { check_ns_shared ipc; }
@test "uts namespace: new when configured" { check_ns_differs uts; }
@test "uts namespace: host's when removed" { check_ns_shared uts; }
@test "network namespace: new when configured" { check_ns_differs network; }
@test "network namespace: host's when removed" { check_ns_shared network; }
@test "mount namespace: new when configured" { check_ns_differs mount; }

@test "cgroup namespace: new when configured" {
	require_kernel_ns cgroup
	add_namespace cgroup
	check_ns_differs cgroup
}

@test "cgroup namespace: host's when not configured" {
	require_kernel_ns cgroup
	check_ns_shared cgroup
}

@test "user namespace: host's when not configured" {
	check_ns_shared user
}

@test "user namespace: new, with the id map visible from the host" {
	setup_userns
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ]
	# The host sees the container's root as the mapped uid.
	[ "$(awk '/^Uid:/ { print $2 }' /proc/$pid/status)" = 100000 ]
	[ "$(awk '/^Gid:/ { print $2 }' /proc/$pid/status)" = 100000 ]
	[ "$(awk '{ print $1, $2, $3 }' /proc/$pid/uid_map)" = "0 100000 65536" ]
	[ "$(awk '{ print $1, $2, $3 }' /proc/$pid/gid_map)" = "0 100000 65536" ]
}

@test "user namespace: inside, the process is root" {
	setup_userns
	set_args id -u
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = 0 ]
}

@test "time namespace: offsets show in timens_offsets and /proc/uptime" {
	require_kernel_ns time
	require_runtime_feature '.linux.namespaces | index("time")'
	add_namespace time
	# /proc/uptime is CLOCK_BOOTTIME: it moves with the boottime offset.
	update_config '.linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": 86400, "nanosecs": 0}}'
	setup_outdir
	set_args sh -c 'cat /proc/uptime > /out/uptime; exec sleep 1000'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(readlink /proc/$pid/ns/time)" != "$(readlink /proc/self/ns/time)" ]
	grep -E '^monotonic +86400 +0$' /proc/$pid/timens_offsets
	wait_for_file "$OUT/uptime"
	local up
	up="$(cut -d. -f1 "$OUT/uptime")"
	[ "$up" -gt 86400 ] || fail "uptime inside is $up"
}

@test "time namespace: host's when not configured" {
	require_kernel_ns time
	check_ns_shared time
}

@test "network namespace joined by path: same inode as the holder's" {
	start_holder --net
	update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/proc/$HOLDER/ns/net\""
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(stat -L -c %i /proc/$pid/ns/net)" = "$(stat -L -c %i /proc/$HOLDER/ns/net)" ]
	[ "$(readlink /proc/$pid/ns/net)" != "$(readlink /proc/self/ns/net)" ]
}

@test "ipc and uts namespaces joined by path" {
	start_holder --ipc --uts
	update_config "(.linux.namespaces[] | select(.type == \"ipc\")) .path = \"/proc/$HOLDER/ns/ipc\"
		| (.linux.namespaces[] | select(.type == \"uts\")) .path = \"/proc/$HOLDER/ns/uts\"
		| del(.hostname)"
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(readlink /proc/$pid/ns/ipc)" = "$(readlink /proc/$HOLDER/ns/ipc)" ]
	[ "$(readlink /proc/$pid/ns/uts)" = "$(readlink /proc/$HOLDER/ns/uts)" ]
}

@test "network namespace joined by a bind-mounted path (ip netns)" {
	ensure_tool ip iproute2 || skip "no ip"
	local name="cell-test-$CID"
	ip netns add "$name"
	update_config "(.linux.namespaces[] | select(.type == \"network\")) .path = \"/run/netns/$name\""
	start_container || {
		ip netns del "$name"
		return 1
	}
	local pid ok=0
	pid="$(container_pid "$CID")"
	[ "$(stat -L -c %i /proc/$pid/ns/net)" = "$(stat -L -c %i /run/netns/$name)" ] || ok=1
	rt delete --force "$CID"
	ip netns del "$name"
	[ "$ok" = 0 ]
}

@test "joining a namespace path that does not exist fails cleanly" {
	update_config '(.linux.namespaces[] | select(.type == "network")) .path = "/proc/999999999/ns/net"'
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
}

@test "pid namespace: the process is pid 1 inside" {
	set_args sh -c 'echo $$'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = 1 ]
}

@test "pid namespace removed: the process sees its host pid" {
	remove_namespace pid
	set_args sh -c 'echo $$'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" -gt 1 ]
}

@test "uts namespace: hostname is set inside and the host's is unchanged" {
	local before
	before="$(hostname)"
	update_config '.hostname = "cellbox"'
	set_args hostname
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = cellbox ]
	[ "$(hostname)" = "$before" ]
}

@test "a hostname without a private uts namespace is refused" {
	remove_namespace uts
	update_config '.hostname = "cellbox"'
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_leftover_processes
}

@test "network namespace: only loopback inside" {
	set_args sh -c 'ip -o link | cut -d: -f2 | tr -d " "'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = lo ]
}

@test "no mount namespace: the runtime's is shared, and delete undoes the container's mounts" {
	skip_if_runc "runc leaves the mounts behind"
	remove_namespace mount
	set_args sh -c 'readlink /proc/self/ns/mnt; exec sleep 1000'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(readlink /proc/$pid/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ]
	# its /proc is mounted in the runtime's namespace, under the rootfs
	grep -q " $BUNDLE/rootfs/proc " /proc/self/mountinfo
	# "/" of the host kept its propagation
	runtime delete --force "$CID"
	assert_status 0
	! grep -q " $BUNDLE/rootfs" /proc/self/mountinfo
}
