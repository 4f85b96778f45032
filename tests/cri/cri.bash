# Helpers for the CRI suites (tests/integration/cri.bats, and the systemd
# VM's run): a containerd of the suite's own, driven over CRI v1 by
# tests/cri/cri.py, the way kubelet drives it.
#
# cri_start (from setup_file) makes, under one temp dir CRI_DIR:
#   - the Python modules generated from tests/cri/cri.proto (CRI_DIR/gen),
#   - the pause and busybox images (tests/cri/images.sh),
#   - containerd's config (tests/cri/containerd.sh): handlers "cell" (the
#     cell under test) and "runc", SystemdCgroup = $CRI_SYSTEMD,
#   - a network namespace CRI_NETNS where containerd runs, so the CNI
#     bridge and the pods' veths never touch the host's network,
# and starts containerd under a subreaper (its shims daemonize), then
# imports the images into the k8s.io namespace.  cri_stop undoes all of it.
#
# The handler the scenarios use is CRI_HANDLER (default cell):
# `CRI_HANDLER=runc bats tests/integration/cri.bats` runs the same
# scenarios on runc, to check that they assert Kubernetes' behaviour and not
# a quirk of cell.

CRI_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${CRI_HANDLER:=cell}"
: "${CRI_SYSTEMD:=false}"
CRI_PY=/usr/bin/python3

cri_start() {
	local cell="$1"
	CRI_DIR="$(mktemp -d /tmp/cell-cri.XXXXXX)"
	chmod 755 "$CRI_DIR"
	CRI_NETNS="cell-cri-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
	CRI_SOCK="$CRI_DIR/containerd.sock"
	export CRI_DIR CRI_NETNS CRI_SOCK
	echo "$CRI_NETNS" >"$CRI_DIR/netns"

	mkdir -p "$CRI_DIR/gen"
	"$CRI_PY" -m grpc_tools.protoc -I "$CRI_SRC" --python_out="$CRI_DIR/gen" \
		--grpc_python_out="$CRI_DIR/gen" "$CRI_SRC/cri.proto" ||
		{ echo "protoc failed" >&2; return 1; }
	sh "$CRI_SRC/images.sh" "$CRI_DIR/images" >"$CRI_DIR/images.log" 2>&1 ||
		{ cat "$CRI_DIR/images.log" >&2; return 1; }
	sh "$CRI_SRC/containerd.sh" "$CRI_DIR" "$cell" "$CRI_SYSTEMD" || return 1

	ip netns add "$CRI_NETNS" || return 1
	nsenter --net="/run/netns/$CRI_NETNS" ip link set lo up || return 1
	# nsenter --net, not `ip netns exec`: that one also remounts /sys in a
	# new mount namespace, which would hide the cgroup mounts.
	nsenter --net="/run/netns/$CRI_NETNS" "$CRI_PY" "$CRI_SRC/subreaper.py" \
		containerd --config "$CRI_DIR/containerd.toml" \
		</dev/null >"$CRI_DIR/containerd.log" 2>&1 3>&- &
	echo $! >"$CRI_DIR/containerd.pid"
	local tries=100
	until cri Version '{}' >/dev/null 2>&1; do
		tries=$((tries - 1))
		if [ "$tries" -eq 0 ] || ! kill -0 "$(cat "$CRI_DIR/containerd.pid")" 2>/dev/null; then
			echo "containerd did not come up:" >&2
			tail -20 "$CRI_DIR/containerd.log" >&2
			return 1
		fi
		sleep 0.1
	done
	# one client process for the suite (see cri.py --serve)
	mkdir -p "$CRI_DIR/srv"
	mkfifo "$CRI_DIR/srv/req" "$CRI_DIR/srv/rep" || return 1
	"$CRI_PY" "$CRI_SRC/cri.py" --gen "$CRI_DIR/gen" --socket "$CRI_SOCK" \
		--serve "$CRI_DIR/srv" </dev/null >/dev/null 2>"$CRI_DIR/srv/log" 3>&- &
	echo $! >"$CRI_DIR/srv/pid"
	local img
	for img in pause busybox; do
		ctr --address "$CRI_SOCK" --namespace k8s.io images import \
			"$CRI_DIR/images/$img.tar" >/dev/null 2>&1 3>&- ||
			{ echo "ctr import $img failed" >&2; return 1; }
	done
}

