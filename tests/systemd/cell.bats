#!/usr/bin/env bats
# The systemd cgroup driver driven directly: `--systemd-cgroup` at create,
# a transient scope with the resources as unit properties and in the
# scope's cgroup files, every later command (without the flag: the state
# remembers the driver) working on the scope, delete leaving no unit,
# cgroup or job.  Runs in vmrun --systemd; RUNTIME=/usr/sbin/runc runs the
# same cases against runc (a few cell-only checks say so).

load helpers

setup() {
	require_systemd
	setup_bundle
	UNIT="celltest-$CID.scope"
	update_config ".linux.cgroupsPath = \"system.slice:celltest:$CID\""
	SCOPE="$CGROOT/system.slice/$UNIT"
}

teardown() {
	[ -n "${OTHER:-}" ] && kill "$OTHER" 2>/dev/null
	teardown_bundle
	systemctl stop "$UNIT" >/dev/null 2>&1 || true
	systemctl reset-failed "$UNIT" >/dev/null 2>&1 || true
	if [ -n "${SLICE:-}" ]; then
		systemctl stop "$SLICE" >/dev/null 2>&1 || true
	fi
}

sdrun() {
	runtime_detached --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	[ "$status" -eq 0 ] || fail "run -d: $output"
	wait_for_status "$CID" running
}

resources='{
	"memory": {"limit": 67108864, "reservation": 33554432, "swap": 100663296},
	"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"},
	"pids": {"limit": 50},
	"blockIO": {"weight": 500},
	"unified": {"memory.high": "62914560", "memory.oom.group": "1"}
}'

@test "systemd: run -d makes a delegated scope with the resources as properties and in the files" {
	update_config ".linux.resources = $resources"
	sdrun
	local pid
	pid="$(container_pid "$CID")"

	assert_prop "$UNIT" ActiveState active
	assert_prop "$UNIT" Delegate yes
	assert_prop "$UNIT" Slice system.slice
	assert_prop "$UNIT" ControlGroup "/system.slice/$UNIT"
	assert_prop "$UNIT" MemoryMax 67108864
	assert_prop "$UNIT" MemoryLow 33554432
	assert_prop "$UNIT" MemorySwapMax 33554432
	assert_prop "$UNIT" MemoryHigh 62914560
	assert_prop "$UNIT" CPUWeight 20
	assert_prop "$UNIT" CPUQuotaPerSecUSec 500ms
	assert_prop "$UNIT" CPUQuotaPeriodUSec 100ms
	assert_prop "$UNIT" AllowedCPUs 0
	assert_prop "$UNIT" AllowedMemoryNodes 0
	assert_prop "$UNIT" TasksMax 50
	# runc sets no IOWeight (it writes io.bfq.weight alone).
	is_runc || assert_prop "$UNIT" IOWeight 4950

	grep -qx "$pid" "$SCOPE/cgroup.procs" || fail "init $pid not in $SCOPE"
	[ "$(cat /proc/$pid/cgroup)" = "0::/system.slice/$UNIT" ]
	assert_file "$SCOPE" memory.max 67108864
	assert_file "$SCOPE" memory.low 33554432
	assert_file "$SCOPE" memory.swap.max 33554432
	assert_file "$SCOPE" memory.high 62914560
	assert_file "$SCOPE" cpu.weight 20
	assert_file "$SCOPE" cpu.max "50000 100000"
	assert_file "$SCOPE" cpuset.cpus 0
	assert_file "$SCOPE" cpuset.mems 0
	assert_file "$SCOPE" pids.max 50
	# no systemd property for it: written to the file
	assert_file "$SCOPE" memory.oom.group 1

	# A reload makes systemd write its properties again: the limits hold.
	systemctl daemon-reload
	assert_file "$SCOPE" memory.max 67108864
	assert_file "$SCOPE" pids.max 50
	assert_file "$SCOPE" cpu.max "50000 100000"
}

@test "systemd: update sets the unit properties and the files; later commands need no flag" {
	update_config '.linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
	sdrun
	runtime update --memory 134217728 --pids-limit 80 --cpu-quota 25000 --cpu-period 100000 "$CID"
	assert_status 0
	assert_prop "$UNIT" MemoryMax 134217728
	assert_prop "$UNIT" TasksMax 80
	assert_prop "$UNIT" CPUQuotaPerSecUSec 250ms
	assert_file "$SCOPE" memory.max 134217728
	assert_file "$SCOPE" pids.max 80
	assert_file "$SCOPE" cpu.max "25000 100000"
	systemctl daemon-reload
	assert_file "$SCOPE" memory.max 134217728
	assert_file "$SCOPE" pids.max 80

	# --systemd-cgroup again on a later command changes nothing
	runtime --systemd-cgroup update --memory 100663296 "$CID"
	assert_status 0
	assert_prop "$UNIT" MemoryMax 100663296
}

@test "systemd: exec joins the scope; ps, pause/resume, events --stats work on it" {
	sdrun
	local pid
	pid="$(container_pid "$CID")"
	runtime exec "$CID" cat /proc/self/cgroup
	assert_status 0
	# the container has its own cgroup namespace: its root is the scope
	[ "$output" = "0::/" ] || fail "exec cgroup: $output"
	runtime_detached exec -d "$CID" sleep 77
	[ "$status" -eq 0 ] || fail "exec -d: $output"
	local n
	n="$(grep -c . "$SCOPE/cgroup.procs")"
	[ "$n" -eq 2 ] || fail "$n processes in the scope"

	runtime ps "$CID"
	assert_status 0
	assert_output_contains "sleep 77"

	runtime pause "$CID"
	assert_status 0
	[ "$(container_status "$CID")" = paused ]
	assert_file "$SCOPE" cgroup.freeze 1
	grep -qx "frozen 1" "$SCOPE/cgroup.events"
	runtime resume "$CID"
	assert_status 0
	[ "$(container_status "$CID")" = running ]
	assert_file "$SCOPE" cgroup.freeze 0

	runtime events --stats "$CID"
	assert_status 0
	local pids
	pids="$(echo "$output" | jq -r .data.pids.current)"
	[ "$pids" -eq 2 ] || fail "events --stats: pids.current $pids"
	[ "$(echo "$output" | jq -r .data.memory.usage.usage)" -gt 0 ]
}

