#!/usr/bin/python3
"""A CRI client for cell's tests: calls to containerd's CRI plugin.

    cri.py --gen DIR --socket SOCK [--timeout S] Method [JSON]

calls runtime.v1.RuntimeService/Method (or ImageService/Method) with the
request given as JSON (proto field names, as in cri.proto; "{}" if
omitted) and prints the reply as one line of JSON, every field included.
A gRPC error is one line on stderr, "cri: Method: CODE: details", and exit
status 2.

    cri.py --gen DIR --socket SOCK --serve FIFODIR

stays up and answers calls written to FIFODIR/req, one JSON line each
({"seq", "method", "request", "timeout"}), with one JSON line each on
FIFODIR/rep ({"seq", "status", "reply" | "error"}): one Python start and
one gRPC channel for a whole suite (under the VM's emulation a Python start
costs seconds).  tests/cri/cri.bash speaks both.

DIR holds the Python modules that grpc_tools.protoc generated from
cri.proto (cri.bash makes them in the test's temp dir), so the repository
holds only the proto file and this script.
"""
import argparse
import json
import os
import sys


def call(stub_of, cri_pb2, method, request, timeout):
    """One call: (0, reply dict) or (2, "cri: Method: ..." error line)."""
    import grpc
    from google.protobuf import json_format
    # Which service has the method: the proto's own descriptors say.
    for svc in cri_pb2.DESCRIPTOR.services_by_name.values():
        if method in svc.methods_by_name:
            break
    else:
        return 2, "cri: %s: no such method in cri.proto" % method
    m = svc.methods_by_name[method]
    req = getattr(cri_pb2, m.input_type.name)()
    try:
        if isinstance(request, str):
            json_format.Parse(request, req)
        else:
            json_format.ParseDict(request, req)
    except json_format.ParseError as e:
        return 2, "cri: %s: request: %s" % (method, e)
    try:
        reply = getattr(stub_of(svc.name), method)(req, timeout=timeout)
    except grpc.RpcError as e:
        return 2, "cri: %s: %s: %s" % (method, e.code().name, e.details())
    return 0, json_format.MessageToDict(reply, preserving_proto_field_name=True,
                                        including_default_value_fields=True)


def serve(stub_of, cri_pb2, fifodir):
    # Both ends opened read-write: neither open blocks, and a client that
    # goes away does not end the loop (no EOF, no EPIPE).
    req = open(os.open(os.path.join(fifodir, "req"), os.O_RDWR), "r")
    rep = open(os.open(os.path.join(fifodir, "rep"), os.O_RDWR), "w")
    for line in req:
        try:
            msg = json.loads(line)
            st, out = call(stub_of, cri_pb2, msg["method"], msg.get("request", {}),
                           msg.get("timeout", 60.0))
        except Exception as e:  # a bad line must not end the server
            msg, st, out = {}, 2, "cri: bad request: %s" % e
        key = "reply" if st == 0 else "error"
        rep.write(json.dumps({"seq": msg.get("seq"), "status": st, key: out},
                             sort_keys=True) + "\n")
        rep.flush()


def main():
    ap = argparse.ArgumentParser(prog="cri.py")
    ap.add_argument("--gen", required=True, help="dir of the generated modules")
    ap.add_argument("--socket", required=True, help="containerd's grpc socket")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds")
    ap.add_argument("--serve", metavar="FIFODIR", help="answer calls from FIFODIR/req")
    ap.add_argument("method", nargs="?")
    ap.add_argument("request", nargs="?", default="{}")
    args = ap.parse_args()
    if not args.serve and not args.method:
        ap.error("a method, or --serve")

    sys.path.insert(0, args.gen)
    import grpc
    import cri_pb2
    import cri_pb2_grpc

    with grpc.insecure_channel("unix://" + args.socket) as ch:
        stubs = {}

        def stub_of(name):
            if name not in stubs:
                stubs[name] = getattr(cri_pb2_grpc, name + "Stub")(ch)
            return stubs[name]

        if args.serve:
            serve(stub_of, cri_pb2, args.serve)
            return 0
        st, out = call(stub_of, cri_pb2, args.method, args.request, args.timeout)
    if st != 0:
        print(out, file=sys.stderr)
        return st
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
