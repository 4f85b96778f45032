# Shared helpers for cell's integration tests (bats).
#
# The runtime under test is $RUNTIME (default: $CELL, else the repo's
# build/cell).  The same suites run against runc to check that a test asserts
# real OCI behaviour and not a quirk of cell:
#
#     RUNTIME=/usr/sbin/runc bats tests/integration/lifecycle.bats
#
# Every test gets:
#   TEST_DIR   a private temp dir (mode 0755 so user-namespaced containers can
#              traverse it), removed by teardown_bundle
#   TEST_ROOT  the runtime's --root state dir, inside TEST_DIR
#   BUNDLE     a fresh bundle (config.json + busybox rootfs)
#   CID        a container id unique on this host (cgroup paths are global)
#
# Everything is observed from outside the container: host /proc/<pid>/...,
# the state JSON, exit codes, cgroup files.

INTEGRATION_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$INTEGRATION_DIR/../.." && pwd)"

: "${RUNTIME:=${CELL:-$REPO_DIR/build/cell}}"
case "$RUNTIME" in
/*) ;;
*) RUNTIME="$(command -v "$RUNTIME" || echo "$PWD/$RUNTIME")" ;;
esac
export RUNTIME

is_runc() {
	[[ "$(basename "$RUNTIME")" == runc* ]]
}

skip_if_runc() {
	if is_runc; then
		skip "${1:-cell-only behaviour}"
	fi
}

# require_runtime_feature KEY: skip unless `$RUNTIME features` reports KEY
# (a jq path, e.g. .linux.namespaces) as present and non-null.
require_runtime_feature() {
	local out
	out="$("$RUNTIME" features 2>/dev/null)" || skip "runtime has no 'features'"
	if ! jq -e "$1 // empty" <<<"$out" >/dev/null 2>&1; then
		skip "runtime lacks feature $1"
	fi
}

require_kernel_ns() {
	[ -e "/proc/self/ns/$1" ] || skip "kernel has no $1 namespace"
}

ensure_tool() {
	local tool="$1" pkg="${2:-$1}"
	command -v "$tool" >/dev/null 2>&1 && return 0
	DEBIAN_FRONTEND=noninteractive apt-get install -y "$pkg" >/dev/null 2>&1 || true
	command -v "$tool" >/dev/null 2>&1
}

# A unique id: ids end up in host-global cgroup paths, and other test runs may
# share this machine.
new_id() {
	printf 'ct%s%s' "$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')" "${1:-}"
}

# --- rootfs ----------------------------------------------------------------

# Build the pristine busybox rootfs once per bats run, then copy it per test.
_pristine_rootfs() {
	local cache="${BATS_RUN_TMPDIR:-/tmp}/cell-rootfs-pristine"
	if [ ! -d "$cache" ]; then
		local tmp
		tmp="$(mktemp -d "${cache}.XXXXXX")"
		mkdir -p "$tmp"/{bin,proc,sys,dev,tmp,etc,root,home,run,var,mnt}
		chmod 1777 "$tmp/tmp"
		cp /bin/busybox "$tmp/bin/busybox"
		# `busybox --install -s`, but relative links inside the rootfs.
		local a
		for a in $(/bin/busybox --list); do
			[ -e "$tmp/bin/$a" ] || ln -s busybox "$tmp/bin/$a"
		done
		ln -s bin "$tmp/sbin"
		mkdir -p "$tmp/usr"
		ln -s ../bin "$tmp/usr/bin"
		ln -s ../bin "$tmp/usr/sbin"
		cat >"$tmp/etc/passwd" <<-'EOF'
			root:x:0:0:root:/root:/bin/sh
			nobody:x:65534:65534:nobody:/nonexistent:/bin/false
		EOF
		cat >"$tmp/etc/group" <<-'EOF'
			root:x:0:
			nogroup:x:65534:
			nobody:x:65534:
		EOF
		echo "127.0.0.1 localhost" >"$tmp/etc/hosts"
		: >"$tmp/etc/resolv.conf"
		chmod 755 "$tmp"
		# Another run may have raced us; keep whichever landed first.
		mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "$cache"
}

# --- bundle ----------------------------------------------------------------

# setup_bundle [ARGS...]: fresh TEST_DIR, TEST_ROOT, BUNDLE and CID.  The
# process runs ARGS (default: sleep 1000) with terminal false.
setup_bundle() {
	ensure_tool jq || {
		echo "jq is required" >&2
		return 1
	}
	TEST_DIR="$(mktemp -d /tmp/cell-test.XXXXXX)"
	chmod 755 "$TEST_DIR"
	TEST_ROOT="$TEST_DIR/state"
	BUNDLE="$TEST_DIR/bundle"
	CID="$(new_id)"
	export TEST_DIR TEST_ROOT BUNDLE CID
	mkdir -p "$TEST_ROOT" "$BUNDLE"
	cp -a "$(_pristine_rootfs)" "$BUNDLE/rootfs"

	# SPEC_RUNTIME=/usr/sbin/runc takes the template from runc instead, to
	# tell a bug in `spec` from a bug in `create`.
	(cd "$BUNDLE" && "${SPEC_RUNTIME:-$RUNTIME}" spec) || return 1

	local args='["sleep","1000"]'
	if [ $# -gt 0 ]; then
		args="$(printf '%s\n' "$@" | jq -R . | jq -s -c .)"
	fi
	# CELL_TEST_MARK lets find_leftover_processes spot anything this test
	# started, even after the runtime exits.
	update_config ".process.terminal = false
		| .process.args = $args
		| .process.env += [\"CELL_TEST_MARK=$CID\"]" || return 1
	HOST_SNAPSHOT=""
}

# update_config FILTER [BUNDLE]: edit config.json in place with jq.
update_config() {
	local cfg="${2:-$BUNDLE}/config.json"
	jq "$1" "$cfg" >"$cfg.tmp" && mv "$cfg.tmp" "$cfg"
}

set_args() {
	local args
	args="$(printf '%s\n' "$@" | jq -R . | jq -s -c .)"
	update_config ".process.args = $args"
}

remove_namespace() {
	update_config "del(.linux.namespaces[] | select(.type == \"$1\"))"
}

add_namespace() {
	update_config "del(.linux.namespaces[] | select(.type == \"$1\"))
		| .linux.namespaces += [{\"type\": \"$1\"}]"
}

# Every runtime invocation is bounded (CELL_TEST_TIMEOUT seconds, exit 124 on
# expiry) so a hung runtime fails one test instead of hanging the suite, and
# runs with bats' fd 3 closed: a process left holding fd 3 makes bats wait for
# it forever.
_rt_exec() {
	timeout -k 2 "${CELL_TEST_TIMEOUT:-30}" \
		env CELL_TEST_MARK="$CID" "$RUNTIME" --root "$TEST_ROOT" "$@" 3>&-
}

# runtime ARGS...: bats `run` of the runtime with this test's --root.
runtime() {
	run _rt_exec "$@"
}

# rt ARGS...: the runtime without `run` (for use in pipes and assertions).
rt() {
	_rt_exec "$@"
}

# container_pid ID: the host pid of the container's init, from state.
container_pid() {
	rt state "$1" | jq -r .pid
}

container_status() {
	rt state "$1" 2>/dev/null | jq -r .status
}

# wait_for_status ID STATUS [TRIES]: poll state every 50 ms (default 5 s).
wait_for_status() {
	local id="$1" want="$2" tries="${3:-100}" got
	while [ "$tries" -gt 0 ]; do
		got="$(container_status "$id")"
		[ "$got" = "$want" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "container $id: status '$got', wanted '$want'" >&2
	return 1
}

# wait_for_cmdline PID WORDS...: poll until the process runs exactly WORDS
# (after the init has exec'd the user's program).
wait_for_cmdline() {
	local pid="$1" want got tries=100
	shift
	want="$(printf '%s ' "$@")"
	while [ "$tries" -gt 0 ]; do
		got="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		[ "$got" = "$want" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	fail "pid $pid runs '$got', expected '$want'"
}

# wait_for_file FILE [TRIES]: poll for a non-empty file.
wait_for_file() {
	local f="$1" tries="${2:-100}"
	while [ "$tries" -gt 0 ]; do
		[ -s "$f" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "timed out waiting for $f" >&2
	return 1
}

# runtime_detached ARGS...: like `runtime`, for commands that leave a
# container behind (create, run -d, exec -d).  The container inherits the
# runtime's stdio; with bats' `run` that would be the capture pipe, and bats
# would wait for the container to exit.  So stdio goes to files, and
# $output/$status are filled from them afterwards.  The container's own output
# lands in $TEST_DIR/ctr.out.
runtime_detached() {
	local err="$TEST_DIR/rt.err"
	_rt_exec "$@" </dev/null >>"$TEST_DIR/ctr.out" 2>"$err" && status=0 || status=$?
	output="$(cat "$err")"
	return 0
}

# start_container [ID]: create + start with stdio detached; wait for running.
start_container() {
	local id="${1:-$CID}"
	runtime_detached create -b "$BUNDLE" "$id"
	[ "$status" -eq 0 ] || fail "create $id: $output" || return 1
	runtime_detached start "$id"
	[ "$status" -eq 0 ] || fail "start $id: $output" || return 1
	wait_for_status "$id" running
}

# create_container [ID]: create only, stdio detached.
create_container() {
	local id="${1:-$CID}"
	runtime_detached create -b "$BUNDLE" "$id"
	[ "$status" -eq 0 ] || fail "create $id: $output"
}

# add_bind SRC DEST [OPTIONS_JSON]: bind-mount a host path into the container.
add_bind() {
	local opts="${3:-[\"rbind\",\"rw\"]}"
	update_config ".mounts += [{\"destination\": \"$2\", \"type\": \"bind\",
		\"source\": \"$1\", \"options\": $opts}]"
}

# setup_outdir: a host dir bind-mounted at /out for the container to write to.
setup_outdir() {
	OUT="$TEST_DIR/out"
	mkdir -p "$OUT"
	chmod 777 "$OUT"
	add_bind "$OUT" /out
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
	[ -n "$1" ] && [ -e "/proc/$1" ] || return 1
	local st
	st="$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)"
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

wait_pid_gone() {
	local tries="${2:-100}"
	while [ "$tries" -gt 0 ]; do
		pid_alive "$1" || return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	fail "pid $1 still alive"
}

# --- assertions ------------------------------------------------------------

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# Print what `run` captured, for failing tests.
show_run() {
	echo "status=$status"
	echo "output=<<$output>>"
}

assert_status() {
	[ "$status" -eq "$1" ] || {
		show_run >&2
		fail "exit status $status, expected $1"
	}
}

assert_failed_cleanly() {
	# A refused command: non-zero, not a signal death, and (cell only) one
	# line on stderr starting "cell:".
	[ "$status" -ne 0 ] || {
		show_run >&2
		fail "command succeeded"
	}
	# runc exits 255 on its own errors in exec and run; cell keeps below 128
	# so an engine can tell its errors from a process killed by a signal.
	if ! { is_runc && [ "$status" = 255 ]; }; then
		[ "$status" -lt 128 ] || {
			show_run >&2
			fail "exit status $status looks like a signal"
		}
	fi
	if ! is_runc; then
		local lines
		lines="$(printf '%s\n' "$output" | grep -c .)"
		[ "$lines" -eq 1 ] || {
			show_run >&2
			fail "expected one line of error output, got $lines"
		}
		[[ "$output" == cell:* ]] || {
			show_run >&2
			fail "error does not start with 'cell:'"
		}
	fi
}

assert_output_contains() {
	[[ "$output" == *"$1"* ]] || {
		show_run >&2
		fail "output lacks '$1'"
	}
}

# The runtime's --root holds no state for ID.
assert_no_state() {
	local id="${1:-$CID}"
	[ ! -e "$TEST_ROOT/$id" ] || fail "state dir $TEST_ROOT/$id left behind"
}

# Processes started by this test (runtime or container) still alive.
find_leftover_processes() {
	local mark="CELL_TEST_MARK=${1:-$CID}" f pid
	# Zombies have an empty environ; they hold nothing.
	for f in $(grep -lzxF "$mark" /proc/[0-9]*/environ 2>/dev/null); do
		pid="${f#/proc/}"
		pid="${pid%/environ}"
		[ "$pid" = "$$" ] || echo "$pid"
	done
}

