#!/usr/bin/env bats
# Kubernetes' path: kubelet's CRI calls to containerd 1.6's CRI plugin, whose
# runc.v2 shim drives cell (the "cell" runtime handler).  containerd, its
# images, CNI network and state are the suite's own (tests/cri/cri.bash);
# every check is made from the host: /proc, cgroup files, mountinfo, and
# containerd's answers to the CRI status calls.
#
# The same scenarios on runc: CRI_HANDLER=runc bats tests/integration/cri.bats

load helpers
load ../cri/cri

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		{ echo "containerd is not installed (make deps)" >&2; return 1; }
	cri_start "$RUNTIME"
}

teardown_file() {
	cri_stop
}

teardown() {
	cri_teardown_pods
}

MIB=1048576

@test "cri: Version and Status; handlers cell and runc configured" {
	run cri Version '{"version":"v1"}'
	assert_status 0
	[ "$(jq -r .runtime_name <<<"$output")" = containerd ]
	[ "$(jq -r .runtime_api_version <<<"$output")" = v1 ]

	run cri Status '{"verbose":true}'
	assert_status 0
	local ready
	ready="$(jq -r '.status.conditions[] | select(.type == "RuntimeReady") | .status' <<<"$output")"
	[ "$ready" = true ]
	local net
	net="$(jq -r '.status.conditions[] | select(.type == "NetworkReady") | .status' <<<"$output")"
	[ "$net" = true ] || fail "CNI not ready: $output"
	local cfg
	cfg="$(jq -c '.info.config | fromjson | .containerd.runtimes' <<<"$output")"
	[ "$(jq -r .cell.options.BinaryName <<<"$cfg")" = "$RUNTIME" ]
	[ "$(jq -r .runc.options.BinaryName <<<"$cfg")" = /usr/sbin/runc ]
	[ "$(jq -r .cell.runtimeType <<<"$cfg")" = io.containerd.runc.v2 ]
}

@test "cri: a pod's two containers share its network and IPC namespaces" {
	run_pod twins
	local a b pause
	a="$(run_ctr a '["sleep","1000"]')"
	b="$(run_ctr b '["sleep","1000"]')"
	wait_ctr_state "$a" CONTAINER_RUNNING
	wait_ctr_state "$b" CONTAINER_RUNNING
	pause="$(pod_info "$POD" | jq -r .pid)"
	local pa pb
	pa="$(ctr_pid "$a")"
	pb="$(ctr_pid "$b")"
	pid_alive "$pause" && pid_alive "$pa" && pid_alive "$pb"
	local ns
	for ns in net ipc uts; do
		[ "$(readlink "/proc/$pa/ns/$ns")" = "$(readlink "/proc/$pause/ns/$ns")" ] ||
			fail "a's $ns namespace is not the pod's"
		[ "$(readlink "/proc/$pb/ns/$ns")" = "$(readlink "/proc/$pause/ns/$ns")" ] ||
			fail "b's $ns namespace is not the pod's"
	done
	# ... but each has its own mount and PID namespace, neither the host's
	for ns in mnt pid; do
		[ "$(readlink "/proc/$pa/ns/$ns")" != "$(readlink "/proc/$pb/ns/$ns")" ]
		[ "$(readlink "/proc/$pa/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ]
	done
	[ "$(readlink "/proc/$pa/ns/net")" != "$(readlink "/proc/self/ns/net")" ]

	# The pod's address (CNI, in the suite's netns) is on eth0 of both.
	local ip
	ip="$(cri PodSandboxStatus "{\"pod_sandbox_id\":\"$POD\"}" | jq -r .status.network.ip)"
	[[ "$ip" == 10.88.77.* ]] || fail "pod ip: $ip"
	run exec_sync "$b" '["ip","-o","-4","addr","show","eth0"]'
	assert_status 0
	[[ "$(jq -r .stdout <<<"$output")" == *" $ip/24 "* ]] || fail "b's eth0: $output"
	# IPC: with the pod's IPC namespace comes the pod's /dev/shm.
	run exec_sync "$a" '["sh","-c","echo from-a >/dev/shm/note"]'
	assert_status 0
	run exec_sync "$b" '["cat","/dev/shm/note"]'
	assert_status 0
	[ "$(jq -r .stdout <<<"$output")" = from-a ] || fail "b: $output"
	[ "$(readlink "/proc/$pa/ns/ipc")" != "$(readlink /proc/self/ns/ipc)" ]
}

