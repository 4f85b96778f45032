#!/usr/bin/env bats
# Rootless with the systemd driver: a user with a session (user@UID.service
# started for it, as a login or `loginctl enable-linger` would), whose own
# systemd makes the scope below user@UID.service, over the user's session
# bus.  The user is created here and removed afterwards.

load helpers

TUID=23456
TUSER=cellsdtest

setup() {
	require_systemd
	setup_bundle
	getent passwd "$TUSER" >/dev/null && userdel -r "$TUSER" >/dev/null 2>&1
	useradd -M -d "$TEST_DIR/home" -u "$TUID" -s /bin/sh "$TUSER" || fail "useradd"
	# rootless Podman maps the user's subordinate ids
	for f in /etc/subuid /etc/subgid; do
		[ -e "$f" ] || touch "$TEST_DIR/$(basename "$f").made" "$f"
		grep -q "^$TUSER:" "$f" || echo "$TUSER:400000:65536" >>"$f"
	done
	mkdir -p "$TEST_DIR/home"
	chown -R "$TUID:$TUID" "$TEST_DIR"
	systemctl start "user@$TUID.service" || fail "user@$TUID.service did not start"
	XDG="/run/user/$TUID"
	local tries=100
	until [ -S "$XDG/bus" ] || [ $tries -eq 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ -S "$XDG/bus" ] || fail "no session bus at $XDG/bus"
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && as_user "$RUNTIME" spec --rootless)
	UNIT="celltest-$CID.scope"
	update_config ".process.terminal = false | .process.args = [\"sleep\", \"300\"]
		| .process.env += [\"CELL_TEST_MARK=$CID\"]
		| .linux.cgroupsPath = \"user.slice:celltest:$CID\"
		| .linux.resources = {\"memory\": {\"limit\": 67108864}, \"pids\": {\"limit\": 30}}"
	chown "$TUID:$TUID" "$BUNDLE/config.json"
	SCOPE="$CGROOT/user.slice/user-$TUID.slice/user@$TUID.service/user.slice/$UNIT"
}

teardown() {
	if [ -n "${XDG:-}" ]; then
		as_user "$RUNTIME" delete --force "$CID" >/dev/null 2>&1 || true
		as_user systemctl --user stop "$UNIT" >/dev/null 2>&1 || true
	fi
	systemctl stop "user@$TUID.service" >/dev/null 2>&1 || true
	systemctl stop "user-$TUID.slice" >/dev/null 2>&1 || true
	pkill -9 -u "$TUID" 2>/dev/null || true
	userdel "$TUSER" >/dev/null 2>&1 || true
	local f
	for f in subuid subgid; do
		if [ -e "$TEST_DIR/$f.made" ]; then
			rm -f "/etc/$f" "/etc/$f-"
		else
			sed -i "/^$TUSER:/d" "/etc/$f"
		fi
	done
	teardown_bundle
}

as_user() {
	setpriv --reuid "$TUID" --regid "$TUID" --clear-groups \
		env HOME="$TEST_DIR/home" USER="$TUSER" LOGNAME="$TUSER" XDG_RUNTIME_DIR="$XDG" \
		DBUS_SESSION_BUS_ADDRESS="unix:path=$XDG/bus" "$@"
}

user_prop() {
	as_user systemctl --user show -P "$2" "$1"
}

@test "rootless systemd: the scope is in the user's systemd, with the limits" {
	as_user "$RUNTIME" --systemd-cgroup run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>"$TEST_DIR/err" ||
		fail "run -d: $(cat "$TEST_DIR/err")"
	local pid
	pid="$(as_user "$RUNTIME" state "$CID" | jq -r .pid)"
	[ "$(cat "/proc/$pid/cgroup")" = "0::/user.slice/user-$TUID.slice/user@$TUID.service/user.slice/$UNIT" ] ||
		fail "cgroup: $(cat "/proc/$pid/cgroup")"
	[ "$(user_prop "$UNIT" ActiveState)" = active ]
	[ "$(user_prop "$UNIT" Delegate)" = yes ]
	[ "$(user_prop "$UNIT" MemoryMax)" = 67108864 ]
	[ "$(user_prop "$UNIT" TasksMax)" = 30 ]
	assert_file "$SCOPE" memory.max 67108864
	assert_file "$SCOPE" pids.max 30
	# delegated to the user
	[ "$(stat -c %u "$SCOPE/cgroup.procs")" = "$TUID" ]

	run as_user "$RUNTIME" update --memory 134217728 "$CID"
	assert_status 0
	[ "$(user_prop "$UNIT" MemoryMax)" = 134217728 ]
	assert_file "$SCOPE" memory.max 134217728

	run as_user "$RUNTIME" pause "$CID"
	assert_status 0
	assert_file "$SCOPE" cgroup.freeze 1
	run as_user "$RUNTIME" resume "$CID"
	assert_status 0

	run as_user "$RUNTIME" delete --force "$CID"
	assert_status 0
	wait_pid_gone "$pid"
	local tries=40
	while [ "$(user_prop "$UNIT" LoadState)" = loaded ] && [ $tries -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ "$(user_prop "$UNIT" LoadState)" != loaded ] || fail "$UNIT still loaded"
	[ ! -e "$SCOPE" ] || fail "$SCOPE left"
}

@test "rootless systemd: no session bus is one clear line and leaves nothing" {
	skip_if_runc "cell's message"
	run setpriv --reuid "$TUID" --regid "$TUID" --clear-groups \
		env -u DBUS_SESSION_BUS_ADDRESS HOME="$TEST_DIR/home" \
		XDG_RUNTIME_DIR="$TEST_DIR/home" CELL_TEST_MARK="$CID" \
		"$RUNTIME" --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains "session bus"
	[ -z "$(ls -A "$TEST_DIR/home/cell" 2>/dev/null)" ] || fail "state left"
	assert_no_leftover_processes
}

@test "rootless podman --cgroup-manager systemd: the scope in the user's systemd, with the limits" {
	skip_if_runc "the same as runc's but for the runtime's name"
	local pdir="$TEST_DIR/home/podman"
	as_user mkdir -p "$pdir"
	tar -C "$BUNDLE/rootfs" --owner=0 --group=0 --numeric-owner -cf "$pdir/rootfs.tar" .
	chown "$TUID:$TUID" "$pdir/rootfs.tar"
	pu() {
		as_user podman --root "$pdir/storage" --runroot "$XDG/podman-run" \
			--storage-driver vfs --cgroup-manager systemd \
			--events-backend file --runtime "$RUNTIME" "$@" 3>&-
	}
	pu import "$pdir/rootfs.tar" busybox-cell >/dev/null || fail "podman import"
	run pu run --rm --network none --memory 64m busybox-cell cat /sys/fs/cgroup/memory.max
	assert_status 0
	[ "$output" = 67108864 ] || fail "memory.max inside: $output"

	run pu run -d --network none --memory 64m --pids-limit 30 \
		--env CELL_TEST_MARK="$CID" busybox-cell sleep 300
	assert_status 0
	local id="${lines[-1]}"
	local unit="libpod-$id.scope"
	[ "$(user_prop "$unit" ActiveState)" = active ] || fail "$unit not active"
	[ "$(user_prop "$unit" MemoryMax)" = 67108864 ]
	[ "$(user_prop "$unit" TasksMax)" = 30 ]
	local scope
	scope="$CGROOT$(user_prop "$unit" ControlGroup)"
	[[ "$scope" == "$CGROOT/user.slice/user-$TUID.slice/user@$TUID.service/"* ]] || fail "scope $scope"
	assert_file "$scope" memory.max 67108864
	run pu exec "$id" sh -c 'exit 3'
	assert_status 3
	run pu rm -f -t 0 "$id"
	assert_status 0
	local tries=40
	while [ "$(user_prop "$unit" LoadState)" = loaded ] && [ $tries -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ "$(user_prop "$unit" LoadState)" != loaded ] || fail "$unit still loaded"
	pu rmi -a -f >/dev/null 2>&1 || true
}
