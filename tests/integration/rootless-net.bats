#!/usr/bin/env bats
# Rootless networking: `cell run --net slirp` (slirp4netns), as an ordinary
# user (uid 1000 via setpriv) and as root.
#
# The rule: traffic stays inside namespaces the test made.  Every cell
# command runs in a network namespace of the test's own (ip netns add,
# nsenter --net), so slirp4netns -- which lives in the caller's namespace
# -- NATs the container's traffic into that namespace and nowhere else.
# That namespace has lo and a veth pair of its own with 192.0.2.1
# (TEST-NET-1), the one non-loopback address there is to reach.

load helpers

RUID=1000

# A one-shot TCP server for the test's namespace: python3 SERVER ADDR PORT
# sends "reached" to the first client.
SERVER='import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(4)
c, _ = s.accept(); c.sendall(b"reached"); c.close()'
# A client that retries until it reads something: a forwarded port accepts
# before the container listens, and then closes with nothing.
CLIENT='import socket, sys, time
for _ in range(100):
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)
        got = c.recv(64)
        if got:
            sys.stdout.write(got.decode()); sys.exit(0)
    except OSError:
        pass
    time.sleep(0.1)
sys.exit(1)'

setup() {
	skip_if_runc "the people's cell run is cell's own"
	command -v setpriv >/dev/null || skip "no setpriv"
	command -v python3 >/dev/null || skip "no python3 on the host"
	ensure_tool slirp4netns || skip "no slirp4netns (apt-get install slirp4netns)"
	command -v busybox >/dev/null || skip "no busybox on the host (the container's nc)"
	NS="cell-slirp-$$-${BATS_TEST_NUMBER}"
	WORK="$(mktemp -d /tmp/cell-slirp-bats.XXXXXX)"
	chmod 0755 "$WORK"
	XDG="$WORK/xdg"
	mkdir -p "$XDG"
	chown "$RUID:$RUID" "$XDG"
	USER_ROOT="$XDG/cell"
	ROOT_ROOT="$WORK/root"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add t0 type veth peer name t1
	ip -n "$NS" addr add 192.0.2.1/24 dev t0
	ip -n "$NS" link set t0 up
	ip -n "$NS" link set t1 up
	SERVERS=()
}

teardown() {
	local id p
	for id in $(user_cell list -q 2>/dev/null); do
		user_cell delete -f "$id" >/dev/null 2>&1 || true
	done
	for id in $(root_cell list -q 2>/dev/null); do
		root_cell delete -f "$id" >/dev/null 2>&1 || true
	done
	for p in "${SERVERS[@]}" $(pgrep -f -- "$WORK/" 2>/dev/null); do
		kill -9 "$p" 2>/dev/null || true
	done
	[ -z "${NS:-}" ] || ip netns del "$NS" 2>/dev/null || true
	[ -z "${WORK:-}" ] || rm -rf "$WORK"
}

in_ns() {
	nsenter --net="/run/netns/$NS" "$@"
}

user_cell() {
	with_user_tun "$WORK" nsenter --net="/run/netns/$NS" setpriv --reuid "$RUID" --regid "$RUID" --clear-groups \
		env HOME="$WORK" XDG_RUNTIME_DIR="$XDG" "$RUNTIME" "$@"
}

root_cell() {
	in_ns "$RUNTIME" --root "$ROOT_ROOT" "$@"
}

# The live slirp4netns processes of a state root (zombies have no cmdline).
slirp_pids() {
	pgrep -f -- "--api-socket $1/" || true
}

assert_no_slirp() {
	local tries=40
	while [ -n "$(slirp_pids "$1")" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ -z "$(slirp_pids "$1")" ] || fail "slirp4netns left: $(slirp_pids "$1")"
}

# The container's network is there once its net.json names slirp4netns.
wait_for_slirp() {
	local i
	for i in $(seq 100); do
		[ -s "$1/$2/net.json" ] &&
			[ "$(jq -r '.slirp4netns.pid // empty' "$1/$2/net.json")" != "" ] &&
			return 0
		sleep 0.1
	done
	fail "no slirp4netns recorded for $2"
}

serve() {
	in_ns python3 -c "$SERVER" "$1" "$2" 3>&- &
	SERVERS+=("$!")
	local i
	for i in $(seq 100); do
		in_ns ss -Hltn "src $1:$2" | grep -q . && return 0
		sleep 0.05
	done
	fail "the server on $1:$2 did not start"
}