@test "cri: pod cgroup parent /kubepods/burstable/pod<uid>; container limits in the cgroup files" {
	[ "$CRI_SYSTEMD" = false ] || skip "the cgroupfs half"
	# kubelet makes the pod's cgroup, with the pod's limit, before the pod
	local uid
	uid="$(cat /proc/sys/kernel/random/uuid)"
	kubelet_pod_cgroup "$uid" $((256 * MIB))
	run_pod limits "$CRI_HANDLER" "$uid" || { remove_pod_cgroups "$uid"; false; }

	local c pid
	c="$(run_ctr limited '["sleep","1000"]' \
		'{"memory_limit_in_bytes":67108864,"cpu_quota":50000,"cpu_period":100000,"cpu_shares":256}')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	pid="$(ctr_pid "$c")"
	local pause
	pause="$(pod_info "$POD" | jq -r .pid)"

	# The container and the sandbox sit in their own cgroups below the pod's.
	local want="/kubepods/burstable/pod$uid/$c"
	grep -q "^[0-9]*:memory:$want\$" "/proc/$pid/cgroup" || fail "$(cat "/proc/$pid/cgroup")"
	[ "$(proc_cgroup "$pid" cpu)" = "/sys/fs/cgroup/cpu$want" ] || fail "$(cat "/proc/$pid/cgroup")"
	grep -q "^[0-9]*:pids:$want\$" "/proc/$pid/cgroup" || fail "$(cat "/proc/$pid/cgroup")"
	grep -q "^[0-9]*:memory:/kubepods/burstable/pod$uid/$POD\$" "/proc/$pause/cgroup" ||
		fail "sandbox: $(cat "/proc/$pause/cgroup")"

	local mem cpu
	mem="$(proc_cgroup "$pid" memory)"
	cpu="$(proc_cgroup "$pid" cpu)"
	[ "$mem" = "/sys/fs/cgroup/memory$want" ]
	[ "$(cat "$mem/memory.limit_in_bytes")" = $((64 * MIB)) ]
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 50000 ]
	[ "$(cat "$cpu/cpu.cfs_period_us")" = 100000 ]
	[ "$(cat "$cpu/cpu.shares")" = 256 ]
	# swap: containerd asks for memory+swap = the memory limit (no swap)
	if [ -e "$mem/memory.memsw.limit_in_bytes" ]; then
		[ "$(cat "$mem/memory.memsw.limit_in_bytes")" = $((64 * MIB)) ]
	fi
	# the pod's own limit is kubelet's, untouched by the runtime
	[ "$(cat "/sys/fs/cgroup/memory/kubepods/burstable/pod$uid/memory.limit_in_bytes")" = $((256 * MIB)) ]
	# and containerd reports what the runtime was asked for
	run ctr_status "$c"
	[ "$(jq -r .resources.linux.memory_limit_in_bytes <<<"$output")" = $((64 * MIB)) ]
}

