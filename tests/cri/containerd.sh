#!/bin/sh
# containerd.sh DIR CELL [SYSTEMD]: write DIR/containerd.toml and DIR/net.d
# for a containerd of the test's own:
#   root, state, grpc/ttrpc sockets     under DIR (nothing under /var/lib,
#                                       /run/containerd or the host socket)
#   CRI plugin with two handlers        "cell" (BinaryName = CELL) and "runc"
#                                       (/usr/sbin/runc), both runc.v2 shims
#                                       with their own --root under DIR
#   SystemdCgroup                       SYSTEMD (default false)
#   sandbox_image                       the locally built localhost/cell-pause:1
#   CNI                                 a bridge "cni-cell0" with host-local
#                                       addresses: the CNI plugins run in
#                                       containerd's network namespace, which
#                                       the test makes, so the bridge lives there
#   pod netns                           under DIR/state (netns_mounts_under_state_dir)
# The caller starts `containerd --config DIR/containerd.toml` inside its
# network namespace.
set -eu
dir=$1 cell=$2 systemd=${3:-false}
mkdir -p "$dir/root" "$dir/state" "$dir/tmp" "$dir/net.d" "$dir/runc-root" "$dir/cell-root"

cat >"$dir/containerd.toml" <<TOML
version = 2
root = "$dir/root"
state = "$dir/state"
temp = "$dir/tmp"
oom_score = 0

[grpc]
  address = "$dir/containerd.sock"

[ttrpc]
  address = "$dir/containerd.sock.ttrpc"

[debug]
  address = ""
  level = "info"

[metrics]
  address = ""

# the default would make /opt/containerd on the host
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/cell-pause:1"
  netns_mounts_under_state_dir = true
  enable_selinux = false
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  stats_collect_period = 1
  # this host keeps CAP_SYS_RESOURCE from everyone (rlimits stay as they are)
  restrict_oom_score_adj = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/sbin/runc"
        Root = "$dir/runc-root"
        SystemdCgroup = $systemd

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cell]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.cell.options]
        BinaryName = "$cell"
        Root = "$dir/cell-root"
        SystemdCgroup = $systemd

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$dir/net.d"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = ""
TOML

cat >"$dir/net.d/10-cell.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "cell-cri",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni-cell0",
      "isGateway": true,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "10.88.77.0/24" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$dir/ipam"
      }
    },
    { "type": "loopback" }
  ]
}
JSON
