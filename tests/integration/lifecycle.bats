#!/usr/bin/env bats
# The container lifecycle as engines drive it: spec, create, start, state,
# kill, delete, run, list.  Observed from the host: state JSON, /proc, exit
# codes, files the container writes into a bind-mounted host dir.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# An init that exits 143 on SIGTERM.  A namespace's pid 1 has no default signal
# actions, so a plain `sleep` would ignore TERM.
TERM_INIT='trap "exit 143" TERM; while :; do sleep 0.05; done'

@test "spec writes a usable config.json and refuses to overwrite it" {
	local dir="$TEST_DIR/spec"
	mkdir "$dir"
	run sh -c "cd '$dir' && '$RUNTIME' spec"
	assert_status 0
	jq -e '.ociVersion and (.process.args | length > 0) and .root.path == "rootfs"' "$dir/config.json"
	jq -e '[.linux.namespaces[].type] | index("mount") and index("pid")' "$dir/config.json"

	run sh -c "cd '$dir' && '$RUNTIME' spec"
	[ "$status" -ne 0 ]
}

@test "spec --bundle DIR and --rootless" {
	local dir="$TEST_DIR/spec2"
	mkdir "$dir"
	run "$RUNTIME" spec --bundle "$dir" --rootless
	assert_status 0
	jq -e '[.linux.namespaces[].type] | index("user")' "$dir/config.json"
	jq -e '.linux.uidMappings | length > 0' "$dir/config.json"
}

@test "a config.json written by runc spec runs unchanged (drop-in)" {
	[ -x /usr/sbin/runc ] || skip "runc not installed"
	rm "$BUNDLE/config.json"
	(cd "$BUNDLE" && /usr/sbin/runc spec)
	update_config '.process.terminal = false | .process.args = ["sh", "-c", "echo ok"]'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = ok ]
}

@test "create: state created, init alive on the host, user process not yet run" {
	setup_outdir
	set_args sh -c 'echo ran > /out/ran'
	create_container

	runtime state "$CID"
	assert_status 0
	[ "$(jq -r .status <<<"$output")" = created ]
	[ "$(jq -r .id <<<"$output")" = "$CID" ]
	[ "$(jq -r .bundle <<<"$output")" = "$BUNDLE" ]
	jq -e '.ociVersion | length > 0' <<<"$output"
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$pid" -gt 0 ]
	pid_alive "$pid"
	# Its own pid namespace, so not the host's.
	[ "$(readlink /proc/$pid/ns/pid)" != "$(readlink /proc/self/ns/pid)" ]
	[ ! -e "$OUT/ran" ]
}

@test "start: the process runs (writes into a host dir) and state is running" {
	setup_outdir
	set_args sh -c 'echo hello > /out/ran; exec sleep 1000'
	create_container
	local pid
	pid="$(container_pid "$CID")"

	runtime start "$CID"
	assert_status 0
	wait_for_status "$CID" running
	wait_for_file "$OUT/ran"
	[ "$(cat "$OUT/ran")" = hello ]
	# start does not make a new process: the init execs the user's process.
	[ "$(container_pid "$CID")" = "$pid" ]
	wait_for_cmdline "$pid" sleep 1000
}

@test "kill TERM: stopped; delete removes the state" {
	set_args sh -c "$TERM_INIT"
	start_container
	local pid
	pid="$(container_pid "$CID")"

	runtime kill "$CID" TERM
	assert_status 0
	wait_for_status "$CID" stopped
	wait_pid_gone "$pid"

	runtime delete "$CID"
	assert_status 0
	assert_no_state
	runtime state "$CID"
	[ "$status" -ne 0 ]
	assert_no_cgroup
}

@test "kill defaults to SIGTERM" {
	set_args sh -c "$TERM_INIT"
	start_container
	runtime kill "$CID"
	assert_status 0
	wait_for_status "$CID" stopped
}

