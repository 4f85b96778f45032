#!/usr/bin/env bats
# exec: a new process joins a running container.

load helpers

setup() {
	setup_bundle
	start_container
	INIT_PID="$(container_pid "$CID")"
}

teardown() {
	teardown_bundle
}

@test "exec runs in the container's pid namespace (pid 1 is the init)" {
	runtime exec "$CID" sh -c 'echo $$; tr "\0" " " < /proc/1/cmdline'
	assert_status 0
	[ "${lines[0]}" != 1 ]
	[ "${lines[1]}" = "sleep 1000 " ]
}

@test "exec'd process shares every namespace and the cgroup of the init" {
	runtime_detached exec -d --pid-file "$TEST_DIR/exec.pid" "$CID" sleep 999
	assert_status 0
	local pid ns
	pid="$(cat "$TEST_DIR/exec.pid")"
	pid_alive "$pid"
	for ns in pid mnt net ipc uts cgroup user; do
		[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/$INIT_PID/ns/$ns)" ] || fail "$ns differs"
	done
	[ "$(cat /proc/$pid/cgroup)" = "$(cat /proc/$INIT_PID/cgroup)" ]
	[ "$(readlink /proc/$pid/root)" = "$(readlink /proc/$INIT_PID/root)" ]
}

@test "exec -d returns at once; the pid file holds a live pid of the container" {
	runtime_detached exec -d --pid-file "$TEST_DIR/exec.pid" "$CID" sleep 999
	assert_status 0
	local pid
	pid="$(cat "$TEST_DIR/exec.pid")"
	wait_for_cmdline "$pid" sleep 999
	# The container's ps lists it.
	runtime ps --format json "$CID"
	assert_status 0
	jq -e --argjson p "$pid" 'index($p)' <<<"$output"
}

@test "exec: the runtime waiting for its process holds none of the cgroup files the child joined by" {
	# On a pure v1 host the child shares the runtime's memory until it
	# execs; what it closes on its side must stay open -- and be closed
	# -- on ours.  (runc's exec'd process is not its direct child.)
	skip_if_runc "looks for the exec'd process among cell's children"
	CELL_TEST_MARK="$CID" "$RUNTIME" --root "$TEST_ROOT" \
		exec "$CID" sleep 3 </dev/null >/dev/null 2>&1 3>&- &
	local rt=$! child="" tries=100
	while [ -z "$child" ] && [ "$tries" -gt 0 ]; do
		child="$(cat "/proc/$rt/task/$rt/children" 2>/dev/null || true)"
		sleep 0.05
		tries=$((tries - 1))
	done
	[ -n "$child" ] || fail "no exec'd process under the runtime"
	wait_for_cmdline ${child%% *} sleep 3
	sleep 0.2 # the runtime closes its copies once the child has exec'd
	local held
	held="$(ls -l "/proc/$rt/fd" 2>/dev/null | grep -E '/(tasks|cgroup\.procs)$' || true)"
	wait "$rt" || true
	[ -z "$held" ] || fail "the runtime holds: $held"
}

@test "exec exit status is propagated" {
	runtime exec "$CID" sh -c 'exit 7'
	assert_status 7
	runtime exec "$CID" true
	assert_status 0
	runtime exec "$CID" false
	assert_status 1
}

@test "exec of a process killed by a signal exits 128+N" {
	runtime exec "$CID" sh -c 'kill -KILL $$'
	assert_status 137
}

@test "exec --env adds to the config's environment" {
	runtime exec --env FOO=bar --env BAZ=qux "$CID" env
	assert_status 0
	printf '%s\n' "$output" | grep -qx FOO=bar
	printf '%s\n' "$output" | grep -qx BAZ=qux
	printf '%s\n' "$output" | grep -qx "CELL_TEST_MARK=$CID"
}

@test "exec -e overrides a config variable" {
	runtime exec -e CELL_TEST_MARK=over -e X=1 "$CID" env
	assert_status 0
	printf '%s\n' "$output" | grep -qx X=1
	printf '%s\n' "$output" | grep -qx CELL_TEST_MARK=over
	! printf '%s\n' "$output" | grep -qx "CELL_TEST_MARK=$CID"
}

