#!/usr/bin/env bats
# OCI hooks: each writes the state JSON it reads on stdin to a marker file.

load helpers

setup() {
	setup_bundle
	HOOKS="$TEST_DIR/hooks"
	mkdir -p "$HOOKS"
	chmod 777 "$HOOKS"
	# createContainer and startContainer run in the container's mount
	# namespace; give them the same path there as on the host.
	add_bind "$HOOKS" "$HOOKS"
}

teardown() {
	teardown_bundle
}

# hook_json NAME: a hook that saves stdin to $HOOKS/NAME.json and appends NAME
# to $HOOKS/order.  /bin/sh exists on the host and in the busybox rootfs.
hook_json() {
	jq -n -c --arg n "$1" --arg d "$HOOKS" '{
		path: "/bin/sh",
		args: ["sh", "-c", "cat > \($d)/\($n).json; echo \($n) >> \($d)/order", "hook"],
		env: ["PATH=/bin:/usr/bin:/sbin:/usr/sbin", "HOOKVAR=\($n)"]
	}'
}

add_hook() {
	local kind="$1" json="$2"
	update_config ".hooks.$kind += [$json]"
}

all_hooks() {
	local h
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		add_hook "$h" "$(hook_json "$h")"
	done
}

@test "every hook runs once, in lifecycle order, with the state on stdin" {
	all_hooks
	create_container
	local pid
	pid="$(container_pid "$CID")"
	# create: prestart, createRuntime, createContainer; nothing else yet.
	[ -s "$HOOKS/createRuntime.json" ]
	[ -s "$HOOKS/createContainer.json" ]
	[ -s "$HOOKS/prestart.json" ]
	[ ! -e "$HOOKS/startContainer.json" ]
	# runc 1.1 runs poststart at create (a known deviation from the spec).
	is_runc || [ ! -e "$HOOKS/poststart.json" ]

	runtime start "$CID"
	assert_status 0
	wait_for_file "$HOOKS/poststart.json"
	[ -s "$HOOKS/startContainer.json" ]
	[ ! -e "$HOOKS/poststop.json" ]

	runtime delete --force "$CID"
	assert_status 0
	[ -s "$HOOKS/poststop.json" ]

	run cat "$HOOKS/order"
	echo "$output"
	[ "${#lines[@]}" = 6 ]
	# prestart (deprecated) runs with createRuntime; both precede the rest.
	[[ "${lines[0]} ${lines[1]}" == "prestart createRuntime" || "${lines[0]} ${lines[1]}" == "createRuntime prestart" ]]
	[ "${lines[2]}" = createContainer ]
	if is_runc; then
		[ "${lines[3]} ${lines[4]}" = "poststart startContainer" ]
	else
		[ "${lines[3]}" = startContainer ]
		[ "${lines[4]}" = poststart ]
	fi
	[ "${lines[5]}" = poststop ]

	local h
	for h in prestart createRuntime createContainer startContainer poststart poststop; do
		jq -e --arg id "$CID" '.id == $id and (.ociVersion | length > 0)' "$HOOKS/$h.json" ||
			fail "$h: bad state $(cat "$HOOKS/$h.json")"
		jq -e --arg b "$BUNDLE" '.bundle == $b' "$HOOKS/$h.json" || fail "$h: bundle"
	done
	local in_ctr="createContainer startContainer"
	# runc reports the pid inside the container's pid namespace (1) to the
	# hooks that run there; the spec says "as seen by the host".
	is_runc && in_ctr=""
	for h in prestart createRuntime $in_ctr poststart; do
		[ "$(jq -r .pid "$HOOKS/$h.json")" = "$pid" ] || fail "$h: pid $(jq -r .pid "$HOOKS/$h.json") != $pid"
	done
	jq -e '.status == "creating" or .status == "created"' "$HOOKS/createRuntime.json"
	jq -e '.status == "creating" or .status == "created"' "$HOOKS/createContainer.json"
	jq -e '.status == "created" or .status == "running"' "$HOOKS/startContainer.json"
	jq -e '.status == "running" or .status == "created"' "$HOOKS/poststart.json"
	jq -e '.status == "stopped"' "$HOOKS/poststop.json"
}