@test "kill accepts TERM, SIGTERM, 15, and KILL" {
	setup_outdir
	set_args sh -c 'trap "echo got >> /out/sig" TERM; while :; do sleep 0.05; done'
	start_container
	local n=0 sig
	for sig in TERM SIGTERM 15; do
		runtime kill "$CID" "$sig"
		assert_status 0
		n=$((n + 1))
		local tries=100
		while [ "$(grep -c got "$OUT/sig" 2>/dev/null)" != "$n" ] && [ $tries -gt 0 ]; do
			sleep 0.05
			tries=$((tries - 1))
		done
		[ "$(grep -c got "$OUT/sig")" = "$n" ] || fail "signal $sig not delivered"
	done
	[ "$(container_status "$CID")" = running ]

	runtime kill "$CID" KILL
	assert_status 0
	wait_for_status "$CID" stopped
}

@test "kill with an unknown signal fails and the container keeps running" {
	start_container
	runtime kill "$CID" NOTASIGNAL
	assert_failed_cleanly
	[ "$(container_status "$CID")" = running ]
}

@test "a container whose process exits on its own is stopped; delete without --force works" {
	set_args true
	start_container || wait_for_status "$CID" stopped
	wait_for_status "$CID" stopped
	runtime delete "$CID"
	assert_status 0
	assert_no_state
}

@test "run: foreground exit status 0 and 3, output on stdout" {
	set_args sh -c 'echo out-line'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = out-line ]
	assert_no_state

	set_args sh -c 'exit 3'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 3
	assert_no_state
}

@test "run: killed by a signal exits 128+N (137 for KILL, 143 for TERM)" {
	# pid 1 of a namespace cannot signal itself to death, so share the host's
	# pid namespace for these two.
	remove_namespace pid
	set_args sh -c 'kill -KILL $$'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 137

	set_args sh -c 'kill -TERM $$'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 143
	assert_no_state
}

