#!/usr/bin/env bats
# Kubernetes' path with kubelet's systemd cgroup driver: containerd 1.6's
# CRI plugin with SystemdCgroup = true for both handlers, so the shim runs
# `cell --systemd-cgroup` with cgroupsPath
# "kubepods-burstable-pod<uid>.slice:cri-containerd:<id>".  Runs in
# `vmrun --systemd` (systemd PID 1, pure cgroup v2); the host half
# (cgroupfs, v1) is tests/integration/cri.bats.  Same helpers
# (tests/cri/cri.bash); CRI_HANDLER=runc runs the scenarios on runc.

export CRI_SYSTEMD=true
load helpers
load ../cri/cri

MIB=1048576

setup_file() {
	[ -d /run/systemd/system ] ||
		{ echo "not booted with systemd (run in vmrun --systemd)" >&2; return 1; }
	cri_start "$RUNTIME"
}

teardown_file() {
	cri_stop
}

setup() {
	require_systemd
}

teardown() {
	cri_teardown_pods
}

# kubelet_pod_slice UID MEMORY_BYTES: what kubelet's systemd driver does
# before RunPodSandbox: a transient slice for the pod, with its limit.
kubelet_pod_slice() {
	busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager StartTransientUnit 'ssa(sv)a(sa(sv))' \
		"kubepods-burstable-pod${1//-/_}.slice" replace 1 MemoryMax t "$2" 0 >/dev/null
}

scope_of() { # ID: the container's (or sandbox's) scope unit
	echo "cri-containerd-$1.scope"
}

@test "systemd cri: the pod's slice from kubelet; scopes with the CRI limits as properties and in the files" {
	local uid
	uid="$(cat /proc/sys/kernel/random/uuid)"
	kubelet_pod_slice "$uid" $((256 * MIB))
	run_pod limits "$CRI_HANDLER" "$uid"
	local c pid
	c="$(run_ctr limited '["sleep","1000"]' \
		'{"memory_limit_in_bytes":67108864,"cpu_quota":50000,"cpu_period":100000,"cpu_shares":256}')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	pid="$(ctr_pid "$c")"
	local slice="kubepods-burstable-pod${uid//-/_}.slice" unit
	unit="$(scope_of "$c")"
	local want="/$(pod_cgroup_path "$uid")/$unit"
	[ "$(cat "/proc/$pid/cgroup")" = "0::$want" ] || fail "$(cat "/proc/$pid/cgroup")"
	assert_prop "$unit" ActiveState active
	assert_prop "$unit" Slice "$slice"
	assert_prop "$unit" MemoryMax $((64 * MIB))
	assert_prop "$unit" CPUQuotaPerSecUSec 500ms
	local dir="/sys/fs/cgroup$want"
	assert_file "$dir" memory.max $((64 * MIB))
	assert_file "$dir" cpu.max "50000 100000"
	# shares 256 -> weight 10 (1 + (shares - 2) * 9999 / 262142)
	assert_file "$dir" cpu.weight 10
	# the sandbox's scope is in the pod's slice too; the slice keeps
	# kubelet's limit
	local pause
	pause="$(pod_info "$POD" | jq -r .pid)"
	[ "$(cat "/proc/$pause/cgroup")" = "0::/$(pod_cgroup_path "$uid")/$(scope_of "$POD")" ]
	assert_prop "$slice" MemoryMax $((256 * MIB))
	assert_file "/sys/fs/cgroup/$(pod_cgroup_path "$uid")" memory.max $((256 * MIB))
}