@test "cri: ExecSync returns the output and the exit code" {
	run_pod execer
	local c
	c="$(run_ctr shell '["sleep","1000"]')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	run exec_sync "$c" '["sh","-c","echo out; echo err >&2; hostname; exit 7"]'
	assert_status 0
	[ "$(jq -r .stdout <<<"$output")" = "out
execer" ]
	[ "$(jq -r .stderr <<<"$output")" = err ]
	[ "$(jq -r .exit_code <<<"$output")" = 7 ]

	run exec_sync "$c" '["true"]'
	[ "$(jq -r .exit_code <<<"$output")" = 0 ]
	# a command that is not in the image: an error, not a hang
	run exec_sync "$c" '["/no/such/binary"]'
	if [ "$status" -eq 0 ]; then
		[ "$(jq -r .exit_code <<<"$output")" != 0 ]
	fi
	# the exec ran in the container's cgroup and is gone
	run exec_sync "$c" '["cat","/proc/self/cgroup"]'
	[[ "$(jq -r .stdout <<<"$output")" == *"memory:/"* ]]
	local pid procs
	pid="$(ctr_pid "$c")"
	procs="$(cat "$(proc_cgroup "$pid" pids)/cgroup.procs")"
	[ "$procs" = "$pid" ] || fail "cgroup holds: $procs"
	# a timeout: ExecSync kills the command
	local t0=$SECONDS
	run exec_sync "$c" '["sleep","30"]' 1
	[ $((SECONDS - t0)) -lt 20 ]
}

@test "cri: ContainerStats CPU and memory move under load" {
	run_pod stats
	local c
	c="$(run_ctr busy '["sleep","1000"]')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	local s1 s2 cpu1 cpu2 mem1 mem2
	s1="$(cri ContainerStats "{\"container_id\":\"$c\"}")"
	cpu1="$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$s1")"
	mem1="$(jq -r .stats.memory.working_set_bytes.value <<<"$s1")"
	# half a second of CPU, and 32 MiB in the pod's /dev/shm (tmpfs pages
	# are charged to the cgroup that writes them)
	run exec_sync "$c" '["sh","-c","i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/dev/shm/fill bs=1M count=32 2>/dev/null; echo done"]' 60
	assert_status 0
	[ "$(jq -r .stdout <<<"$output")" = done ]
	s2="$(cri ContainerStats "{\"container_id\":\"$c\"}")"
	cpu2="$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$s2")"
	mem2="$(jq -r .stats.memory.working_set_bytes.value <<<"$s2")"
	echo "cpu $cpu1 -> $cpu2 ns; working set $mem1 -> $mem2 bytes" >&3
	[ "$cpu2" -gt $((cpu1 + 50000000)) ] || fail "cpu $cpu1 -> $cpu2"
	[ "$mem2" -gt $((mem1 + 30 * MIB)) ] || fail "memory $mem1 -> $mem2"
	# the same numbers as the cgroup files
	local pid acct
	pid="$(ctr_pid "$c")"
	acct="$(proc_cgroup "$pid" cpuacct)/cpuacct.usage"
	[ "$(cat "$acct")" -ge "$cpu2" ]
	local usage
	usage="$(cat "$(proc_cgroup "$pid" memory)/memory.usage_in_bytes")"
	[ "$usage" -ge $((32 * MIB)) ]
	[ "$(jq -r .stats.attributes.id <<<"$s2")" = "$c" ]
}

@test "cri: UpdateContainerResources reaches the cgroup" {
	run_pod updater
	local c pid
	c="$(run_ctr u '["sleep","1000"]' '{"memory_limit_in_bytes":67108864,"cpu_quota":50000,"cpu_period":100000,"cpu_shares":256}')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	pid="$(ctr_pid "$c")"
	local mem cpu
	mem="$(proc_cgroup "$pid" memory)"
	cpu="$(proc_cgroup "$pid" cpu)"
	[ "$(cat "$mem/memory.limit_in_bytes")" = $((64 * MIB)) ]

	run cri UpdateContainerResources "{\"container_id\":\"$c\",\"linux\":{\"memory_limit_in_bytes\":$((128 * MIB)),\"cpu_quota\":20000,\"cpu_period\":100000,\"cpu_shares\":512}}"
	assert_status 0
	[ "$(cat "$mem/memory.limit_in_bytes")" = $((128 * MIB)) ]
	[ "$(cat "$cpu/cpu.cfs_quota_us")" = 20000 ]
	[ "$(cat "$cpu/cpu.shares")" = 512 ]
	run ctr_status "$c"
	[ "$(jq -r .resources.linux.memory_limit_in_bytes <<<"$output")" = $((128 * MIB)) ]
	[ "$(jq -r .resources.linux.cpu_quota <<<"$output")" = 20000 ]

	# lowering the limit below what the container uses fails, and says so
	run exec_sync "$c" '["dd","if=/dev/zero","of=/dev/shm/fill","bs=1M","count=40"]' 30
	run cri UpdateContainerResources "{\"container_id\":\"$c\",\"linux\":{\"memory_limit_in_bytes\":$((8 * MIB))}}"
	if [ "$status" -eq 0 ]; then
		# the kernel reclaimed (shm pages can go to swap): the limit holds
		[ "$(cat "$mem/memory.limit_in_bytes")" = $((8 * MIB)) ]
	else
		[[ "$output" == *"cri: UpdateContainerResources: "* ]]
		[ "$(cat "$mem/memory.limit_in_bytes")" = $((128 * MIB)) ]
	fi
	# still running either way
	[ "$(ctr_status "$c" | jq -r .state)" = CONTAINER_RUNNING ]
}

