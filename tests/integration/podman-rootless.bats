#!/usr/bin/env bats
# Rootless Podman (Debian's 4.3) with cell as its runtime, as an ordinary
# user would run it: a user made for the test (useradd, with the subuid and
# subgid ranges useradd gives it), `podman --runtime CELL ...` with
# Podman's defaults -- its own storage under the user's home, slirp4netns
# networking, no --root for the runtime (cell must find
# $XDG_RUNTIME_DIR/cell, as runc finds $XDG_RUNTIME_DIR/runc).
#
# Everything runs in a network namespace of the test's own, so published
# ports and slirp4netns's NAT stay there.  This host is cgroup v1: rootless
# Podman cannot have cgroups here (it says so and ignores limits); the v2
# half, with a delegated cgroup, runs in the v2 VM (see the limits test).

bats_require_minimum_version 1.5.0
load helpers
load engines

setup_file() {
	[ "$(basename "$RUNTIME")" = cell ] || skip "the suite checks cell's own state"
	export PR_DIR PR_USER PR_NS PR_UID
	PR_DIR="$(mktemp -d /tmp/cell-podman-rootless.XXXXXX)"
	chmod 755 "$PR_DIR"
	PR_USER="cellpr$$"
	PR_NS="cell-pr-$$"
	# A fresh Debian has no /etc/subuid until the first user is given a
	# range: made here (and removed afterwards) when missing.
	for f in /etc/subuid /etc/subgid; do
		[ -e "$f" ] && continue
		touch "$PR_DIR/$(basename "$f").made" "$f"
	done
	useradd -M -d "$PR_DIR/home" -s /bin/sh "$PR_USER"
	PR_UID="$(id -u "$PR_USER")"
	grep -q "^$PR_USER:" /etc/subuid || usermod --add-subuids 300000-365535 "$PR_USER"
	grep -q "^$PR_USER:" /etc/subgid || usermod --add-subgids 300000-365535 "$PR_USER"
	mkdir -p "$PR_DIR/home" "$PR_DIR/xdg"
	chown "$PR_USER:$PR_USER" "$PR_DIR/home" "$PR_DIR/xdg"
	chmod 700 "$PR_DIR/xdg"
	engine_netns "$PR_NS"
	engine_rootfs_tar "$PR_DIR"
	chmod 644 "$PR_DIR/rootfs.tar"
	pu import "$PR_DIR/rootfs.tar" busybox:cell >/dev/null
}

teardown_file() {
	[ -n "${PR_USER:-}" ] || return 0
	pu rm -a -f -t 0 >/dev/null 2>&1 || true
	# Podman keeps a pause process holding its user namespace.
	pkill -9 -u "$PR_USER" 2>/dev/null || true
	sleep 0.3
	userdel "$PR_USER" 2>/dev/null || true
	for f in subuid subgid; do
		if [ -e "$PR_DIR/$f.made" ]; then
			rm -f "/etc/$f" "/etc/$f-"
		else
			sed -i "/^$PR_USER:/d" "/etc/$f"
		fi
	done
	ip netns del "$PR_NS" 2>/dev/null || true
	rm -rf "$PR_DIR"
}

setup() {
	NAME="cell-$(new_id)"
}

teardown() {
	pu rm -f -t 0 "$NAME" >/dev/null 2>&1 || true
	if [ -n "${PR_CGROUP:-}" ]; then
		# the leaf podman ran in empties with its last process
		local i
		for i in $(seq 50); do
			rmdir "$PR_CGROUP/shell" 2>/dev/null && break
			sleep 0.1
		done
		find "$PR_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
	fi
}

