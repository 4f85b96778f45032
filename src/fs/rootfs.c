/* Step 1 of the filesystem view, still seeing the host: propagation, the
 * rootfs as a mount point, the config mounts in order, /dev. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/path.h"

void fs_state_init(struct rootfs_state *st)
{
	st->devnull_tree = -1;
}

void fs_state_release(struct rootfs_state *st)
{
	if (st->devnull_tree >= 0)
		close(st->devnull_tree);
	st->devnull_tree = -1;
}

unsigned long fs_rootfs_propagation(const struct oci_config *c)
{
	return c->linux.rootfs_propagation ? c->linux.rootfs_propagation
					   : (unsigned long)(MS_SLAVE | MS_REC);
}

/* pivot_root(2) refuses a new root whose parent mount is shared, and a
 * shared "/" (and bind(2) refuses an unbindable source): with such a
 * rootfsPropagation the mount holding the rootfs, and "/", are made
 * private, as runc does.  The rootfs gets the asked-for propagation back
 * after the pivot. */
static int make_rootfs_parent_private(const char *rootfs, struct cell_err *e)
{
	char real[PATH_MAX];
	if (!realpath(rootfs, real))
		return cell_err_sys(e, errno, "resolve rootfs %s", rootfs);
	struct mountinfo mi = { 0 };
	int r = mountinfo_read("/proc/self/mountinfo", &mi, e);
	if (r < 0)
		return r;
	const struct mountinfo_entry *p = mountinfo_find_containing(&mi, real);
	EXPLAIN("pivot_root and bind refuse a shared parent: the mount holding the rootfs, and /, go private",
		"mount(NULL, \"%s\", NULL, MS_PRIVATE); mount(NULL, \"/\", NULL, MS_PRIVATE)",
		p ? p->mountpoint : "/");
	if (p && mount(NULL, p->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
		r = cell_err_sys(e, errno, "make %s private", p->mountpoint);
	mountinfo_free(&mi);
	if (r == 0 && mount(NULL, "/", NULL, MS_PRIVATE, NULL) < 0)
		r = cell_err_sys(e, errno, "make / private");
	return r;
}

/* Take the host's /dev/null now, while it is still reachable, for masking
 * files after the pivot. */
static int take_devnull(struct rootfs_state *st, struct cell_err *e)
{
	if (!st || st->devnull_tree >= 0)
		return 0;
	_cleanup_close_ int tree = sys_open_tree(
		AT_FDCWD, "/dev/null", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return cell_err_sys(e, errno, "open_tree the host's /dev/null");
	EXPLAIN("the host's real /dev/null, kept to cover masked files with: the image cannot plant its own",
		"open_tree(\"/dev/null\", OPEN_TREE_CLONE)");
	struct stat st_null;
	if (fstat(tree, &st_null) < 0)
		return cell_err_sys(e, errno, "stat the host's /dev/null");
	if (!S_ISCHR(st_null.st_mode) || st_null.st_rdev != makedev(1, 3))
		return cell_err_msg(e, EINVAL,
				    "the host's /dev/null is not char device 1:3");
	st->devnull_tree = steal_fd(&tree);
	return 0;
}

int fs_prepare_rootfs(const struct rootfs_ctx *ctx, struct cell_err *e)
{
	const struct oci_config *c = ctx->config;
	if (!ctx->rootfs || ctx->rootfs[0] != '/')
		return cell_err_msg(e, EINVAL, "rootfs must be an absolute path");

	/* Nothing below may leak to the host: slave by default, so host mounts
	 * still arrive but ours never go back. */
	unsigned long prop = fs_rootfs_propagation(c);
	if (!ctx->host_mntns)
		EXPLAIN("mounts made inside never propagate back to the host",
			"mount(NULL, \"/\", NULL, %s)", trace_ms_str(prop));
	/* Without a mount namespace of its own, "/" is the runtime's: its
	   propagation is not ours to change. */
	if (!ctx->host_mntns && mount(NULL, "/", NULL, prop, NULL) < 0)
		return cell_err_sys(e, errno, "set propagation of /");
	if (!ctx->host_mntns && (prop & (MS_SHARED | MS_UNBINDABLE))) {
		int r = make_rootfs_parent_private(ctx->rootfs, e);
		if (r < 0)
			return r;
	}

	/* pivot_root needs the new root to be a mount point. */
	EXPLAIN("pivot_root needs the new root to be a mount point",
		"mount(\"%s\", \"%s\", NULL, MS_BIND|MS_REC)", ctx->rootfs,
		ctx->rootfs);
	if (mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cell_err_sys(e, errno, "bind rootfs %s onto itself",
				    ctx->rootfs);
	_cleanup_close_ int rootfd =
	    openat(AT_FDCWD, ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cell_err_sys(e, errno, "open rootfs %s", ctx->rootfs);

	int r = take_devnull(ctx->state, e);
	if (r < 0)
		return r;

	for (size_t i = 0; i < c->n_mounts; i++) {
		r = fs_mount_one(ctx, rootfd, &c->mounts[i], e);
		if (r < 0)
			return cell_err_wrap(e, "mounts[%zu] (%s)", i,
					     c->mounts[i].destination);
	}

	if (fs_dev_needs_setup(c)) {
		r = fs_setup_dev(ctx, rootfd, e);
		if (r < 0)
			return cell_err_wrap(e, "/dev");
	}
	return 0;
}

static int by_length_desc(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);
	return (x < y) - (x > y);
}

int fs_unmount_under(const char *path, struct cell_err *e)
{
	struct mountinfo mi = { 0 };
	int r = mountinfo_read("/proc/self/mountinfo", &mi, e);
	if (r < 0)
		return r;
	size_t plen = strlen(path), n = 0;
	char **points = calloc(mi.n + 1, sizeof(char *));
	if (!points) {
		mountinfo_free(&mi);
		return cell_err_sys(e, ENOMEM, "unmount %s", path);
	}
	for (size_t i = 0; i < mi.n; i++) {
		const char *m = mi.v[i].mountpoint;
		if (!strncmp(m, path, plen) && (m[plen] == '\0' || m[plen] == '/'))
			points[n++] = mi.v[i].mountpoint;
	}
	qsort(points, n, sizeof(char *), by_length_desc);
	for (size_t i = 0; i < n; i++)
		if (umount2(points[i], MNT_DETACH | UMOUNT_NOFOLLOW) < 0 &&
		    errno != EINVAL && errno != ENOENT && r == 0)
			r = cell_err_sys(e, errno, "unmount %s", points[i]);
	free(points);
	mountinfo_free(&mi);
	return r;
}
