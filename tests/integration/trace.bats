#!/usr/bin/env bats
# Seeing how a container is made: --trace FILE (Chrome trace-event JSON),
# --trace - (a table), --explain (the kernel calls that isolate it, with
# their reasons and source files) and --dry-run (built, never run, removed).
# The trace is read back as a viewer would; the explanation is held to what
# the kernel shows from outside (cgroup files, the rootfs, the state root).

load helpers

setup() {
	skip_if_runc "--trace and --explain are cell's own"
	setup_bundle
	TRACE="$TEST_DIR/trace.json"
	CHECK="$INTEGRATION_DIR/trace_check.py"
}

teardown() {
	teardown_bundle
}

check() {
	python3 "$CHECK" "$TRACE" "$@"
}

# Every cgroup directory named after $1, in every hierarchy.
cgroup_dirs_of() {
	find /sys/fs/cgroup -maxdepth 3 -type d -name "*$1*" 2>/dev/null
}

@test "trace: run writes Chrome trace JSON with the steps of the runtime and the init in order" {
	set_args true
	runtime --trace "$TRACE" run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	jq -e '.traceEvents | length > 20' "$TRACE"
	# one named track per process, the init's under its host pid
	[ "$(jq '[.traceEvents[] | select(.ph == "M")] | length' "$TRACE")" -eq 2 ]
	jq -e '[.traceEvents[] | select(.ph == "M") | .args.name] | index("cell run") and index("init")' "$TRACE"
	jq -e '[.traceEvents[] | select(.ph == "X") | .ts, .dur] | all(type == "number")' "$TRACE"
	check order runtime run create parse "cgroup create" "cgroup limits" clone "init setup" start wait teardown
	check order init "cgroup join" namespaces mounts pivot_root "masked paths" confine "wait for start" "seccomp load"
	check nested runtime
	check nested init
	# each controller write is its own step
	jq -e '[.traceEvents[] | select(.name == "cgroup write") | .args.detail] | index("devices.deny")' "$TRACE"
	# each mount of config.json is a step of the init
	for m in /proc /dev /dev/pts /sys; do
		jq -e --arg m "$m" '[.traceEvents[] | select(.name == "mount") | .args.detail] | index($m)' "$TRACE"
	done
}

@test "trace: the init's steps line up inside the runtime's, on one clock" {
	set_args true
	runtime --trace "$TRACE" run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	# the init builds the container while the runtime creates it (with
	# nothing to hand over, the init does not wait for the runtime's GO:
	# its first steps may start while the runtime still closes up clone)
	for step in namespaces mounts pivot_root "masked paths" confine; do
		check within runtime create init "$step"
	done
	# seccomp is loaded once the init has START -- which a run without
	# hooks queues ahead, so the init may be at it before the runtime
	# has read READY: inside the run, after the init's wait
	check within runtime run init "seccomp load"
	check order init "wait for start" "seccomp load"
	check within runtime create init "cgroup join"
	# the init's track names its host pid, which is not the runtime's
	[ "$(jq '[.traceEvents[] | select(.ph == "M") | .pid] | unique | length' "$TRACE")" -eq 2 ]
}

@test "trace: a time namespace's offset does not move the init's steps" {
	set_args true
	update_config '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": 86400, "nanosecs": 0}}'
	runtime --trace "$TRACE" run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	for step in mounts pivot_root confine; do
		check within runtime create init "$step"
	done
	check within runtime run init "seccomp load"
	# an exec child joins the namespace half-way through its steps
	set_args sleep 1000
	start_container
	runtime --trace "$TRACE" exec "$CID" true
	[ "$status" -eq 0 ] || fail "$output"
	check within runtime exec exec "seccomp load"
	check within runtime exec exec confine
}

@test "trace: exec records the runtime and the exec child, nested" {
	start_container
	runtime --trace "$TRACE" exec "$CID" true
	[ "$status" -eq 0 ] || fail "$output"
	check order runtime exec wait
	check order exec "cgroup join" "exec setup" "seccomp load"
	check within runtime exec exec "exec setup"
	check within runtime exec exec "seccomp load"
}

@test "trace: create traces the runtime and the init up to ready" {
	runtime_detached --trace "$TRACE" create -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	check order runtime create parse clone "init setup"
	check order init namespaces mounts pivot_root confine
	check within runtime create init pivot_root
}

@test "trace: --trace - prints a table: step, µs, share of the total" {
	set_args true
	runtime --trace - run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"cell trace: run,"* ]]
	[[ "$output" == *"share"* ]]
	# the whole run is 100%; the init's pivot_root is one of its rows
	echo "$output" | grep -E '^ +0\.000 +[0-9]+ +100\.0%  runtime +run$'
	echo "$output" | grep -E ' [0-9.]+%  runtime +  create$'
	echo "$output" | grep -E ' [0-9.]+%  init +pivot_root$'
	echo "$output" | grep -E ' [0-9.]+%  runtime +teardown$'
}

@test "trace: the people's form writes the trace, with its own steps" {
	runtime run --name "$CID" --trace "$TRACE" -- true
	[ "$status" -eq 0 ] || fail "$output"
	check order runtime "people config" create clone start wait teardown
	check within runtime create init mounts
}