# pu ARGS...: podman as the test user, in the test's network namespace,
# with the environment a login gives (HOME, USER, XDG_RUNTIME_DIR); in the
# leaf $PR_CGROUP/shell of a delegated cgroup when the test made one.
pu() {
	local cg=()
	[ -z "${PR_CGROUP:-}" ] ||
		cg=(sh -c 'echo $$ >"$0" && exec "$@"' "$PR_CGROUP/shell/cgroup.procs")
	with_user_tun "$PR_DIR" "${cg[@]}" nsenter --net="/run/netns/$PR_NS" \
		setpriv --reuid "$PR_USER" --regid "$PR_USER" --init-groups \
		env -i HOME="$PR_DIR/home" USER="$PR_USER" LOGNAME="$PR_USER" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$PR_DIR/xdg" \
		podman --runtime "$RUNTIME" "$@" 3>&-
}

purun() {
	pu run --name "$NAME" "$@"
}

ctr_pid() {
	pu inspect -f '{{.State.Pid}}' "${1:-$NAME}"
}

@test "rootless podman run: output, exit codes, the caller's uid, cell's state under XDG_RUNTIME_DIR" {
	run purun --rm busybox:cell echo hello
	assert_status 0
	[ "$output" = hello ]
	run pu run --rm busybox:cell sh -c 'exit 7'
	assert_status 7
	purun -d busybox:cell sleep 100 >/dev/null
	local pid id
	pid="$(ctr_pid)"
	id="$(pu inspect -f '{{.Id}}' "$NAME")"
	# root in the container is the user on the host.
	grep -Eq "^Uid:\s+$PR_UID\s+$PR_UID\s+$PR_UID\s+$PR_UID$" "/proc/$pid/status"
	# Podman gave no --root: the state is in $XDG_RUNTIME_DIR/cell.
	jq -e '.config.process.args == ["sleep", "100"]' "$PR_DIR/xdg/cell/$id/state.json"
	[ "$(stat -c %U "$PR_DIR/xdg/cell/$id")" = "$PR_USER" ]
}

@test "rootless podman run -d, exec, logs, ps, inspect, top" {
	purun -d busybox:cell sh -c 'echo started; exec sleep 100' >/dev/null
	run pu exec "$NAME" sh -c 'echo from-exec; id -u'
	assert_status 0
	[ "${lines[0]}" = from-exec ]
	[ "${lines[1]}" = 0 ]
	run pu exec "$NAME" sh -c 'exit 3'
	assert_status 3
	run pu logs "$NAME"
	[ "$output" = started ] || fail "logs: <<$output>>"
	run pu ps --format '{{.Names}} {{.Status}}'
	assert_output_contains "$NAME Up"
	[ "$(pu inspect -f '{{.State.Running}}' "$NAME")" = true ]
	run pu top "$NAME" args
	assert_status 0
	assert_output_contains "sleep 100"
	# The exec'd process ran in the container's namespaces.
	local pid
	pid="$(ctr_pid)"
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
}

@test "rootless podman stop: SIGTERM, then SIGKILL after the timeout; rm" {
	purun -d busybox:cell sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' >/dev/null
	run pu stop -t 10 "$NAME"
	assert_status 0
	[ "$(pu inspect -f '{{.State.ExitCode}}' "$NAME")" = 0 ]
	pu rm "$NAME" >/dev/null
	purun -d busybox:cell sleep 100 >/dev/null
	local pid t0 t1
	pid="$(ctr_pid)"
	t0="$(date +%s%N)"
	run pu stop -t 2 "$NAME"
	t1="$(date +%s%N)"
	assert_status 0
	[ "$(pu inspect -f '{{.State.ExitCode}}' "$NAME")" = 137 ]
	[ $(((t1 - t0) / 1000000)) -ge 1900 ]
	wait_pid_gone "$pid"
	local id
	id="$(pu inspect -f '{{.Id}}' "$NAME")"
	run pu rm "$NAME"
	assert_status 0
	[ ! -e "$PR_DIR/xdg/cell/$id" ]
}

@test "rootless podman run --userns keep-id: the user's own uid inside and out" {
	run purun --rm --userns keep-id busybox:cell id -u
	assert_status 0
	[ "$output" = "$PR_UID" ]
	purun -d --userns keep-id busybox:cell sleep 100 >/dev/null
	grep -Eq "^Uid:\s+$PR_UID\s" "/proc/$(ctr_pid)/status"
	# The user namespace maps the user to itself.
	awk -v u="$PR_UID" '$1 == u && $2 == u { found = 1 } END { exit !found }' "/proc/$(ctr_pid)/uid_map"
}