# cri_stop: remove every pod left, stop containerd, delete the netns and
# the temp dir.  Fails (after cleaning up all it can) if containerd left a
# mount behind.
cri_stop() {
	[ -n "${CRI_DIR:-}" ] && [ -d "$CRI_DIR" ] || return 0
	local id rc=0
	if [ -S "$CRI_SOCK" ]; then
		for id in $(cri ListPodSandbox '{}' 2>/dev/null | jq -r '.items[].id'); do
			cri StopPodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
			cri RemovePodSandbox "{\"pod_sandbox_id\":\"$id\"}" >/dev/null 2>&1
		done
	fi
	local pid
	pid="$(cat "$CRI_DIR/containerd.pid" 2>/dev/null)"
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		local tries=100
		while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
			sleep 0.1
			tries=$((tries - 1))
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	# A pod that could not be removed leaves its shim (and the shim its
	# containers): end them, by the shims' pids, and their cgroups.
	local shim child uid
	for shim in $(pgrep -f -- "-address $CRI_SOCK"); do
		for child in $(ps -o pid= --ppid "$shim"); do
			kill -KILL "$child" 2>/dev/null
		done
		kill -KILL "$shim" 2>/dev/null
		echo "shim $shim was left running" >&2
		rc=1
	done
	for uid in $(awk '{ print $2 }' "$CRI_DIR/pods.all" 2>/dev/null); do
		sleep 0.2
		remove_pod_cgroups "$uid"
	done
	[ -e "$CRI_DIR/srv/pid" ] && kill "$(cat "$CRI_DIR/srv/pid")" 2>/dev/null
	local m left
	left="$(awk -v d="$CRI_DIR/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo | sort -r)"
	for m in $left; do
		umount -l "$m" 2>/dev/null
	done
	if [ -n "$left" ]; then
		echo "mounts left under $CRI_DIR: $left" >&2
		rc=1
	fi
	if [ "$CRI_SYSTEMD" = true ]; then
		systemctl stop kubepods-burstable.slice kubepods.slice 2>/dev/null
	fi
	ip netns del "$(cat "$CRI_DIR/netns")" 2>/dev/null
	rm -rf "$CRI_DIR"
	return "$rc"
}

# cri METHOD [JSON]: one CRI call; the reply's JSON on stdout, or an error
# line on stderr and status 2.  Through the suite's client process when it
# runs, else a client of its own.
cri() {
	local pid
	pid="$(cat "$CRI_DIR/srv/pid" 2>/dev/null)"
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		timeout -k 2 "${CRI_TIMEOUT:-90}" "$CRI_PY" "$CRI_SRC/cri.py" \
			--gen "$CRI_DIR/gen" --socket "$CRI_SOCK" "$@" 3>&-
		return
	fi
	local method="$1" req="${2:-\{\}}" seq="$BASHPID.$RANDOM$RANDOM" w r reply
	exec {w}<>"$CRI_DIR/srv/req" {r}<>"$CRI_DIR/srv/rep"
	printf '{"seq": "%s", "method": "%s", "timeout": %s, "request": %s}\n' \
		"$seq" "$method" "${CRI_TIMEOUT:-90}" "${req//$'\n'/ }" >&"$w"
	exec {w}>&-
	# a reply left by a caller that gave up is skipped by its seq
	while :; do
		if ! read -r -t $((${CRI_TIMEOUT:-90} + 10)) -u "$r" reply; then
			exec {r}<&-
			echo "cri: $method: no answer from the client process" >&2
			return 2
		fi
		[[ "$reply" == *"\"seq\": \"$seq\""* ]] && break
	done
	exec {r}<&-
	reply="$(jq -r 'if .status == 0 then "0 " + (.reply | tojson) else "2 " + .error end' <<<"$reply")"
	if [ "${reply%% *}" = 0 ]; then
		printf '%s\n' "${reply#0 }"
		return 0
	fi
	printf '%s\n' "${reply#2 }" >&2
	return 2
}

