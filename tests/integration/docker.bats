#!/usr/bin/env bats
# Docker (Debian's docker.io 20.10, with its own containerd and the runc.v2
# shim) driving cell as a runtime registered with --add-runtime, as a user
# would: `docker run --runtime cell ...` with Docker's defaults (cgroupfs
# driver on this host, default seccomp profile, bridge network, overlay2).
#
# The daemon is the test's own: its network namespace (docker0 and its
# iptables rules live there), a private mount namespace, and data-root,
# exec-root, pidfile, socket and cgroup parent under a temp dir.  The image
# is a busybox rootfs from the host, `docker import`ed.  Every check is made
# from outside the container: a cgroup file, /proc/<pid>, docker inspect,
# an exit status.

load helpers
load engines

DOCKER=/usr/bin/docker

setup_file() {
	[ "$(basename "$RUNTIME")" = cell ] || skip "the suite checks cell's own state"
	export DK_DIR DK_NS DK_CGPARENT
	DK_DIR="$(mktemp -d /tmp/cell-docker.XXXXXX)"
	DK_NS="cell-docker-$$"
	DK_CGPARENT="cell-docker-$$"
	engine_netns "$DK_NS"
	engine_rootfs_tar "$DK_DIR"
	# The daemon's own containerd (dockerd starts it) keeps its state
	# under exec-root and data-root too.
	in_engine_ns "$DK_NS" dockerd \
		--data-root "$DK_DIR/data" --exec-root "$DK_DIR/exec" \
		--pidfile "$DK_DIR/docker.pid" -H "unix://$DK_DIR/docker.sock" \
		--cgroup-parent "/$DK_CGPARENT" \
		--add-runtime "cell=$RUNTIME" \
		</dev/null >"$DK_DIR/dockerd.log" 2>&1 3>&- &
	wait_socket "$DK_DIR/docker.sock" || {
		tail -20 "$DK_DIR/dockerd.log" >&3
		return 1
	}
	local i
	for i in $(seq 50); do
		dk version >/dev/null 2>&1 && break
		sleep 0.2
	done
	dk import "$DK_DIR/rootfs.tar" busybox:cell >/dev/null
}

teardown_file() {
	[ -n "${DK_DIR:-}" ] || return 0
	dk rm -f $(dk ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	local pid
	pid="$(cat "$DK_DIR/docker.pid" 2>/dev/null)"
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		local i
		for i in $(seq 100); do
			[ -e "/proc/$pid" ] || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	# dockerd's containerd and shims exit with it; anything of theirs
	# still alive holds the netns and mount namespace.
	pkill -9 -f -- "$DK_DIR/" 2>/dev/null || true
	sleep 0.5
	ip netns del "$DK_NS" 2>/dev/null || true
	rmdir_cgroups "$DK_CGPARENT"
	rm -rf "$DK_DIR"
}

setup() {
	[ -S "${DK_DIR:-}/docker.sock" ] || skip "dockerd did not start"
	NAME="cell-$(new_id)"
	LOG_MARK="$(wc -l <"$DK_DIR/dockerd.log")"
}

teardown() {
	dk rm -f $(dk ps -aq --filter "name=$NAME") >/dev/null 2>&1 || true
	# The shim reports every failed runtime call to the daemon's log: none
	# of this test's may have failed.  One report is containerd's and is
	# left out: after a shim exits, `containerd-shim-runc-v2 delete` runs
	# `delete --force` again while its own SIGCHLD reaper races go-runc's
	# Wait for the exit status; when the reaper wins, go-runc reports 255
	# with no output ("failed to remove runc container").  A runtime that
	# exits as fast as cell loses that race often (the container is long
	# gone by then; its exit status was 0).
	local bad
	bad="$(tail -n +"$LOG_MARK" "$DK_DIR/dockerd.log" |
		grep -F "$RUNTIME did not terminate successfully" |
		grep -v 'failed to remove runc container\\" error=\\"[^"]* exit status 255: \\"' || true)"
	if [ -n "$bad" ] && [ -z "${EXPECT_RUNTIME_ERROR:-}" ]; then
		echo "runtime errors in the daemon's log: $bad" >&2
		return 1
	fi
}

