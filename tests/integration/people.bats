#!/usr/bin/env bats
# The people's form: `cell run [OPTIONS] -- COMMAND` on the default root
# (the host's /usr, nothing downloaded), and ps, stats, stop, logs.
# Each option is observed from outside where it can be: the container's
# cgroup files, /proc/<pid>/status, exit codes, files through -v.
#
#     CELL=/work/main/build-people/cell bats tests/integration/people.bats

load helpers

setup() {
	skip_if_runc "the people's form is cell's own"
	setup_bundle
	NAME="$CID"
	PDIR="$TEST_ROOT/.people/$NAME"
}

teardown() {
	# detached containers: stop removes them and their people dir
	for n in $(ls "$TEST_ROOT/.people" 2>/dev/null); do
		rt stop -t 0 "$n" >/dev/null 2>&1 || true
	done
	teardown_bundle
}

# prun ARGS... -- CMD: a foreground people's run named $NAME.
prun() {
	runtime run --name "$NAME" "$@"
}

# pdetach ARGS... -- CMD: run -d; waits until it runs; PID is its init.
pdetach() {
	runtime_detached run -d --name "$NAME" "$@"
	[ "$status" -eq 0 ] || fail "run -d: $output" || return 1
	wait_for_status "$NAME" running || return 1
	PID="$(container_pid "$NAME")"
}

# The v1 controller dir of the container (this host is cgroup v1 hybrid),
# or the v2 one.
cgdir() {
	if [ -d "/sys/fs/cgroup/$1/cell-$NAME" ]; then
		echo "/sys/fs/cgroup/$1/cell-$NAME"
	else
		echo "/sys/fs/cgroup/cell-$NAME"
	fi
}

assert_nothing_left() {
	assert_no_state "$NAME"
	[ ! -e "$PDIR" ] || fail "people dir $PDIR left behind"
	assert_no_cgroup "$NAME"
	assert_no_test_mounts
}

status_field() {
	awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"
}

# ---------------------------------------------------------------- basics

@test "people: the default root runs the host's dynamically linked tools" {
	host_snapshot
	prun -- sh -c 'id -u; hostname; ls /; /usr/bin/id -un; cat /etc/hostname'
	assert_status 0
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = "$NAME" ]
	assert_output_contains usr
	assert_output_contains proc
	[[ "$output" == *$'\nroot\n'* ]] || fail "id -un: $output"
	assert_nothing_left
}

@test "people: the exit status is the command's" {
	prun -- sh -c 'exit 7'
	assert_status 7
	assert_nothing_left
}

@test "people: the default root is read-only, /tmp /run /root are writable" {
	prun -- sh -c 'touch /x 2>/dev/null && echo wrote-root; touch /tmp/a /run/a /root/a /var/tmp/a && echo ok'
	assert_status 0
	[ "$output" = ok ]
	prun -- sh -c 'touch /usr/x'
	[ "$status" -ne 0 ]
}

@test "people: a generated id when no --name; nothing is left" {
	runtime run -- hostname
	assert_status 0
	[[ "$output" =~ ^cell-[0-9a-f]{8}$ ]] || fail "hostname $output"
	[ -z "$(ls "$TEST_ROOT/.people" 2>/dev/null)" ] || fail "people dir left"
	[ -z "$(rt list -q)" ] || fail "container left"
}

@test "people: a command that is not there exits 127" {
	bats_require_minimum_version 1.5.0
	run -127 env CELL_TEST_MARK="$CID" "$RUNTIME" --root "$TEST_ROOT" run --name "$NAME" -- no-such-command
	assert_output_contains "no-such-command"
	assert_nothing_left
}

@test "people: run --help explains both forms" {
	runtime run --help
	assert_status 0
	assert_output_contains "-- COMMAND"
	assert_output_contains "--bundle DIR"
}

# ----------------------------------------------------- process settings

