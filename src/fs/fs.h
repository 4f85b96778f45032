/* The container's filesystem view: propagation, config mounts, /dev,
 * pivot_root, masked and read-only paths.
 *
 * Runs in the container's init, inside its new mount namespace, before the
 * user's process exists.  Every mount destination is resolved inside the
 * rootfs (openat2 RESOLVE_IN_ROOT) and mounted with the fd-based mount API
 * (open_tree, fsopen/fsmount, move_mount, mount_setattr), so a symlink in a
 * hostile rootfs can never point a mount at the host. */
#ifndef CELL_FS_FS_H
#define CELL_FS_FS_H

#include <stdbool.h>

#include "oci/config.h"
#include "util/err.h"

/* What step 1 hands to step 3 across pivot_root.  The caller owns it
 * (fs_state_init before step 1, fs_state_release after step 3). */
struct rootfs_state {
	/* A detached clone (open_tree OPEN_TREE_CLONE) of the host's
	 * /dev/null, checked to be char 1:3: what masked files are covered
	 * with, so a container that planted its own /dev/null cannot choose
	 * what masks /proc/kcore.  -1 when not taken. */
	int devnull_tree;
};

struct mountinfo; /* util/mountinfo.h */

struct rootfs_ctx {
	const struct oci_config *config;
	const char *rootfs; /* absolute host path of the root filesystem */
	bool userns;        /* in a new user namespace: mknod is not allowed,
			       devices are bind-mounted from the host */
	bool no_pivot;      /* --no-pivot: MS_MOVE + chroot */
	struct rootfs_state *state; /* may be NULL: step 3 then masks with
				       the new root's /dev/null, after
				       checking it is char 1:3 */
	bool host_mntns;            /* no mount namespace of its own (none
				       in config.json, or one joined by
				       path): "/" keeps its propagation and
				       the root is a chroot; every mount is
				       undone by fs_unmount_under at delete */
	const char *cgroup_path;    /* the container's cgroup below each
				       hierarchy's root ("/cell-<id>"), for
				       "cgroup" mounts; NULL = unknown */
	const struct mountinfo *host_mountinfo; /* the runtime's, read before
				       the clone, when this mount table is a
				       copy of its: "cgroup" mounts find
				       the hierarchies there; NULL = read
				       /proc/self/mountinfo */
};

void fs_state_init(struct rootfs_state *st);
void fs_state_release(struct rootfs_state *st);

/* Step 1, still seeing the host: set / to rootfsPropagation (default
 * rslave), make the rootfs a mount point, mount every config mount in
 * order, populate /dev (the spec's default devices, linux.devices, the
 * /dev/fd, stdin/out/err, core and ptmx symlinks, an empty /dev/console
 * when process.terminal) unless /dev is a bind mount.  Does not pivot.
 * Needs: a private mount namespace (unshare/clone CLONE_NEWNS), root in
 * it, and cwd = the bundle when bind sources are relative. */
int fs_prepare_rootfs(const struct rootfs_ctx *ctx, struct cell_err *e);

/* Step 2: make the rootfs "/" (pivot_root and detach the old root, so
 * "/.." is "/"; or MS_MOVE + chroot with no_pivot).  cwd is "/" after. */
int fs_pivot_root(const struct rootfs_ctx *ctx, struct cell_err *e);

/* Step 3, inside the new root: read-only paths, masked paths (files get
 * the host's /dev/null from ctx->state, directories an empty read-only
 * tmpfs; missing paths are skipped), read-only root, then a shared or
 * unbindable rootfsPropagation (which pivot_root does not allow earlier). */
int fs_finish_rootfs(const struct rootfs_ctx *ctx, struct cell_err *e);

/* Bind the pty slave (an fd opened inside the container's devpts) over
 * /dev/console, creating it if missing.  Run after fs_pivot_root; rootfd is
 * the container's root, or -1 for the current "/". */
int fs_bind_console(int rootfd, int pty_slave_fd, struct cell_err *e);

/* Detach every mount at or below `path` (deepest first): what a container
 * without a mount namespace of its own left in the runtime's. */
int fs_unmount_under(const char *path, struct cell_err *e);

#endif