# --- pods ------------------------------------------------------------------

# The cgroup parent kubelet gives a Burstable pod, in the driver's syntax.
pod_cgroup_parent() { # UID
	if [ "$CRI_SYSTEMD" = true ]; then
		echo "kubepods-burstable-pod${1//-/_}.slice"
	else
		echo "/kubepods/burstable/pod$1"
	fi
}

# pod_config NAME UID: a PodSandboxConfig like kubelet's.
pod_config() {
	mkdir -p "$CRI_DIR/logs/$2"
	jq -nc --arg name "$1" --arg uid "$2" --arg logs "$CRI_DIR/logs/$2" \
		--arg cg "$(pod_cgroup_parent "$2")" '{
		metadata: { name: $name, uid: $uid, namespace: "cell-test" },
		hostname: $name,
		log_directory: $logs,
		labels: { "io.kubernetes.pod.name": $name },
		linux: {
			cgroup_parent: $cg,
			security_context: { namespace_options: { pid: "CONTAINER" } }
		}
	}'
}

# run_pod NAME [HANDLER] [UID]: RunPodSandbox; sets POD (id), POD_UID,
# POD_CFG.  The pod is recorded for cri_teardown_pods.
run_pod() {
	POD_UID="${3:-$(cat /proc/sys/kernel/random/uuid)}"
	POD_CFG="$(pod_config "$1" "$POD_UID")"
	local out
	out="$(cri RunPodSandbox "$(jq -nc --argjson c "$POD_CFG" --arg h "${2-$CRI_HANDLER}" \
		'{config: $c, runtime_handler: $h}')")" || return 1
	POD="$(jq -r .pod_sandbox_id <<<"$out")"
	echo "$POD $POD_UID" >>"$CRI_DIR/pods.$BATS_TEST_NUMBER"
	echo "$POD $POD_UID" >>"$CRI_DIR/pods.all"
}

# create_ctr NAME CMD_JSON [RESOURCES_JSON] [CONFIG_MERGE_JSON]: CreateContainer
# in $POD from the busybox image; prints the container id.
create_ctr() {
	local req
	req="$(jq -nc --arg pod "$POD" --argjson sc "$POD_CFG" --arg n "$1" \
		--argjson cmd "$2" --argjson res "${3:-{\}}" --argjson more "${4:-{\}}" '{
		pod_sandbox_id: $pod,
		sandbox_config: $sc,
		config: ({
			metadata: { name: $n },
			image: { image: "localhost/cell-busybox:1" },
			command: $cmd,
			log_path: ($n + ".log"),
			linux: {
				resources: $res,
				security_context: { namespace_options: { pid: "CONTAINER" } }
			}
		} * $more)
	}')"
	cri CreateContainer "$req" | jq -r .container_id
}

# run_ctr NAME CMD_JSON [RESOURCES_JSON] [CONFIG_MERGE_JSON]: create and
# start; prints the id.
run_ctr() {
	local id
	id="$(create_ctr "$@")" && [ -n "$id" ] || return 1
	cri StartContainer "{\"container_id\":\"$id\"}" >/dev/null || return 1
	echo "$id"
}

ctr_status() { # ID: the ContainerStatus message
	cri ContainerStatus "{\"container_id\":\"$1\"}" | jq -c .status
}

ctr_info() { # ID: containerd's verbose info (pid, runtime, OCI spec)
	cri ContainerStatus "{\"container_id\":\"$1\",\"verbose\":true}" |
		jq -c '.info.info | fromjson'
}

ctr_pid() { # ID: host pid of the container's process
	ctr_info "$1" | jq -r .pid
}

pod_info() { # ID: containerd's verbose info on the sandbox
	cri PodSandboxStatus "{\"pod_sandbox_id\":\"$1\",\"verbose\":true}" |
		jq -c '.info.info | fromjson'
}

