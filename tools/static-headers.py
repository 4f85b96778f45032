#!/usr/bin/env python3
"""static-headers.py OUTDIR MULTIARCH: the headers the static (musl) build
   takes from the system's /usr/include -- the kernel's and the libraries'
   -- linked one by one into OUTDIR, so that no header of glibc's own is on
   the musl compiler's path."""
import os
import sys

out, multiarch = sys.argv[1:3]
inc = '/usr/include'
wanted = {
    'linux': inc + '/linux',
    'asm-generic': inc + '/asm-generic',
    'asm': '%s/%s/asm' % (inc, multiarch),
    'jansson.h': inc + '/jansson.h',
    'jansson_config.h': inc + '/jansson_config.h',
    'seccomp.h': inc + '/seccomp.h',
    'seccomp-syscalls.h': inc + '/seccomp-syscalls.h',
    'sys/capability.h': inc + '/sys/capability.h',
    'systemd': inc + '/systemd',
    'nftables': inc + '/nftables',
    'libmnl': inc + '/libmnl',
}
missing = [p for p in wanted.values() if not os.path.exists(p)]
if missing:
    sys.exit('static-headers.py: missing: ' + ' '.join(missing))
for name, target in wanted.items():
    link = os.path.join(out, name)
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.islink(link):
        os.remove(link)
    os.symlink(target, link)
