#!/usr/bin/env bats
# The container's filesystem view: pivot_root, readonly root, mounts, masked
# and read-only paths, /dev, propagation.

load helpers

setup() {
	setup_bundle
}

teardown() {
	teardown_bundle
}

# run_in_container CMD: run `sh -c CMD` in the foreground; $output and $status
# as bats' run.
run_in_container() {
	set_args sh -c "$1"
	runtime run -b "$BUNDLE" "$CID"
}

@test "readonly root: writing to / fails" {
	update_config '.root.readonly = true'
	run_in_container 'touch /newfile 2>/dev/null && echo writable || echo readonly'
	assert_status 0
	[ "$output" = readonly ]
	[ ! -e "$BUNDLE/rootfs/newfile" ]
}

@test "writable root: a file written to / lands in the bundle's rootfs" {
	update_config '.root.readonly = false'
	run_in_container 'echo hi > /newfile'
	assert_status 0
	[ "$(cat "$BUNDLE/rootfs/newfile")" = hi ]
}

@test "root is the rootfs: /.. is / and the host is out of reach" {
	run_in_container 'stat -c %i / /.. | uniq | wc -l; ls /'
	assert_status 0
	[ "${lines[0]}" = 1 ]
	# The listing is the rootfs', not the host's.
	[[ "$output" == *bin* ]]
	printf '%s\n' "${lines[@]:1}" | grep -qx etc
	! printf '%s\n' "${lines[@]:1}" | grep -qx boot || [ -d "$BUNDLE/rootfs/boot" ]
}

@test "the old root is gone after pivot_root (no host mounts visible)" {
	run_in_container 'cat /proc/self/mountinfo'
	assert_status 0
	# The host's / is a different fs; nothing of TEST_DIR's host path shows.
	! grep -F " $TEST_DIR" <<<"$output"
	# Every mount point is inside the container's tree.
	local n
	n="$(awk '{ print $5 }' <<<"$output" | grep -c '^/')"
	[ "$n" -gt 0 ]
}

@test "bind mount rw: the container's write appears on the host" {
	mkdir "$TEST_DIR/rwdir"
	add_bind "$TEST_DIR/rwdir" /data '["rbind","rw"]'
	run_in_container 'echo written > /data/f'
	assert_status 0
	[ "$(cat "$TEST_DIR/rwdir/f")" = written ]
}

@test "bind mount ro: the container cannot write" {
	mkdir "$TEST_DIR/rodir"
	echo host >"$TEST_DIR/rodir/f"
	add_bind "$TEST_DIR/rodir" /data '["rbind","ro"]'
	run_in_container 'cat /data/f; { echo x > /data/g; } 2>/dev/null && echo writable || echo readonly'
	assert_status 0
	[ "${lines[0]}" = host ]
	[ "${lines[1]}" = readonly ]
	[ ! -e "$TEST_DIR/rodir/g" ]
}

@test "bind mount of a single file" {
	echo content >"$TEST_DIR/file"
	add_bind "$TEST_DIR/file" /etc/bound '["bind","ro"]'
	run_in_container 'cat /etc/bound'
	assert_status 0
	[ "$output" = content ]
}

@test "tmpfs mount with size and mode" {
	update_config '.mounts += [{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "size=1m", "mode=1777"]}]'
	run_in_container 'grep " /scratch " /proc/self/mountinfo; stat -c %a /scratch'
	assert_status 0
	[[ "${lines[0]}" == *tmpfs* ]]
	[[ "${lines[0]}" == *size=1024k* ]]
	[[ "${lines[0]}" == *nosuid* ]]
	[ "${lines[1]}" = 1777 ]
}

@test "mount destination that does not exist is created inside the rootfs" {
	update_config '.mounts += [{"destination": "/a/b/c", "type": "tmpfs", "source": "tmpfs"}]'
	run_in_container 'grep -c " /a/b/c " /proc/self/mountinfo'
	assert_status 0
	[ "$output" = 1 ]
	[ -d "$BUNDLE/rootfs/a/b/c" ]
}

@test "a mount destination through a symlink stays inside the rootfs" {
	mkdir "$TEST_DIR/outside"
	# An absolute symlink, resolved from the host, would point out of the rootfs.
	ln -s "$TEST_DIR/outside" "$BUNDLE/rootfs/escape"
	update_config '.mounts += [{"destination": "/escape", "type": "tmpfs", "source": "tmpfs"}]'
	run_in_container 'echo x > /escape/f && echo ok'
	assert_status 0
	[ ! -e "$TEST_DIR/outside/f" ] || fail "mount followed a symlink out of the rootfs"
	[ -z "$(ls -A "$TEST_DIR/outside")" ]
}

@test "maskedPaths: a masked /proc file reads empty, /sys/firmware is empty" {
	# /proc/kcore where the kernel has it; this kernel may not.
	local f
	for f in /proc/kcore /proc/timer_list /proc/keys; do
		[ -e "$f" ] && break
	done
	[ -s "$f" ] || [ "$f" = /proc/kcore ] || [ -n "$(head -c1 "$f")" ] || skip "no non-empty /proc file to mask"
	update_config ".linux.maskedPaths |= (. + [\"$f\", \"/sys/firmware\"] | unique)"
	run_in_container "wc -c < $f; ls -A /sys/firmware | wc -l"
	assert_status 0
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
}