dk() {
	"$DOCKER" -H "unix://$DK_DIR/docker.sock" "$@"
}

# dkrun ARGS...: docker run with cell, this test's name, and no fd 3.
dkrun() {
	dk run --runtime cell --name "$NAME" "$@" 3>&-
}

# ctr_pid [NAME]: the container's init as the host sees it.
ctr_pid() {
	dk inspect -f '{{.State.Pid}}' "${1:-$NAME}"
}

# ctr_cg CTRL [NAME]: the container's cgroup directory for CTRL, read from
# the host's /proc/<pid>/cgroup.
ctr_cg() {
	local pid path
	pid="$(ctr_pid "${2:-$NAME}")"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		path="$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup$path"
	else
		path="$(awk -F: -v c="$1" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup/$1$path"
	fi
}

v2() {
	[ -f /sys/fs/cgroup/cgroup.controllers ]
}

# The container's state under the runtime root docker gives the shim.
cell_state() {
	local id
	id="$(dk inspect -f '{{.Id}}' "$NAME")"
	echo "$DK_DIR/exec/runtime-runc/moby/$id/state.json"
}

@test "docker run: output, exit codes, and cell is the runtime" {
	run dkrun --rm busybox:cell echo hello
	assert_status 0
	[ "$output" = hello ]
	run dkrun --rm busybox:cell sh -c 'exit 7'
	assert_status 7
	# The container runs on cell: its state is cell's.
	dkrun -d busybox:cell sleep 100 >/dev/null
	[ "$(dk inspect -f '{{.HostConfig.Runtime}}' "$NAME")" = cell ]
	jq -e '.config.process.args == ["sleep", "100"]' "$(cell_state)"
}

@test "docker run -d, exec, logs" {
	dkrun -d busybox:cell sh -c 'echo started; exec sleep 100' >/dev/null
	run dk exec "$NAME" sh -c 'echo from-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_status 0
	[ "${lines[0]}" = from-exec ]
	[ "${lines[1]}" = "sleep 100 " ]
	run dk exec "$NAME" sh -c 'exit 3'
	assert_status 3
	run dk exec -u 65534 "$NAME" id -u
	[ "$output" = 65534 ]
	run dk logs "$NAME"
	[ "$output" = started ]
}

@test "docker run -t: a pty from the container's devpts" {
	run dkrun --rm -t busybox:cell sh -c 'tty; stty size'
	assert_status 0
	[[ "${lines[0]}" == /dev/pts/0* ]]
}

@test "docker run --memory --cpus --cpu-shares --pids-limit --cpuset-cpus: in the cgroup" {
	dkrun -d --memory 64m --cpus 0.5 --cpu-shares 512 --pids-limit 50 \
		--cpuset-cpus 0 busybox:cell sleep 100 >/dev/null
	if v2; then
		local d
		d="$(ctr_cg memory)"
		[ "$(cat "$d/memory.max")" = 67108864 ]
		[ "$(cat "$d/cpu.max")" = "50000 100000" ]
		[ "$(cat "$d/cpu.weight")" = 20 ]
		[ "$(cat "$d/pids.max")" = 50 ]
		[ "$(cat "$d/cpuset.cpus")" = 0 ]
	else
		[ "$(cat "$(ctr_cg memory)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(ctr_cg cpu)/cpu.cfs_quota_us")" = 50000 ]
		[ "$(cat "$(ctr_cg cpu)/cpu.cfs_period_us")" = 100000 ]
		[ "$(cat "$(ctr_cg cpu)/cpu.shares")" = 512 ]
		[ "$(cat "$(ctr_cg pids)/pids.max")" = 50 ]
		[ "$(cat "$(ctr_cg cpuset)/cpuset.cpus")" = 0 ]
	fi
	[ "$(dk inspect -f '{{.HostConfig.Memory}}' "$NAME")" = 67108864 ]
}