@test "people: --hostname, -e, -w, -u" {
	prun --hostname box -e FOO=bar -e HOME=/h -w /tmp -u 1000:1001 -- \
		sh -c 'hostname; echo $FOO $HOME; pwd; id -u; id -g'
	assert_status 0
	[ "$output" = "box
bar /h
/tmp
1000
1001" ] || fail "got: $output"
}

@test "people: -u is the uid seen from the host" {
	pdetach -u 1234:1234 -- sleep 100
	[ "$(status_field "$PID" Uid)" = 1234 ]
	[ "$(status_field "$PID" Gid)" = 1234 ]
}

@test "people: -v binds a host dir read-write, :ro read-only" {
	mkdir -p "$TEST_DIR/vol"
	echo in >"$TEST_DIR/vol/in"
	prun -v "$TEST_DIR/vol:/data" -- sh -c 'cat /data/in; echo out >/data/out'
	assert_status 0
	[ "$output" = in ]
	[ "$(cat "$TEST_DIR/vol/out")" = out ]
	prun -v "$TEST_DIR/vol:/data:ro" -- sh -c 'echo x >/data/x'
	[ "$status" -ne 0 ]
	[ ! -e "$TEST_DIR/vol/x" ]
	assert_nothing_left
}

@test "people: --tmpfs mounts a tmpfs" {
	prun --tmpfs /scratch -- sh -c 'grep " /scratch " /proc/mounts'
	assert_status 0
	assert_output_contains tmpfs
}

@test "people: --rootfs uses a directory; --read-only makes it read-only" {
	prun --rootfs "$BUNDLE/rootfs" -- sh -c 'touch /made && echo ok'
	assert_status 0
	[ -e "$BUNDLE/rootfs/made" ]
	prun --rootfs "$BUNDLE/rootfs" --read-only -- sh -c 'touch /made2'
	[ "$status" -ne 0 ]
	[ ! -e "$BUNDLE/rootfs/made2" ]
	assert_nothing_left
}

@test "people: -t gives the command a terminal" {
	ensure_tool script bsdutils || skip "no script(1)"
	run script -qec "env CELL_TEST_MARK=$CID $RUNTIME --root $TEST_ROOT run -t -- sh -c 'test -t 0 && test -t 1 && echo tty-ok'" /dev/null
	assert_status 0
	assert_output_contains tty-ok
}

@test "people: stdin is /dev/null without -i, passed with -i" {
	run sh -c "echo hello | $RUNTIME --root $TEST_ROOT run -- cat"
	assert_status 0
	[ -z "$output" ]
	run sh -c "echo hello | $RUNTIME --root $TEST_ROOT run -i -- cat"
	assert_status 0
	[ "$output" = hello ]
}

# ------------------------------------------------------------- resources

@test "people: --memory sets the limit, no swap; an allocation past it is killed" {
	pdetach --memory 64m -- sleep 100
	d="$(cgdir memory)"
	if [ -e "$d/memory.limit_in_bytes" ]; then
		[ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ]
		if [ -e "$d/memory.memsw.limit_in_bytes" ]; then
			[ "$(cat "$d/memory.memsw.limit_in_bytes")" = 67108864 ]
		fi
	else
		[ "$(cat "$d/memory.max")" = 67108864 ]
	fi
	rt stop -t 0 "$NAME"
	prun --memory 64m -- sh -c 'head -c 200m /dev/zero | tail'
	assert_status 137
	assert_nothing_left
}

@test "people: --memory-swap is memory + swap" {
	pdetach --memory 64m --memory-swap 128m -- sleep 100
	d="$(cgdir memory)"
	[ -e "$d/memory.memsw.limit_in_bytes" ] || skip "no swap accounting"
	[ "$(cat "$d/memory.memsw.limit_in_bytes")" = 134217728 ]
}

@test "people: --cpus, --cpu-shares, --cpuset-cpus" {
	pdetach --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 -- sleep 100
	d="$(cgdir cpu)"
	if [ -e "$d/cpu.cfs_quota_us" ]; then
		[ "$(cat "$d/cpu.cfs_quota_us")" = 50000 ]
		[ "$(cat "$d/cpu.cfs_period_us")" = 100000 ]
		[ "$(cat "$d/cpu.shares")" = 512 ]
	else
		[ "$(cat "$d/cpu.max")" = "50000 100000" ]
	fi
	[ "$(cat "$(cgdir cpuset)/cpuset.cpus")" = 0 ]
	[ "$(awk '/^Cpus_allowed_list/ { print $2 }' "/proc/$PID/status")" = 0 ]
}

@test "people: --pids-limit stops a fork bomb inside, the host is fine" {
	pdetach --pids-limit 32 -- sleep 100
	[ "$(cat "$(cgdir pids)/pids.max")" = 32 ]
	rt stop -t 0 "$NAME"
	# dash gives up at the first fork the kernel refuses
	prun --pids-limit 32 -- sh -c 'i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done; echo all-forked'
	[ "$status" -ne 0 ]
	assert_output_contains "Cannot fork"
	[[ "$output" != *all-forked* ]] || fail "100 forks under a limit of 32"
	run sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do true & done; wait; echo host-ok'
	[ "$output" = host-ok ]
	assert_nothing_left
}

@test "people: --device-read-bps and friends write the throttle files" {
	dev=""
	for d in /dev/vda /dev/sda /dev/nvme0n1 /dev/loop0; do
		[ -b "$d" ] && dev="$d" && break
	done
	[ -n "$dev" ] || skip "no block device"
	mm="$(printf '%d:%d' "0x$(stat -c %t "$dev")" "0x$(stat -c %T "$dev")")"
	pdetach --device-read-bps "$dev:1mb" --device-write-iops "$dev:100" -- sleep 100
	d="$(cgdir blkio)"
	[ -e "$d/blkio.throttle.read_bps_device" ] || skip "not cgroup v1 blkio"
	grep -qx "$mm 1048576" "$d/blkio.throttle.read_bps_device"
	grep -qx "$mm 100" "$d/blkio.throttle.write_iops_device"
}

# --------------------------------------------------------------- security

@test "people: --cap-drop ALL --cap-add NET_ADMIN" {
	pdetach --cap-drop ALL --cap-add net_admin -- sleep 100
	[ "$(status_field "$PID" CapBnd)" = 0000000000001000 ]
	[ "$(status_field "$PID" CapEff)" = 0000000000001000 ]
}

@test "people: the default capabilities are docker's" {
	pdetach -- sleep 100
	# chown dac_override fowner fsetid kill setgid setuid setpcap
	# net_bind_service net_raw sys_chroot mknod audit_write setfcap
	[ "$(status_field "$PID" CapBnd)" = 00000000a80425fb ]
}

@test "people: --security-opt no-new-privileges and seccomp" {
	pdetach --security-opt no-new-privileges -- sleep 100
	[ "$(status_field "$PID" NoNewPrivs)" = 1 ]
	[ "$(status_field "$PID" Seccomp)" = 2 ]
	rt stop -t 0 "$NAME"
	pdetach --security-opt seccomp=unconfined -- sleep 100
	[ "$(status_field "$PID" NoNewPrivs)" = 0 ]
	[ "$(status_field "$PID" Seccomp)" = 0 ]
}

@test "people: --security-opt seccomp=FILE" {
	cat >"$TEST_DIR/sc.json" <<-'EOF'
		{"defaultAction": "SCMP_ACT_ALLOW",
		 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
	EOF
	prun --security-opt "seccomp=$TEST_DIR/sc.json" -- sh -c 'mkdir /tmp/d'
	[ "$status" -ne 0 ]
	prun -- sh -c 'mkdir /tmp/d'
	assert_status 0
}

@test "people: --userns auto maps root to an unprivileged range" {
	require_kernel_ns user
	pdetach --userns auto -- sleep 100
	[ "$(awk '{ print $1, $2 }' "/proc/$PID/uid_map")" = "0 100000" ]
	[ "$(status_field "$PID" Uid)" = 100000 ]
	rt stop -t 0 "$NAME"
	prun --userns auto -- sh -c 'id -u; cat /proc/self/uid_map'
	assert_status 0
	[ "${lines[0]}" = 0 ]
}

@test "people: --userns UID:GID:COUNT, a small map without tty gid" {
	prun --userns 200000:200000:1 -- cat /proc/self/gid_map
	assert_status 0
	[ "$(echo $output)" = "0 200000 1" ]
}

@test "people: --time-offset shifts monotonic and boottime" {
	require_kernel_ns time
	pdetach --time-offset 86400 -- sleep 100
	grep -q "monotonic.*86400" "/proc/$PID/timens_offsets"
	grep -q "boottime.*86400" "/proc/$PID/timens_offsets"
	# exec joins the time namespace too (a child that shares the
	# runtime's memory could not: exec takes the ordinary path there)
	runtime exec "$NAME" cat /proc/uptime
	assert_status 0
	[ "${output%%.*}" -ge 86400 ] || fail "uptime inside: $output"
}

# ---------------------------------------------------------------- network

@test "people: --net none has only lo; --net host shares the host's" {
	prun -- ls /sys/class/net
	assert_status 0
	[ "$output" = lo ]
	pdetach --net host -- sleep 100
	[ "$(readlink "/proc/$PID/ns/net")" = "$(readlink /proc/self/ns/net)" ]
}

@test "people: --dns and --add-host write resolv.conf and hosts" {
	prun --dns 192.0.2.53 --add-host db:192.0.2.7 -- sh -c 'cat /etc/resolv.conf /etc/hosts'
	assert_status 0
	assert_output_contains "nameserver 192.0.2.53"
	[[ "$output" == *"192.0.2.7"*db* ]] || fail "$output"
}

@test "people: --net bridge in a private network namespace" {
	# never the host's network: the bridge lives and dies with unshare
	run unshare -n sh -c "ip link set lo up; $RUNTIME --root $TEST_ROOT run --net bridge -- sh -c 'ls /sys/class/net; cat /etc/hosts'"
	assert_status 0
	assert_output_contains eth0
	assert_output_contains 10.89.0.
}

# ---------------------------------------------------- ps, logs, stats, stop

# `cell ps` with no id is the people's list (routed by cmd_ps).
require_people_ps() {
	local out
	out="$(rt ps 2>&1)" || true
	[[ "$out" != *"expected a container id"* ]] || skip "cell ps without an id is not routed to people_ps yet"
}

@test "people: -d, logs, stats, stop" {
	host_snapshot
	pdetach -- sh -c 'echo to-out; echo to-err >&2; exec sleep 100'
	[ "$(cat "$TEST_DIR/ctr.out")" = "$NAME" ]
	sleep 0.2
	runtime logs "$NAME"
	assert_output_contains to-out
	assert_output_contains to-err
	runtime stats --no-stream --format json "$NAME"
	assert_status 0
	[ "$(echo "$output" | jq -r '.[0].name')" = "$NAME" ]
	[ "$(echo "$output" | jq -r '.[0].pids')" -ge 1 ]
	[ "$(echo "$output" | jq -r '.[0].stats.pids.current')" -ge 1 ]
	runtime stats --no-stream
	assert_output_contains "MEM USAGE"
	assert_output_contains "$NAME"
	runtime stop -t 1 "$NAME"
	assert_status 0
	wait_pid_gone "$PID"
	assert_nothing_left
}

@test "people: ps lists what run -- started" {
	require_people_ps
	pdetach -- sleep 100
	runtime ps
	assert_status 0
	assert_output_contains "$NAME"
	assert_output_contains "sleep 100"
	runtime ps --format json
	[ "$(echo "$output" | jq -r '.[0].pid')" = "$PID" ]
	runtime ps -q
	[ "$output" = "$NAME" ]
}

@test "people: a detached container's exit status is recorded" {
	runtime_detached run -d --name "$NAME" -- sh -c 'exit 3'
	assert_status 0
	for _ in $(seq 50); do [ -e "$PDIR/exit" ] && break; sleep 0.05; done
	[ "$(cat "$PDIR/exit")" = 3 ]
	runtime stop "$NAME"
	assert_status 0
	assert_nothing_left

	# killed from outside: 128 + 9
	pdetach -- sleep 100
	kill -9 "$PID"
	for _ in $(seq 50); do [ -e "$PDIR/exit" ] && break; sleep 0.05; done
	[ "$(cat "$PDIR/exit")" = 137 ]
}

@test "people: ps -a shows the exit status" {
	require_people_ps
	runtime_detached run -d --name "$NAME" -- sh -c 'exit 3'
	for _ in $(seq 50); do [ -e "$PDIR/exit" ] && break; sleep 0.05; done
	runtime ps -a
	assert_output_contains "exited(3)"
}

@test "people: run -d --rm removes the container when it exits" {
	runtime_detached run -d --rm --name "$NAME" -- true
	assert_status 0
	for _ in $(seq 100); do [ -e "$PDIR" ] || break; sleep 0.05; done
	assert_nothing_left
}

@test "people: stop of an unknown name fails cleanly" {
	runtime stop nosuch
	assert_failed_cleanly
}

@test "people: a taken name is refused and the running one untouched" {
	pdetach -- sleep 100
	runtime run --name "$NAME" -- true
	assert_failed_cleanly
	assert_output_contains "already exists"
	pid_alive "$PID"
}

# ------------------------------------------------------------- bad values

@test "people: every bad value gives one clear line and leaves nothing" {
	local bad=(
		"--memory 12q"
		"--memory 1k"
		"--memory-swap 10m"
		"--memory 64m --memory-swap 32m"
		"--cpus 0"
		"--cpus lots"
		"--cpus 1000"
		"--cpu-shares 1"
		"--cpuset-cpus 0-999"
		"--cpuset-cpus x"
		"--pids-limit 0"
		"--pids-limit many"
		"--device-read-bps /dev/null:1mb"
		"--device-read-bps /nonexistent:1mb"
		"--device-write-iops /dev/vda:fast"
		"--blkio-weight 5"
		"--cap-add CAP_NOPE"
		"--cap-drop nope"
		"--security-opt seccomp=/nonexistent.json"
		"--security-opt bogus"
		"--userns 1:2"
		"--userns 100000:100000:0"
		"--time-offset soon"
		"--net carrier-pigeon"
		"--publish 80:80"
		"--dns not-an-ip"
		"--add-host nocolon"
		"-u alice"
		"-w relative"
		"-v /nonexistent:/x"
		"-v $TEST_DIR:relative"
		"--tmpfs relative"
		"--rootfs /nonexistent"
		"--name bad/name"
		"--hostname bad_host!"
		"-d -t"
		"--bogus-flag"
	)
	for b in "${bad[@]}"; do
		# shellcheck disable=SC2086
		runtime run --name "$NAME" $b -- true
		[ "$status" -eq 125 ] || fail "'$b': status $status: $output" || return 1
		assert_failed_cleanly || fail "'$b'" || return 1
		[[ "$output" == "cell: run: "* ]] || fail "'$b': $output" || return 1
		assert_nothing_left || return 1
	done
	runtime run --memory 12q -- true
	[ "$output" = 'cell: run: --memory: "12q" is not a size (64m, 1g)' ]
}

@test "people: no command, or words before --, are refused" {
	runtime run --name "$NAME" --
	assert_status 125
	assert_output_contains "no command"
	runtime run --name "$NAME" stray -- true
	assert_status 125
	assert_output_contains "before --"
	assert_nothing_left
}
