#!/usr/bin/env bats
# seccomp through the runtime: the default profile of `cell spec`, custom
# profiles (errnoRet, argument conditions, KILL_PROCESS, LOG, flags),
# SCMP_ACT_NOTIFY with a listener on the host, bad profiles, `features`.
# The probes call raw syscalls with python3 (the host's /usr and /lib bound
# read-only into the container) and print NAME=ERRNO.

load helpers

setup() {
	setup_bundle
	host_snapshot
}

teardown() {
	teardown_bundle
}

# The host's python3 in the container, and /probe.py: call each syscall
# named on the command line with harmless arguments, print name=errno.
setup_probe() {
	ensure_tool python3 || skip "no python3"
	local d
	for d in /usr /lib /lib64; do
		[ -e "$d" ] || continue
		update_config ".mounts += [{\"destination\": \"$d\", \"type\": \"bind\",
			\"source\": \"$d\", \"options\": [\"rbind\", \"ro\"]}]"
	done
	cat >"$BUNDLE/rootfs/probe.py" <<-'EOF2'
		import ctypes, sys
		libc = ctypes.CDLL(None, use_errno=True)
		libc.syscall.restype = ctypes.c_long
		# x86_64 numbers; arguments that make the call fail harmlessly
		# (or do nothing) when it is allowed.
		calls = {
		    "mount": (165, 0, 0, 0, 0, 0),        # EFAULT if allowed
		    "unshare": (272, 0x10000000),         # CLONE_NEWUSER
		    "keyctl": (250, 0x7fff),              # EOPNOTSUPP if allowed
		    "bpf": (321, 0x7fff, 0, 0),           # EINVAL if allowed
		    "ptrace": (101, 0x7fff, 1, 0, 0),     # ESRCH/EIO if allowed
		    "kexec_load": (246, 0, 0, 0, 0),      # EINVAL if allowed
		    "init_module": (175, 0, 0, 0),        # EFAULT if allowed
		    "reboot": (169, 0, 0, 0, 0),          # EINVAL: bad magic
		    "getpgid_12345": (121, 12345),        # ESRCH
		    "getpgid_0": (121, 0),
		    "getppid": (110,),
		}
		for name in sys.argv[1:]:
		    nr, *args = calls[name]
		    ctypes.set_errno(0)
		    r = libc.syscall(nr, *[ctypes.c_long(a) for a in args])
		    print("%s=%d" % (name, ctypes.get_errno() if r == -1 else 0))
	EOF2
	setup_outdir
}

probe_run() {
	set_args sh -c "python3 /probe.py $* > /out/probe 2>&1"
	runtime run -b "$BUNDLE" "$CID"
	rt delete --force "$CID" >/dev/null 2>&1 || true
}

probe_errno() { # NAME -> errno it got
	sed -n "s/^$1=//p" "$OUT/probe"
}

# (No CAP_SYS_RESOURCE: this machine withholds it.)
ALL_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_DAC_READ_SEARCH","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_SETGID","CAP_SETUID","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_NET_ADMIN","CAP_NET_RAW","CAP_IPC_LOCK","CAP_SYS_MODULE","CAP_SYS_RAWIO","CAP_SYS_CHROOT","CAP_SYS_PTRACE","CAP_SYS_ADMIN","CAP_SYS_BOOT","CAP_SYS_NICE","CAP_MKNOD","CAP_AUDIT_WRITE","CAP_SETFCAP","CAP_BPF","CAP_PERFMON"]'