assert_no_leftover_processes() {
	local tries=40 left
	while [ "$tries" -gt 0 ]; do
		left="$(find_leftover_processes "$@")"
		[ -z "$left" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	for p in $left; do
		echo "leftover: pid $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" >&2
	done
	fail "processes left behind"
}

# cgroup directories named after the id (runc: /<id>, cell: /cell-<id>).
find_cgroups() {
	local id="${1:-$CID}"
	find /sys/fs/cgroup -maxdepth 6 -type d \( -name "$id" -o -name "cell-$id" \) 2>/dev/null
}

assert_no_cgroup() {
	local left tries=20
	while [ "$tries" -gt 0 ]; do
		left="$(find_cgroups "$@")"
		[ -z "$left" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	fail "cgroups left behind: $left"
}

# Mounts on the host whose mount point lies under TEST_DIR.
find_test_mounts() {
	awk -v d="$TEST_DIR/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo
}

assert_no_test_mounts() {
	local left
	left="$(find_test_mounts)"
	[ -z "$left" ] || fail "mounts left behind: $left"
}

# --- host snapshot ---------------------------------------------------------

# host_snapshot: record host state this test must not change.
# host_snapshot_compare: fail on anything new.  Other sessions share this host,
# so mounts and cgroups are compared by what this test could have made (under
# TEST_DIR, named after CID); the global mount count is compared only with
# CELL_TEST_STRICT=1 (a quiet host).
_snapshot() {
	grep -c . /proc/self/mountinfo
	ls -d /sys/fs/cgroup/*/cell* /sys/fs/cgroup/*/cell/* 2>/dev/null | sort
	ip -o link show 2>/dev/null | awk -F': ' '{ print "link " $2 }' | sort
}

host_snapshot() {
	HOST_SNAPSHOT="$TEST_DIR/host.before"
	_snapshot >"$HOST_SNAPSHOT"
}

host_snapshot_compare() {
	[ -n "$HOST_SNAPSHOT" ] || return 0
	local after="$TEST_DIR/host.after" bad=0
	_snapshot >"$after"
	local before_mounts after_mounts
	before_mounts="$(head -1 "$HOST_SNAPSHOT")"
	after_mounts="$(head -1 "$after")"
	if [ "${CELL_TEST_STRICT:-0}" = 1 ] && [ "$before_mounts" != "$after_mounts" ]; then
		echo "host mount count changed: $before_mounts -> $after_mounts" >&2
		bad=1
	fi
	local new
	new="$(comm -13 <(tail -n +2 "$HOST_SNAPSHOT") <(tail -n +2 "$after") | grep -e "$CID" -e '^link ' || true)"
	if [ -n "$new" ]; then
		echo "host state added: $new" >&2
		bad=1
	fi
	if [ -n "$(find_cgroups)" ]; then
		echo "cgroups left: $(find_cgroups)" >&2
		bad=1
	fi
	if [ -n "$(find_test_mounts)" ]; then
		echo "mounts left: $(find_test_mounts)" >&2
		bad=1
	fi
	[ "$bad" = 0 ]
}

# --- teardown --------------------------------------------------------------

_known_ids() {
	{
		rt list -q 2>/dev/null
		[ -d "$TEST_ROOT" ] && ls -1 "$TEST_ROOT" 2>/dev/null
	} | sort -u
}

# teardown_bundle: force-delete every container under TEST_ROOT, kill
# anything that escaped, remove the temp dir, and fail the test if mounts,
# cgroups or processes were left behind.
teardown_bundle() {
	[ -n "${TEST_DIR:-}" ] && [ -d "$TEST_DIR" ] || return 0
	local id rc=0 pid
	for id in $(_known_ids); do
		rt delete --force "$id" >/dev/null 2>&1 || true
		if [ -e "$TEST_ROOT/$id" ]; then
			# The runtime could not clean up: kill what it started and
			# try once more, so one broken test does not poison the
			# next; the test fails either way.
			echo "teardown: delete --force $id failed (state dir left)" >&2
			rc=1
			pid="$(CELL_TEST_TIMEOUT=5 rt state "$id" 2>/dev/null | jq -r '.pid // empty')"
			if [ -n "$pid" ] && [ "$pid" != 0 ]; then kill -9 "$pid" 2>/dev/null || true; fi
			for pid in $(find_leftover_processes); do
				kill -9 "$pid" 2>/dev/null || true
			done
			sleep 0.2
			CELL_TEST_TIMEOUT=10 rt delete --force "$id" >/dev/null 2>&1 || true
		fi
	done
	local tries=20
	while [ -n "$(find_leftover_processes)" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	for pid in $(find_leftover_processes); do
		echo "teardown: killing leftover pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
		kill -9 "$pid" 2>/dev/null || true
		rc=1
	done
	if [ -n "$HOST_SNAPSHOT" ]; then
		host_snapshot_compare || rc=1
	fi
	local m
	m="$(find_test_mounts)"
	if [ -n "$m" ]; then
		echo "teardown: mounts left under $TEST_DIR: $m" >&2
		rc=1
		# Deepest first.
		for m in $(echo "$m" | sort -r); do
			umount -l "$m" 2>/dev/null || true
		done
	fi
	for m in $(find_cgroups); do
		echo "teardown: cgroup left: $m" >&2
		rmdir "$m" 2>/dev/null || true
		rc=1
	done
	# A runtime that resolves /dev paths on the host instead of in the rootfs
	# damages the host's nodes; catch it where it happens.
	if [ "$(stat -c '%a %t:%T' /dev/null)" != "666 1:3" ]; then
		echo "teardown: host /dev/null damaged: $(ls -l /dev/null)" >&2
		rc=1
	fi
	rm -rf "$TEST_DIR" 2>/dev/null || {
		echo "teardown: could not remove $TEST_DIR" >&2
		rc=1
	}
	TEST_DIR=""
	return "$rc"
}

# --- rootless helpers --------------------------------------------------------

# with_user_tun DIR CMD...: run CMD where an unprivileged user can open
# /dev/net/tun.  Distributions make it 0666 (udev); a host that left it 0600
# gets, for CMD only, a node of the test's own bind-mounted over it in a
# private mount namespace: the host's /dev is never changed.
with_user_tun() {
	local dir="$1"
	shift
	if [ ! -c /dev/net/tun ] || [ "$(stat -c %a /dev/net/tun)" = 666 ]; then
		"$@"
		return
	fi
	if [ ! -c "$dir/tun" ]; then
		mknod "$dir/tun" c 10 200 && chmod 0666 "$dir/tun" || return 1
	fi
	unshare -m --propagation slave sh -c \
		'mount --bind "$0" /dev/net/tun && exec "$@"' "$dir/tun" "$@"
}
