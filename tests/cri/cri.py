#!/usr/bin/python3
"""A CRI client for cell's tests: one call to containerd's CRI plugin.

    cri.py --gen DIR --socket SOCK [--timeout S] Method [JSON]

calls runtime.v1.RuntimeService/Method (or ImageService/Method) with the
request given as JSON (proto field names, as in cri.proto; "{}" if
omitted) and prints the reply as one line of JSON, every field included.
A gRPC error is one line on stderr, "cri: Method: CODE: details", and exit
status 2.

DIR holds the Python modules that grpc_tools.protoc generated from
cri.proto (build.sh makes them in the test's temp dir), so the repository
holds only the proto file and this script.
"""
import argparse
import json
import sys


def main():
    ap = argparse.ArgumentParser(prog="cri.py")
    ap.add_argument("--gen", required=True, help="dir of the generated modules")
    ap.add_argument("--socket", required=True, help="containerd's grpc socket")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds")
    ap.add_argument("method")
    ap.add_argument("request", nargs="?", default="{}")
    args = ap.parse_args()

    sys.path.insert(0, args.gen)
    import grpc
    from google.protobuf import json_format
    import cri_pb2
    import cri_pb2_grpc

    # Which service has the method: the proto's own descriptors say.
    for svc in cri_pb2.DESCRIPTOR.services_by_name.values():
        if args.method in svc.methods_by_name:
            break
    else:
        print("cri: %s: no such method in cri.proto" % args.method, file=sys.stderr)
        return 2
    m = svc.methods_by_name[args.method]
    req = getattr(cri_pb2, m.input_type.name)()
    try:
        json_format.Parse(args.request, req)
    except json_format.ParseError as e:
        print("cri: %s: request: %s" % (args.method, e), file=sys.stderr)
        return 2

    with grpc.insecure_channel("unix://" + args.socket) as ch:
        stub = getattr(cri_pb2_grpc, svc.name + "Stub")(ch)
        try:
            reply = getattr(stub, args.method)(req, timeout=args.timeout)
        except grpc.RpcError as e:
            print("cri: %s: %s: %s" % (args.method, e.code().name, e.details()),
                  file=sys.stderr)
            return 2
    out = json_format.MessageToDict(reply, preserving_proto_field_name=True,
                                    including_default_value_fields=True)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