@test "default profile: mount, unshare, keyctl, bpf, ptrace, kexec_load, init_module, reboot get EPERM even with every capability" {
	setup_probe
	jq -e '.linux.seccomp.defaultAction' "$BUNDLE/config.json" >/dev/null ||
		skip "the spec has no default seccomp profile"
	update_config ".process.capabilities.bounding = $ALL_CAPS
		| .process.capabilities.effective = $ALL_CAPS
		| .process.capabilities.permitted = $ALL_CAPS"
	local names="mount unshare keyctl bpf ptrace kexec_load init_module reboot"
	probe_run $names getppid
	assert_status 0
	cat "$OUT/probe"
	local n
	for n in $names; do
		[ "$(probe_errno "$n")" = 1 ] || fail "$n: errno $(probe_errno "$n") under the default profile"
	done
	[ "$(probe_errno getppid)" = 0 ]

	# The same calls without the profile: the kernel answers otherwise,
	# so the EPERM above was seccomp's.
	update_config 'del(.linux.seccomp)'
	probe_run $names
	assert_status 0
	cat "$OUT/probe"
	local other=0
	for n in $names; do
		[ "$(probe_errno "$n")" = 1 ] || other=$((other + 1))
	done
	[ "$other" -ge 6 ] || fail "without seccomp only $other calls differ"
}

@test "default profile: ordinary work (ls, sh, pipes, files) runs" {
	jq -e '.linux.seccomp' "$BUNDLE/config.json" >/dev/null || skip "no default profile"
	setup_outdir
	update_config '.root.readonly = false'
	set_args sh -c 'ls / | grep -q bin && echo a > /tmp/f && cat /tmp/f | wc -c > /out/n && sleep 0.01'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$(tr -d ' ' <"$OUT/n")" = 2 ]
}

# A profile: default ALLOW plus RULES (a jq array).
set_profile() {
	update_config ".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\",
		\"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],
		\"syscalls\": $1} ${2:+| .linux.seccomp.flags = $2}"
}

@test "custom profile: errnoRet, unknown names skipped" {
	setup_outdir
	set_profile '[{"names": ["mkdir", "mkdirat", "no_such_syscall_at_all"],
		"action": "SCMP_ACT_ERRNO", "errnoRet": 28}]'
	set_args sh -c 'mkdir /tmp/x 2> /out/err; echo $? > /out/rc'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$(cat "$OUT/rc")" != 0 ]
	grep -qi "no space left" "$OUT/err" || fail "mkdir said: $(cat "$OUT/err")"
}

@test "custom profile: argument conditions" {
	setup_probe
	set_profile '[{"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 99,
		"args": [{"index": 0, "value": 12345, "op": "SCMP_CMP_EQ"}]}]'
	probe_run getpgid_12345 getpgid_0
	assert_status 0
	[ "$(probe_errno getpgid_12345)" = 99 ]
	[ "$(probe_errno getpgid_0)" = 0 ]
	# Masked: (arg0 & 0xff00) == 0x3000 matches 12345 (0x3039) too.
	set_profile '[{"names": ["getpgid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 98,
		"args": [{"index": 0, "value": 65280, "valueTwo": 12288, "op": "SCMP_CMP_MASKED_EQ"}]}]'
	probe_run getpgid_12345 getpgid_0
	[ "$(probe_errno getpgid_12345)" = 98 ]
	[ "$(probe_errno getpgid_0)" = 0 ]
}

@test "custom profile: SCMP_ACT_KILL_PROCESS kills with SIGSYS (exit 159)" {
	set_profile '[{"names": ["uname"], "action": "SCMP_ACT_KILL_PROCESS"}]'
	set_args uname
	runtime run -b "$BUNDLE" "$CID"
	assert_status 159
}

@test "custom profile: SCMP_ACT_LOG allows; flags TSYNC and LOG accepted" {
	setup_outdir
	set_profile '[{"names": ["uname"], "action": "SCMP_ACT_LOG"}]' \
		'["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"]'
	set_args sh -c 'uname > /out/u'
	runtime run -b "$BUNDLE" "$CID"
	assert_status 0
	[ "$(cat "$OUT/u")" = Linux ]
}