@test "trace: a bad --trace path is one line, an error, and nothing is made" {
	runtime --trace /nonexistent/dir/t.json run -b "$BUNDLE" "$CID"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "cell: run: --trace /nonexistent/dir/t.json: No such file or directory" ]]
	[ ! -e "$TEST_ROOT/$CID" ]
	[ -z "$(cgroup_dirs_of "$CID")" ]
	runtime run --name "$CID" --trace "" -- true
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	# a bundle that is not there: its error, and no empty explanation
	runtime explain "$TEST_DIR/nonexistent"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "cell: explain $TEST_DIR/nonexistent: bundle $TEST_DIR/nonexistent: No such file or directory" ]]
	[ -z "$(ls -A "$TEST_ROOT/.people" 2>/dev/null)" ]
}

@test "explain: each kernel call with its arguments, a reason and its source file" {
	set_args true
	update_config '.hostname = "box" | .linux.resources.memory = {"limit": 268435456}'
	runtime --explain run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"clone3(CLONE_NEWPID|CLONE_PIDFD"* ]]
	[[ "$output" == *"unshare(CLONE_NEWNS|CLONE_NEWNET|CLONE_NEWIPC|CLONE_NEWUTS"* ]]
	[[ "$output" == *"sethostname(\"box\")"* ]]
	[[ "$output" == *"pivot_root(\".\", \".\")"* ]]
	[[ "$output" == *"umount2(\".\", MNT_DETACH)"* ]]
	[[ "$output" == *"prctl(PR_SET_NO_NEW_PRIVS, 1)"* ]]
	[[ "$output" == *"seccomp(SECCOMP_SET_MODE_FILTER"*"rules as"*"BPF instructions)"* ]]
	echo "$output" | grep -E '^ +[0-9]+  init +execve\("/[a-z/]*/true"\) via execveat\(trampoline memfd\)$'
	# the limit as written, into the file the kernel reads it from
	local mem
	mem="$(echo "$output" | grep -o 'write [^ ]*/memory.limit_in_bytes "268435456"\|write [^ ]*/memory.max "268435456"')"
	[ -n "$mem" ] || fail "no memory limit write in: $output"
	[[ "$mem" == *"cell-$CID/memory"* ]]
	# every call names a file of the source tree and says why
	local n_calls n_files f
	n_calls="$(echo "$output" | grep -cE '^ +[0-9]+  (runtime|init) ')"
	n_files="$(echo "$output" | grep -cE '^ +src/[a-z]+/[a-z_]+\.c$')"
	[ "$n_calls" -gt 30 ]
	[ "$n_calls" -eq "$n_files" ]
	for f in $(echo "$output" | grep -oE '^ +src/[a-z]+/[a-z_]+\.c$' | sort -u); do
		[ -f "$REPO_DIR/$f" ] || fail "no source file $f"
	done
	# in the order the kernel saw them: the namespaces, then the new root,
	# then the confinement, exec last
	local order
	order="$(echo "$output" | grep -oE '(clone3|unshare|pivot_root|capset|seccomp|execve)\(' | tr -d '(' | tr '\n' ' ')"
	[ "$order" = "clone3 unshare pivot_root capset seccomp execve " ] || fail "order: $order"
}

@test "explain: a config without a network namespace lists no network call" {
	set_args true
	remove_namespace network
	runtime --explain run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"unshare(CLONE_NEWNS"* ]]
	[[ "$output" != *NEWNET* ]]
	[[ "$output" != *network* ]]
	[[ "$output" != *'"lo"'* ]]
	# and with one, the same calls plus the network's
	add_namespace network
	runtime --explain run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"CLONE_NEWNET"* ]]
	[[ "$output" == *'ioctl(SIOCSIFFLAGS, "lo", IFF_UP)'* ]]
}

@test "explain: a user namespace shows its id maps, written by the runtime" {
	set_args true
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	chown -R 100000:100000 "$BUNDLE/rootfs"
	runtime --explain run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"clone3(CLONE_NEWUSER|CLONE_NEWPID"* ]]
	echo "$output" | grep -E '^ +[0-9]+  runtime  write /proc/[0-9]+/uid_map "0 100000 65536"$'
	echo "$output" | grep -E '^ +[0-9]+  runtime  write /proc/[0-9]+/gid_map "0 100000 65536"$'
	[[ "$output" == *"setresgid(0, 0, 0); setresuid(0, 0, 0)"* ]]
}

@test "dry-run: the container is built and removed, its process never runs" {
	local mark="$TEST_DIR/ran"
	set_args sh -c "touch /mark/ran"
	add_bind "$TEST_DIR" /mark
	local before
	before="$(cgroup_dirs_of cell-explain | sort)"
	run timeout 30 "$RUNTIME" --root "$TEST_ROOT" explain --dry-run "$BUNDLE"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"--dry-run: built, never run, then removed"* ]]
	[[ "$output" == *"pivot_root(\".\", \".\")"* ]]
	[[ "$output" == *"open_tree(\"$TEST_DIR\""*"move_mount(-> \"/mark\")"* ]]
	echo "$output" | grep -E 'execve\("/[a-z/]*/sh", -c\)'
	[ ! -e "$mark" ]
	# nothing left: no state, no cgroup, no mount, no process
	[ -z "$(ls -A "$TEST_ROOT")" ]
	[ "$(cgroup_dirs_of cell-explain | sort)" = "$before" ]
	! grep -q "$BUNDLE/rootfs" /proc/self/mountinfo
	[ -z "$(find_leftover_processes)" ]
}

