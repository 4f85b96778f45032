#!/usr/bin/env bats
# The two builds (docs/DEVELOPING.md, "Two builds"): the runtime is static
# (musl) and loads nothing; the commands that need libsystemd, libnftables
# or libmnl are handed, before they change anything, to the full runtime
# (the glibc build) with the same arguments.  Seen from outside: the
# runtime's memory map, the debug log that names the handoff, and what is
# left on the host.

load helpers

setup() {
	skip_if_runc "cell's two builds"
	# a dynamically linked build has nothing to hand off
	readelf -lW "$RUNTIME" | grep -q 'Requesting program interpreter' &&
		skip "$RUNTIME is the full build"
	setup_bundle
	host_snapshot
}

teardown() {
	teardown_bundle
}

# assert_pids_max N: every pids.max of the container's cgroups says N
assert_pids_max() {
	local d n=0
	for d in $(find_cgroups "$CID"); do
		[ -f "$d/pids.max" ] || continue
		[ "$(cat "$d/pids.max")" = "$1" ] || fail "$d/pids.max: $(cat "$d/pids.max")"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || fail "no pids.max for $CID"
}

@test "builds: the runtime maps no library and no loader while it runs a container" {
	set_args sleep 30
	_rt_exec run -b "$BUNDLE" "$CID" </dev/null >/dev/null 2>&1 &
	local waiter=$! rt_pid= p
	wait_for_status "$CID" running
	for p in $(find_leftover_processes); do
		[ "$(readlink /proc/$p/exe)" = "$RUNTIME" ] && rt_pid=$p
	done
	[ -n "$rt_pid" ] || fail "no runtime process"
	local maps
	maps="$(cat /proc/$rt_pid/maps)"
	[ -n "$maps" ] || fail "no map of the runtime ($rt_pid)"
	! grep -E '\.so(\.[0-9]+)*$|ld-linux|ld-musl' <<<"$maps" ||
		fail "the runtime maps a shared object"
	rt kill "$CID" KILL
	wait "$waiter" || true
	assert_no_state
}

@test "builds: --systemd-cgroup create is the full runtime's; without systemd, one line and nothing left" {
	[ ! -d /run/systemd/system ] || skip "this host runs systemd (tests/systemd covers it)"
	runtime_detached --debug --systemd-cgroup create -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ] || fail "create succeeded without systemd"
	local full
	full="$(sed -n 's/.*--systemd-cgroup: handed to the full runtime \(.*\)$/\1/p' <<<"$output")"
	[ -n "$full" ] || fail "no handoff in: $output"
	[ -x "$full" ] || fail "the full runtime $full is not there"
	readelf -lW "$full" | grep -q 'Requesting program interpreter' ||
		fail "$full is not the dynamically linked build"
	# the error is the full runtime's own, and the only one
	[ "$(grep -v '^cell: debug:' <<<"$output" | grep -c .)" -eq 1 ]
	assert_output_contains "does not run systemd"
	assert_no_state
	assert_no_cgroup "$CID"
	host_snapshot_compare
}

@test "builds: delete and update of a container with a network of cell's own are handed over, and work" {
	start_container
	# what a people's run with --net bridge records (net.json); empty, it
	# names nothing for delete's network release to undo
	echo '{}' >"$TEST_ROOT/$CID/net.json"
	runtime --debug update --pids-limit 50 "$CID"
	assert_status 0
	assert_output_contains "a container with a network: handed to the full runtime"
	assert_pids_max 50
	runtime --debug delete --force "$CID"
	assert_status 0
	assert_output_contains "a container with a network: handed to the full runtime"
	assert_no_state
	assert_no_cgroup "$CID"
	assert_no_leftover_processes
	host_snapshot_compare
}

@test "builds: a container without one is deleted by the runtime itself" {
	start_container
	runtime --debug delete --force "$CID"
	assert_status 0
	[[ "$output" != *"handed to the full runtime"* ]] || fail "handed off: $output"
	assert_no_state
	assert_no_cgroup "$CID"
}

@test "builds: a full runtime that is a static build too is refused, not exec'd again and again" {
	# an install whose libexec/cell/cell is the static build (a packaging
	# mistake): the handoff finds it beside bin/cell
	mkdir -p "$TEST_DIR/inst/bin" "$TEST_DIR/inst/libexec/cell"
	cp "$RUNTIME" "$TEST_DIR/inst/bin/cell"
	cp "$RUNTIME" "$TEST_DIR/inst/libexec/cell/cell"
	local RUNTIME="$TEST_DIR/inst/bin/cell"
	runtime --systemd-cgroup create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains "is a static build too"
	assert_no_state
	assert_no_leftover_processes
}

@test "builds: update -r - of a container that is handed over: the full runtime reads the resources from stdin" {
	start_container
	echo '{}' >"$TEST_ROOT/$CID/net.json"
	run bash -c 'echo "{\"pids\": {\"limit\": 40}}" |
		"$0" --root "$1" --debug update -r - "$2" 3>&-' "$RUNTIME" "$TEST_ROOT" "$CID"
	assert_status 0
	assert_output_contains "a container with a network: handed to the full runtime"
	assert_pids_max 40
	runtime delete --force "$CID"
	assert_status 0
	assert_no_state
}
