#!/usr/bin/env bats
# Rootless: cell run by an ordinary user (uid 1000 via setpriv).  Root
# inside is the caller outside; with no delegated cgroup cell warns and runs
# unlimited; state lives under $XDG_RUNTIME_DIR/cell.

load helpers

RUID=1000

setup() {
	skip_if_runc "cell's rootless mode"
	command -v setpriv >/dev/null || skip "no setpriv"
	setup_bundle
	chown -R "$RUID:$RUID" "$TEST_DIR"
	XDG="$TEST_DIR/xdg"
	mkdir -p "$XDG"
	chown "$RUID:$RUID" "$XDG"
	rm "$BUNDLE/config.json"
}

teardown() {
	as_user "$RUNTIME" list -q 2>/dev/null | while read -r id; do
		as_user "$RUNTIME" delete --force "$id" >/dev/null 2>&1
	done
	teardown_bundle
}

as_user() {
	setpriv --reuid "$RUID" --regid "$RUID" --clear-groups \
		env HOME="$TEST_DIR" XDG_RUNTIME_DIR="$XDG" "$@"
}

@test "rootless: spec --rootless runs as the caller mapped to root" {
	(cd "$BUNDLE" && as_user "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false
		| .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map"]'
	chown "$RUID:$RUID" "$BUNDLE/config.json"
	run as_user "$RUNTIME" run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "status $status: $output"
	# No cgroup was delegated: an engine's runtime stays silent about it,
	# as runc's rootless cgroup manager does (Podman would show the line
	# instead of a real error); the people's form says it.
	[[ "$output" != *warning* ]] || fail "unexpected warning: $output"
	printf '%s\n' "$output" | grep -qx 0
	printf '%s\n' "$output" | grep -Eq '^ +0 +1000 +1$'
	# state was under XDG_RUNTIME_DIR, and is gone
	[ -d "$XDG/cell" ]
	[ -z "$(ls -A "$XDG/cell" | grep -v '^\.')" ]
}

@test "rootless: without XDG_RUNTIME_DIR and --root, one line says what to set, and nothing is made" {
	(cd "$BUNDLE" && as_user "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false'
	chown "$RUID:$RUID" "$BUNDLE/config.json"
	local before
	before="$(ls /run/cell 2>/dev/null | sort)"
	# (list of a state root that is not there is an empty list, as
	# runc's; where /run/cell exists and is not ours it is refused)
	for cmd in "run -b $BUNDLE $CID" "create -b $BUNDLE $CID" "kill $CID"; do
		run setpriv --reuid "$RUID" --regid "$RUID" --clear-groups \
			env -u XDG_RUNTIME_DIR HOME="$TEST_DIR" "$RUNTIME" $cmd
		[ "$status" -ne 0 ] || fail "$cmd: succeeded: $output"
		[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] || fail "$cmd: $output"
		case "$cmd" in
		kill*) [[ "$output" == *"does not exist"* ]] || fail "$cmd: $output" ;;
		*) [[ "$output" == *XDG_RUNTIME_DIR* && "$output" == *root* ]] || fail "$cmd: $output" ;;
		esac
	done
	run setpriv --reuid "$RUID" --regid "$RUID" --clear-groups \
		env -u XDG_RUNTIME_DIR HOME="$TEST_DIR" "$RUNTIME" list
	[ "$status" -eq 0 ] || [[ "$output" == *XDG_RUNTIME_DIR* ]] || fail "list: $output"
	[ "$(ls /run/cell 2>/dev/null | sort)" = "$before" ]
}