@test "rootless podman run -p: a published port through slirp4netns" {
	purun -d -p 127.0.0.1:18082:80 busybox:cell \
		sh -c 'echo hello-rootless >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >/dev/null
	local i out=""
	for i in $(seq 100); do
		out="$(nsenter --net="/run/netns/$PR_NS" wget -qO- http://127.0.0.1:18082/index.html 2>/dev/null)" && break
		sleep 0.1
	done
	[ "$out" = hello-rootless ]
}

@test "rootless podman run --memory --pids-limit, update, pause: in a delegated cgroup (v2); ignored by podman on v1" {
	if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
		# cgroup v1 has no delegation: Podman drops the limits itself,
		# and cell runs the container without a cgroup of its own.
		run purun --rm --memory 64m busybox:cell echo ran
		assert_output_contains ran
		assert_output_contains "Resource limits are not supported and ignored on cgroups V1 rootless systems"
		return 0
	fi
	# v2: the user owns a subtree, as systemd's user@.service gives one
	# (Delegate=yes), and podman runs in a leaf of it.  Podman (cgroupfs
	# manager) gives no cgroupsPath: the container's cgroup goes beside
	# the caller's, inside the delegation (runc's fs2 does the same).
	PR_CGROUP=/sys/fs/cgroup/cell-pr-$$
	mkdir -p "$PR_CGROUP/shell"
	echo "+memory +pids +cpu" >/sys/fs/cgroup/cgroup.subtree_control
	echo "+memory +pids +cpu" >"$PR_CGROUP/cgroup.subtree_control"
	chown -R "$PR_USER" "$PR_CGROUP"
	purun -d --network none --memory 64m --pids-limit 32 busybox:cell sleep 100 >/dev/null
	local pid d
	pid="$(ctr_pid)"
	d="/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")"
	[ "$(dirname "$d")" = "$PR_CGROUP" ] || fail "cgroup $d is not in the delegated $PR_CGROUP"
	[ "$(cat "$d/memory.max")" = 67108864 ]
	[ "$(cat "$d/pids.max")" = 32 ]
	run pu update --memory 128m "$NAME"
	assert_status 0
	[ "$(cat "$d/memory.max")" = 134217728 ]
	[ "$(cat "$d/pids.max")" = 32 ]
	run pu pause "$NAME"
	assert_status 0
	[ "$(cat "$d/cgroup.freeze")" = 1 ]
	[ "$(pu inspect -f '{{.State.Status}}' "$NAME")" = paused ]
	run pu unpause "$NAME"
	assert_status 0
	[ "$(cat "$d/cgroup.freeze")" = 0 ]
	# (Podman's stats shows the limit it was created with, for runc too.)
	run pu stats --no-stream --format '{{.MemUsage}} {{.PIDs}}' "$NAME"
	assert_status 0
	[[ "$output" =~ ^[0-9.]+[kM]B\ /\ [0-9.]+MB\ 1$ ]] || fail "stats: $output"
	pu rm -f -t 0 "$NAME" >/dev/null
	[ ! -d "$d" ]
}

@test "rootless podman: a config cell refuses fails with one clear line and leaves nothing" {
	local before
	before="$(ls "$PR_DIR/xdg/cell" 2>/dev/null | sort)"
	# Podman reads the runtime's one line; it exits 127 for any that
	# says "No such file or directory", with runc too.
	run ! purun --sysctl net.ipv4.no_such_key=1 busybox:cell true
	assert_output_contains "linux.sysctl: net.ipv4.no_such_key"
	[ "$(ls "$PR_DIR/xdg/cell" 2>/dev/null | sort)" = "$before" ]
	[ -z "$(pgrep -u "$PR_USER" -f 'sleep|true' || true)" ]
}
