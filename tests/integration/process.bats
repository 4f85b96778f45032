#!/usr/bin/env bats
# The process settings of config.json: args, env, cwd, user, umask, rlimits,
# capabilities, no_new_privs, oom_score_adj, seccomp.  Observed from the host
# in /proc/<pid>/status and friends where possible.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# status_field PID FIELD: a field of the host's /proc/PID/status.
status_field() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^[ \t]+/, ""); print }' "/proc/$1/status"
}

# cap_mask NAME...: the kernel's hex mask (16 digits) for capability names.
cap_mask() {
	local m=0 n
	for n in "$@"; do
		case "$n" in
		CAP_CHOWN) m=$((m | 1 << 0)) ;;
		CAP_DAC_OVERRIDE) m=$((m | 1 << 1)) ;;
		CAP_FOWNER) m=$((m | 1 << 3)) ;;
		CAP_KILL) m=$((m | 1 << 5)) ;;
		CAP_SETGID) m=$((m | 1 << 6)) ;;
		CAP_SETUID) m=$((m | 1 << 7)) ;;
		CAP_NET_BIND_SERVICE) m=$((m | 1 << 10)) ;;
		CAP_NET_RAW) m=$((m | 1 << 13)) ;;
		CAP_SYS_ADMIN) m=$((m | 1 << 21)) ;;
		CAP_AUDIT_WRITE) m=$((m | 1 << 29)) ;;
		*) fail "unknown cap $n" ;;
		esac
	done
	printf '%016x\n' "$m"
}

@test "args are passed verbatim (spaces, quotes, empty strings)" {
	set_args sh -c 'for a in "$@"; do printf "[%s]" "$a"; done' argv0 "a b" "c'd" "" '$HOME'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = "[a b][c'd][][\$HOME]" ]
}

@test "args[0] is looked up in the config's PATH" {
	update_config '.process.env = ["PATH=/bin"]'
	set_args echo found
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = found ]
}

@test "args[0] as an absolute path" {
	set_args /bin/echo absolute
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = absolute ]
}

@test "env: exactly the configured variables (plus HOME), values with '='" {
	update_config '.process.env = ["PATH=/bin:/usr/bin", "FOO=bar", "EQ=a=b", "EMPTY="]'
	set_args env
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	printf '%s\n' "$output" | grep -qx FOO=bar
	printf '%s\n' "$output" | grep -qx EQ=a=b
	printf '%s\n' "$output" | grep -qx EMPTY=
	printf '%s\n' "$output" | grep -qx PATH=/bin:/usr/bin
	# Nothing of the runtime's own environment leaks in.
	! printf '%s\n' "$output" | grep -q CELL_TEST_MARK
	! printf '%s\n' "$output" | grep -q '^BATS_'
	local extra
	extra="$(printf '%s\n' "$output" | grep -v -e '^FOO=' -e '^EQ=' -e '^EMPTY=' -e '^PATH=' -e '^HOME=' -e '^PWD=' -e '^SHLVL=' || true)"
	[ -z "$extra" ] || fail "unexpected variables: $extra"
}

@test "cwd" {
	update_config '.process.cwd = "/tmp"'
	set_args pwd
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$output" = /tmp ]
}

@test "user: uid, gid and additionalGids, seen inside and from the host" {
	update_config '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [2000, 2001]}'
	set_args sh -c 'id -u; id -g; id -G; exec sleep 1000'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(status_field "$pid" Uid)" = "1000 1000 1000 1000" ]
	[ "$(status_field "$pid" Gid)" = "1001 1001 1001 1001" ]
	[ "$(status_field "$pid" Groups | xargs)" = "2000 2001" ]
	[ "$(sed -n 1p "$TEST_DIR/ctr.out")" = 1000 ]
	[ "$(sed -n 2p "$TEST_DIR/ctr.out")" = 1001 ]
}

@test "user: root by default, with no supplementary groups" {
	set_args sh -c 'id -u; id -g; exec sleep 1000'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(status_field "$pid" Uid)" = "0 0 0 0" ]
	[ -z "$(status_field "$pid" Groups | xargs)" ]
}

@test "umask" {
	update_config '.process.user.umask = 63 | .root.readonly = false'
	set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "${lines[0]}" = 0077 ]
	[ "${lines[1]}" = 600 ]
}

@test "rlimits: RLIMIT_NOFILE soft and hard, below the host's hard limit" {
	local host_hard want_hard want_soft
	host_hard="$(ulimit -Hn)"
	want_hard=$((host_hard < 1000 ? host_hard : 1000))
	want_soft=$((want_hard / 2))
	update_config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": $want_soft, \"hard\": $want_hard},
		{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0}]"
	start_container
	local pid
	pid="$(container_pid "$CID")"
	grep -E "^Max open files +$want_soft +$want_hard +files" "/proc/$pid/limits"
	grep -E "^Max core file size +0 +0 +bytes" "/proc/$pid/limits"
}

