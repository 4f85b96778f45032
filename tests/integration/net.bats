#!/usr/bin/env bats
# Container networking through the people's `cell run --net bridge -p ...`.
#
# The rule: never the host's network.  Each test makes its own network
# namespace (ip netns add cell-test-...) and runs every cell command in it
# with `nsenter --net`, so the bridge, the veths and the nftables table live
# there and go with it in teardown.  Traffic stays inside that namespace
# and the containers' ones.  The state root is private to the test.

load helpers

# python3 from the host's /usr (the people's default root): a server that
# sends "hello" to one client, and a client that retries until the server
# is up and prints what it got.
SERVER='import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 8080)); s.listen(4)
c, _ = s.accept(); c.sendall(b"hello"); c.close()'
CLIENT='import socket, sys, time
for _ in range(100):
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)
        sys.stdout.write(c.recv(64).decode()); sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)'

setup() {
	skip_if_runc "the people's cell run is cell's own"
	# The people's help: `cell run --help`, or `cell run --help -- true`.
	{ "$RUNTIME" run --help; "$RUNTIME" run --help -- true; } 2>&1 | grep -q -- '--net' ||
		skip "the people's cell run has no --net yet"
	command -v python3 >/dev/null || skip "no python3 on the host"
	NS="cell-test-$$-${BATS_TEST_NUMBER}"
	NET_ROOT="$(mktemp -d /tmp/cell-net-bats.XXXXXX)"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	# Bridge mode may not be wired yet: say so rather than fail.
	if ! out="$(in_ns "$RUNTIME" --root "$NET_ROOT" run --rm --net bridge -- true 2>&1)"; then
		skip "cell run --net bridge does not work yet: $out"
	fi
}

teardown() {
	if [ -n "${NS:-}" ]; then
		local id
		for id in $(in_ns "$RUNTIME" --root "$NET_ROOT" list -q 2>/dev/null); do
			in_ns "$RUNTIME" --root "$NET_ROOT" delete -f "$id" >/dev/null 2>&1 || true
		done
		ip netns del "$NS" 2>/dev/null || true
	fi
	[ -z "${NET_ROOT:-}" ] || rm -rf "$NET_ROOT"
}

# nsenter --net, not `ip netns exec`: the latter also remounts /sys for the
# namespace, which hides /sys/fs/cgroup from cell.
in_ns() {
	nsenter --net="/run/netns/$NS" "$@"
}

cell_ns() {
	in_ns "$RUNTIME" --root "$NET_ROOT" "$@"
}

container_ip() {
	jq -r .ip "$NET_ROOT/$1/net.json"
}

# The detached container's network is ready once its net.json has an ip.
wait_for_ip() {
	local i
	for i in $(seq 50); do
		[ -s "$NET_ROOT/$1/net.json" ] && [ "$(container_ip "$1")" != null ] && return 0
		sleep 0.1
	done
	return 1
}

@test "net: two containers on one bridge talk over TCP" {
	cell_ns run -d --name srv --net bridge -- python3 -c "$SERVER"
	wait_for_ip srv
	ip="$(container_ip srv)"
	[[ "$ip" == 10.89.0.* ]]

	# The server's veth hangs on the bridge in the test's namespace.
	veth="$(jq -r .veth "$NET_ROOT/srv/net.json")"
	in_ns ip -o link show master cell0 | grep -q "$veth"

	run cell_ns run --rm --net bridge -- python3 -c "$CLIENT" "$ip" 8080
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
}

@test "net: a published port is reached from the test's namespace" {
	cell_ns run -d --name web --net bridge -p 18080:8080 -- python3 -c "$SERVER"
	wait_for_ip web
	run in_ns nft list table ip cell
	[ "$status" -eq 0 ]
	[[ "$output" == *"dport 18080 dnat to $(container_ip web):8080"* ]]

	gw="$(in_ns ip -4 -o addr show dev cell0 | awk '{print $4}' | cut -d/ -f1)"
	run in_ns python3 -c "$CLIENT" "$gw" 18080
	[ "$status" -eq 0 ]
	[ "$output" = hello ]
}

@test "net: delete releases the lease, the veth and the rules" {
	cell_ns run -d --keep --name gone --net bridge -p 18081:8080 -- sleep 1000
	wait_for_ip gone
	veth="$(jq -r .veth "$NET_ROOT/gone/net.json")"
	in_ns ip link show "$veth"
	grep -q " gone$" "$NET_ROOT/.net/cell0.leases"

	cell_ns delete -f gone
	! in_ns ip link show "$veth" 2>/dev/null
	! grep -q " gone$" "$NET_ROOT/.net/cell0.leases"
	run in_ns nft list table ip cell
	[[ "$output" != *":gone\""* ]]
}

@test "net: /etc/hosts and /etc/resolv.conf from --add-host and --dns" {
	run cell_ns run --rm --net bridge --hostname box --add-host db:10.0.0.5 \
		--dns 192.0.2.53 -- sh -c 'cat /etc/hosts /etc/resolv.conf'
	[ "$status" -eq 0 ]
	[[ "$output" == *$'10.0.0.5\tdb'* ]]
	# The hostname line: the container's address once the CLI writes
	# /etc/hosts after net_setup, 127.0.1.1 until then.
	[[ "$output" == *$'\tbox'* ]]
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
}
