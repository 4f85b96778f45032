#!/usr/bin/env bats
# Refusals: malformed configs, wrong types, bad ids, unknown containers.
# After each: a non-zero exit below 128, (cell) one stderr line starting
# "cell:", and nothing left behind: no state dir, no mounts, no cgroup, no
# processes.

load helpers

setup() {
	setup_bundle
	host_snapshot
}

teardown() {
	teardown_bundle
}

# refused ARGS...: run the runtime (stdio detached) and check it refused
# cleanly and left nothing behind for $CID.
refused() {
	runtime_detached "$@"
	assert_failed_cleanly
	assert_nothing_left
}

assert_nothing_left() {
	assert_no_state "$CID"
	[ -z "$(ls -A "$TEST_ROOT" 2>/dev/null)" ] || fail "state root not empty: $(ls -A "$TEST_ROOT")"
	assert_no_cgroup "$CID"
	assert_no_leftover_processes "$CID"
	assert_no_test_mounts
	host_snapshot_compare
}

# The error names the JSON path of the bad field (cell; runc's Go decoder
# names most of them too).
assert_mentions() {
	[[ "$output" == *"$1"* ]] || {
		show_run >&2
		fail "error does not mention '$1'"
	}
}

@test "malformed JSON" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	refused create -b "$BUNDLE" "$CID"
}

@test "config.json is not an object" {
	echo '[1, 2, 3]' >"$BUNDLE/config.json"
	refused create -b "$BUNDLE" "$CID"
}

@test "missing config.json" {
	rm "$BUNDLE/config.json"
	refused create -b "$BUNDLE" "$CID"
}

@test "bundle dir does not exist" {
	refused create -b "$TEST_DIR/no-such-bundle" "$CID"
}

@test "process.args as a string names process.args" {
	update_config '.process.args = "sh -c true"'
	refused create -b "$BUNDLE" "$CID"
	assert_mentions process.args
}

@test "process.args with a non-string element names process.args" {
	update_config '.process.args = ["sh", 42]'
	refused create -b "$BUNDLE" "$CID"
	assert_mentions process.args
}

@test "process.user.uid as a string names process.user.uid" {
	update_config '.process.user.uid = "root"'
	refused create -b "$BUNDLE" "$CID"
	assert_mentions uid
	skip_if_runc "runc's decoder message names the Go field, not the JSON path"
	assert_mentions process.user.uid
}

@test "root.path as a number names root.path" {
	update_config '.root.path = 7'
	refused create -b "$BUNDLE" "$CID"
	assert_mentions root.path
}

@test "linux.namespaces entry of the wrong type names linux.namespaces" {
	update_config '.linux.namespaces[0] = "pid"'
	refused create -b "$BUNDLE" "$CID"
	skip_if_runc "runc's decoder message names the Go type"
	assert_mentions linux.namespaces
}

@test "unknown namespace type" {
	update_config '.linux.namespaces += [{"type": "bogus"}]'
	refused create -b "$BUNDLE" "$CID"
}

@test "duplicate namespace type" {
	update_config '.linux.namespaces += [{"type": "pid"}]'
	refused create -b "$BUNDLE" "$CID"
}

@test "uid mappings without a user namespace" {
	skip_if_runc "runc 1.1 ignores id mappings without a user namespace"
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 1}]'
	refused create -b "$BUNDLE" "$CID"
}

@test "rootfs directory missing" {
	rm -rf "$BUNDLE/rootfs"
	refused create -b "$BUNDLE" "$CID"
}

@test "root.path points at a file" {
	touch "$BUNDLE/notadir"
	update_config '.root.path = "notadir"'
	refused create -b "$BUNDLE" "$CID"
}

@test "empty process.args" {
	update_config '.process.args = []'
	refused create -b "$BUNDLE" "$CID"
	skip_if_runc
	assert_mentions process.args
}

@test "missing process.args" {
	update_config 'del(.process.args)'
	refused create -b "$BUNDLE" "$CID"
}