@test "rlimits: RLIM_INFINITY (18446744073709551615, as Docker and Podman write it) survives in the state" {
	# RLIMIT_CPU is unlimited on the host, so infinity can be kept.
	update_config '.process.rlimits = [{"type": "RLIMIT_CPU", "soft": "INF", "hard": "INF"}]'
	sed -i 's/"INF"/18446744073709551615/g' "$BUNDLE/config.json"
	start_container
	local pid
	pid="$(container_pid "$CID")"
	grep -E "^Max cpu time +unlimited +unlimited +seconds" "/proc/$pid/limits"
	# state, exec and update read the saved config back.
	runtime state "$CID"
	assert_status 0
	runtime exec "$CID" true
	assert_status 0
	runtime update -r - "$CID" <<<'{"memory": {"swappiness": 18446744073709551615}}'
	assert_status 0
	runtime state "$CID"
	assert_status 0
}

@test "rlimits above the host's hard limit fail cleanly (no CAP_SYS_RESOURCE here)" {
	[ "$(grep -c . /proc/self/status)" -gt 0 ]
	local host_hard
	host_hard="$(ulimit -Hn)"
	[ "$host_hard" != unlimited ] || skip "host hard limit is unlimited"
	capsh --has-p=cap_sys_resource 2>/dev/null && skip "host has CAP_SYS_RESOURCE"
	local over=$((host_hard + 1000))
	update_config ".process.rlimits = [{\"type\": \"RLIMIT_NOFILE\", \"soft\": $over, \"hard\": $over}]"
	runtime_detached run -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	assert_no_leftover_processes
}

