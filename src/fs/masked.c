/* Step 3, inside the new root: read-only paths, masked paths, the
 * read-only root, and the rootfs propagation that had to wait for the
 * pivot.  Paths are resolved inside the root like every mount target. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/path.h"

/* Open `path` inside the root; 0 (and *fd = -1) when it does not exist. */
static int open_optional(int rootfd, const char *path, int *fd,
			 struct cell_err *e)
{
	*fd = path_open_in_root(rootfd, path, O_PATH, e);
	if (*fd == -ENOENT) {
		cell_err_clear(e);
		*fd = -1;
		return 0;
	}
	return *fd < 0 ? *fd : 0;
}

static int make_readonly(int rootfd, const char *path, struct cell_err *e)
{
	_cleanup_close_ int target = -1;
	int r = open_optional(rootfd, path, &target, e);
	if (r < 0 || target < 0)
		return r;
	EXPLAIN("a kernel interface the container may read but not change",
		"open_tree(\"%s\", OPEN_TREE_CLONE|AT_RECURSIVE); mount_setattr(MOUNT_ATTR_RDONLY, AT_RECURSIVE); move_mount(-> \"%s\")",
		path, path);
	_cleanup_close_ int tree =
		sys_open_tree(target, "",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				      AT_RECURSIVE | AT_EMPTY_PATH);
	if (tree < 0)
		return cell_err_sys(e, errno, "open_tree %s", path);
	/* Only RDONLY is set: the other flags stay what the mounts below
	 * have (runc keeps them), and locked ones could not be changed. */
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) <
	    0)
		return cell_err_sys(e, errno, "make %s read-only", path);
	return fs_attach(tree, target, path, e);
}

static bool is_dev_null(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	       st.st_rdev == makedev(1, 3);
}

/* A fresh /dev/null mount to cover a file with.  The host's one, taken
 * before the pivot, is used first (and, once attached, cloned for the
 * next files); without it, the new root's /dev/null, only if it really is
 * char 1:3. */
static int devnull_mount(const struct rootfs_ctx *ctx, int rootfd,
			 bool *host_attached, struct cell_err *e)
{
	struct rootfs_state *st = ctx->state;
	int tree;
	if (st && st->devnull_tree >= 0 && !*host_attached) {
		/* A detached mount cannot be cloned, only attached: attach it
		 * (through a dup, so devnull_tree then names the attached
		 * mount and can be cloned for the next files). */
		tree = fcntl(st->devnull_tree, F_DUPFD_CLOEXEC, 3);
		*host_attached = true;
	} else if (st && st->devnull_tree >= 0) {
		tree = sys_open_tree(st->devnull_tree, "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     AT_EMPTY_PATH);
	} else {
		_cleanup_close_ int fd =
			path_open_in_root(rootfd, "/dev/null", O_PATH, e);
		if (fd < 0)
			return fd;
		if (!is_dev_null(fd))
			return cell_err_msg(e, EPERM,
					    "/dev/null in the rootfs is not char device 1:3");
		tree = sys_open_tree(fd, "",
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
					     AT_EMPTY_PATH);
	}
	if (tree < 0)
		return cell_err_sys(e, errno, "open_tree /dev/null");
	if (!is_dev_null(tree)) {
		close(tree);
		return cell_err_msg(e, EPERM, "/dev/null is not char device 1:3");
	}
	return tree;
}

static int mask_path(const struct rootfs_ctx *ctx, int rootfd,
		     const char *path, bool *host_attached, struct cell_err *e)
{
	_cleanup_close_ int target = -1;
	int r = open_optional(rootfd, path, &target, e);
	if (r < 0 || target < 0)
		return r;
	struct stat st;
	if (fstat(target, &st) < 0)
		return cell_err_sys(e, errno, "stat %s", path);

	EXPLAIN("hides a kernel interface of the host: what it would show is covered",
		"move_mount(%s -> \"%s\")",
		S_ISDIR(st.st_mode) ? "an empty read-only tmpfs" : "the host's /dev/null",
		path);
	_cleanup_close_ int mnt = -1;
	if (S_ISDIR(st.st_mode))
		mnt = fs_new_mount("tmpfs", "tmpfs", NULL, 0,
				   MOUNT_ATTR_RDONLY, e);
	else
		mnt = devnull_mount(ctx, rootfd, host_attached, e);
	if (mnt < 0)
		return mnt;
	return fs_attach(mnt, target, path, e);
}

static int reapply_propagation(int rootfd, const struct oci_mount *m,
			       struct cell_err *e)
{
	if (!m->propagation)
		return 0;
	_cleanup_close_ int fd =
		path_open_in_root(rootfd, m->destination, O_PATH, e);
	if (fd < 0)
		return fd;
	struct mount_attr attr = {
		.propagation = m->propagation & ~(unsigned long)MS_REC,
	};
	unsigned int fl = AT_EMPTY_PATH;
	if (m->propagation & MS_REC)
		fl |= AT_RECURSIVE;
	if (sys_mount_setattr(fd, "", fl, &attr) < 0)
		return cell_err_sys(e, errno, "set propagation of %s",
				    m->destination);
	return 0;
}

int fs_finish_rootfs(const struct rootfs_ctx *ctx, struct cell_err *e)
{
	const struct oci_config *c = ctx->config;
	_cleanup_close_ int rootfd =
	    openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cell_err_sys(e, errno, "open /");
	int r;

	/* Read-only first, then masks: a mask inside a read-only tree (runc's
	 * order) stays on top of it. */
	for (char **p = c->linux.readonly_paths; p && *p; p++) {
		r = make_readonly(rootfd, *p, e);
		if (r < 0)
			return cell_err_wrap(e, "readonlyPaths");
	}
	bool host_attached = false;
	for (char **p = c->linux.masked_paths; p && *p; p++) {
		r = mask_path(ctx, rootfd, *p, &host_attached, e);
		if (r < 0)
			return cell_err_wrap(e, "maskedPaths");
	}

	if (c->root_readonly) {
		/* Not recursive: mounts below "/" keep their own flags. */
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
		EXPLAIN("root.readonly: the root filesystem cannot be written",
			"mount_setattr(\"/\", MOUNT_ATTR_RDONLY)");
		if (sys_mount_setattr(rootfd, "", AT_EMPTY_PATH, &attr) < 0)
			return cell_err_sys(e, errno, "make / read-only");
	}

	unsigned long prop = fs_rootfs_propagation(c);
	if (!(prop & (MS_SHARED | MS_UNBINDABLE)))
		return 0;
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return cell_err_sys(e, errno, "set propagation of /");
	/* A recursive change just overrode what each mount asked for. */
	for (size_t i = 0; (prop & MS_REC) && i < c->n_mounts; i++) {
		r = reapply_propagation(rootfd, &c->mounts[i], e);
		if (r < 0)
			return cell_err_wrap(e, "mounts[%zu]", i);
	}
	return 0;
}