# wait_ctr_state ID STATE [TRIES]: poll ContainerStatus every 100 ms.
wait_ctr_state() {
	local id="$1" want="$2" tries="${3:-100}" got
	while [ "$tries" -gt 0 ]; do
		got="$(ctr_status "$id" | jq -r .state)"
		[ "$got" = "$want" ] && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	echo "container $id: $got, wanted $want" >&2
	return 1
}

# exec_sync ID CMD_JSON [TIMEOUT]: ExecSync; the reply with stdout/stderr
# decoded.
exec_sync() {
	cri ExecSync "$(jq -nc --arg id "$1" --argjson cmd "$2" --argjson t "${3:-10}" \
		'{container_id: $id, cmd: $cmd, timeout: $t}')" |
		jq -c '{stdout: (.stdout | @base64d), stderr: (.stderr | @base64d), exit_code}'
}

# cgroup_dir CONTROLLER ID: the v1 directory of the container's (or the
# sandbox's) cgroup, from the cgroupsPath containerd gave the runtime.
cgroup_dir() {
	local path
	path="$(ctr_info "$2" 2>/dev/null | jq -r '.runtimeSpec.linux.cgroupsPath // empty')"
	[ -n "$path" ] || path="$(pod_info "$2" | jq -r .runtimeSpec.linux.cgroupsPath)"
	echo "/sys/fs/cgroup/$1$path"
}

# cgroup v2 only (the systemd VM), or v1 controllers (this host's hybrid)
cri_is_v2() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]
}

# proc_cgroup PID CONTROLLER: the directory of PID's cgroup: on v1 in the
# hierarchy that has CONTROLLER (co-mounted or not, as /proc/PID/cgroup
# says), on v2 the one directory.
proc_cgroup() {
	if cri_is_v2; then
		echo "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$1/cgroup")"
		return
	fi
	awk -F: -v c="$2" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print "/sys/fs/cgroup/" c $3 }' "/proc/$1/cgroup"
}

# --- what a pod leaves behind ----------------------------------------------

# pod_snapshot ID: record what the pod holds on the host (pids of the
# sandbox and its containers, its netns, mounts and state dirs) in
# $CRI_DIR/snap.ID, for assert_pod_gone.
pod_snapshot() {
	local pod="$1" snap="$CRI_DIR/snap.$1" info c
	info="$(pod_info "$pod")"
	{
		echo "pid $(jq -r .pid <<<"$info")"
		echo "netns $(jq -r '.runtimeSpec.linux.namespaces[] | select(.type == "network") | .path' <<<"$info")"
		echo "netino $(stat -L -c %i "/proc/$(jq -r .pid <<<"$info")/ns/net")"
		echo "id $pod"
		for c in $(cri ListContainers "{\"filter\":{\"pod_sandbox_id\":\"$pod\"}}" | jq -r '.containers[].id'); do
			echo "id $c"
			echo "pid $(ctr_info "$c" | jq -r .pid)"
		done
	} >"$snap"
}

# assert_pod_gone ID UID: after RemovePodSandbox, nothing of the pod is
# left: no process (sandbox, containers, shim), no cgroup below the pod's
# parent, no mount, no netns, no runtime state.
assert_pod_gone() {
	local pod="$1" uid="$2" snap="$CRI_DIR/snap.$1" bad=0 k v
	while read -r k v; do
		case $k in
		pid)
			[ "$v" = 0 ] || [ "$v" = null ] && continue
			local tries=50
			while pid_alive "$v" && [ "$tries" -gt 0 ]; do
				sleep 0.1
				tries=$((tries - 1))
			done
			if pid_alive "$v"; then
				echo "process $v left: $(tr '\0' ' ' <"/proc/$v/cmdline")" >&2
				bad=1
			fi
			;;
		netns)
			if [ -e "$v" ]; then
				echo "netns $v left" >&2
				bad=1
			fi
			;;
		netino)
			if grep -q "net:\[$v\]" /proc/self/mountinfo; then
				echo "netns inode $v still mounted" >&2
				bad=1
			fi
			;;
		id)
			if grep -q "$v" /proc/self/mountinfo; then
				echo "mounts of $v left: $(grep "$v" /proc/self/mountinfo | awk '{print $5}')" >&2
				bad=1
			fi
			local d
			for d in "$CRI_DIR"/{cell,runc}-root/k8s.io/"$v" \
				"$CRI_DIR"/state/io.containerd.runtime.v2.task/k8s.io/"$v"; do
				if [ -e "$d" ]; then
					echo "state $d left" >&2
					bad=1
				fi
			done
			if pgrep -f -- "-id $v" >/dev/null; then
				echo "shim of $v still running" >&2
				bad=1
			fi
			;;
		esac
	done <"$snap"
	local left
	left="$(find_pod_cgroups "$uid" -mindepth 1)"
	if [ -n "$left" ]; then
		echo "cgroups left: $left" >&2
		bad=1
	fi
	[ "$bad" = 0 ]
}

