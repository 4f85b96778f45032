#!/usr/bin/env python3
"""Receive a pty master over a unix socket (the OCI --console-socket protocol).

usage: console_recv.py SOCKET OUTFILE [INPUT]

Listens on SOCKET, creates SOCKET.ready once listening, accepts one
connection, takes the fd passed with SCM_RIGHTS, writes INPUT (if given) to it,
and copies everything read from it into OUTFILE until the other side of the
pty closes (EIO) or 10 s pass.  The message text sent with the fd (runc sends
the pty's name) goes to OUTFILE.name.
"""

import array
import os
import select
import socket
import sys
import time


def main() -> int:
    path, outfile = sys.argv[1], sys.argv[2]
    data_in = sys.argv[3].encode() if len(sys.argv) > 3 else b""

    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    open(path + ".ready", "w").close()
    srv.settimeout(20)
    conn, _ = srv.accept()

    fds = array.array("i")
    msg, ancdata, _flags, _addr = conn.recvmsg(4096, socket.CMSG_SPACE(4 * fds.itemsize))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    conn.close()
    srv.close()
    with open(outfile + ".name", "wb") as f:
        f.write(msg)
    if not fds:
        print("no fd received", file=sys.stderr)
        return 1
    master = fds[0]
    with open(outfile + ".nfds", "w") as f:
        f.write(str(len(fds)))

    if data_in:
        os.write(master, data_in)

    deadline = time.monotonic() + 10
    with open(outfile, "wb") as out:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the slave side is closed
                break
            if not chunk:
                break
            out.write(chunk)
            out.flush()
    os.close(master)
    return 0


if __name__ == "__main__":
    sys.exit(main())