@test "systemd cri: ExecSync, ContainerStats and UpdateContainerResources on the scope" {
	run_pod work
	local c pid unit
	c="$(run_ctr w '["sleep","1000"]' '{"memory_limit_in_bytes":134217728}')"
	wait_ctr_state "$c" CONTAINER_RUNNING
	pid="$(ctr_pid "$c")"
	unit="$(scope_of "$c")"

	run exec_sync "$c" '["sh","-c","cat /proc/self/cgroup; exit 4"]'
	assert_status 0
	[ "$(jq -r .exit_code <<<"$output")" = 4 ]
	# cgroup namespace: the exec sees its container's cgroup as the root
	[ "$(jq -r .stdout <<<"$output")" = "0::/" ]

	local s1 s2
	s1="$(cri ContainerStats "{\"container_id\":\"$c\"}")"
	run exec_sync "$c" '["sh","-c","i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; dd if=/dev/zero of=/dev/shm/fill bs=1M count=16 2>/dev/null"]' 120
	s2="$(cri ContainerStats "{\"container_id\":\"$c\"}")"
	local cpu1 cpu2 mem1 mem2
	cpu1="$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$s1")"
	cpu2="$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$s2")"
	mem1="$(jq -r .stats.memory.working_set_bytes.value <<<"$s1")"
	mem2="$(jq -r .stats.memory.working_set_bytes.value <<<"$s2")"
	echo "cpu $cpu1 -> $cpu2 ns; working set $mem1 -> $mem2 bytes" >&3
	[ "$cpu2" -gt $((cpu1 + 10000000)) ]
	[ "$mem2" -gt $((mem1 + 15 * MIB)) ]

	run cri UpdateContainerResources "{\"container_id\":\"$c\",\"linux\":{\"memory_limit_in_bytes\":$((96 * MIB)),\"cpu_quota\":20000,\"cpu_period\":100000}}"
	assert_status 0
	local dir
	dir="$(proc_cgroup "$pid")"
	assert_file "$dir" memory.max $((96 * MIB))
	assert_file "$dir" cpu.max "20000 100000"
	assert_prop "$unit" MemoryMax $((96 * MIB))
	assert_prop "$unit" CPUQuotaPerSecUSec 200ms
}

@test "systemd cri: StopContainer's grace period, OOMKilled, and no unit left" {
	run_pod stops
	local stubborn hog
	stubborn="$(run_ctr stubborn '["sh","-c","trap \"echo ignored\" TERM; while :; do sleep 0.1; done"]')"
	wait_ctr_state "$stubborn" CONTAINER_RUNNING
	local t0 ms
	t0="$(date +%s%N)"
	run cri StopContainer "{\"container_id\":\"$stubborn\",\"timeout\":2}"
	assert_status 0
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "stubborn stop (grace 2 s): $ms ms" >&3
	[ "$ms" -ge 2000 ]
	[ "$(ctr_status "$stubborn" | jq -r .exit_code)" = 137 ]
	unit_gone "$(scope_of "$stubborn")"

	# On cgroup v2 the shim learns of an OOM kill by reading memory.events
	# when inotify says it changed; an init killed outright empties the
	# scope, and systemd may remove the cgroup before the shim has read
	# it (reason "Error": one run in three here, with runc as with cell).
	# So the OOM-killed process is the init's child, and the init outlives
	# it by two seconds (Delegate=yes scopes have OOMPolicy=continue).
	hog="$(run_ctr hog '["sh","-c","sleep 1; dd if=/dev/zero of=/dev/null bs=64M count=1; st=$?; sleep 2; exit $st"]' '{"memory_limit_in_bytes":16777216}')"
	wait_ctr_state "$hog" CONTAINER_EXITED 300
	run ctr_status "$hog"
	echo "$output" | jq -c '{state, exit_code, reason}' >&3
	[ "$(jq -r .reason <<<"$output")" = OOMKilled ]
	[ "$(jq -r .exit_code <<<"$output")" = 137 ]
	unit_gone "$(scope_of "$hog")"
}

@test "systemd cri: cell and runc handlers side by side; pod removal leaves no unit, cgroup, process, mount or netns" {
	run_pod on-cell cell
	local pc="$POD" pc_uid="$POD_UID" cc
	cc="$(run_ctr c '["sleep","1000"]')"
	run_pod on-runc runc
	local pr="$POD" pr_uid="$POD_UID" rc
	rc="$(run_ctr r '["sleep","1000"]')"
	wait_ctr_state "$cc" CONTAINER_RUNNING
	wait_ctr_state "$rc" CONTAINER_RUNNING
	[ "$(pod_info "$pc" | jq -r .runtimeOptions.binary_name)" = "$RUNTIME" ]
	[ "$(pod_info "$pr" | jq -r .runtimeOptions.binary_name)" = /usr/sbin/runc ]
	# both in scopes of the same shape
	assert_prop "$(scope_of "$cc")" Slice "kubepods-burstable-pod${pc_uid//-/_}.slice"
	assert_prop "$(scope_of "$rc")" Slice "kubepods-burstable-pod${pr_uid//-/_}.slice"
	[ "$("$RUNTIME" --root "$CRI_DIR/cell-root/k8s.io" state "$cc" | jq -r .pid)" = "$(ctr_pid "$cc")" ]

	local p uid
	for p in "$pc $pc_uid" "$pr $pr_uid"; do
		set -- $p
		pod_snapshot "$1"
		local units
		units="$(cri ListContainers "{\"filter\":{\"pod_sandbox_id\":\"$1\"}}" | jq -r '.containers[].id')"
		remove_pod "$1" "$2"
		local u
		for u in $1 $units; do
			unit_gone "$(scope_of "$u")"
		done
	done
}
