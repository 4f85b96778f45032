#!/usr/bin/env bats
# Podman, as root, drives the runtime through the runc CLI (via conmon): a
# smoke test that cell is a drop-in.  Everything podman keeps (storage,
# runroot, tmpdir, config, events, cgroup parent) is private to the test,
# and it runs in a network namespace of the test's own, so its default
# bridge network (cni-podman0) and its firewall rules live there.

load helpers
load engines

setup() {
	setup_bundle
	ensure_tool podman podman || skip "podman cannot be installed"
	command -v conmon >/dev/null || skip "no conmon"
	PDIR="$TEST_DIR/podman"
	mkdir -p "$PDIR"/{storage,run,tmp,net}
	CGPARENT="cell-itest-$CID"
	PNS="cell-pod-$CID"
	engine_netns "$PNS"
	engine_ns_hold "$PNS"
	# default_ulimits = []: rootful podman raises RLIMIT_NOFILE to 1048576,
	# past the hard limit, and this sandbox withholds CAP_SYS_RESOURCE
	# (runc fails the same way here).
	cat >"$PDIR/containers.conf" <<-EOF
		[containers]
		default_ulimits = []
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
	# conmon's own cgroup (cgroupfs manager): libpod_parent/conmon, left
	# empty by podman; only empty directories go.
	rmdir_cgroups libpod_parent
	[ -z "${ENGINE_HOLDER:-}" ] || kill "$ENGINE_HOLDER" 2>/dev/null || true
	[ -z "${PNS:-}" ] || ip netns del "$PNS" 2>/dev/null || true
	teardown_bundle
}

# pod ARGS...: podman with this test's private storage and the runtime under test.
pod() {
	in_engine_holder podman --root "$PDIR/storage" --runroot "$PDIR/run" --tmpdir "$PDIR/tmp" \
		--storage-driver "${PODMAN_STORAGE_DRIVER:-vfs}" \
		--cgroup-manager cgroupfs --events-backend file \
		--runtime "$RUNTIME" "$@"
}


pod_run_opts() {
	echo --cgroup-parent "/$CGPARENT" --env "CELL_TEST_MARK=$CID"
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
	[ "$output" = hi ] || fail "exec: <<$output>>"

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

@test "podman run -p: published on podman's default bridge, inside the test's namespace" {
	run pod run -d $(pod_run_opts) -p 127.0.0.1:18083:80 busybox-cell \
		sh -c 'echo hello-podman >/tmp/index.html; exec httpd -f -p 80 -h /tmp'
	assert_status 0
	local i out=""
	for i in $(seq 50); do
		out="$(nsenter --net="/run/netns/$PNS" wget -qO- http://127.0.0.1:18083/index.html 2>/dev/null)" && break
		sleep 0.1
	done
	[ "$out" = hello-podman ]
	pod rm -f -t 0 "${lines[-1]}" >/dev/null
}