@test "systemd: delete leaves no unit, no cgroup, no job; delete --force of a running one too" {
	sdrun
	runtime kill "$CID" KILL
	assert_status 0
	wait_for_status "$CID" stopped
	runtime delete "$CID"
	assert_status 0
	unit_gone "$UNIT"
	[ ! -e "$SCOPE" ] || fail "$SCOPE left"
	assert_no_state

	sdrun
	local pid
	pid="$(container_pid "$CID")"
	runtime delete --force "$CID"
	assert_status 0
	wait_pid_gone "$pid"
	unit_gone "$UNIT"
	[ ! -e "$SCOPE" ] || fail "$SCOPE left"
	[ -z "$(systemctl list-jobs --no-legend)" ] || fail "jobs: $(systemctl list-jobs)"
}

@test "systemd: foreground run, exit status, nothing left" {
	update_config '.process.args = ["sh", "-c", "cat /proc/self/cgroup; exit 3"]'
	runtime --systemd-cgroup run -b "$BUNDLE" "$CID"
	assert_status 3
	unit_gone "$UNIT"
	[ ! -e "$SCOPE" ]
	assert_no_state
}

@test "systemd: an empty cgroupsPath is <default slice>:<runtime>:<id>; slices expand" {
	update_config 'del(.linux.cgroupsPath)'
	sdrun
	local pid cg
	pid="$(container_pid "$CID")"
	cg="$(cat /proc/$pid/cgroup)"
	# runc's default prefix is its own name; cell's is "cell"
	local prefix=cell
	is_runc && prefix=runc
	[ "$cg" = "0::/system.slice/$prefix-$CID.scope" ] || fail "cgroup $cg"
	assert_prop "$prefix-$CID.scope" Delegate yes
	runtime delete --force "$CID"
	assert_status 0
	unit_gone "$prefix-$CID.scope"

	# a-b-c.slice lives in a.slice/a-b.slice/a-b-c.slice
	local tag="${CID#ct}"
	SLICE="celltest-k$tag-pod$tag.slice"
	update_config ".linux.cgroupsPath = \"$SLICE:celltest:$CID\""
	sdrun
	pid="$(container_pid "$CID")"
	cg="$(cat /proc/$pid/cgroup)"
	[ "$cg" = "0::/celltest.slice/celltest-k$tag.slice/$SLICE/$UNIT" ] || fail "cgroup $cg"
	assert_prop "$UNIT" Slice "$SLICE"
	runtime delete --force "$CID"
	assert_status 0
	unit_gone "$UNIT"
	systemctl stop celltest.slice
}

@test "systemd: org.systemd.property.* annotations become unit properties" {
	update_config '.annotations = {
		"org.systemd.property.TimeoutStopSec": "uint64 7",
		"org.systemd.property.CollectMode": "'"'"'inactive-or-failed'"'"'",
		"org.systemd.property.CPUAccounting": "true"}'
	sdrun
	assert_prop "$UNIT" TimeoutStopUSec 7s
	assert_prop "$UNIT" CollectMode inactive-or-failed
	runtime delete --force "$CID"
	assert_status 0
	unit_gone "$UNIT"
}

@test "systemd: a live unit of the same name is refused and left alone" {
	skip_if_runc "runc 1.1.5 joins a live unit of the same name (runc main refuses it, as cell does)"
	sleep 300 </dev/null >/dev/null 2>&1 3>&- &
	OTHER=$!
	busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 \
		org.freedesktop.systemd1.Manager StartTransientUnit \
		'ssa(sv)a(sa(sv))' "$UNIT" fail 2 PIDs au 1 "$OTHER" \
		Slice s system.slice 0 >/dev/null || fail "busctl StartTransientUnit"
	local tries=100
	until [ "$(sd_prop "$UNIT" ActiveState)" = active ] || [ $tries -eq 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	runtime_detached --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains "already loaded"
	# the other unit and its process are untouched; nothing of ours left
	assert_prop "$UNIT" ActiveState active
	pid_alive "$OTHER"
	[ "$(cat "$SCOPE/cgroup.procs")" = "$OTHER" ]
	assert_no_state
	systemctl stop "$UNIT"
	unit_gone "$UNIT"
}

@test "systemd: bad input is one line and leaves nothing" {
	skip_if_runc "cell's messages"
	update_config '.linux.cgroupsPath = "system.slice:celltest"'
	runtime --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains 'expected "slice:prefix:name"'
	assert_no_state

	update_config ".linux.cgroupsPath = \"bad--x.slice:celltest:$CID\""
	runtime --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains "not a slice name"
	assert_no_state

	update_config ".linux.cgroupsPath = \"system.slice:celltest:$CID\"
		| .annotations = {\"org.systemd.property.TimeoutStopSec\": \"seven\"}"
	runtime --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_output_contains "org.systemd.property.TimeoutStopSec"
	assert_no_state

	# a resource systemd takes but the kernel refuses: the unit goes too
	update_config '.annotations = {} | .linux.resources = {"cpu": {"cpus": "4095"}}'
	runtime --systemd-cgroup run -d -b "$BUNDLE" "$CID"
	assert_failed_cleanly
	assert_no_state
	unit_gone "$UNIT"
	assert_no_leftover_processes
}