@test "dry-run: the people's form lists the calls and leaves nothing" {
	runtime run --name "$CID" --memory 64m --hostname box --explain --dry-run -- sh -c "echo ran"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" != *ran$'\n'* ]]
	[[ "$output" == *"sethostname(\"box\")"* ]]
	echo "$output" | grep -E 'write [^ ]*cell-'"$CID"'/memory(\.limit_in_bytes|\.max) "67108864"'
	[ -z "$(ls -A "$TEST_ROOT/.people" 2>/dev/null)" ]
	[ ! -e "$TEST_ROOT/$CID" ]
	[ -z "$(cgroup_dirs_of "$CID")" ]
	# a dry run keeps nothing
	runtime run --name "$CID" --dry-run -d -- true
	[ "$status" -ne 0 ]
	[[ "$output" == "cell: run: --dry-run with -d: a dry run leaves nothing behind" ]]
}

@test "dry-run: hooks do not run, and say so" {
	local mark="$TEST_DIR/hook-ran"
	set_args true
	update_config ".hooks.prestart = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"touch $mark\"]}]"
	run timeout 30 "$RUNTIME" --root "$TEST_ROOT" explain --dry-run --bundle "$BUNDLE"
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"prestart hook /bin/sh (not run)"* ]]
	[ ! -e "$mark" ]
	# without --dry-run the explain command runs it all, hooks too
	run timeout 30 "$RUNTIME" --root "$TEST_ROOT" explain "$BUNDLE"
	[ "$status" -eq 0 ] || fail "$output"
	[ -e "$mark" ]
	[ -z "$(ls -A "$TEST_ROOT")" ]
}

@test "dry-run and explain agree with a real run, call for call" {
	set_args true
	runtime --explain run -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "$output"
	local real dry
	# pids and fds differ from run to run; the calls do not
	real="$(echo "$output" | grep -E '^ +[0-9]+  ' | sed -E "s/$CID/ID/g; s/[0-9]+//g")"
	run timeout 30 "$RUNTIME" --root "$TEST_ROOT" explain --dry-run "$BUNDLE"
	[ "$status" -eq 0 ] || fail "$output"
	dry="$(echo "$output" | grep -E '^ +[0-9]+  ' | sed -E "s/explain-[0-9]+/ID/g; s/[0-9]+//g")"
	[ "$real" = "$dry" ] || fail "$(diff <(echo "$real") <(echo "$dry"))"
}

@test "trace: rootless, the same timeline, and the caller's own id map" {
	local xdg="$TEST_DIR/xdg" uid=1000
	mkdir -m 700 "$xdg"
	chown "$uid:$uid" "$xdg"
	TRACE="$xdg/t.json"
	run timeout 30 setpriv --reuid "$uid" --regid "$uid" --clear-groups \
		env HOME="$TEST_DIR" XDG_RUNTIME_DIR="$xdg" \
		"$RUNTIME" run --trace "$TRACE" --explain -- true
	[ "$status" -eq 0 ] || fail "$output"
	[[ "$output" == *"clone3(CLONE_NEWUSER|CLONE_NEWPID|CLONE_PIDFD)"* ]]
	echo "$output" | grep -E "^ +[0-9]+  runtime  write /proc/[0-9]+/uid_map \"0 $uid 1\"$"
	echo "$output" | grep -E '^ +[0-9]+  runtime  write /proc/[0-9]+/setgroups "deny"$'
	check within runtime "init setup" init mounts
	# without no_new_privs seccomp is loaded before start, while the
	# init still has CAP_SYS_ADMIN in its namespace
	check within runtime "init setup" init "seccomp load"
	[ -z "$(ls -A "$xdg/cell/.people")" ]
}

@test "dry-run and explain agree in the people's form too, --init and limits included" {
	local real dry
	runtime run --name "$CID" --init --memory 64m --pids-limit 32 --explain -- true
	[ "$status" -eq 0 ] || fail "$output"
	real="$(echo "$output" | grep -E '^ +[0-9]+  ' | sed -E 's/[0-9]+//g')"
	[[ "$real" == *"in a child of the tiny init"* ]]
	runtime run --name "$CID" --init --memory 64m --pids-limit 32 --explain --dry-run -- true
	[ "$status" -eq 0 ] || fail "$output"
	dry="$(echo "$output" | grep -E '^ +[0-9]+  ' | sed -E 's/[0-9]+//g')"
	[ "$real" = "$dry" ] || fail "$(diff <(echo "$real") <(echo "$dry"))"
	[ -z "$(ls -A "$TEST_ROOT/.people" 2>/dev/null)" ]
}
