#!/usr/bin/env bats
# Hostile config.json: huge, deeply nested, wrong types, a garbage
# ociVersion, symlinks.  Each gets one clear line (or, where legitimate,
# works), an exit code below 128, and leaves nothing behind.

load helpers

setup() {
	setup_bundle
	host_snapshot
}

teardown() {
	teardown_bundle
}

# expect_refused [WORDS...]: create failed cleanly, mentioning WORDS,
# within the time limit, and left nothing.
expect_refused() {
	[ "$status" -ne 124 ] || fail "timed out"
	assert_failed_cleanly
	local w
	for w in "$@"; do
		assert_output_contains "$w"
	done
	[ "${#output}" -lt 1024 ] || fail "error line of ${#output} bytes"
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
}

# A config grown to SIZE bytes with one long environment variable.
grow_config() {
	local size="$1"
	python3 - "$BUNDLE/config.json" "$size" <<-'EOF2'
		import json, sys
		path, size = sys.argv[1], int(sys.argv[2])
		c = json.load(open(path))
		base = len(json.dumps(c)) + 32
		c["process"]["env"].append("BIG=" + "x" * max(0, size - base))
		json.dump(c, open(path, "w"))
	EOF2
}

@test "a 50 MB config.json: handled (it is under the 64 MiB cap)" {
	grow_config $((50 * 1000 * 1000))
	[ "$(stat -c %s "$BUNDLE/config.json")" -gt 49000000 ]
	CELL_TEST_TIMEOUT=60 runtime_detached create -b "$BUNDLE" "$CID"
	[ "$status" -lt 128 ] || fail "status $status: $output"
	if [ "$status" -eq 0 ]; then
		runtime delete --force "$CID"
		assert_status 0
	else
		expect_refused
	fi
	assert_no_state
	assert_no_cgroup
}

@test "a config.json over 64 MiB is refused before it is read whole" {
	skip_if_runc
	grow_config $((70 * 1024 * 1024))
	runtime create -b "$BUNDLE" "$CID"
	expect_refused config.json
}

@test "a deeply nested config.json is refused" {
	python3 - "$BUNDLE/config.json" <<-'EOF2'
		import json, sys
		c = json.load(open(sys.argv[1]))
		s = json.dumps(c)
		deep = "[" * 200000 + "]" * 200000
		s = s[:-1] + ', "x-deep": ' + deep + "}"
		open(sys.argv[1], "w").write(s)
	EOF2
	runtime create -b "$BUNDLE" "$CID"
	expect_refused config.json
}

@test "wrong types are refused with the JSON path" {
	local f
	for f in '.process.args = "sh"' '.process.cwd = 7' '.root = []' \
		'.linux.namespaces = {}' '.process.user.uid = -1' \
		'.process.user.uid = "0"' '.mounts = [1]' '.hostname = true' \
		'.linux.resources = {"memory": {"limit": "1g"}}' \
		'.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": "x", "soft": 1}]'; do
		cp "$BUNDLE/config.json" "$TEST_DIR/config.orig"
		update_config "$f"
		runtime create -b "$BUNDLE" "$CID"
		expect_refused config.json
		cp "$TEST_DIR/config.orig" "$BUNDLE/config.json"
	done
}

@test "a garbage ociVersion is refused" {
	local v
	for v in '"banana"' '""' '"2.0.0"' '"1."' '7' 'null' '"1.0.0 "' '"1.0.0\nx"'; do
		cp "$BUNDLE/config.json" "$TEST_DIR/config.orig"
		update_config ".ociVersion = $v"
		runtime create -b "$BUNDLE" "$CID"
		expect_refused ociVersion
		cp "$TEST_DIR/config.orig" "$BUNDLE/config.json"
	done
	# A NUL inside the string: refused by the JSON parser already.
	update_config '.ociVersion = "1.0.0\u0000x"'
	runtime create -b "$BUNDLE" "$CID"
	expect_refused config.json
}

@test "not JSON, empty, or binary garbage: one line" {
	printf '' >"$BUNDLE/config.json"
	runtime create -b "$BUNDLE" "$CID"
	expect_refused config.json
	head -c 4096 /dev/urandom >"$BUNDLE/config.json"
	runtime create -b "$BUNDLE" "$CID"
	expect_refused config.json
	printf '{"ociVersion": "1.0.0", "a": "\xff\xfe"}' >"$BUNDLE/config.json"
	runtime create -b "$BUNDLE" "$CID"
	expect_refused config.json
}

@test "a symlinked bundle path works (the state records the real path)" {
	ln -s "$BUNDLE" "$TEST_DIR/bundle-link"
	runtime_detached create -b "$TEST_DIR/bundle-link" "$CID"
	assert_status 0
	runtime state "$CID"
	assert_status 0
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	runtime delete --force "$CID"
	assert_status 0
}

@test "config.json as a symlink: to a file works; to a FIFO, /dev/zero or a dir does not hang" {
	mv "$BUNDLE/config.json" "$TEST_DIR/real-config.json"
	ln -s "$TEST_DIR/real-config.json" "$BUNDLE/config.json"
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_status 0
	runtime delete --force "$CID"
	assert_status 0

	local target
	mkfifo "$TEST_DIR/fifo"
	mkdir "$TEST_DIR/dir"
	for target in "$TEST_DIR/fifo" /dev/zero "$TEST_DIR/dir" "$TEST_DIR/missing"; do
		ln -sfn "$target" "$BUNDLE/config.json"
		CELL_TEST_TIMEOUT=20 runtime create -b "$BUNDLE" "$CID"
		expect_refused config.json
	done
}
