/* Namespaces: which to create, which to join, and the settings that live
 * in them (id maps, time offsets, loopback, hostname, sysctls). */
#ifndef CELL_NS_NS_H
#define CELL_NS_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/err.h"

/* CLONE_NEW* flags of the namespaces config.json asks to create. */
int ns_flags_to_create(const struct oci_linux *l);

/* Open every namespace given by path (O_RDONLY|O_CLOEXEC), checking that
 * each is a namespace file of the right type.  fds[t] = -1 when none.
 * Done in the runtime before clone, so a bad path fails create cleanly. */
int ns_open_paths(const struct oci_linux *l, int fds[OCI_NS_COUNT],
		  struct cell_err *e);
void ns_close_fds(int fds[OCI_NS_COUNT]);

/* In the container's init: join the opened namespaces, user first (so
 * the rest are entered with its privileges); pid is skipped (see
 * ns_enter_pid_for_children). */
int ns_join(int fds[OCI_NS_COUNT], struct cell_err *e);

/* setns(CLONE_NEWPID) only changes where the caller's *children* go: the
 * runtime enters the target before clone and returns with the fd from
 * *saved after. */
int ns_enter_pid_for_children(int target_fd, int *saved, struct cell_err *e);
int ns_leave_pid_for_children(int saved, struct cell_err *e);

/* Runtime side: write uid_map/gid_map of pid (directly as root; with
 * newuidmap/newgidmap otherwise).  The child waits until this is done. */
int ns_write_idmaps(pid_t pid, const struct oci_linux *l, struct cell_err *e);

/* In the child: a new time namespace with linux.timeOffsets; the kernel
 * only accepts offsets before the first process enters, so: unshare,
 * write offsets, then enter it through time_for_children. */
int ns_new_time(const struct oci_linux *l, struct cell_err *e);

/* Bring lo up in a new network namespace. */
int ns_loopback_up(struct cell_err *e);

/* hostname and domainname, in the new UTS namespace. */
int ns_set_hostname(const struct oci_config *c, struct cell_err *e);

/* linux.sysctl: written under /proc/sys of the container's procfs, after
 * pivot_root, through a verified procfs fd. */
int ns_apply_sysctl(const struct oci_linux *l, struct cell_err *e);

/* Is the caller in a user namespace other than the initial one (its
 * uid_map is not "0 0 4294967295")? */
bool ns_in_user_namespace(void);

/* Rootless, as runc reads it: not root, or root in a user namespace --
 * rootless Podman runs the runtime as root in its own user namespace,
 * where root has no power over the host's cgroups or devices. */
bool ns_rootless(void);

/* The inode of /proc/<pid>/ns/<name> (pid 0 = self), or 0. */
ino_t ns_inode(pid_t pid, const char *proc_name);

#endif

#ifndef CELL_NS_IDMAP_FORMAT
#define CELL_NS_IDMAP_FORMAT
/* "container host size\n" per mapping; -ENOSPC when buf is too small,
 * -EINVAL for an empty list, more than 340 lines or a range that wraps. */
int ns_format_idmap(const struct oci_idmap *m, size_t n, char *buf,
		    size_t len);
#endif