@test "capabilities: the default set, from the host's view of a sleep container" {
	start_container
	local pid
	pid="$(container_pid "$CID")"
	local want
	want="$(jq -r '.process.capabilities.bounding[]' "$BUNDLE/config.json" | xargs)"
	[ "$(status_field "$pid" CapBnd)" = "$(cap_mask $want)" ]
	# Nothing outside the bounding set is effective; CAP_SYS_ADMIN is not.
	local eff bnd
	eff=$((16#$(status_field "$pid" CapEff)))
	bnd=$((16#$(status_field "$pid" CapBnd)))
	[ $((eff & ~bnd)) = 0 ]
	[ $((eff & 1 << 21)) = 0 ]
}

@test "capabilities: five distinct sets for root" {
	update_config '.process.capabilities = {
		"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_CHOWN"],
		"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
		"effective": ["CAP_KILL", "CAP_CHOWN"],
		"inheritable": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
		"ambient": ["CAP_NET_BIND_SERVICE"]}'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(status_field "$pid" CapBnd)" = "$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE CAP_CHOWN)" ]
	[ "$(status_field "$pid" CapInh)" = "$(cap_mask CAP_NET_BIND_SERVICE CAP_KILL)" ]
	[ "$(status_field "$pid" CapAmb)" = "$(cap_mask CAP_NET_BIND_SERVICE)" ]
	# After execve a root process's permitted set depends on securebits;
	# it always holds the configured permitted set and stays in the bounding
	# set plus inheritable.
	local prm eff
	prm=$((16#$(status_field "$pid" CapPrm)))
	eff=$((16#$(status_field "$pid" CapEff)))
	local want_prm=$((16#$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_CHOWN)))
	local want_eff=$((16#$(cap_mask CAP_KILL CAP_CHOWN)))
	local limit=$((16#$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE CAP_CHOWN)))
	[ $((prm & want_prm)) = "$want_prm" ]
	[ $((eff & want_eff)) = "$want_eff" ]
	[ $((prm & ~limit)) = 0 ]
}

@test "capabilities: a non-root user keeps exactly its ambient set across exec" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}
		| .process.capabilities = {
		"bounding": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE", "CAP_CHOWN"],
		"permitted": ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"],
		"effective": ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		"inheritable": ["CAP_NET_BIND_SERVICE", "CAP_KILL"],
		"ambient": ["CAP_NET_BIND_SERVICE"]}'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(status_field "$pid" CapBnd)" = "$(cap_mask CAP_KILL CAP_NET_BIND_SERVICE CAP_AUDIT_WRITE CAP_CHOWN)" ]
	[ "$(status_field "$pid" CapInh)" = "$(cap_mask CAP_NET_BIND_SERVICE CAP_KILL)" ]
	[ "$(status_field "$pid" CapAmb)" = "$(cap_mask CAP_NET_BIND_SERVICE)" ]
	[ "$(status_field "$pid" CapPrm)" = "$(cap_mask CAP_NET_BIND_SERVICE)" ]
	[ "$(status_field "$pid" CapEff)" = "$(cap_mask CAP_NET_BIND_SERVICE)" ]
}

@test "capabilities: an empty set leaves nothing" {
	update_config '.process.capabilities = {"bounding": [], "permitted": [], "effective": [], "inheritable": [], "ambient": []}'
	start_container
	local pid f
	pid="$(container_pid "$CID")"
	for f in CapBnd CapInh CapPrm CapEff CapAmb; do
		[ "$(status_field "$pid" $f)" = 0000000000000000 ] || fail "$f = $(status_field "$pid" $f)"
	done
}

@test "noNewPrivileges true: NoNewPrivs is 1" {
	update_config '.process.noNewPrivileges = true'
	start_container
	[ "$(status_field "$(container_pid "$CID")" NoNewPrivs)" = 1 ]
}

@test "noNewPrivileges false: NoNewPrivs is 0" {
	[ "$(status_field self NoNewPrivs)" = 0 ] || skip "the test runner already has no_new_privs"
	update_config '.process.noNewPrivileges = false'
	start_container
	[ "$(status_field "$(container_pid "$CID")" NoNewPrivs)" = 0 ]
}

@test "oomScoreAdj" {
	update_config '.process.oomScoreAdj = 500'
	start_container
	[ "$(cat /proc/"$(container_pid "$CID")"/oom_score_adj)" = 500 ]
}

@test "seccomp: a denied syscall fails with the configured errno; status shows a filter" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	update_config '.root.readonly = false'
	setup_outdir
	set_args sh -c 'mkdir /tmp/x 2>/out/err; echo $? > /out/rc; exec sleep 1000'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(status_field "$pid" Seccomp)" = 2 ]
	[ "$(cat "$OUT/rc")" != 0 ]
	grep -qi 'not permitted' "$OUT/err"
	[ ! -e "$BUNDLE/rootfs/tmp/x" ]
}

@test "signal mask and ignored signals are clean in the container process" {
	# A runtime that blocks signals while it works (to forward them in run)
	# must unblock them before exec, or the container ignores `kill`.
	start_container
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(status_field "$pid" SigBlk)" = 0000000000000000 ] || fail "SigBlk $(status_field "$pid" SigBlk)"
	[ "$(status_field "$pid" SigIgn)" = 0000000000000000 ] || fail "SigIgn $(status_field "$pid" SigIgn)"
}

@test "run: the foreground process can be killed by SIGTERM (mask restored)" {
	remove_namespace pid
	set_args sh -c 'grep SigBlk /proc/self/status; kill -TERM $$; echo survived'
	runtime run -b "$BUNDLE" "$CID"
	echo "$output"
	assert_status 143
}

@test "stdin is passed through when terminal is false" {
	set_args cat
	runtime run -b "$BUNDLE" "$CID" <<<"through-stdin"
	assert_status 0
	[ "$output" = through-stdin ]
}

@test "stdout and stderr stay separate" {
	set_args sh -c 'echo to-out; echo to-err >&2'
	run bash -c "'$RUNTIME' --root '$TEST_ROOT' run -b '$BUNDLE' '$CID' 2>'$TEST_DIR/err'"
	assert_status 0
	[ "$output" = to-out ]
	[ "$(cat "$TEST_DIR/err")" = to-err ]
}

@test "no fds leak into the container beyond stdio" {
	set_args sh -c 'ls /proc/self/fd | sort -n | xargs'
	# Open an extra fd in the caller; it must not reach the container.
	runtime run -b "$BUNDLE" "$CID" 7</dev/null
	assert_status 0
	[ "$output" = "0 1 2 3" ] # 3 is ls's own directory fd
}

@test "--preserve-fds passes extra fds through" {
	set_args sh -c 'cat <&3'
	echo preserved >"$TEST_DIR/in"
	# Not through `runtime`: it closes fd 3 (bats' own) on purpose.
	run timeout 30 env CELL_TEST_MARK="$CID" "$RUNTIME" --root "$TEST_ROOT" \
		run -b "$BUNDLE" --preserve-fds 1 "$CID" 3<"$TEST_DIR/in"
	assert_status 0
	[ "$output" = preserved ]
}

@test "ioPriority, scheduler and personality are applied (seen from the host)" {
	skip_if_runc "runc 1.1 has no ioPriority/scheduler"
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
		| .process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}
		| .linux.personality = {"domain": "LINUX32"}'
	set_args sleep 1000
	start_container
	local pid
	pid="$(container_pid "$CID")"
	[ "$(ionice -p "$pid")" = idle ]
	chrt -p "$pid" | grep -q SCHED_BATCH
	[ "$(ps -o ni= -p "$pid" | tr -d ' ')" = 5 ]
	[ "$(cat /proc/$pid/personality)" = 00000008 ]
}
