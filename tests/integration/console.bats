#!/usr/bin/env bats
# terminal: true.  The runtime makes a pty inside the container and hands the
# master to the caller over --console-socket (SCM_RIGHTS), as engines expect.

load helpers

setup() {
	setup_bundle
	PYTHON="$(command -v /usr/bin/python3 || command -v python3)"
	SOCK="$TEST_DIR/console.sock"
	CONSOLE_OUT="$TEST_DIR/console.out"
	RECV_PID=""
	update_config '.process.terminal = true'
}

teardown() {
	if [ -n "$RECV_PID" ]; then
		kill "$RECV_PID" 2>/dev/null || true
		wait "$RECV_PID" 2>/dev/null || true
	fi
	teardown_bundle
}

# start_receiver [INPUT]: listen on $SOCK; output lands in $CONSOLE_OUT.
start_receiver() {
	"$PYTHON" "$INTEGRATION_DIR/console_recv.py" "$SOCK" "$CONSOLE_OUT" "$@" 3>&- &
	RECV_PID=$!
	wait_for_file "$SOCK.ready" || [ -e "$SOCK.ready" ]
}

# wait_receiver: the receiver exits when the pty's other side closes.
wait_receiver() {
	local rc=0
	wait "$RECV_PID" || rc=$?
	RECV_PID=""
	return "$rc"
}

@test "create --console-socket: the pty master arrives and carries the output" {
	set_args sh -c 'tty; echo hello-console'
	start_receiver
	runtime_detached create -b "$BUNDLE" --console-socket "$SOCK" "$CID"
	assert_status 0
	runtime start "$CID"
	assert_status 0
	wait_receiver
	cat "$CONSOLE_OUT"
	[ "$(cat "$CONSOLE_OUT.nfds")" = 1 ]
	grep -q hello-console "$CONSOLE_OUT"
	grep -qE '^/dev/(pts/0|console)' "$CONSOLE_OUT"
}

@test "the pty is the init's controlling terminal and stdio" {
	set_args sh -c 'for f in 0 1 2; do readlink /proc/self/fd/$f; done; ps -o pid,tty 2>/dev/null | head -3; exec sleep 1000'
	start_receiver
	runtime_detached create -b "$BUNDLE" --console-socket "$SOCK" "$CID"
	assert_status 0
	runtime start "$CID"
	assert_status 0
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	# The session leader of a new session with a controlling tty.
	local tty_nr
	tty_nr="$(awk '{ print $7 }' /proc/$pid/stat)"
	[ "$tty_nr" != 0 ] || fail "no controlling terminal"
	[ "$(awk '{ print $6 }' /proc/$pid/stat)" = "$pid" ] || fail "not a session leader"
	rt delete --force "$CID"
	wait_receiver || true
	cat "$CONSOLE_OUT"
	[ "$(grep -c -E '^/dev/(pts/0|console)' "$CONSOLE_OUT")" = 3 ]
}

@test "input written to the pty master reaches the process" {
	set_args sh -c 'read line; echo "got-$line"'
	start_receiver $'typed-text\n'
	runtime_detached create -b "$BUNDLE" --console-socket "$SOCK" "$CID"
	assert_status 0
	runtime start "$CID"
	assert_status 0
	wait_receiver
	cat "$CONSOLE_OUT"
	grep -q got-typed-text "$CONSOLE_OUT"
}

@test "terminal true without --console-socket is refused by create" {
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_leftover_processes
}

@test "a console socket nobody listens on fails create cleanly" {
	runtime_detached create -b "$BUNDLE" --console-socket "$TEST_DIR/nobody.sock" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
}

@test "exec -t --console-socket gives the exec'd process its own pty" {
	update_config '.process.terminal = false'
	start_container
	set_args true
	start_receiver
	runtime_detached exec -t -d --console-socket "$SOCK" "$CID" sh -c 'tty; echo exec-console'
	assert_status 0
	wait_receiver
	cat "$CONSOLE_OUT"
	grep -q exec-console "$CONSOLE_OUT"
	grep -q '^/dev/pts/' "$CONSOLE_OUT"
}