@test "hooks with run: all six fire" {
	all_hooks
	set_args true
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	run cat "$HOOKS/order"
	[ "${#lines[@]}" = 6 ]
	[ "${lines[5]}" = poststop ]
}

@test "hook env and args are the configured ones" {
	add_hook createRuntime "$(jq -n -c --arg d "$HOOKS" '{
		path: "/bin/sh",
		args: ["sh", "-c", "echo \"$0 $1 $HOOKVAR\" > \($d)/env", "zero", "one"],
		env: ["HOOKVAR=set"]}')"
	create_container
	[ "$(cat "$HOOKS/env")" = "zero one set" ]
}

@test "createContainer runs in the container's namespaces" {
	add_hook createContainer "$(jq -n -c --arg d "$HOOKS" '{
		path: "/bin/sh",
		args: ["sh", "-c", "readlink /proc/self/ns/mnt > \($d)/mnt; readlink /proc/self/ns/net > \($d)/net"]}')"
	create_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(cat "$HOOKS/mnt")" = "$(readlink /proc/$pid/ns/mnt)" ]
	[ "$(cat "$HOOKS/net")" = "$(readlink /proc/$pid/ns/net)" ]
}

@test "createRuntime runs in the runtime's namespaces" {
	add_hook createRuntime "$(jq -n -c --arg d "$HOOKS" '{
		path: "/bin/sh",
		args: ["sh", "-c", "readlink /proc/self/ns/mnt > \($d)/mnt"]}')"
	create_container
	[ "$(cat "$HOOKS/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
}

@test "a hook that exceeds its timeout fails create and leaves nothing" {
	host_snapshot
	add_hook createRuntime '{"path": "/bin/sleep", "args": ["sleep", "5"], "timeout": 1}'
	local t0=$SECONDS
	runtime_detached create -b "$BUNDLE" "$CID"
	local elapsed=$((SECONDS - t0))
	assert_failed_cleanly
	[ "$elapsed" -lt 4 ] || fail "create took ${elapsed}s despite a 1s timeout"
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
	! pgrep -f '^sleep 5$' -P $$ >/dev/null
}

@test "a failing prestart hook fails create and leaves nothing" {
	host_snapshot
	add_hook prestart '{"path": "/bin/false"}'
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
}

@test "a failing createRuntime hook runs poststop and leaves nothing" {
	add_hook createRuntime '{"path": "/bin/false"}'
	add_hook poststop "$(hook_json poststop)"
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_cgroup
	assert_no_leftover_processes
}

@test "a hook path that does not exist fails create cleanly" {
	add_hook createRuntime '{"path": "/nonexistent/hook"}'
	runtime_detached create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_leftover_processes
}

@test "a failing poststart hook only warns; the container runs" {
	skip_if_runc "runc 1.1 kills the container when a poststart hook fails"
	add_hook poststart '{"path": "/bin/false"}'
	add_hook poststart "$(hook_json after)"
	start_container
	# The remaining poststart hooks still ran.
	[ -s "$HOOKS/after.json" ]
	[ "$(container_status "$CID")" = running ]
}

@test "poststop runs at delete, not when the process exits" {
	add_hook poststop "$(hook_json poststop)"
	set_args true
	start_container || true
	wait_for_status "$CID" stopped
	sleep 0.2
	[ ! -e "$HOOKS/poststop.json" ]
	runtime delete "$CID"
	assert_status 0
	[ -s "$HOOKS/poststop.json" ]
	jq -e '.status == "stopped"' "$HOOKS/poststop.json"
}

@test "a failing poststop hook does not stop delete" {
	add_hook poststop '{"path": "/bin/false"}'
	start_container
	runtime delete --force "$CID"
	assert_status 0
	assert_no_state
}