@test "run: init killed from the host exits 137" {
	(
		sleep 0.3
		for _ in $(seq 100); do
			pid="$(container_pid "$CID" 2>/dev/null)"
			if [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$(container_status "$CID")" = running ]; then
				kill -9 "$pid"
				break
			fi
			sleep 0.05
		done
	) &
	local killer=$!
	runtime run -b "$BUNDLE" "$CID"
	wait "$killer"
	assert_status 137
	assert_no_state
}

@test "run -d: returns at once, container running, --pid-file written" {
	runtime_detached run -d -b "$BUNDLE" --pid-file "$TEST_DIR/pid" "$CID"
	assert_status 0
	wait_for_status "$CID" running
	local pid
	pid="$(container_pid "$CID")"
	[ "$(cat "$TEST_DIR/pid")" = "$pid" ]
	pid_alive "$pid"
}

@test "create --pid-file holds the init's host pid, without a newline" {
	runtime_detached create -b "$BUNDLE" --pid-file "$TEST_DIR/pid" "$CID"
	assert_status 0
	[ "$(cat "$TEST_DIR/pid")" = "$(container_pid "$CID")" ]
	[ "$(tail -c1 "$TEST_DIR/pid" | od -An -c | tr -d ' ')" != '\n' ]
}

@test "create twice with the same id fails and leaves the first untouched" {
	create_container
	local pid
	pid="$(container_pid "$CID")"
	local before
	before="$(rt state "$CID")"

	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	[ "$(rt state "$CID")" = "$before" ]
	pid_alive "$pid"
	runtime start "$CID"
	assert_status 0
	wait_for_status "$CID" running
}

@test "start twice fails; the container keeps running" {
	start_container
	local pid
	pid="$(container_pid "$CID")"
	runtime start "$CID"
	assert_failed_cleanly
	[ "$(container_status "$CID")" = running ]
	pid_alive "$pid"
}

@test "delete of a running container without --force fails; it keeps running" {
	start_container
	local pid
	pid="$(container_pid "$CID")"
	runtime delete "$CID"
	assert_failed_cleanly
	[ "$(container_status "$CID")" = running ]
	pid_alive "$pid"
}

@test "delete --force kills a running container and removes everything" {
	start_container
	local pid
	pid="$(container_pid "$CID")"
	runtime delete --force "$CID"
	assert_status 0
	wait_pid_gone "$pid"
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
}

@test "delete --force of a created (never started) container" {
	create_container
	local pid
	pid="$(container_pid "$CID")"
	runtime delete --force "$CID"
	assert_status 0
	wait_pid_gone "$pid"
	assert_no_state
	assert_no_cgroup
}

@test "list: table, json and -q" {
	local id2="${CID}b"
	start_container
	create_container "$id2"

	runtime list
	assert_status 0
	[[ "${lines[0]}" == ID* ]] || fail "no table header: ${lines[0]}"
	printf '%s\n' "$output" | grep -E "^$CID +[0-9]+ +running" || fail "no row for $CID"
	printf '%s\n' "$output" | grep -E "^$id2 +[0-9]+ +created" || fail "no row for $id2"

	runtime list --format json
	assert_status 0
	[ "$(jq -r ".[] | select(.id == \"$CID\") | .status" <<<"$output")" = running ]
	[ "$(jq -r ".[] | select(.id == \"$id2\") | .status" <<<"$output")" = created ]
	[ "$(jq -r ".[] | select(.id == \"$CID\") | .pid" <<<"$output")" = "$(container_pid "$CID")" ]

	runtime list -q
	assert_status 0
	[ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$CID" "$id2" | sort | tr '\n' ' ')" ]
}

@test "list of an empty root prints only the header (json: empty array)" {
	runtime list --format json
	assert_status 0
	[ "$(jq -r 'length' <<<"${output:-[]}")" = 0 ]
	runtime list -q
	assert_status 0
	[ -z "$output" ]
}

@test "kill --all signals every process of the container" {
	# Without a pid namespace, killing the init would not kill the rest.
	remove_namespace pid
	set_args sh -c 'sleep 1000 & sleep 1000 & wait'
	start_container
	local pid children
	pid="$(container_pid "$CID")"
	for _ in $(seq 100); do
		children="$(cat /proc/$pid/task/*/children 2>/dev/null)"
		[ "$(wc -w <<<"$children")" -ge 2 ] && break
		sleep 0.05
	done
	[ "$(wc -w <<<"$children")" -ge 2 ] || fail "children never appeared"

	runtime kill --all "$CID" KILL
	assert_status 0
	wait_for_status "$CID" stopped
	local c
	for c in $children; do
		wait_pid_gone "$c"
	done
}

@test "kill of a stopped container: runc's \"container not running\"" {
	# containerd's runc shim matches this text to tell "already exited"
	# from a failure; anything else leaves a CRI container stuck running.
	set_args true
	start_container || true
	wait_for_status "$CID" stopped
	runtime kill "$CID" KILL
	[ "$status" -ne 0 ]
	assert_output_contains "container not running"
}

@test "kill --all of a stopped container kills what its init left behind" {
	# A pod's containers share a PID namespace: when an init exits,
	# containerd's shim kills the rest of its cgroup with kill --all.
	remove_namespace pid
	setup_outdir
	set_args sh -c 'sleep 1000 & echo $! >/out/child'
	start_container || true
	wait_for_status "$CID" stopped
	wait_for_file "$OUT/child"
	# no PID namespace: the pid it wrote is the host's
	local child
	child="$(cat "$OUT/child")"
	pid_alive "$child" || fail "the orphan is gone already"

	runtime kill --all "$CID" KILL
	assert_status 0
	wait_pid_gone "$child"
	# and again, nothing left: still a success
	runtime kill --all "$CID" KILL
	assert_status 0
}

@test "state of a stopped container reports pid 0 or a dead pid" {
	set_args true
	start_container || true
	wait_for_status "$CID" stopped
	runtime state "$CID"
	assert_status 0
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$pid" = 0 ] || ! pid_alive "$pid"
}

@test "annotations from config.json appear in state" {
	update_config '.annotations = {"org.example.key": "value"}'
	create_container
	runtime state "$CID"
	assert_status 0
	[ "$(jq -r '.annotations["org.example.key"]' <<<"$output")" = value ]
}

@test "the saved config keeps every string as written (the state stores it compacted)" {
	# Indented as engines write it, with strings whose spaces, tabs,
	# escaped quotes, backslashes and non-ASCII must survive the
	# compaction of the state's copy.
	local v=$'a  b\tc "q" \\ \u00e9 {x: [1, 2]}'
	jq --arg v "$v" '.annotations = {"org.example.k": $v}' \
		"$BUNDLE/config.json" >"$BUNDLE/c.json"
	mv "$BUNDLE/c.json" "$BUNDLE/config.json"
	create_container
	runtime state "$CID"
	assert_status 0
	[ "$(jq -r '.annotations["org.example.k"]' <<<"$output")" = "$(printf '%s' "$v")" ]
	# exec reads its namespaces back from the same copy
	runtime start "$CID"
	runtime exec "$CID" true
	assert_status 0
}

# cgroup_file PID CONTROLLER FILE: the host path of a v1 controller file of
# the cgroup PID is in (this host is v1 hybrid).
cgroup_file() {
	local path
	path="$(awk -F: -v c="$2" '$2 == c { print $3 }' "/proc/$1/cgroup")"
	echo "/sys/fs/cgroup/$2$path/$3"
}

@test "pause and resume: state and the freezer seen from the host" {
	[ -d /sys/fs/cgroup/freezer ] || skip "no v1 freezer on this host"
	start_container
	local pid
	pid="$(container_pid "$CID")"
	runtime pause "$CID"
	assert_status 0
	[ "$(container_status "$CID")" = paused ]
	[ "$(cat "$(cgroup_file "$pid" freezer freezer.state)")" = FROZEN ]
	runtime resume "$CID"
	assert_status 0
	[ "$(container_status "$CID")" = running ]
	[ "$(cat "$(cgroup_file "$pid" freezer freezer.state)")" = THAWED ]
}

@test "delete --force of a paused container" {
	start_container
	local pid
	pid="$(container_pid "$CID")"
	rt pause "$CID"
	runtime delete --force "$CID"
	assert_status 0
	wait_pid_gone "$pid"
	assert_no_state
	assert_no_cgroup
}

@test "update --memory changes the cgroup limit" {
	[ -d /sys/fs/cgroup/memory ] || skip "no v1 memory controller on this host"
	start_container
	local pid
	pid="$(container_pid "$CID")"
	runtime update --memory 67108864 "$CID"
	assert_status 0
	[ "$(cat "$(cgroup_file "$pid" memory memory.limit_in_bytes)")" = 67108864 ]
}

@test "update -r FILE with a resources JSON" {
	[ -d /sys/fs/cgroup/pids ] || skip "no v1 pids controller on this host"
	start_container
	local pid
	pid="$(container_pid "$CID")"
	echo '{"pids": {"limit": 77}}' >"$TEST_DIR/res.json"
	runtime update -r "$TEST_DIR/res.json" "$CID"
	assert_status 0
	[ "$(cat "$(cgroup_file "$pid" pids pids.max)")" = 77 ]
}

@test "events --stats prints one JSON stats object" {
	start_container
	runtime events --stats "$CID"
	assert_status 0
	jq -e --arg id "$CID" '.type == "stats" and .id == $id and (.data.memory | type == "object")' <<<"$output"
}

@test "features prints JSON with the namespaces it supports" {
	run "$RUNTIME" features
	assert_status 0
	jq -e '.ociVersionMin and .ociVersionMax and (.linux.namespaces | index("pid"))' <<<"$output"
}

@test "delete of a created container without --force fails and it stays created (runtime-spec)" {
	skip_if_runc "runc deletes a created container"
	create_container
	local pid
	pid="$(container_pid "$CID")"
	runtime delete "$CID"
	assert_failed_cleanly
	pid_alive "$pid"
	[ "$(container_status "$CID")" = created ]
	runtime delete --force "$CID"
	assert_status 0
}