@test "cri: StopContainer: SIGTERM, then SIGKILL after the grace period" {
	run_pod stopper
	local polite stubborn
	polite="$(run_ctr polite '["sh","-c","trap \"echo bye; exit 0\" TERM; while :; do sleep 0.1; done"]')"
	stubborn="$(run_ctr stubborn '["sh","-c","trap \"echo ignored\" TERM; while :; do sleep 0.1; done"]')"
	wait_ctr_state "$polite" CONTAINER_RUNNING
	wait_ctr_state "$stubborn" CONTAINER_RUNNING
	local pp ps
	pp="$(ctr_pid "$polite")"
	ps="$(ctr_pid "$stubborn")"

	local t0 t1
	t0="$(date +%s%N)"
	run cri StopContainer "{\"container_id\":\"$polite\",\"timeout\":10}"
	assert_status 0
	t1="$(date +%s%N)"
	echo "polite stop: $(((t1 - t0) / 1000000)) ms" >&3
	[ $(((t1 - t0) / 1000000)) -lt 5000 ]
	run ctr_status "$polite"
	[ "$(jq -r .state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .exit_code <<<"$output")" = 0 ]
	grep -q ' bye$' "$CRI_DIR/logs/$POD_UID/polite.log"
	wait_pid_gone "$pp"

	t0="$(date +%s%N)"
	run cri StopContainer "{\"container_id\":\"$stubborn\",\"timeout\":2}"
	assert_status 0
	t1="$(date +%s%N)"
	local ms=$(((t1 - t0) / 1000000))
	echo "stubborn stop (grace 2 s): $ms ms" >&3
	[ "$ms" -ge 2000 ] && [ "$ms" -lt 10000 ] || fail "stop took $ms ms"
	run ctr_status "$stubborn"
	[ "$(jq -r .state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .exit_code <<<"$output")" = 137 ]
	grep -q ' ignored$' "$CRI_DIR/logs/$POD_UID/stubborn.log"
	wait_pid_gone "$ps"
}

@test "cri: a container over its memory limit is OOMKilled" {
	run_pod oom
	local c
	# The shim watches memory.oom_control from StartContainer on (for runc
	# too): an OOM in the first instant would go unseen, so the hog waits.
	c="$(run_ctr hog '["sh","-c","sleep 0.5; exec dd if=/dev/zero of=/dev/null bs=64M count=1"]' '{"memory_limit_in_bytes":16777216}')"
	wait_ctr_state "$c" CONTAINER_EXITED
	run ctr_status "$c"
	echo "$output" | jq -c '{state, exit_code, reason}' >&3
	[ "$(jq -r .reason <<<"$output")" = OOMKilled ]
	[ "$(jq -r .exit_code <<<"$output")" = 137 ]
	# a container that exits on its own is not
	local ok
	ok="$(run_ctr fine '["sh","-c","exit 3"]' '{"memory_limit_in_bytes":16777216}')"
	wait_ctr_state "$ok" CONTAINER_EXITED
	run ctr_status "$ok"
	[ "$(jq -r .reason <<<"$output")" = Error ]
	[ "$(jq -r .exit_code <<<"$output")" = 3 ]
}