# Rootless slirp4netns must open the init's /proc/<pid>/ns/{user,net} as
# the caller: the init has to be dumpable then.
require_rootless_slirp() {
	local out
	if ! out="$(user_cell run --net slirp -- true 2>&1)"; then
		if [[ "$out" == *"/ns/net: Permission denied"* ]]; then
			skip "slirp4netns cannot open the rootless init's namespaces: the init is not dumpable during the runtime's network setup (src/container/init.c)"
		fi
		fail "rootless --net slirp: $out"
	fi
}

@test "rootless net: --net bridge is refused, pointing at --net slirp" {
	run user_cell run --net bridge -- true
	[ "$status" -ne 0 ]
	assert_output_contains "--net bridge needs root"
	assert_output_contains "--net slirp"
	run user_cell run -p 8080:80 -- true
	[ "$status" -ne 0 ]
	assert_output_contains "--publish needs --net bridge (or --net slirp)"
}

@test "rootless net: --net slirp gives tap0, a default route and slirp's DNS" {
	require_rootless_slirp
	run user_cell run --net slirp --hostname box -- sh -c \
		'id -u; ip -4 -o addr show tap0; ip route; cat /etc/resolv.conf /etc/hosts'
	[ "$status" -eq 0 ] || fail "status $status: $output"
	printf '%s\n' "$output" | grep -qx 0
	assert_output_contains "inet 10.0.2.100/24"
	assert_output_contains "default via 10.0.2.2 dev tap0"
	assert_output_contains "nameserver 10.0.2.3"
	[[ "$output" == *$'10.0.2.100\tbox'* ]]
	# --dns still wins
	run user_cell run --net slirp --dns 192.0.2.53 -- cat /etc/resolv.conf
	[ "$status" -eq 0 ]
	assert_output_contains "nameserver 192.0.2.53"
	[[ "$output" != *10.0.2.3* ]]
	assert_no_slirp "$USER_ROOT"
}

@test "rootless net: NAT reaches the test's namespace, never its loopback" {
	require_rootless_slirp
	serve 192.0.2.1 18002
	serve 127.0.0.1 18001
	run user_cell run --net slirp -- busybox nc -w 3 192.0.2.1 18002
	[ "$status" -eq 0 ] || fail "status $status: $output"
	printf '%s\n' "$output" | grep -qx reached || fail "$output"
	# 10.0.2.2 would be the caller's 127.0.0.1: --disable-host-loopback
	run user_cell run --net slirp -- busybox nc -w 3 10.0.2.2 18001
	[ "$status" -ne 0 ] && [[ "$output" != *reached* ]] ||
		fail "the test namespace's loopback was reached: $output"
	# the server is still there, untouched
	run in_ns python3 -c "$CLIENT" 127.0.0.1 18001
	[ "$output" = reached ] || fail "status $status: $output"
}

