#!/usr/bin/env bats
# Podman drives the runtime through the runc CLI (via conmon): a smoke test
# that cell is a drop-in.  Everything podman keeps (storage, runroot, tmpdir,
# config, events, cgroup parent) is private to the test.

load helpers

setup() {
	setup_bundle
	ensure_tool podman podman || skip "podman cannot be installed"
	command -v conmon >/dev/null || skip "no conmon"
	PDIR="$TEST_DIR/podman"
	mkdir -p "$PDIR"/{storage,run,tmp,net}
	CGPARENT="cell-itest-$CID"
	# default_ulimits = []: podman would raise RLIMIT_NOFILE past the hard
	# limit, and this host withholds CAP_SYS_RESOURCE.
	cat >"$PDIR/containers.conf" <<-EOF
		[containers]
		default_ulimits = []
		netns = "none"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$PDIR/events.log"
		tmp_dir = "$PDIR/tmp"
		[network]
		network_config_dir = "$PDIR/net"
	EOF
	# vfs: plain copies, so podman leaves no overlay mounts on the host.
	cat >"$PDIR/storage.conf" <<-EOF
		[storage]
		driver = "${PODMAN_STORAGE_DRIVER:-vfs}"
		graphroot = "$PDIR/storage"
		runroot = "$PDIR/run"
	EOF
	export CONTAINERS_CONF="$PDIR/containers.conf"
	export CONTAINERS_STORAGE_CONF="$PDIR/storage.conf"
	export CONTAINERS_REGISTRIES_CONF="$PDIR/registries.conf"
	: >"$CONTAINERS_REGISTRIES_CONF"
	tar -C "$BUNDLE/rootfs" -cf "$PDIR/rootfs.tar" .
	pod import "$PDIR/rootfs.tar" busybox-cell >/dev/null 2>&1 || {
		echo "podman import failed" >&2
		return 1
	}
}

teardown() {
	if [ -n "${PDIR:-}" ] && [ -d "$PDIR" ]; then
		pod rm -a -f -t 0 >/dev/null 2>&1 || true
		pod rmi -a -f >/dev/null 2>&1 || true
		# Podman may leave shm/overlay mounts in its storage; they are
		# podman's, not the runtime's.
		local m
		for m in $(awk -v d="$PDIR/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
			umount -l "$m" 2>/dev/null || true
		done
		local d
		for d in $(find /sys/fs/cgroup/*/"$CGPARENT" -depth -type d 2>/dev/null); do
			rmdir "$d" 2>/dev/null || true
		done
	fi
	teardown_bundle
}

# pod ARGS...: podman with this test's private storage and the runtime under test.
pod() {
	podman --root "$PDIR/storage" --runroot "$PDIR/run" --tmpdir "$PDIR/tmp" \
		--storage-driver "${PODMAN_STORAGE_DRIVER:-vfs}" \
		--cgroup-manager cgroupfs --events-backend file \
		--runtime "$RUNTIME" "$@"
}


pod_run_opts() {
	echo --network none --cgroup-parent "/$CGPARENT" --env "CELL_TEST_MARK=$CID"
}

@test "podman run --rm: output and exit status" {
	run pod run --rm $(pod_run_opts) busybox-cell echo hello
	assert_status 0
	[ "$output" = hello ]

	run pod run --rm $(pod_run_opts) busybox-cell sh -c 'exit 5'
	assert_status 5
}

@test "podman run -d, exec, inspect, rm -f" {
	run pod run -d $(pod_run_opts) busybox-cell sleep 100
	assert_status 0
	local id="${lines[-1]}"

	run pod exec "$id" echo hi
	assert_status 0
	[ "$output" = hi ]

	run pod exec "$id" sh -c 'exit 3'
	assert_status 3

	run pod inspect --format '{{.State.Running}} {{.State.Pid}}' "$id"
	assert_status 0
	local pid="${output#* }"
	[ "${output%% *}" = true ]
	pid_alive "$pid"

	run pod rm -f -t 0 "$id"
	assert_status 0
	wait_pid_gone "$pid"
}

@test "podman run -t: the process gets a pty" {
	run pod run --rm -t $(pod_run_opts) busybox-cell tty
	assert_status 0
	[[ "$output" == /dev/pts/0* || "$output" == /dev/console* ]]
}

@test "podman stop: SIGTERM reaches a trapping init" {
	run pod run -d $(pod_run_opts) busybox-cell sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	assert_status 0
	local id="${lines[-1]}"
	run pod stop -t 5 "$id"
	assert_status 0
	run pod inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$id"
	[ "$output" = "exited 0" ]
}

@test "podman run with a memory limit and a read-only rootfs" {
	run pod run --rm $(pod_run_opts) --memory 64m --read-only busybox-cell \
		sh -c 'touch /x 2>/dev/null && echo rw || echo ro'
	assert_status 0
	[ "$output" = ro ]
}