@test "docker run --blkio-weight: io.weight (v2) or blkio.weight where the host has one" {
	local f=
	if v2; then
		grep -qw io /sys/fs/cgroup/cgroup.controllers || skip "no io controller"
	else
		# Docker itself drops the weight when the host has no file for
		# it (no CFQ/BFQ scheduler): nothing reaches the runtime.
		[ -n "$(ls /sys/fs/cgroup/blkio/blkio*weight 2>/dev/null)" ] ||
			skip "this host's blkio controller has no weight file (no CFQ/BFQ)"
		f=blkio.weight
	fi
	dkrun -d --blkio-weight 300 busybox:cell sleep 100 >/dev/null
	if v2; then
		# 300 on blkio's 10..1000 is 1 + 290 * 9999 / 990 = 2930 on
		# io.weight's 1..10000 (runc's conversion); BFQ takes 300 as is.
		grep -Eq '^default 2930$' "$(ctr_cg io)/io.weight" ||
			grep -q 300 "$(ctr_cg io)/io.bfq.weight"
	else
		[ "$(cat "$(ctr_cg blkio)/$f")" = 300 ] ||
			[ "$(cat "$(ctr_cg blkio)/blkio.bfq.weight")" = 300 ]
	fi
}

@test "docker update: the named limits change, the rest stay" {
	dkrun -d --memory 64m --pids-limit 50 --cpu-shares 512 busybox:cell sleep 100 >/dev/null
	run dk update --memory 128m --memory-swap 256m --cpu-shares 256 "$NAME"
	assert_status 0
	run dk update --pids-limit 70 "$NAME"
	assert_status 0
	if v2; then
		local d
		d="$(ctr_cg memory)"
		[ "$(cat "$d/memory.max")" = 134217728 ]
		[ "$(cat "$d/pids.max")" = 70 ]
		[ "$(cat "$d/cpu.weight")" = 10 ]
	else
		[ "$(cat "$(ctr_cg memory)/memory.limit_in_bytes")" = 134217728 ]
		[ "$(cat "$(ctr_cg pids)/pids.max")" = 70 ]
		[ "$(cat "$(ctr_cg cpu)/cpu.shares")" = 256 ]
		if [ -f "$(ctr_cg memory)/memory.memsw.limit_in_bytes" ]; then
			[ "$(cat "$(ctr_cg memory)/memory.memsw.limit_in_bytes")" = 268435456 ]
		fi
	fi
	[ "$(dk inspect -f '{{.HostConfig.PidsLimit}}' "$NAME")" = 70 ]
}

@test "docker top and stats --no-stream: the container's processes and usage" {
	dkrun -d --memory 64m busybox:cell sh -c 'head -c 8m /dev/zero >/dev/shm/hold; sleep 100 & exec sleep 101' >/dev/null
	sleep 1
	run dk top "$NAME"
	assert_status 0
	assert_output_contains "sleep 100"
	assert_output_contains "sleep 101"
	run dk stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' "$NAME"
	assert_status 0
	# 8 MiB held in /dev/shm (shmem is charged to the cgroup); the limit
	# is 64 MiB; sleep 100 and sleep 101.
	[[ "$output" =~ ^([0-9.]+)MiB\ /\ 64MiB\ ([0-9]+)$ ]] || fail "stats: $output"
	[ "${BASH_REMATCH[2]}" -ge 2 ]
	awk -v m="${BASH_REMATCH[1]}" 'BEGIN { exit !(m >= 8) }'
}

@test "docker pause/unpause: the freezer stops and restarts the processes" {
	dkrun -d busybox:cell sh -c 'while :; do :; done' >/dev/null
	local pid
	pid="$(ctr_pid)"
	run dk pause "$NAME"
	assert_status 0
	[ "$(dk inspect -f '{{.State.Status}}' "$NAME")" = paused ]
	if v2; then
		[ "$(cat "$(ctr_cg freezer)/cgroup.freeze")" = 1 ]
	else
		[ "$(cat "$(ctr_cg freezer)/freezer.state")" = FROZEN ]
	fi
	local t1 t2
	t1="$(awk '{ print $14 }' "/proc/$pid/stat")"
	sleep 0.5
	t2="$(awk '{ print $14 }' "/proc/$pid/stat")"
	[ "$t1" = "$t2" ] || fail "a frozen process ran: utime $t1 -> $t2"
	run dk unpause "$NAME"
	assert_status 0
	[ "$(dk inspect -f '{{.State.Status}}' "$NAME")" = running ]
	sleep 0.3
	[ "$(awk '{ print $14 }' "/proc/$pid/stat")" != "$t2" ]
}