@test "rootless: the init runs as the caller's uid on the host" {
	(cd "$BUNDLE" && as_user "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false | .process.args = ["sleep", "100"]'
	chown "$RUID:$RUID" "$BUNDLE/config.json"
	as_user "$RUNTIME" run -d -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1
	local pid
	pid="$(as_user "$RUNTIME" state "$CID" | jq -r .pid)"
	[ "$pid" -gt 0 ]
	[ "$(awk '/^Uid:/ {print $2}' /proc/$pid/status)" = "$RUID" ]
	[ "$(readlink /proc/$pid/ns/user)" != "$(readlink /proc/self/ns/user)" ]
	run as_user "$RUNTIME" delete --force "$CID"
	[ "$status" -eq 0 ]
	wait_pid_gone "$pid"
}

@test "rootless: the people's run needs nothing but the command" {
	run as_user "$RUNTIME" run -- sh -c 'id -u; cat /proc/self/uid_map; hostname'
	[ "$status" -eq 0 ] || fail "status $status: $output"
	printf '%s\n' "$output" | grep -qx 0
	printf '%s\n' "$output" | grep -Eq '^ +0 +1000 +1$'
}

@test "rootless: --userns host is refused with a clear message" {
	run as_user "$RUNTIME" run --userns host -- true
	[ "$status" -ne 0 ]
	assert_output_contains "--userns host needs root"
}

@test "rootless: a config asking for another user's ids fails cleanly" {
	(cd "$BUNDLE" && as_user "$RUNTIME" spec --rootless)
	update_config '.process.terminal = false | .process.args = ["true"]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}]'
	chown "$RUID:$RUID" "$BUNDLE/config.json"
	run as_user "$RUNTIME" run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[ "$status" -lt 128 ]
	assert_output_contains "linux.uidMappings"
	[ -z "$(ls -A "$XDG/cell" 2>/dev/null | grep -v '^\.')" ]
}

# cgroup v2 delegation (run in the v2 VM by v2-suite.sh): a subtree chown'ed
# to the user, the caller in a leaf of it; cell puts the container beside
# the caller's cgroup and its limits apply.
@test "rootless: limits apply in a delegated cgroup v2 subtree" {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || skip "needs a pure cgroup v2 host (the v2 VM)"
	local d="/sys/fs/cgroup/cell-deleg-$$"
	for c in memory pids; do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
	done
	mkdir "$d" "$d/leaf"
	chown -R "$RUID:$RUID" "$d"
	echo "+memory +pids" >"$d/cgroup.subtree_control"
	run sh -c "echo \$\$ >$d/leaf/cgroup.procs && exec setpriv --reuid $RUID --regid $RUID --clear-groups env HOME=$TEST_DIR XDG_RUNTIME_DIR=$XDG $RUNTIME run --name deleg --memory 64m --pids-limit 32 -- sh -c 'cat /proc/self/cgroup; echo ok'"
	local rc=$status out=$output
	local left
	left="$(ls -d "$d"/cell-* 2>/dev/null || true)"
	rmdir "$d"/cell-* "$d/leaf" "$d" 2>/dev/null || true
	[ "$rc" -eq 0 ] || fail "status $rc: $out"
	printf '%s\n' "$out" | grep -q ok
	! printf '%s\n' "$out" | grep -q "warning: no cgroup" || fail "no cgroup: $out"
	[ -z "$left" ] || fail "cgroup left behind: $left"
}

@test "rootless: the delegated cgroup carries the limits while the container runs" {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] || skip "needs a pure cgroup v2 host (the v2 VM)"
	local d="/sys/fs/cgroup/cell-deleg2-$$"
	for c in memory pids; do
		echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
	done
	mkdir "$d" "$d/leaf"
	chown -R "$RUID:$RUID" "$d"
	echo "+memory +pids" >"$d/cgroup.subtree_control"
	sh -c "echo \$\$ >$d/leaf/cgroup.procs && exec setpriv --reuid $RUID --regid $RUID --clear-groups env HOME=$TEST_DIR XDG_RUNTIME_DIR=$XDG $RUNTIME run -d --name deleg2 --memory 64m --pids-limit 32 -- sleep 100" </dev/null >/dev/null 2>&1
	local cg="$d/cell-deleg2"
	local mem pids
	mem="$(cat "$cg/memory.max" 2>/dev/null)"
	pids="$(cat "$cg/pids.max" 2>/dev/null)"
	as_user "$RUNTIME" stop -t 0 deleg2 >/dev/null 2>&1 || true
	for _ in $(seq 50); do [ -d "$cg" ] || break; sleep 0.1; done
	rmdir "$cg" "$d/leaf" "$d" 2>/dev/null || true
	[ "$mem" = 67108864 ] || fail "memory.max: '$mem'"
	[ "$pids" = 32 ] || fail "pids.max: '$pids'"
}

@test "rootless: exec joins a container with a user namespace of its own (through it, then a fork into its pid namespace)" {
	as_user "$RUNTIME" run -d --name "rx-$CID" -- sleep 100 </dev/null >/dev/null 2>&1
	run as_user "$RUNTIME" exec "rx-$CID" sh -c 'echo $$; id -u; cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ] || fail "exec: $output"
	# pid 1 is the container's sleep; the exec'd shell is another pid of
	# that namespace, root in it
	[ "${lines[0]}" != 1 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = "sleep 100 " ]
	run as_user "$RUNTIME" exec "rx-$CID" sh -c 'exit 7'
	[ "$status" -eq 7 ]
	run as_user "$RUNTIME" delete -f "rx-$CID"
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$XDG/cell" 2>/dev/null | grep -v '^\.')" ]
}