@test "readonlyPaths: /proc/sys cannot be written" {
	update_config '.linux.readonlyPaths |= (. + ["/proc/sys"] | unique)'
	run_in_container '{ echo x > /proc/sys/kernel/hostname; } 2>/dev/null && echo writable || echo readonly; grep " /proc/sys " /proc/self/mountinfo'
	assert_status 0
	[ "${lines[0]}" = readonly ]
	[[ "${lines[1]}" == *" ro,"* || "${lines[1]}" == *" ro "* ]]
}

@test "/dev has the standard devices with the right numbers" {
	run_in_container 'for d in null zero full random urandom tty ptmx; do stat -L -c "%n %F %t:%T" /dev/$d; done'
	assert_status 0
	[ "${lines[0]}" = "/dev/null character special file 1:3" ]
	[ "${lines[1]}" = "/dev/zero character special file 1:5" ]
	[ "${lines[2]}" = "/dev/full character special file 1:7" ]
	[ "${lines[3]}" = "/dev/random character special file 1:8" ]
	[ "${lines[4]}" = "/dev/urandom character special file 1:9" ]
	[ "${lines[5]}" = "/dev/tty character special file 5:0" ]
	[ "${lines[6]}" = "/dev/ptmx character special file 5:2" ]
}

@test "/dev devices work: null swallows, zero reads zeros, full is full" {
	run_in_container 'echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | od -An -tx1 | tr -d " "; { echo x > /dev/full; } 2>/dev/null || echo full-ok; head -c 8 /dev/urandom | wc -c'
	assert_status 0
	[ "${lines[0]}" = null-ok ]
	[ "${lines[1]}" = 00000000 ]
	[ "${lines[2]}" = full-ok ]
	[ "${lines[3]}" = 8 ]
}

@test "/dev/pts is a devpts mount; /dev/fd and std links exist" {
	run_in_container 'grep " /dev/pts " /proc/self/mountinfo; for l in fd stdin stdout stderr; do readlink /dev/$l; done'
	assert_status 0
	[[ "${lines[0]}" == *devpts* ]]
	[ "${lines[1]}" = /proc/self/fd ]
	[ "${lines[2]}" = /proc/self/fd/0 ]
	[ "${lines[3]}" = /proc/self/fd/1 ]
	[ "${lines[4]}" = /proc/self/fd/2 ]
}

@test "/dev is a tmpfs: host devices are not visible" {
	run_in_container 'grep " /dev " /proc/self/mountinfo; ls /dev | grep -c -e "^sd" -e "^vd" -e "^nvme" -e "^loop"'
	[[ "${lines[0]}" == *tmpfs* ]]
	[ "${lines[1]}" = 0 ]
}

@test "linux.devices: the device node is created with its mode" {
	update_config '.linux.devices = [{"path": "/dev/cellnull", "type": "c", "major": 1, "minor": 3,
		"fileMode": 432, "uid": 0, "gid": 0}]'
	run_in_container 'stat -c "%F %t:%T %a %u:%g" /dev/cellnull; echo x > /dev/cellnull && echo written'
	assert_status 0
	[ "${lines[0]}" = "character special file 1:3 660 0:0" ]
	[ "${lines[1]}" = written ]
}

# The propagation of the container's root mount, from the host's view of the
# container's mountinfo.
root_mount_line() {
	local pid
	pid="$(container_pid "$CID")"
	awk '$5 == "/"' "/proc/$pid/mountinfo"
}

@test "rootfsPropagation private: the root mount has no peers" {
	update_config '.linux.rootfsPropagation = "private"'
	start_container
	local line
	line="$(root_mount_line)"
	echo "$line"
	[[ "$line" != *shared:* && "$line" != *master:* ]]
}

# A shared tmpfs at $TEST_DIR/vol, bind-mounted into the container with
# OPTIONS; after start, the host mounts vol/sub.  Prints the container's view.
propagation_probe() {
	local vol="$TEST_DIR/vol"
	mkdir "$vol"
	mount -t tmpfs tmpfs "$vol"
	mount --make-shared "$vol"
	add_bind "$vol" /vol "$1"
	start_container || {
		umount -R "$vol"
		return 1
	}
	mkdir "$vol/sub"
	mount -t tmpfs tmpfs "$vol/sub"
	local pid
	pid="$(container_pid "$CID")"
	sleep 0.1
	grep -c " /vol/sub " "/proc/$pid/mountinfo" || true
	rt delete --force "$CID" >/dev/null 2>&1 || true
	umount -R "$vol"
}

@test "bind mount rslave: host mounts made later appear in the container" {
	run propagation_probe '["rbind","rslave"]'
	[ "$output" = 1 ]
}

@test "bind mount rprivate: host mounts made later stay out of the container" {
	run propagation_probe '["rbind","rprivate"]'
	[ "$output" = 0 ]
}

@test "mounts made by the container never appear on the host" {
	host_snapshot
	update_config '.mounts += [{"destination": "/m1", "type": "tmpfs", "source": "tmpfs"}]'
	mkdir "$TEST_DIR/b"
	add_bind "$TEST_DIR/b" /m2
	start_container
	[ -z "$(find_test_mounts)" ] || fail "container mounts leaked: $(find_test_mounts)"
	rt delete --force "$CID"
	host_snapshot_compare
}