@test "docker stop: SIGTERM first, SIGKILL after the timeout" {
	dkrun -d busybox:cell sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null
	run dk stop -t 10 "$NAME"
	assert_status 0
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$NAME")" = 0 ]
	dk rm "$NAME" >/dev/null

	# pid 1 ignores a TERM it has no handler for: killed at the timeout.
	dkrun -d busybox:cell sleep 100 >/dev/null
	local t0 t1
	t0="$(date +%s%N)"
	run dk stop -t 2 "$NAME"
	t1="$(date +%s%N)"
	assert_status 0
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$NAME")" = 137 ]
	[ $(((t1 - t0) / 1000000)) -ge 1900 ] || fail "stopped after $(((t1 - t0) / 1000000)) ms"
}

@test "docker kill -s: the signal reaches the container's pid 1" {
	dkrun -d busybox:cell sh -c 'trap "echo got-usr1" USR1; while :; do sleep 0.1; done' >/dev/null
	sleep 0.5
	run dk kill -s USR1 "$NAME"
	assert_status 0
	local i
	for i in $(seq 50); do
		[ "$(dk logs "$NAME")" = got-usr1 ] && break
		sleep 0.1
	done
	[ "$(dk logs "$NAME")" = got-usr1 ]
	dk kill "$NAME" >/dev/null
	[ "$(dk inspect -f '{{.State.ExitCode}}' "$NAME")" = 137 ]
}

@test "docker run --init: docker-init is pid 1 and reaps" {
	run dkrun --rm --init busybox:cell sh -c 'cat /proc/1/comm; echo $$'
	assert_status 0
	[ "${lines[0]}" = docker-init ]
	[ "${lines[1]}" != 1 ]
}

@test "docker run --restart on-failure:2: restarted twice, then left exited" {
	dkrun -d --restart on-failure:2 busybox:cell sh -c 'exit 3' >/dev/null
	local i
	for i in $(seq 100); do
		[ "$(dk inspect -f '{{.RestartCount}} {{.State.Status}}' "$NAME")" = "2 exited" ] && break
		sleep 0.1
	done
	[ "$(dk inspect -f '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}' "$NAME")" = "2 exited 3" ]
}

@test "docker run --read-only and --user" {
	run dkrun --rm --read-only busybox:cell sh -c 'touch /x 2>/dev/null && echo rw || echo ro; touch /tmp/x 2>/dev/null && echo tmp-rw || echo tmp-ro'
	assert_status 0
	[ "${lines[0]}" = ro ]
	dk rm -f "$NAME" >/dev/null 2>&1 || true
	dkrun -d --user 65534:65534 busybox:cell sleep 100 >/dev/null
	local pid
	pid="$(ctr_pid)"
	grep -Eq '^Uid:\s+65534\s+65534\s+65534\s+65534$' "/proc/$pid/status"
	grep -Eq '^Gid:\s+65534\s+65534\s+65534\s+65534$' "/proc/$pid/status"
}

@test "docker run --cap-drop ALL --cap-add NET_RAW: that one capability" {
	dkrun -d --cap-drop ALL --cap-add NET_RAW busybox:cell sleep 100 >/dev/null
	local pid
	pid="$(ctr_pid)"
	grep -q '^CapEff:\s*0000000000002000$' "/proc/$pid/status"
	grep -q '^CapBnd:\s*0000000000002000$' "/proc/$pid/status"
	grep -q '^CapInh:\s*0000000000000000$' "/proc/$pid/status"
}

