/* Shared between the files of src/fs; not part of the module's interface. */
#ifndef CELL_FS_INTERNAL_H
#define CELL_FS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "fs/fs.h"
#include "util/mountinfo.h"
#include "util/syscalls.h"

/* linux.rootfsPropagation, or the default MS_SLAVE|MS_REC. */
unsigned long fs_rootfs_propagation(const struct oci_config *c);

/* MS_* flags of a config mount -> struct mount_attr set/clear bits. */
void fs_flags_to_attr(unsigned long set, unsigned long clear,
		      struct mount_attr *attr);

/* Read the kernel's message log from an fsopen() context fd into buf
 * (empty string when there is none). */
void fs_context_log(int fsfd, char *buf, size_t len);

/* Mount one config mount inside the root. */
int fs_mount_one(const struct rootfs_ctx *ctx, int rootfd,
		 const struct oci_mount *m, struct cell_err *e);

/* A fresh superblock of `fstype` with comma-separated `data` options,
 * returned as a detached mount fd (fsmount) with MOUNT_ATTR_* `attrs`.
 * `sb_flags` are the MS_ superblock flags (sync, dirsync, lazytime). */
int fs_new_mount(const char *fstype, const char *source, const char *data,
		 unsigned long sb_flags, unsigned int attrs,
		 struct cell_err *e);

/* Attach detached mount `mntfd` onto the O_PATH `targetfd`. */
int fs_attach(int mntfd, int targetfd, const char *what, struct cell_err *e);

/* "cgroup" type mounts: cgroup2, or a tmpfs of v1 hierarchies. */
int fs_mount_cgroup(const struct rootfs_ctx *ctx, int targetfd,
		    const struct oci_mount *m, struct cell_err *e);

/* idmap/ridmap: a user namespace fd holding the mount's mappings. */
int fs_idmap_userns_fd(const struct oci_mount *m, struct cell_err *e);

/* /dev: the spec's default devices, linux.devices, the standard links. */
int fs_setup_dev(const struct rootfs_ctx *ctx, int rootfd,
		 struct cell_err *e);

/* Whether a config mount covers /dev (then /dev is populated unless it is
 * a bind mount of a ready /dev). */
bool fs_dev_needs_setup(const struct oci_config *c);

#endif