@test "args[0] that does not exist in the rootfs: run fails, nothing left" {
	set_args /no/such/binary
	runtime_detached run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "unknown rlimit type" {
	update_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]'
	refused create -b "$BUNDLE" "$CID"
}

@test "rlimit soft above hard" {
	update_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 200, "hard": 100}]'
	runtime_detached run -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_nothing_left
}

@test "unknown capability name" {
	skip_if_runc "runc 1.1 ignores unknown capabilities with a warning"
	update_config '.process.capabilities.bounding += ["CAP_BOGUS"]'
	refused create -b "$BUNDLE" "$CID"
	assert_mentions CAP_BOGUS
}

@test "invalid device type" {
	update_config '.linux.devices = [{"path": "/dev/x", "type": "q", "major": 1, "minor": 3}]'
	refused create -b "$BUNDLE" "$CID"
}

@test "a mount with a missing bind source" {
	add_bind "$TEST_DIR/no-such-source" /data
	refused create -b "$BUNDLE" "$CID"
}

@test "a mount of an unknown filesystem type" {
	update_config '.mounts += [{"destination": "/x", "type": "nosuchfs", "source": "none"}]'
	refused create -b "$BUNDLE" "$CID"
}

@test "invalid ids: ../x, a/b, empty, ., .., 1025 characters" {
	local long
	long="$(head -c 1025 /dev/zero | tr '\0' a)"
	local id
	for id in "../x" "a/b" "" "." ".." "$long" "x/../../y"; do
		runtime_detached create -b "$BUNDLE" "$id"
		assert_failed_cleanly || fail "id '${id:0:40}' accepted"
		[ -z "$(ls -A "$TEST_ROOT")" ] || fail "id '${id:0:40}' left $(ls -A "$TEST_ROOT")"
		[ ! -e "$TEST_DIR/x" ] && [ ! -e "$TEST_DIR/y" ] || fail "id '$id' escaped the state root"
	done
	assert_no_leftover_processes
	assert_no_test_mounts
}

@test "nonexistent id: state, start, kill, delete, exec, ps, pause, resume" {
	local id="${CID}nope" verb
	for verb in state start kill delete pause resume ps; do
		runtime "$verb" "$id"
		assert_failed_cleanly || fail "$verb accepted a nonexistent id"
	done
	runtime exec "$id" true
	assert_failed_cleanly
	assert_nothing_left
}

@test "delete --force of a nonexistent id fails or succeeds, but quietly and cleanly" {
	runtime delete --force "${CID}nope"
	# runc succeeds here (engines rely on it being idempotent).
	[ "$status" -eq 0 ] || assert_failed_cleanly
	assert_nothing_left
}

@test "unknown subcommand and unknown flag" {
	runtime frobnicate
	assert_failed_cleanly
	runtime create --no-such-flag -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_nothing_left
}

@test "missing id argument" {
	runtime create -b "$BUNDLE"
	assert_failed_cleanly
	runtime state
	assert_failed_cleanly
	assert_nothing_left
}

@test "start of a stopped container fails; delete still works" {
	set_args true
	start_container || true
	wait_for_status "$CID" stopped
	runtime start "$CID"
	assert_failed_cleanly
	runtime delete "$CID"
	assert_status 0
	assert_nothing_left
}

@test "unparseable --root is refused" {
	touch "$TEST_DIR/afile"
	run "$RUNTIME" --root "$TEST_DIR/afile" list
	assert_failed_cleanly
}

@test "errors are a single line starting with 'cell:'" {
	skip_if_runc
	runtime state "${CID}nope"
	assert_failed_cleanly
	[[ "$output" == "cell: "* ]]
	[[ "$output" == *"${CID}nope"* ]] || fail "error does not name the id: $output"
}

@test "--systemd-cgroup where systemd does not run: one line, nothing left" {
	[ ! -d /run/systemd/system ] || skip "systemd runs here (tests/systemd covers the driver)"
	update_config ".linux.cgroupsPath = \"system.slice:celltest:$CID\""
	refused --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	is_runc || assert_mentions "does not run systemd"
	refused --systemd-cgroup create -b "$BUNDLE" "$CID"
}