@test "rootless net: a published port; delete stops slirp4netns and removes its socket" {
	require_rootless_slirp
	user_cell run -d --name web --net slirp -p 18080:80 -- \
		sh -c 'echo hello-from-ctr | busybox nc -l -p 80' >/dev/null
	wait_for_slirp "$USER_ROOT" web
	local pid sock
	pid="$(jq -r .slirp4netns.pid "$USER_ROOT/web/net.json")"
	sock="$(jq -r .api_socket "$USER_ROOT/web/net.json")"
	[ "$sock" = "$USER_ROOT/web/slirp.sock" ]
	[ -S "$sock" ]
	# slirp4netns runs as the caller, not as root
	[ "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "$RUID" ]
	run in_ns python3 -c "$CLIENT" 127.0.0.1 18080
	[ "$status" -eq 0 ] || fail "status $status: $output"
	[ "$output" = hello-from-ctr ]
	# an address-less -p listens on 127.0.0.1 only
	run in_ns python3 -c 'import socket; socket.create_connection(("192.0.2.1", 18080), 1)'
	[ "$status" -ne 0 ]

	user_cell delete -f web
	wait_pid_gone "$pid"
	assert_no_slirp "$USER_ROOT"
	[ ! -e "$USER_ROOT/web" ]
}

@test "rootless net: -p IP:HOST:CTR listens on that address" {
	require_rootless_slirp
	user_cell run -d --rm --name web --net slirp -p 192.0.2.1:18081:80 -- \
		sh -c 'echo on-veth | busybox nc -l -p 80' >/dev/null
	wait_for_slirp "$USER_ROOT" web
	run in_ns python3 -c "$CLIENT" 192.0.2.1 18081
	[ "$status" -eq 0 ] || fail "status $status: $output"
	[ "$output" = on-veth ]
	# --rm: the container's end is the end of its slirp4netns
	assert_no_slirp "$USER_ROOT"
}

@test "rootless net: a port already taken fails the run cleanly" {
	require_rootless_slirp
	serve 127.0.0.1 18082
	run user_cell run --net slirp -p 18082:80 -- true
	[ "$status" -ne 0 ]
	assert_output_contains "publish 127.0.0.1:18082 -> 80/tcp"
	assert_no_slirp "$USER_ROOT"
	[ -z "$(user_cell list -q)" ]
}

@test "rootless net: an init that dies without a delete takes slirp4netns with it" {
	require_rootless_slirp
	user_cell run -d --name gone --net slirp -- sleep 1000 >/dev/null
	wait_for_slirp "$USER_ROOT" gone
	local init slirp
	init="$(jq -r .init.pid "$USER_ROOT/gone/net.json")"
	slirp="$(jq -r .slirp4netns.pid "$USER_ROOT/gone/net.json")"
	pid_alive "$slirp"
	kill -9 "$init"
	# the monitor that held the exit pipe records the status and exits
	wait_pid_gone "$slirp"
	[ -d "$USER_ROOT/gone" ]
	run user_cell delete gone
	[ "$status" -eq 0 ] || fail "$output"
	[ ! -e "$USER_ROOT/gone" ]
}

@test "root net: --net slirp works as root too" {
	root_cell run -d --name web --net slirp -p 18083:80 -- \
		sh -c 'echo hello-root | busybox nc -l -p 80' >/dev/null
	wait_for_slirp "$ROOT_ROOT" web
	run in_ns python3 -c "$CLIENT" 127.0.0.1 18083
	[ "$status" -eq 0 ] || fail "status $status: $output"
	[ "$output" = hello-root ]
	run root_cell run --net slirp -- sh -c 'ip -4 -o addr show tap0; cat /etc/resolv.conf'
	[ "$status" -eq 0 ] || fail "$output"
	assert_output_contains "inet 10.0.2.100/24"
	assert_output_contains "nameserver 10.0.2.3"
	root_cell delete -f web
	assert_no_slirp "$ROOT_ROOT"
	[ ! -e "$ROOT_ROOT/web" ]
}

@test "root net: the next run's sweep stops a slirp4netns whose init is gone, and nothing else" {
	root_cell run -d --name live --net slirp -- sleep 1000 >/dev/null
	wait_for_slirp "$ROOT_ROOT" live
	local live
	live="$(jq -r .slirp4netns.pid "$ROOT_ROOT/live/net.json")"

	# Left behind by a crash: a slirp4netns (a sleep by that name) whose
	# init is gone, and a record naming a process that is not slirp4netns.
	cp "$(command -v sleep)" "$WORK/slirp4netns"
	"$WORK/slirp4netns" 1000 3>&- &
	local orphan=$!
	sleep 1000 3>&- &
	local other=$!
	local p
	for p in orphan:$orphan other:$other; do
		mkdir -p "$ROOT_ROOT/${p%%:*}"
		jq -n --argjson pid "${p#*:}" \
			--argjson start "$(awk '{print $22}' "/proc/${p#*:}/stat")" \
			'{mode: "slirp", slirp4netns: {pid: $pid, start: $start},
			  init: {pid: 4194000, start: 1}}' >"$ROOT_ROOT/${p%%:*}/net.json"
	done

	run root_cell run --net slirp -- true
	[ "$status" -eq 0 ] || fail "$output"
	wait_pid_gone "$orphan"
	pid_alive "$other"
	pid_alive "$live"
	kill -9 "$other"
	rm -rf "$ROOT_ROOT/orphan" "$ROOT_ROOT/other"
	root_cell delete -f live
	wait_pid_gone "$live"
}
