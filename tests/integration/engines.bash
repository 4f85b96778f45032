# Shared by the engine suites (docker.bats, podman-rootless.bats): a busybox
# image built from the host's busybox-static, and a private place for a
# daemon to run -- its own network namespace, mount namespace, state and
# socket, never the host's.

# engine_rootfs_tar DIR: a busybox root filesystem as DIR/rootfs.tar (what
# `docker import` and `podman import` take).
engine_rootfs_tar() {
	local dir="$1" r="$1/rootfs" a
	mkdir -p "$r"/{bin,etc,tmp,proc,sys,dev,root,var,run}
	chmod 1777 "$r/tmp"
	cp /bin/busybox "$r/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	ln -s bin "$r/sbin"
	mkdir -p "$r/usr"
	ln -s ../bin "$r/usr/bin"
	cat >"$r/etc/passwd" <<-'EOF'
		root:x:0:0:root:/root:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$r/etc/group" <<-'EOF'
		root:x:0:
		nogroup:x:65534:
	EOF
	tar -C "$r" -cf "$dir/rootfs.tar" .
	rm -rf "$r"
}

# engine_netns NAME: a network namespace of the test's own with lo up.
engine_netns() {
	ip netns add "$1"
	ip -n "$1" link set lo up
}

# in_engine_ns NS CMD...: CMD in the test's network namespace and a private
# mount namespace (mounts made there -- overlays, shm, the daemon's sysfs --
# never reach the host, and vanish with the last process in it).  /sys is a
# fresh sysfs of that network namespace, with the host's cgroup mounts moved
# back in place, so the daemon sees its own interfaces in /sys/class/net.
ENGINE_NS_SCRIPT='
	set -e
	keep=$(mktemp -d /tmp/cell-engine-cg.XXXXXX)
	mount --rbind /sys/fs/cgroup "$keep"
	mount -t sysfs sysfs /sys
	mount --move "$keep" /sys/fs/cgroup
	rmdir "$keep"
	exec "$@"'

in_engine_ns() {
	local ns="$1"
	shift
	nsenter --net="/run/netns/$ns" unshare -m --propagation slave \
		sh -c "$ENGINE_NS_SCRIPT" sh "$@"
}

# engine_ns_hold NS: a process that keeps one such mount namespace (in NS)
# alive for a daemonless engine, whose every command must see the mounts
# the previous one made (Podman's netns bind mounts, its storage).  Sets
# ENGINE_HOLDER; in_engine_holder CMD... runs CMD in it.
engine_ns_hold() {
	# exec all the way down: $! is the sleep that holds the namespace.
	(exec nsenter --net="/run/netns/$1" unshare -m --propagation slave \
		sh -c "$ENGINE_NS_SCRIPT" sh sleep 100000 </dev/null >/dev/null 2>&1 3>&-) &
	ENGINE_HOLDER=$!
	local i
	for i in $(seq 50); do
		[ "$(readlink "/proc/$ENGINE_HOLDER/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] &&
			[ "$(cat "/proc/$ENGINE_HOLDER/comm" 2>/dev/null)" = sleep ] && return 0
		sleep 0.05
	done
	return 1
}

in_engine_holder() {
	nsenter -t "$ENGINE_HOLDER" -m -n "$@"
}

# wait_socket PATH [TRIES]: poll (every 0.2 s) until PATH is a socket.
wait_socket() {
	local tries="${2:-150}"
	while [ "$tries" -gt 0 ]; do
		[ -S "$1" ] && return 0
		sleep 0.2
		tries=$((tries - 1))
	done
	return 1
}

# rmdir_cgroups NAME: remove every cgroup directory NAME (and below) in
# every hierarchy, deepest first -- what a daemon made under its parent.
rmdir_cgroups() {
	local d
	for d in /sys/fs/cgroup/"$1" /sys/fs/cgroup/*/"$1"; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}
