#!/usr/bin/python3
"""cri_pods.py GEN SOCK N HANDLER...: a pod's life over CRI, timed per call.

For each of N rounds and each HANDLER in turn (interleaved, so drift in the
machine's load hits all alike): RunPodSandbox, CreateContainer (busybox,
sleep), StartContainer, ExecSync (true), StopPodSandbox, RemovePodSandbox.
Prints the median and the 90th percentile of each call per handler, in ms.
The calls are made in-process (one gRPC channel), so the numbers are
containerd's and the runtime's, not a client's start-up.
"""
import os
import statistics
import sys
import time
import uuid

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
import cri_pb2 as pb  # noqa: E402
import cri_pb2_grpc  # noqa: E402

CALLS = ["RunPodSandbox", "CreateContainer", "StartContainer", "ExecSync",
         "StopPodSandbox", "RemovePodSandbox"]


def one_pod(rt, handler, logs):
    t = {}

    def timed(name, fn, req):
        t0 = time.perf_counter()
        r = fn(req, timeout=60)
        t[name] = (time.perf_counter() - t0) * 1000
        return r

    uid = str(uuid.uuid4())
    sc = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name="bench", uid=uid, namespace="cell-bench"),
        hostname="bench", log_directory=logs,
        linux=pb.LinuxPodSandboxConfig(cgroup_parent="/kubepods/burstable/pod" + uid))
    pod = timed("RunPodSandbox", rt.RunPodSandbox,
                pb.RunPodSandboxRequest(config=sc, runtime_handler=handler)).pod_sandbox_id
    try:
        cfg = pb.ContainerConfig(metadata=pb.ContainerMetadata(name="c"),
                                 image=pb.ImageSpec(image="localhost/cell-busybox:1"),
                                 command=["sleep", "1000"], log_path="c-%s.log" % uid)
        cid = timed("CreateContainer", rt.CreateContainer,
                    pb.CreateContainerRequest(pod_sandbox_id=pod, config=cfg,
                                              sandbox_config=sc)).container_id
        timed("StartContainer", rt.StartContainer, pb.StartContainerRequest(container_id=cid))
        r = timed("ExecSync", rt.ExecSync,
                  pb.ExecSyncRequest(container_id=cid, cmd=["true"], timeout=10))
        assert r.exit_code == 0
    finally:
        timed("StopPodSandbox", rt.StopPodSandbox, pb.StopPodSandboxRequest(pod_sandbox_id=pod))
        timed("RemovePodSandbox", rt.RemovePodSandbox,
              pb.RemovePodSandboxRequest(pod_sandbox_id=pod))
    return uid, t


def main():
    gen, sock, n, handlers = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    logs = os.path.join(os.path.dirname(os.path.abspath(gen)), "logs")
    res = {h: {c: [] for c in CALLS} for h in handlers}
    uids = []
    with grpc.insecure_channel("unix://" + sock) as ch:
        rt = cri_pb2_grpc.RuntimeServiceStub(ch)
        for _ in range(n):
            for h in handlers:
                uid, t = one_pod(rt, h, logs)
                uids.append(uid)
                for c in CALLS:
                    res[h][c].append(t[c])
    print("%-18s" % "ms (median / p90)" + "".join("%16s" % h for h in handlers))
    for c in CALLS + ["total"]:
        row = "%-18s" % c
        for h in handlers:
            v = res[h][c] if c != "total" else [sum(x) for x in zip(*res[h].values())]
            q = statistics.quantiles(v, n=10) if len(v) > 1 else [v[0]] * 9
            row += "%16s" % ("%.0f / %.0f" % (statistics.median(v), q[8]))
        print(row)
    # the uids, for the caller to remove the pods' cgroup parents
    with open(sys.argv[1] + "/bench-uids", "w") as f:
        f.write("\n".join(uids) + "\n")


if __name__ == "__main__":
    main()
