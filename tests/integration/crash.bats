#!/usr/bin/env bats
# The runtime killed (SIGKILL) at each step of create: `list` still shows
# the container, and `delete --force` leaves nothing behind: no state dir,
# no cgroup in any hierarchy, no mount, no process, no start.sock.
# Needs a runtime built with -Dtest_hooks=true (CELL_TEST_CRASH_AT).

load helpers

# The crash points of src/container/create.c, in order.
STEPS="state cgroup clone namespaces ready"

setup() {
	skip_if_runc "CELL_TEST_CRASH_AT is cell's test hook"
	setup_bundle
	host_snapshot
}

teardown() {
	teardown_bundle
}

# crash_create STEP: create with the runtime killed at STEP.
crash_create() {
	local err="$TEST_DIR/rt.err"
	timeout -k 2 20 env CELL_TEST_MARK="$CID" CELL_TEST_CRASH_AT="$1" \
		"$RUNTIME" --root "$TEST_ROOT" create -b "$BUNDLE" "$CID" \
		</dev/null >>"$TEST_DIR/ctr.out" 2>"$err" 3>&- && status=0 || status=$?
	output="$(cat "$err")"
}

require_crash_hooks() {
	crash_create state
	if [ "$status" -eq 0 ]; then
		rt delete --force "$CID" >/dev/null 2>&1
		skip "runtime built without -Dtest_hooks=true"
	fi
}

# Everything the step could have left, all gone.
assert_nothing_left() {
	assert_no_state
	[ ! -e "$TEST_ROOT/$CID/start.sock" ] || fail "start.sock left"
	assert_no_cgroup
	assert_no_test_mounts
	assert_no_leftover_processes
}

crash_then_delete() {
	local step="$1"
	crash_create "$step"
	[ "$status" -eq 137 ] || fail "step $step: runtime was not killed (status $status: $output)"

	# The half-made container is visible, in a state that says so.
	runtime list
	assert_status 0
	[[ "$output" == *"$CID"* ]] || fail "step $step: list does not show $CID: $output"
	runtime state "$CID"
	if [ "$status" -eq 0 ]; then
		local st
		st="$(jq -r .status <<<"$output")"
		case "$st" in creating | stopped | created) ;;
		*) fail "step $step: status $st" ;; esac
	fi

	runtime delete --force "$CID"
	assert_status 0
	assert_nothing_left
	runtime list
	[[ "$output" != *"$CID"* ]] || fail "step $step: $CID still listed"
}

@test "crash at each step of create: list shows it, delete --force leaves nothing" {
	require_crash_hooks
	rt delete --force "$CID" >/dev/null 2>&1 || true
	local step
	for step in $STEPS; do
		crash_then_delete "$step"
	done
}

@test "crash after clone: the init dies with the runtime (PR_SET_PDEATHSIG)" {
	require_crash_hooks
	rt delete --force "$CID" >/dev/null 2>&1 || true
	local step
	for step in clone namespaces; do
		crash_create "$step"
		[ "$status" -eq 137 ] || fail "step $step: status $status"
		# No delete: the init must be gone by itself.
		assert_no_leftover_processes
		rt delete --force "$CID" >/dev/null 2>&1
		assert_nothing_left
	done
}

@test "crash after the init is ready: delete --force kills the waiting init" {
	require_crash_hooks
	rt delete --force "$CID" >/dev/null 2>&1 || true
	crash_create ready
	[ "$status" -eq 137 ] || fail "status $status"
	# The init survived (it no longer dies with its parent once ready).
	[ -n "$(find_leftover_processes)" ] || skip "no init survived the crash"
	runtime delete --force "$CID"
	assert_status 0
	assert_nothing_left
}

@test "crash with a detached container: create again with the same id works after delete" {
	require_crash_hooks
	rt delete --force "$CID" >/dev/null 2>&1 || true
	crash_create cgroup
	runtime delete --force "$CID"
	assert_status 0
	start_container
	runtime delete --force "$CID"
	assert_status 0
	assert_nothing_left
}

@test "crash of a run before its state is recorded: delete --force still finds it" {
	require_crash_hooks
	rt delete --force "$CID" >/dev/null 2>&1 || true
	# Without hooks or a memory limit, on cgroup v1, a run's init shares
	# the runtime's memory and execs before the state is recorded
	# (src/container/create.c): "clone" is reached only then, with the
	# container running.  Elsewhere the init dies with the runtime.
	local err="$TEST_DIR/rt.err"
	timeout -k 2 20 env CELL_TEST_MARK="$CID" CELL_TEST_CRASH_AT=clone \
		"$RUNTIME" --root "$TEST_ROOT" run -d -b "$BUNDLE" "$CID" \
		</dev/null >>"$TEST_DIR/ctr.out" 2>"$err" 3>&- && status=0 || status=$?
	[ "$status" -eq 137 ] || fail "runtime was not killed (status $status: $(cat "$err"))"
	runtime list
	assert_status 0
	[[ "$output" == *"$CID"* ]] || fail "list does not show $CID: $output"
	[[ "$output" != *"(null)"* ]] || fail "list prints (null): $output"
	runtime delete --force "$CID"
	assert_status 0
	assert_nothing_left
}
