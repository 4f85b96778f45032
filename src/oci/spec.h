/* `cell spec`: the default config.json. */
#ifndef CELL_OCI_SPEC_H
#define CELL_OCI_SPEC_H

#include <jansson.h>
#include <stdbool.h>

/* A new reference to a complete default config: rootfs "rootfs", process
 * "sh" with a terminal, the default capabilities, namespaces, /proc, /dev,
 * /dev/pts, /dev/shm, /dev/mqueue, /sys mounts, masked and read-only paths,
 * and a default seccomp profile.  `rootless`: a user namespace mapping the
 * caller's uid/gid to 0, no network namespace, /sys bind-mounted. */
json_t *oci_spec_default(bool rootless);

#endif
