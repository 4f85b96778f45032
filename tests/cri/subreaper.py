#!/usr/bin/python3
"""subreaper.py CMD...: run CMD as a child subreaper's only child.

containerd's shims daemonize (the `start` step forks and exits), so they
are re-parented to the nearest subreaper, and this host's PID 1 reaps
nobody: without this, every pod the tests run would leave a zombie shim.
SIGTERM and SIGINT are passed on to CMD; the exit status is CMD's; the
script waits until every re-parented process is gone too.
"""
import ctypes
import os
import signal
import sys

PR_SET_CHILD_SUBREAPER = 36


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("subreaper: prctl: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
        return 1
    pid = os.fork()
    if pid == 0:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        try:
            os.execvp(sys.argv[1], sys.argv[1:])
        finally:
            os._exit(127)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda s, f: os.kill(pid, s))
    status = 1
    while True:
        try:
            p, st = os.wait()
        except ChildProcessError:
            return status
        except InterruptedError:
            continue
        if p == pid:
            status = os.waitstatus_to_exitcode(st)
            if status < 0:
                status = 128 - status


if __name__ == "__main__":
    sys.exit(main())