# find_pod_cgroups UID [FIND_ARGS]: the pod's cgroup directories (with
# -mindepth 1: what the runtime made below them).
find_pod_cgroups() {
	local uid="$1" d dirs
	shift
	if cri_is_v2; then
		dirs="/sys/fs/cgroup/$(pod_cgroup_path "$uid")"
	else
		dirs="$(echo /sys/fs/cgroup/*/"$(pod_cgroup_path "$uid")")"
	fi
	for d in $dirs; do
		[ -d "$d" ] && find "$d" "$@" -type d
	done
	return 0
}

# pod_cgroup_path UID: the pod's cgroup relative to a hierarchy's root.
pod_cgroup_path() {
	if [ "$CRI_SYSTEMD" = true ]; then
		local u="${1//-/_}"
		echo "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod$u.slice"
	else
		echo "kubepods/burstable/pod$1"
	fi
}

# kubelet_pod_cgroup UID MEMORY_BYTES: what kubelet does before
# RunPodSandbox with the cgroupfs driver: the pod's cgroup with its limit.
kubelet_pod_cgroup() {
	local c
	for c in memory cpu,cpuacct pids; do
		mkdir -p "/sys/fs/cgroup/$c/kubepods/burstable/pod$1" || return 1
	done
	echo "$2" >"/sys/fs/cgroup/memory/kubepods/burstable/pod$1/memory.limit_in_bytes"
}

# remove_pod_cgroups UID: kubelet's part after a pod is gone (the runtime
# leaves the parent it was given).
remove_pod_cgroups() {
	local d
	if [ "$CRI_SYSTEMD" = true ]; then
		# the pod's slice is a unit: kubelet stops it
		systemctl stop "kubepods-burstable-pod${1//-/_}.slice" 2>/dev/null
		return 0
	fi
	for d in $(find_pod_cgroups "$1" | sort -r); do
		rmdir "$d" 2>/dev/null
	done
	if [ "$CRI_SYSTEMD" != true ]; then
		for d in /sys/fs/cgroup/*/kubepods/burstable /sys/fs/cgroup/*/kubepods; do
			[ -d "$d" ] && rmdir "$d" 2>/dev/null
		done
	fi
	return 0
}

# remove_pod ID UID: StopPodSandbox, RemovePodSandbox, then assert that
# nothing is left.
remove_pod() {
	[ -e "$CRI_DIR/snap.$1" ] || pod_snapshot "$1"
	cri StopPodSandbox "{\"pod_sandbox_id\":\"$1\"}" >/dev/null || return 1
	cri RemovePodSandbox "{\"pod_sandbox_id\":\"$1\"}" >/dev/null || return 1
	assert_pod_gone "$1" "$2"
}

# cri_teardown_pods: remove the pods this test made, checking each.
cri_teardown_pods() {
	local f="$CRI_DIR/pods.$BATS_TEST_NUMBER" pod uid rc=0
	[ -e "$f" ] || return 0
	while read -r pod uid; do
		if cri PodSandboxStatus "{\"pod_sandbox_id\":\"$pod\"}" >/dev/null 2>&1; then
			remove_pod "$pod" "$uid" || rc=1
		fi
		remove_pod_cgroups "$uid"
	done <"$f"
	rm -f "$f"
	return "$rc"
}
