#!/usr/bin/env bats
# Attacks by a hostile container (its rootfs, its config, its processes) run
# for real against the runtime; the host's state is compared before and
# after.  Each test says which attack it is and what must stop it.

load helpers

setup() {
	setup_bundle
	REAL_RUNTIME="$RUNTIME"
	host_snapshot
}

teardown() {
	# The attack may have damaged the copy under test: clean up with the
	# real binary.
	RUNTIME="$REAL_RUNTIME"
	teardown_bundle
}

# --- CVE-2019-5736: overwriting the runtime through /proc/self/exe ----------

# A private copy of the runtime as $RUNTIME, so a successful attack damages
# only the copy.  Its sha256 goes to $TEST_DIR/runtime.sha256.
use_runtime_copy() {
	cp "$REAL_RUNTIME" "$TEST_DIR/cell-under-attack"
	chmod 0755 "$TEST_DIR/cell-under-attack"
	RUNTIME="$TEST_DIR/cell-under-attack"
	sha256sum "$RUNTIME" | cut -d' ' -f1 >"$TEST_DIR/runtime.sha256"
}

# The image a real attacker would ship: glibc's loader (so a dynamically
# linked runtime can start inside), /entry.sh whose interpreter is
# "/proc/self/exe --log=/victim.fifo" (so the runtime, static or not, blocks
# opening its log, a FIFO, and stays alive as long as the attacker wants), and
# /attack.sh: find the process running /entry.sh, open its /proc/PID/exe,
# kill it, wait until it is gone (no more ETXTBSY), reopen the fd for
# writing and write.  Results in /out/log.
setup_exe_attack() {
	local r="$BUNDLE/rootfs" lib
	mkdir -p "$r/lib64" "$r/lib/x86_64-linux-gnu"
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
	cp -L /lib/x86_64-linux-gnu/libc.so.6 "$r/lib/x86_64-linux-gnu/"
	# The victim must live long enough to be caught: it blocks opening a
	# FIFO -- the --log its interpreter line gives it; a dynamic one
	# earlier, in its loader: /etc/ld.so.preload, which every dynamic
	# start reads, and any library besides libc.
	mkdir -p "$r/etc"
	mkfifo "$r/victim.fifo" "$r/etc/ld.so.preload"
	for lib in $(ldd "$RUNTIME" 2>/dev/null | awk '$2 == "=>" { print $1 }'); do
		case "$lib" in libc.so.*) continue ;; esac
		mkfifo "$r/lib/x86_64-linux-gnu/$lib"
	done
	printf '#!/proc/self/exe --log=/victim.fifo\n' >"$r/entry.sh"
	chmod 0755 "$r/entry.sh"
	cat >"$r/attack.sh" <<-'EOS'
		#!/bin/sh
		log() { echo "$*" >>/out/log; }
		pid=
		n=0
		# a few seconds: long enough to catch a victim that lives
		end=$(($(date +%s) + 4))
		while [ -z "$pid" ] && [ "$(date +%s)" -lt $end ]; do
			for d in /proc/[0-9]*; do
				case "$(tr '\0' ' ' <$d/cmdline 2>/dev/null)" in
				"/proc/self/exe --log=/victim.fifo /entry.sh"*) pid=${d#/proc/} ;;
				esac
			done
			n=$((n + 1))
			sleep 0.01
		done
		[ -n "$pid" ] || { log "no victim"; echo done >/out/done; exit 1; }
		log "victim $pid exe $(readlink /proc/$pid/exe)"
		if ! exec 5</proc/$pid/exe; then
			log "open exe refused"; echo done >/out/done; exit 0
		fi
		( exec 6>>/proc/self/fd/5 ) 2>>/out/log && log "write-open while running"
		kill -9 $pid
		while [ -e /proc/$pid ] && ! grep -q '^State:.*Z' /proc/$pid/status 2>/dev/null; do
			sleep 0.01
		done
		sleep 0.1
		if ( exec 6>>/proc/self/fd/5 && echo '#!/bin/sh pwned' >&6 ) 2>>/out/log; then
			log "WROTE through /proc/self/fd/5"
		fi
		if ( exec 6>/proc/self/fd/5 && echo '#!/bin/sh pwned' >&6 ) 2>>/out/log; then
			log "TRUNCATED and WROTE through /proc/self/fd/5"
		fi
		echo done >/out/done
	EOS
	chmod 0755 "$r/attack.sh"
	setup_outdir
	# What docker gives a root container: its default capabilities,
	# with CAP_DAC_OVERRIDE.
	local caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER",
		"CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP",
		"CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL",
		"CAP_AUDIT_WRITE"]'
	update_config ".process.capabilities.bounding = $caps
		| .process.capabilities.effective = $caps
		| .process.capabilities.permitted = $caps
		| .root.readonly = false
		| del(.linux.namespaces[] | select(.type == \"user\"))"
}

assert_runtime_intact() {
	wait_for_file "$OUT/done" 200 || true
	echo "attack log:"
	cat "$OUT/log" || true
	[ "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" = "$(cat "$TEST_DIR/runtime.sha256")" ] ||
		fail "the host's runtime binary was overwritten by the container"
	! grep -q WROTE "$OUT/log"
	# The attack ran: either no process ever ran the host's binary (the
	# exec trampoline ran instead and exited), or the one it found is a
	# sealed memfd.
	grep -qE '^(no victim|victim .* exe /memfd:)' "$OUT/log"
}

# The same attack against a test build with the trampoline turned off must
# succeed: proof that the attack is real and the test would catch it.
assert_runtime_overwritten() {
	wait_for_file "$OUT/done" 200 || true
	echo "attack log:"
	cat "$OUT/log" || true
	grep -q WROTE "$OUT/log" ||
		fail "the unprotected runtime was not overwritten: the attack does not work"
	[ "$(sha256sum "$RUNTIME" | cut -d' ' -f1)" != "$(cat "$TEST_DIR/runtime.sha256")" ]
}

require_test_hooks() {
	CELL_TEST_NO_EXEC_TRAMPOLINE=1 "$RUNTIME" --version >/dev/null
	strings "$RUNTIME" | grep -q CELL_TEST_NO_EXEC_TRAMPOLINE ||
		skip "a build without test hooks cannot turn the protection off"
}

@test "CVE-2019-5736: an entrypoint '#!/proc/self/exe' cannot overwrite the runtime (init)" {
	use_runtime_copy
	setup_exe_attack
	set_args /entry.sh
	# With the host's pid namespace (docker --pid=host) the init is not
	# pid 1: killing it leaves the attacker alive to write.
	remove_namespace pid
	create_container
	runtime_detached exec -d "$CID" /attack.sh
	[ "$status" -eq 0 ] || fail "exec attacker: $output"
	runtime_detached start "$CID"
	[ "$status" -eq 0 ] || fail "start: $output"
	assert_runtime_intact
}

@test "CVE-2019-5736 control: without the trampoline the same attack overwrites the runtime" {
	skip_if_runc
	use_runtime_copy
	require_test_hooks
	export CELL_TEST_NO_EXEC_TRAMPOLINE=1
	setup_exe_attack
	set_args /entry.sh
	remove_namespace pid
	create_container
	runtime_detached exec -d "$CID" /attack.sh
	[ "$status" -eq 0 ] || fail "exec attacker: $output"
	runtime_detached start "$CID"
	assert_runtime_overwritten
}

@test "CVE-2019-5736: 'cell exec' of a '#!/proc/self/exe' script cannot overwrite the runtime" {
	use_runtime_copy
	setup_exe_attack
	start_container
	runtime_detached exec -d "$CID" /attack.sh
	[ "$status" -eq 0 ] || fail "exec attacker: $output"
	runtime_detached exec "$CID" /entry.sh
	assert_runtime_intact
}

# --- leaked file descriptors (CVE-2024-21626 class) -------------------------

# fds of a host process, as a sorted list of numbers.
host_fds() {
	ls "/proc/$1/fd" | sort -n | tr '\n' ' '
}

@test "leaked fds: the container's init holds only stdio, whatever the runtime had open" {
	set_args sleep 1000
	# The caller leaves a host directory and a host file open.
	exec 7</ 8</etc/passwd
	start_container
	exec 7<&- 8<&-
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(host_fds "$pid")" = "0 1 2 " ] || fail "init's fds: $(ls -l /proc/$pid/fd)"
}

@test "leaked fds: --preserve-fds passes exactly the preserved ones (create and exec)" {
	set_args sleep 1000
	# fds 3 and 4 to preserve, 7 to leak; bats owns fd 3, so in a shell.
	run timeout 20 env CELL_TEST_MARK="$CID" sh -c 'exec 3</dev/null 4</dev/null 7</; exec "$@" </dev/null >/dev/null 2>"$0.err"' \
		"$TEST_DIR/rt" "$RUNTIME" --root "$TEST_ROOT" create --preserve-fds 2 -b "$BUNDLE" "$CID"
	assert_status 0
	runtime_detached start "$CID"
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(host_fds "$pid")" = "0 1 2 3 4 " ] || fail "init's fds: $(ls -l /proc/$pid/fd)"

	# exec: the process lists its own fds (ls opens one more for the listing).
	run timeout 20 sh -c 'exec 3</dev/null 7</; exec "$@"' sh \
		"$RUNTIME" --root "$TEST_ROOT" exec --preserve-fds 1 "$CID" \
		sh -c 'cd /proc/self/fd && echo *'
	assert_status 0
	# sh's own fds: 0 1 2, the preserved 3, and the listing's dir fd.
	local fds
	fds="$(tr ' ' '\n' <<<"$output" | sort -n | tr '\n' ' ')"
	[[ "$fds" =~ ^"0 1 2 3 "[0-9]*" "$ ]] || fail "exec sees fds: $output"
	! [[ " $output " == *" 7 "* ]] || fail "fd 7 leaked: $output"
}

@test "process.cwd /proc/self/fd/N never reaches the host" {
	echo host-only >"$TEST_DIR/host-marker"
	setup_outdir
	set_args sh -c 'ls > /out/ls; pwd > /out/pwd'
	local n
	for n in 3 4 5 6 7 8 9 10; do
		update_config ".process.cwd = \"/proc/self/fd/$n\""
		exec 7<"$TEST_DIR"
		runtime run -b "$BUNDLE" "$CID-$n"
		exec 7<&-
		if [ "$status" -eq 0 ] && [ -e "$OUT/ls" ]; then
			! grep -q host-marker "$OUT/ls" || fail "cwd fd $n reached the host: $(cat "$OUT/pwd")"
		else
			[ "$status" -lt 128 ] || fail "status $status"
		fi
		rm -f "$OUT/ls" "$OUT/pwd"
		rt delete --force "$CID-$n" >/dev/null 2>&1 || true
	done
}

@test "exec --cwd /proc/self/fd/N never reaches the host" {
	echo host-only >"$TEST_DIR/host-marker"
	start_container
	local n
	for n in 3 4 5 6 7 8 9 10; do
		exec 7<"$TEST_DIR"
		run timeout 20 "$RUNTIME" --root "$TEST_ROOT" exec --cwd "/proc/self/fd/$n" "$CID" ls
		exec 7<&-
		if [ "$status" -eq 0 ]; then
			[[ "$output" != *host-marker* ]] || fail "exec --cwd fd $n reached the host"
		else
			[ "$status" -lt 128 ] || fail "status $status"
		fi
	done
}

# --- hostile rootfs: symlinks ------------------------------------------------

@test "mount targets through symlinks stay inside the rootfs (/mnt -> /, ../../..)" {
	local name="cell-escape-$CID"
	rm -rf "$BUNDLE/rootfs/mnt"
	ln -s / "$BUNDLE/rootfs/mnt"
	ln -s ../../../../../../../.. "$BUNDLE/rootfs/up"
	setup_outdir
	update_config ".mounts += [
		{\"destination\": \"/mnt/$name-a\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/up/tmp/$name-b\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"},
		{\"destination\": \"/../../../../tmp/$name-c\", \"type\": \"tmpfs\", \"source\": \"tmpfs\"}]
		| .root.readonly = false"
	set_args sh -c "grep -c $name /proc/self/mountinfo > /out/n"
	runtime run -b "$BUNDLE" "$CID"
	[ ! -e "/$name-a" ] || { rmdir "/$name-a"; fail "/$name-a made on the host"; }
	[ ! -e "/tmp/$name-b" ] || { rmdir "/tmp/$name-b"; fail "/tmp/$name-b made on the host"; }
	[ ! -e "/tmp/$name-c" ] || { rmdir "/tmp/$name-c"; fail "/tmp/$name-c made on the host"; }
	! grep -q "$name" /proc/self/mountinfo || fail "a mount appeared on the host"
	if [ "$status" -eq 0 ]; then
		# They landed inside the container.
		[ "$(cat "$OUT/n")" = 3 ] || fail "mounts inside: $(cat "$OUT/n")"
	else
		[ "$status" -lt 128 ] || fail "status $status"
	fi
}

@test "/proc or /sys as a symlink in the rootfs is refused" {
	local d
	for d in proc sys; do
		rm -rf "$BUNDLE/rootfs/$d"
		mkdir -p "$TEST_DIR/host-$d"
		ln -s "$TEST_DIR/host-$d" "$BUNDLE/rootfs/$d"
		runtime run -b "$BUNDLE" "$CID-$d"
		[ "$status" -ne 0 ] || fail "/$d -> host dir accepted"
		assert_failed_cleanly
		assert_no_state "$CID-$d"
		[ -z "$(ls -A "$TEST_DIR/host-$d")" ] || fail "something landed in host-$d"
		rm -f "$BUNDLE/rootfs/$d"
		mkdir "$BUNDLE/rootfs/$d"
	done
	! grep -q "$TEST_DIR/host-" /proc/self/mountinfo
}

# Masked paths are covered by /dev/null.  A rootfs (with no /dev tmpfs)
# whose /dev/null is a regular file or a symlink to a host path must not
# turn masking into "read this file" or "bind the host's file".
masked_with_dev_null() {
	setup_outdir
	update_config 'del(.mounts[] | select(.destination == "/dev"))
		| .root.readonly = false'
	set_args sh -c 'stat -c "%F %t:%T" /proc/kcore > /out/kcore; cat /proc/keys > /out/keys 2>&1; true'
	runtime run -b "$BUNDLE" "$CID"
	if [ "$status" -eq 0 ]; then
		[ "$(cat "$OUT/kcore")" = "character special file 1:3" ] ||
			fail "/proc/kcore masked by: $(cat "$OUT/kcore")"
		[ ! -s "$OUT/keys" ] || fail "/proc/keys reads: $(cat "$OUT/keys")"
	else
		assert_failed_cleanly
	fi
}

@test "masked paths: a rootfs /dev/null that is a regular file" {
	mkdir -p "$BUNDLE/rootfs/dev"
	rm -f "$BUNDLE/rootfs/dev/null"
	echo "not a device" >"$BUNDLE/rootfs/dev/null"
	masked_with_dev_null
}

@test "masked paths: a rootfs /dev/null that is a symlink" {
	mkdir -p "$BUNDLE/rootfs/dev"
	rm -f "$BUNDLE/rootfs/dev/null"
	ln -s /etc/hostname "$BUNDLE/rootfs/dev/null"
	masked_with_dev_null
	[ "$(stat -c '%F' "$BUNDLE/rootfs/etc/hostname" 2>/dev/null || echo none)" != "character special file" ]
}

@test "/dev/pts and /dev/console come from the container's own devpts" {
	setup_outdir
	update_config '.process.terminal = true'
	set_args sh -c 'stat -c "%d" /dev/pts /dev/pts/ptmx > /out/pts; stat -Lc "%d %t" /dev/console > /out/console; readlink /proc/self/fd/0 > /out/tty; stat -Lc "%d" /proc/self/fd/0 >> /out/tty'
	# run with a terminal: the runtime's stdin must be a tty.
	run timeout 20 script -qec "$RUNTIME --root $TEST_ROOT run -b $BUNDLE $CID" /dev/null
	assert_status 0
	local host_pts
	host_pts="$(stat -c %d /dev/pts)"
	local ctr_pts
	ctr_pts="$(head -1 "$OUT/pts")"
	[ "$ctr_pts" != "$host_pts" ] || fail "the container's /dev/pts is the host's"
	[ "$(sed -n 2p "$OUT/pts")" = "$ctr_pts" ] || fail "ptmx from another devpts"
	[ "$(cut -d' ' -f1 "$OUT/console")" = "$ctr_pts" ] || fail "/dev/console is not the container's pty: $(cat "$OUT/console")"
	[ "$(sed -n 2p "$OUT/tty")" = "$ctr_pts" ] || fail "stdin is not the container's pty: $(cat "$OUT/tty")"
}

# --- capabilities -----------------------------------------------------------

cap_field() { # PID FIELD
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

@test "capabilities: inheritable and ambient stay empty unless asked" {
	update_config 'del(.process.capabilities.inheritable) | del(.process.capabilities.ambient)'
	start_container
	local pid
	pid="$(container_pid "$CID")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(cap_field "$pid" CapInh)" = 0000000000000000 ]
	[ "$(cap_field "$pid" CapAmb)" = 0000000000000000 ]
	[ "$(cap_field "$pid" CapBnd)" != 0000000000000000 ]
}

@test "capabilities: exec --cap never lands in inheritable or ambient" {
	start_container
	runtime_detached exec -d --pid-file "$TEST_DIR/exec.pid" --cap CAP_SYS_ADMIN --cap CAP_NET_ADMIN "$CID" sleep 1000
	[ "$status" -eq 0 ] || fail "exec: $output"
	local pid
	pid="$(cat "$TEST_DIR/exec.pid")"
	wait_for_cmdline "$pid" sleep 1000
	[ "$(cap_field "$pid" CapInh)" = 0000000000000000 ]
	[ "$(cap_field "$pid" CapAmb)" = 0000000000000000 ]
	# CAP_SYS_ADMIN is bit 21, CAP_NET_ADMIN bit 12: both effective.
	local eff=$((16#$(cap_field "$pid" CapEff)))
	[ $((eff >> 21 & 1)) = 1 ] && [ $((eff >> 12 & 1)) = 1 ]
}

@test "capabilities: an unknown name is an error (config and exec --cap)" {
	update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
	runtime create -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains CAP_NO_SUCH_THING
	assert_no_state

	update_config '.process.capabilities.bounding -= ["CAP_NO_SUCH_THING"]'
	start_container
	runtime exec --cap CAP_NO_SUCH_THING "$CID" true
	assert_failed_cleanly
	assert_output_contains CAP_NO_SUCH_THING
}