@test "docker run --security-opt no-new-privileges, seccomp=unconfined, default seccomp" {
	dkrun -d --security-opt no-new-privileges busybox:cell sleep 100 >/dev/null
	grep -q '^NoNewPrivs:\s*1$' "/proc/$(ctr_pid)/status"
	# Docker's default profile: a filter is loaded.
	grep -q '^Seccomp:\s*2$' "/proc/$(ctr_pid)/status"
	dk rm -f "$NAME" >/dev/null
	dkrun -d --security-opt seccomp=unconfined busybox:cell sleep 100 >/dev/null
	grep -q '^Seccomp:\s*0$' "/proc/$(ctr_pid)/status"
	grep -q '^NoNewPrivs:\s*0$' "/proc/$(ctr_pid)/status"
	# The default profile refuses what it should: unshare of a user
	# namespace (EPERM from the filter, not the kernel).
	dk rm -f "$NAME" >/dev/null
	run dkrun --rm busybox:cell unshare -U true
	[ "$status" -ne 0 ]
}

@test "docker run -p 127.0.0.1:PORT:80: published inside the test's network namespace" {
	dkrun -d -p 127.0.0.1:18080:80 busybox:cell \
		sh -c 'echo hello-from-cell >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	local i out=""
	for i in $(seq 50); do
		out="$(nsenter --net="/run/netns/$DK_NS" wget -qO- http://127.0.0.1:18080/index.html 2>/dev/null)" && break
		sleep 0.1
	done
	[ "$out" = hello-from-cell ]
	# The host's own network has no such port.
	! wget -qO- -T 1 http://127.0.0.1:18080/index.html 2>/dev/null
}

@test "docker cp in and out, docker export" {
	dkrun -d busybox:cell sleep 100 >/dev/null
	echo into-the-container >"$DK_DIR/in.txt"
	run dk cp "$DK_DIR/in.txt" "$NAME:/tmp/in.txt"
	assert_status 0
	[ "$(dk exec "$NAME" cat /tmp/in.txt)" = into-the-container ]
	dk exec "$NAME" sh -c 'echo out-of-the-container >/tmp/out.txt'
	run dk cp "$NAME:/tmp/out.txt" "$DK_DIR/out.txt"
	assert_status 0
	[ "$(cat "$DK_DIR/out.txt")" = out-of-the-container ]
	dk export "$NAME" | tar -t >"$DK_DIR/export.list"
	grep -qx './tmp/out.txt\|tmp/out.txt' "$DK_DIR/export.list"
	grep -qx './bin/busybox\|bin/busybox' "$DK_DIR/export.list"
}

@test "docker run: the OOM killer's kill shows as OOMKilled" {
	run dkrun --memory 32m busybox:cell sh -c 'head -c 100m /dev/zero | tail'
	[ "$status" -eq 137 ]
	[ "$(dk inspect -f '{{.State.OOMKilled}}' "$NAME")" = true ]
}

@test "docker run with a value the kernel refuses: one clear error, nothing left" {
	local ids_before
	ids_before="$(ls "$DK_DIR/exec/runtime-runc/moby" 2>/dev/null | sort)"
	EXPECT_RUNTIME_ERROR=1
	run dkrun --cpuset-cpus 1-0 busybox:cell true
	[ "$status" -ne 0 ]
	# Docker checks a cpuset itself; a cpu the host lacks reaches cell.
	run dkrun --cpuset-mems 0 --cpuset-cpus 0 busybox:cell true
	assert_status 0
	dk rm -f "$NAME" >/dev/null
	run dk run --runtime cell --name "$NAME" --sysctl net.ipv4.no_such_key=1 busybox:cell true
	[ "$status" -ne 0 ]
	# Docker passes on the runtime's one line (from its --log file).
	assert_output_contains "OCI runtime create failed: create "
	assert_output_contains "linux.sysctl: net.ipv4.no_such_key"
	# No state, no init left behind for the failed one.
	[ "$(ls "$DK_DIR/exec/runtime-runc/moby" 2>/dev/null | sort)" = "$ids_before" ]
	run pgrep -f -- "$DK_DIR/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/$(dk inspect -f '{{.Id}}' "$NAME")"
	[ "$status" -ne 0 ]
}