@test "cri: pod removal leaves no process, cgroup, mount or netns behind" {
	run_pod leaver
	local a b gone
	a="$(run_ctr a '["sleep","1000"]')"
	b="$(run_ctr b '["sh","-c","sleep 1000 & sleep 1000"]')"
	gone="$(run_ctr gone '["true"]')"
	wait_ctr_state "$a" CONTAINER_RUNNING
	wait_ctr_state "$b" CONTAINER_RUNNING
	wait_ctr_state "$gone" CONTAINER_EXITED
	pod_snapshot "$POD"
	local netns
	netns="$(awk '$1 == "netns" { print $2 }' "$CRI_DIR/snap.$POD")"
	[ -e "$netns" ]
	[ -n "$(find_pod_cgroups "$POD_UID" -mindepth 1)" ]
	grep -q "$a" /proc/self/mountinfo

	run cri StopPodSandbox "{\"pod_sandbox_id\":\"$POD\"}"
	assert_status 0
	run cri PodSandboxStatus "{\"pod_sandbox_id\":\"$POD\"}"
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_NOTREADY ]
	[ "$(ctr_status "$a" | jq -r .state)" = CONTAINER_EXITED ]
	run cri RemovePodSandbox "{\"pod_sandbox_id\":\"$POD\"}"
	assert_status 0
	assert_pod_gone "$POD" "$POD_UID"
	run cri PodSandboxStatus "{\"pod_sandbox_id\":\"$POD\"}"
	[ "$status" -ne 0 ]
	[[ "$output" == *NOT_FOUND* ]]
}

