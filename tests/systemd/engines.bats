#!/usr/bin/env bats
# The engines with their systemd cgroup driver, calling the runtime under
# test: Podman (--cgroup-manager systemd), containerd through ctr
# (--runc-systemd-cgroup, cgroupsPath slice:prefix:name) and Docker
# (native.cgroupdriver=systemd).  Each daemon is started here with private
# state, socket and network namespace, and stopped at the end; the image is
# a busybox rootfs (podman/docker import, ctr --rootfs).  The daemons enter
# their netns with nsenter, not `ip netns exec`, which mounts a fresh /sys
# without the cgroup2 mount below it.

load helpers

setup() {
	require_systemd
	setup_bundle
	E="$TEST_DIR/engine"
	mkdir -p "$E"
	ROOTFS="$BUNDLE/rootfs"
	NETNS="cellsd-$CID"
	DAEMON_PID=""
}

teardown() {
	if [ -n "$DAEMON_PID" ]; then
		case "${ENGINE:-}" in
		docker)
			dk ps -aq 2>/dev/null | xargs -r docker -H "unix://$E/docker.sock" rm -f >/dev/null 2>&1 || true
			;;
		ctr)
			local c
			for c in $(c8 containers ls -q 2>/dev/null); do
				c8 task kill -s KILL "$c" >/dev/null 2>&1 || true
				c8 task delete -f "$c" >/dev/null 2>&1 || true
				c8 containers rm "$c" >/dev/null 2>&1 || true
			done
			;;
		esac
		kill "$DAEMON_PID" 2>/dev/null || true
		local tries=200
		while kill -0 "$DAEMON_PID" 2>/dev/null && [ $tries -gt 0 ]; do
			sleep 0.05
			tries=$((tries - 1))
		done
		kill -9 "$DAEMON_PID" 2>/dev/null || true
	fi
	if [ "${ENGINE:-}" = podman ]; then
		pod rm -a -f -t 0 >/dev/null 2>&1 || true
		pod rmi -a -f >/dev/null 2>&1 || true
	fi
	local m
	for m in $(awk -v d="$E/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	ip netns del "$NETNS" 2>/dev/null || true
	[ -n "${SLICE:-}" ] && systemctl stop "$SLICE" >/dev/null 2>&1
	teardown_bundle
}