@test "an unknown action or operator is an error at create, nothing left" {
	set_profile '[{"names": ["uname"], "action": "SCMP_ACT_EXPLODE"}]'
	runtime create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains SCMP_ACT_EXPLODE
	assert_no_state
	assert_no_cgroup
	set_profile '[{"names": ["uname"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SOMETIMES"}]}]'
	runtime create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	update_config '.linux.seccomp.defaultAction = "SCMP_ACT_NOPE" | .linux.seccomp.syscalls = []'
	runtime create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
}

@test "SCMP_ACT_NOTIFY: the listener gets the fd and the containerProcessState" {
	ensure_tool python3 || skip "no python3"
	setup_outdir
	local sock="$TEST_DIR/listener.sock"
	cat >"$TEST_DIR/listener.py" <<-'EOF2'
		import array, json, os, socket, sys
		path, out = sys.argv[1], sys.argv[2]
		s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
		s.bind(path)
		s.listen(1)
		open(out + ".ready", "w").write("1")
		s.settimeout(20)
		c, _ = s.accept()
		fds = array.array("i")
		msg, anc, flags, addr = c.recvmsg(65536, socket.CMSG_LEN(4 * fds.itemsize))
		for level, typ, data in anc:
		    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
		        fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
		st = json.loads(msg)
		st["_received_fds"] = len(fds)
		st["_fd_is_seccomp"] = bool(fds) and "seccomp" in os.readlink("/proc/self/fd/%d" % fds[0])
		json.dump(st, open(out, "w"))
		# No answer: closing the listener makes the notified calls fail
		# (ENOSYS) instead of hanging the container.
		for fd in fds:
		    os.close(fd)
	EOF2
	python3 "$TEST_DIR/listener.py" "$sock" "$TEST_DIR/received.json" &
	local lpid=$!
	wait_for_file "$TEST_DIR/received.json.ready" 100 || true
	[ -e "$TEST_DIR/received.json.ready" ]
	set_profile '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]'
	update_config ".linux.seccomp.listenerPath = \"$sock\"
		| .linux.seccomp.listenerMetadata = \"meta-$CID\""
	set_args sh -c 'mkdir /tmp/x; echo $? > /out/rc'
	runtime run -b "$BUNDLE" "$CID"
	wait "$lpid" || true
	[ -s "$TEST_DIR/received.json" ] || fail "the listener got nothing (run: $status $output)"
	local j
	j="$(cat "$TEST_DIR/received.json")"
	echo "$j"
	jq -e '.ociVersion | length > 0' <<<"$j"
	jq -e '.fds == ["seccompFd"]' <<<"$j"
	jq -e '._received_fds == 1 and ._fd_is_seccomp' <<<"$j"
	jq -e '.pid > 0' <<<"$j"
	jq -e --arg m "meta-$CID" '.metadata == $m' <<<"$j"
	jq -e --arg id "$CID" '.state.id == $id' <<<"$j"
	assert_status 0
	[ "$(cat "$OUT/rc")" != 0 ]
}

@test "features lists the actions, operators and flags that work" {
	runtime features
	assert_status 0
	local a
	for a in SCMP_ACT_ALLOW SCMP_ACT_ERRNO SCMP_ACT_KILL_PROCESS SCMP_ACT_LOG SCMP_ACT_NOTIFY SCMP_ACT_TRACE; do
		jq -e --arg a "$a" '.linux.seccomp.actions | index($a)' <<<"$output" >/dev/null ||
			fail "features lacks $a"
	done
	for a in SCMP_CMP_EQ SCMP_CMP_NE SCMP_CMP_MASKED_EQ SCMP_CMP_GT; do
		jq -e --arg a "$a" '.linux.seccomp.operators | index($a)' <<<"$output" >/dev/null ||
			fail "features lacks $a"
	done
	for a in SECCOMP_FILTER_FLAG_TSYNC SECCOMP_FILTER_FLAG_LOG; do
		jq -e --arg a "$a" '.linux.seccomp.supportedFlags | index($a)' <<<"$output" >/dev/null ||
			fail "features lacks $a"
	done
	jq -e '.linux.seccomp.enabled == true' <<<"$output"
}