@test "cri: RuntimeClass handlers: cell and runc side by side; an unknown one is refused" {
	run_pod on-cell cell
	local pc="$POD" pc_uid="$POD_UID" cc
	cc="$(run_ctr c '["sleep","1000"]')"
	run_pod on-runc runc
	local pr="$POD" rc
	rc="$(run_ctr r '["sleep","1000"]')"
	wait_ctr_state "$cc" CONTAINER_RUNNING
	wait_ctr_state "$rc" CONTAINER_RUNNING

	[ "$(cri PodSandboxStatus "{\"pod_sandbox_id\":\"$pc\"}" | jq -r .status.runtime_handler)" = cell ]
	[ "$(cri PodSandboxStatus "{\"pod_sandbox_id\":\"$pr\"}" | jq -r .status.runtime_handler)" = runc ]
	[ "$(pod_info "$pc" | jq -r .runtimeOptions.binary_name)" = "$RUNTIME" ]
	[ "$(pod_info "$pr" | jq -r .runtimeOptions.binary_name)" = /usr/sbin/runc ]
	# Each runtime knows its own containers, with the pids containerd has,
	# and not the other's.
	local cell_root="$CRI_DIR/cell-root/k8s.io" runc_root="$CRI_DIR/runc-root/k8s.io"
	[ "$("$RUNTIME" --root "$cell_root" state "$cc" | jq -r .pid)" = "$(ctr_pid "$cc")" ]
	[ "$("$RUNTIME" --root "$cell_root" state "$pc" | jq -r .status)" = running ]
	[ "$(/usr/sbin/runc --root "$runc_root" state "$rc" | jq -r .pid)" = "$(ctr_pid "$rc")" ]
	! /usr/sbin/runc --root "$runc_root" state "$cc" >/dev/null 2>&1
	! "$RUNTIME" --root "$cell_root" state "$rc" >/dev/null 2>&1
	# cell ran cell's own init path: its state dir has cell's files
	[ -e "$cell_root/$cc" ] && [ ! -e "$runc_root/$cc" ]

	# an unknown handler: refused, nothing made
	local uid cfg
	uid="$(cat /proc/sys/kernel/random/uuid)"
	cfg="$(pod_config nowhere "$uid")"
	run cri RunPodSandbox "$(jq -nc --argjson c "$cfg" '{config: $c, runtime_handler: "nope"}')"
	[ "$status" -ne 0 ]
	[[ "$output" == *nope* ]]
	[ -z "$(find_pod_cgroups "$uid")" ]
	[ "$(cri ListPodSandbox '{}' | jq '[.items[] | select(.metadata.uid == "'"$uid"'")] | length')" = 0 ]
	rm -rf "$CRI_DIR/logs/$uid"
}

@test "cri: shareProcessNamespace: the pause reaps, an exited init's orphans are killed" {
	# pid POD: one PID namespace for the pod, the pause process its PID 1
	POD_UID="$(cat /proc/sys/kernel/random/uuid)"
	POD_CFG="$(pod_config shared "$POD_UID" | jq -c '.linux.security_context.namespace_options.pid = "POD"')"
	POD="$(cri RunPodSandbox "$(jq -nc --argjson c "$POD_CFG" --arg h "$CRI_HANDLER" \
		'{config: $c, runtime_handler: $h}')" | jq -r .pod_sandbox_id)"
	echo "$POD $POD_UID" | tee -a "$CRI_DIR/pods.all" >>"$CRI_DIR/pods.$BATS_TEST_NUMBER"
	local pod_pid='{"linux":{"security_context":{"namespace_options":{"pid":"POD"}}}}'
	local watcher
	watcher="$(run_ctr watcher '["sleep","1000"]' '{}' "$pod_pid")"
	wait_ctr_state "$watcher" CONTAINER_RUNNING
	run exec_sync "$watcher" '["sh","-c","cat /proc/1/cmdline; echo; ps -o pid,comm | grep -c pause"]'
	[ "$(jq -r .stdout <<<"$output" | head -1)" = /pause ] || fail "$output"

	# a container whose init leaves a child behind when it exits
	local parent orphan
	parent="$(run_ctr parent '["sh","-c","sleep 1000 & echo $! >/dev/shm/orphan; sleep 1"]' '{}' "$pod_pid")"
	wait_ctr_state "$parent" CONTAINER_EXITED
	# the orphan's host pid: the pod's sleep 1000 that is not the watcher's
	local w
	w="$(ctr_pid "$watcher")"
	for _ in $(seq 50); do
		orphan="$(pgrep -x sleep -P "$(pod_info "$POD" | jq -r .pid)" | grep -vx "$w" || true)"
		[ -z "$orphan" ] && break
		sleep 0.1
	done
	[ -z "$orphan" ] || fail "orphan $orphan lives on: $(tr '\0' ' ' <"/proc/$orphan/cmdline")"
	# and no zombie under the pause either
	local z
	z="$(ps -o stat= --ppid "$(pod_info "$POD" | jq -r .pid)" | grep -c Z || true)"
	[ "$z" = 0 ]
}

@test "cri: a tty container gets its console from the shim" {
	run_pod tty
	local c
	c="$(run_ctr t '["sh","-c","tty; sleep 1000"]' '{}' '{"tty":true,"stdin":true}')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	local tries=50
	until grep -q /dev/pts/0 "$CRI_DIR/logs/$POD_UID/t.log" 2>/dev/null || [ "$tries" -eq 0 ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
	grep -q /dev/pts/0 "$CRI_DIR/logs/$POD_UID/t.log" || fail "log: $(cat "$CRI_DIR/logs/$POD_UID/t.log")"
	run exec_sync "$c" '["sh","-c","echo hi"]'
	[ "$(jq -r .stdout <<<"$output")" = hi ]
}

@test "cri: security context: user, read-only rootfs, capabilities, no_new_privs" {
	run_pod secure
	local c pid
	c="$(run_ctr s '["sleep","1000"]' '{}' '{"linux":{"security_context":{"run_as_user":{"value":65534},"readonly_rootfs":true,"no_new_privs":true,"seccomp":{"profile_type":"RuntimeDefault"},"capabilities":{"drop_capabilities":["ALL"],"add_capabilities":["NET_BIND_SERVICE"]}}}}')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	pid="$(ctr_pid "$c")"
	# from the host: uid, capability sets, no_new_privs, seccomp
	[ "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" = 65534 ]
	[ "$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid/status")" = 0000000000000400 ]
	[ "$(awk '/^CapEff:/ { print $2 }' "/proc/$pid/status")" = 0000000000000000 ]
	[ "$(awk '/^NoNewPrivs:/ { print $2 }' "/proc/$pid/status")" = 1 ]
	[ "$(awk '/^Seccomp:/ { print $2 }' "/proc/$pid/status")" = 2 ]
	run exec_sync "$c" '["sh","-c","touch /x 2>/dev/null && echo rw || echo ro; id -u"]'
	[ "$(jq -r .stdout <<<"$output")" = "ro
65534" ]
}

@test "cri: a command missing from the image: StartContainer says so, nothing left behind" {
	run_pod broken
	local c
	c="$(create_ctr nocmd '["/no/such/binary"]')"
	[ -n "$c" ]
	run cri StartContainer "{\"container_id\":\"$c\"}"
	[ "$status" -ne 0 ]
	echo "$output" >&3
	[[ "$output" == *"/no/such/binary"* ]] || fail "error does not name the binary: $output"
	[ "$(ctr_status "$c" | jq -r .state)" = CONTAINER_EXITED ] ||
		[ "$(ctr_status "$c" | jq -r .state)" = CONTAINER_CREATED ]
	# the runtime's container is gone: no state, no cgroup, no process
	[ ! -e "$CRI_DIR/$CRI_HANDLER-root/k8s.io/$c" ] || fail "runtime state left"
	[ -z "$(find_pod_cgroups "$POD_UID" -mindepth 1 -name "*$c*")" ] || fail "cgroup left"
	run cri RemoveContainer "{\"container_id\":\"$c\"}"
	assert_status 0
	# the pod still works
	local ok
	ok="$(run_ctr ok '["sleep","1000"]')"
	wait_ctr_state "$ok" CONTAINER_RUNNING
}

# containerd without the CRI plugin: `ctr run --runc-binary`, what people
# and scripts on a containerd host do (cgroupfs driver, ctr's own cgroup).
@test "containerd (ctr run --runc-binary): output, exit status, the memory limit in the cgroup, nothing left" {
	local id="ctr-$BATS_TEST_NUMBER-$$" img="localhost/cell-busybox:1" root="$CRI_DIR/ctr-root"
	local c=(ctr -a "$CRI_SOCK" -n k8s.io)
	run "${c[@]}" run --rm --runc-binary "$RUNTIME" --runc-root "$root" "$img" "$id" \
		/bin/sh -c 'echo hello from ctr; exit 7'
	[ "$status" -eq 7 ] || fail "ctr run: status $status: $output"
	[[ "$output" == *"hello from ctr"* ]] || fail "ctr run: $output"

	# detached, with a memory limit in its own cgroup, seen from the host
	"${c[@]}" run -d --runc-binary "$RUNTIME" --runc-root "$root" \
		--memory-limit 67108864 --cgroup "/ctr-$id" "$img" "$id" /bin/sleep 300 ||
		fail "ctr run -d failed"
	local pid d
	pid="$("${c[@]}" task ls | awk -v i="$id" '$1 == i { print $2 }')"
	[ -n "$pid" ] && kill -0 "$pid" || fail "no task for $id"
	if cri_is_v2; then
		d="/sys/fs/cgroup/ctr-$id"
		[ "$(cat "$d/memory.max")" = 67108864 ] || fail "$d/memory.max: $(cat "$d/memory.max")"
	else
		d="$(proc_cgroup "$pid" memory)"
		[ "$d" = "/sys/fs/cgroup/memory/ctr-$id" ] || fail "cgroup of $pid: $d"
		[ "$(cat "$d/memory.limit_in_bytes")" = 67108864 ] ||
			fail "$d/memory.limit_in_bytes: $(cat "$d/memory.limit_in_bytes")"
	fi
	grep -qx "$pid" "$d/cgroup.procs" || fail "$pid is not in $d"
	[ -f "$root/k8s.io/$id/state.json" ] || fail "cell's state is not under --runc-root: $(ls -R "$root")"

	"${c[@]}" task kill -s SIGKILL "$id"
	local i
	for i in $(seq 50); do
		"${c[@]}" task ls | grep -q "^$id " || break
		"${c[@]}" task ls | awk -v i="$id" '$1 == i { print $3 }' | grep -q STOPPED && break
		sleep 0.1
	done
	"${c[@]}" task delete "$id" >/dev/null 2>&1 || true
	"${c[@]}" container delete "$id" || fail "ctr container delete"
	! kill -0 "$pid" 2>/dev/null || fail "pid $pid survived"
	[ ! -e "$d" ] || fail "cgroup $d left behind"
	[ ! -e "$root/k8s.io/$id" ] || fail "state $root/k8s.io/$id left behind"
}