# wait_until TRIES CMD...: poll every 0.1 s.
wait_until() {
	local tries="$1"
	shift
	until "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# wait_daemon NAME CMD...: poll CMD (up to 2 min) while the daemon lives.
wait_daemon() {
	local name="$1" tries=1200
	shift
	until "$@" >/dev/null 2>&1; do
		kill -0 "$DAEMON_PID" 2>/dev/null ||
			fail "$name exited: $(tail -5 "$E/$name.log")" || return 1
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "$name did not come up: $(tail -5 "$E/$name.log")" || return 1
		sleep 0.1
	done
}

# ------------------------------------------------------------------ podman

pod() {
	podman --root "$E/storage" --runroot "$E/run" --tmpdir "$E/tmp" \
		--storage-driver vfs --cgroup-manager systemd --events-backend file \
		--runtime "$RUNTIME" "$@"
}

podman_setup() {
	ENGINE=podman
	mkdir -p "$E"/{storage,run,tmp,net}
	cat >"$E/containers.conf" <<-EOF
		[containers]
		default_ulimits = []
		netns = "none"
		[engine]
		cgroup_manager = "systemd"
		events_logger = "file"
		events_logfile_path = "$E/events.log"
		tmp_dir = "$E/tmp"
		[network]
		network_config_dir = "$E/net"
	EOF
	export CONTAINERS_CONF="$E/containers.conf"
	export CONTAINERS_REGISTRIES_CONF="$E/registries.conf"
	: >"$CONTAINERS_REGISTRIES_CONF"
	tar -C "$ROOTFS" -cf "$E/rootfs.tar" .
	pod import "$E/rootfs.tar" busybox-cell >/dev/null || fail "podman import"
}

@test "podman --cgroup-manager systemd: run, limits in the scope, exec, update, pause, rm" {
	podman_setup
	run pod run --rm --network none --memory 64m busybox-cell cat /sys/fs/cgroup/memory.max
	assert_status 0
	[ "$output" = 67108864 ] || fail "memory.max inside: $output"

	run pod run -d --network none --memory 64m --pids-limit 40 --cpus 0.5 \
		--env CELL_TEST_MARK="$CID" busybox-cell sleep 300
	assert_status 0
	local id="${lines[-1]}" unit scope
	unit="libpod-$id.scope"
	scope="$CGROOT/machine.slice/$unit"
	assert_prop "$unit" Delegate yes
	assert_prop "$unit" Slice machine.slice
	assert_prop "$unit" MemoryMax 67108864
	assert_prop "$unit" TasksMax 40
	assert_prop "$unit" CPUQuotaPerSecUSec 500ms
	assert_file "$scope" memory.max 67108864
	assert_file "$scope" pids.max 40
	assert_file "$scope" cpu.max "50000 100000"

	run pod exec "$id" sh -c 'cat /proc/self/cgroup; exit 4'
	assert_status 4
	[ "${lines[0]}" = "0::/" ]

	run pod update --memory 128m "$id"
	if [ "$status" -eq 0 ]; then
		assert_prop "$unit" MemoryMax 134217728
		assert_file "$scope" memory.max 134217728
	fi

	run pod pause "$id"
	assert_status 0
	assert_file "$scope" cgroup.freeze 1
	run pod unpause "$id"
	assert_status 0
	assert_file "$scope" cgroup.freeze 0

	run pod top "$id"
	assert_status 0
	assert_output_contains "sleep 300"

	run pod rm -f -t 0 "$id"
	assert_status 0
	unit_gone "$unit"
	[ ! -e "$scope" ] || fail "$scope left"
}

# -------------------------------------------------------------- containerd

c8() {
	ctr -a "$E/containerd.sock" -n celltest "$@"
}

containerd_setup() {
	ENGINE=ctr
	cat >"$E/containerd.toml" <<-EOF
		version = 2
		root = "$E/root"
		state = "$E/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$E/containerd.sock"
		[ttrpc]
		  address = "$E/containerd.sock.ttrpc"
	EOF
	ip netns add "$NETNS"
	nsenter --net="/run/netns/$NETNS" containerd --config "$E/containerd.toml" \
		>"$E/containerd.log" 2>&1 3>&- &
	DAEMON_PID=$!
	wait_daemon containerd c8 version
}

task_stopped() {
	c8 task ls | awk -v id="$1" '$1 == id { print $3 }' | grep -qx STOPPED
}

# ctr_run ID CGROUP ARGS...
ctr_run() {
	local id="$1" cg="$2"
	shift 2
	c8 run -d --rootfs --runc-binary "$RUNTIME" --runc-systemd-cgroup \
		--cgroup "$cg" --env CELL_TEST_MARK="$CID" "$@" </dev/null >/dev/null 2>"$E/ctr.err"
}

@test "containerd (ctr --runc-systemd-cgroup): system.slice:ctr:ID and a kubepods slice" {
	containerd_setup
	local id="c$CID" unit scope
	unit="ctr-$id.scope"
	scope="$CGROOT/system.slice/$unit"
	ctr_run "$id" "system.slice:ctr:$id" --memory-limit 67108864 "$ROOTFS" "$id" /bin/sleep 300 ||
		fail "ctr run: $(cat "$E/ctr.err")"
	wait_until 100 test "$(sd_prop "$unit" ActiveState)" = active || fail "unit $unit not active"
	assert_prop "$unit" Delegate yes
	assert_prop "$unit" MemoryMax 67108864
	assert_file "$scope" memory.max 67108864
	local pid
	pid="$(c8 task ls | awk -v id="$id" '$1 == id { print $2 }')"
	[ "$(cat "/proc/$pid/cgroup")" = "0::/system.slice/$unit" ]

	run c8 task exec --exec-id e1 "$id" /bin/sh -c 'exit 6'
	assert_status 6
	run c8 task pause "$id"
	assert_status 0
	assert_file "$scope" cgroup.freeze 1
	run c8 task resume "$id"
	assert_status 0
	run c8 task metrics "$id"
	assert_status 0
	run c8 task kill -s KILL "$id"
	assert_status 0
	wait_until 100 task_stopped "$id" || fail "task $id did not stop"
	run c8 task delete "$id"
	assert_status 0
	run c8 containers rm "$id"
	assert_status 0
	unit_gone "$unit"
	[ ! -e "$scope" ] || fail "$scope left"

	# What kubelet's pods look like with SystemdCgroup = true.
	local tag="${CID#ct}"
	SLICE="kubepods-besteffort-pod$tag.slice"
	id="k$CID"
	unit="cri-containerd-$id.scope"
	ctr_run "$id" "$SLICE:cri-containerd:$id" "$ROOTFS" "$id" /bin/sleep 300 ||
		fail "ctr run: $(cat "$E/ctr.err")"
	wait_until 100 test "$(sd_prop "$unit" ActiveState)" = active || fail "unit $unit not active"
	pid="$(c8 task ls | awk -v id="$id" '$1 == id { print $2 }')"
	[ "$(cat "/proc/$pid/cgroup")" = "0::/kubepods.slice/kubepods-besteffort.slice/$SLICE/$unit" ] ||
		fail "cgroup $(cat "/proc/$pid/cgroup")"
	run c8 task kill -s KILL "$id"
	wait_until 100 task_stopped "$id" || fail "task $id did not stop"
	run c8 task delete "$id"
	assert_status 0
	run c8 containers rm "$id"
	unit_gone "$unit"
	systemctl stop kubepods.slice
}

# ------------------------------------------------------------------ docker

dk() {
	docker -H "unix://$E/docker.sock" "$@"
}

docker_setup() {
	ENGINE=docker
	mkdir -p "$E/data" "$E/exec"
	echo '{}' >"$E/daemon.json"
	ip netns add "$NETNS"
	nsenter --net="/run/netns/$NETNS" dockerd --data-root "$E/data" --exec-root "$E/exec" \
		--pidfile "$E/docker.pid" -H "unix://$E/docker.sock" \
		--bridge none --iptables=false --ip6tables=false --ip-masq=false \
		--userland-proxy=false --storage-driver vfs \
		--exec-opt native.cgroupdriver=systemd \
		--add-runtime "celltest=$RUNTIME" --default-runtime celltest \
		--config-file "$E/daemon.json" --log-level warn \
		>"$E/dockerd.log" 2>&1 3>&- &
	DAEMON_PID=$!
	wait_daemon dockerd dk version
	tar -C "$ROOTFS" -c . | dk import - busybox-cell >/dev/null || fail "docker import"
}

@test "docker native.cgroupdriver=systemd: run, limits in the scope, exec, update, pause, rm" {
	docker_setup
	run dk run --rm --network none --memory 64m busybox-cell cat /sys/fs/cgroup/memory.max
	assert_status 0
	[ "$output" = 67108864 ] || fail "memory.max inside: $output"

	run dk run -d --network none --memory 64m --pids-limit 40 --cpus 0.5 \
		--env CELL_TEST_MARK="$CID" busybox-cell sleep 300
	assert_status 0
	local id="${lines[-1]}" unit scope
	unit="docker-$id.scope"
	scope="$CGROOT/system.slice/$unit"
	assert_prop "$unit" Delegate yes
	assert_prop "$unit" MemoryMax 67108864
	assert_prop "$unit" TasksMax 40
	assert_prop "$unit" CPUQuotaPerSecUSec 500ms
	assert_file "$scope" memory.max 67108864
	assert_file "$scope" pids.max 40

	run dk exec "$id" sh -c 'exit 5'
	assert_status 5
	run dk update --memory 128m --memory-swap 256m "$id"
	assert_status 0
	assert_prop "$unit" MemoryMax 134217728
	assert_file "$scope" memory.max 134217728
	assert_file "$scope" memory.swap.max 134217728
	run dk pause "$id"
	assert_status 0
	assert_file "$scope" cgroup.freeze 1
	run dk unpause "$id"
	assert_status 0
	run dk top "$id"
	assert_status 0
	assert_output_contains "sleep 300"
	run dk stats --no-stream --format '{{.PIDs}}' "$id"
	assert_status 0
	[ "$output" = 1 ] || fail "docker stats: $output"

	run dk rm -f "$id"
	assert_status 0
	unit_gone "$unit"
	[ ! -e "$scope" ] || fail "$scope left"
}