@test "exec --cwd" {
	runtime exec --cwd /tmp "$CID" pwd
	assert_status 0
	[ "$output" = /tmp ]
}

@test "exec --user UID:GID" {
	runtime exec --user 1000:1001 "$CID" sh -c 'id -u; id -g'
	assert_status 0
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1001 ]
}

@test "exec --user UID alone" {
	runtime exec -u 1000 "$CID" id -u
	assert_status 0
	[ "$output" = 1000 ]
}

@test "exec stdin passes through" {
	runtime exec "$CID" cat <<<"exec-stdin"
	assert_status 0
	[ "$output" = exec-stdin ]
}

@test "exec --process FILE" {
	jq -n '{terminal: false, args: ["sh", "-c", "echo $A; pwd; id -u"], env: ["A=from-json", "PATH=/bin"],
		cwd: "/etc", user: {uid: 1234, gid: 1234}}' >"$TEST_DIR/process.json"
	runtime exec --process "$TEST_DIR/process.json" "$CID"
	assert_status 0
	[ "${lines[0]}" = from-json ]
	[ "${lines[1]}" = /etc ]
	[ "${lines[2]}" = 1234 ]
}

@test "exec --process with malformed JSON fails cleanly" {
	echo '{"args": [' >"$TEST_DIR/process.json"
	runtime exec --process "$TEST_DIR/process.json" "$CID"
	assert_failed_cleanly
	[ "$(container_status "$CID")" = running ]
}

@test "exec gets the container's capabilities and no_new_privs by default" {
	runtime_detached exec -d --pid-file "$TEST_DIR/exec.pid" "$CID" sleep 999
	assert_status 0
	local pid f
	pid="$(cat "$TEST_DIR/exec.pid")"
	for f in CapBnd CapEff NoNewPrivs; do
		[ "$(grep "^$f:" /proc/$pid/status)" = "$(grep "^$f:" /proc/$INIT_PID/status)" ] || fail "$f differs"
	done
}

@test "exec --cap adds a capability" {
	runtime_detached exec -d --cap CAP_CHOWN --pid-file "$TEST_DIR/exec.pid" "$CID" sleep 999
	assert_status 0
	local pid eff
	pid="$(cat "$TEST_DIR/exec.pid")"
	eff=$((16#$(awk '/^CapEff:/ { print $2 }' /proc/$pid/status)))
	[ $((eff & 1)) = 1 ]
}

@test "exec --no-new-privs" {
	update_config '.process.noNewPrivileges = false'
	rt delete --force "$CID"
	start_container
	runtime_detached exec -d --no-new-privs --pid-file "$TEST_DIR/exec.pid" "$CID" sleep 999
	assert_status 0
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' /proc/"$(cat "$TEST_DIR/exec.pid")"/status)" = 1 ]
}

@test "exec into a stopped container fails cleanly" {
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	runtime exec "$CID" true
	assert_failed_cleanly
}

@test "exec into a nonexistent container fails cleanly" {
	runtime exec "${CID}nope" true
	assert_failed_cleanly
}

@test "exec of a missing binary fails and the container keeps running" {
	runtime exec "$CID" /nonexistent
	[ "$status" -ne 0 ]
	[ "$(container_status "$CID")" = running ]
	assert_no_leftover_processes "$CID-none"
}

@test "exec'd processes die with the container" {
	runtime_detached exec -d --pid-file "$TEST_DIR/exec.pid" "$CID" sleep 999
	assert_status 0
	local pid
	pid="$(cat "$TEST_DIR/exec.pid")"
	rt kill "$CID" KILL
	wait_for_status "$CID" stopped
	wait_pid_gone "$pid"
}

@test "ps lists the container's processes" {
	runtime ps "$CID"
	assert_status 0
	[[ "${lines[0]}" == *PID* ]]
	printf '%s\n' "$output" | grep -q "sleep 1000"
	runtime ps --format json "$CID"
	assert_status 0
	jq -e --argjson p "$INIT_PID" 'index($p)' <<<"$output"
}
