/* Step 2: make the rootfs "/".
 *
 * pivot_root(".", ".") stacks the old root on top of the new one at "/";
 * detaching it leaves the container with no path back to the host (unlike
 * chroot, where "/.." or a held fd can climb out). */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"

static int move_root(const struct rootfs_ctx *ctx, struct cell_err *e)
{
	if (chdir(ctx->rootfs) < 0)
		return cell_err_sys(e, errno, "chdir %s", ctx->rootfs);
	if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return cell_err_sys(e, errno, "move %s to /", ctx->rootfs);
	EXPLAIN("--no-pivot: the rootfs moved over / and a chroot into it (weaker: the old root stays below)",
		"mount(\"%s\", \"/\", NULL, MS_MOVE); chroot(\".\")",
		ctx->rootfs);
	if (chroot(".") < 0)
		return cell_err_sys(e, errno, "chroot %s", ctx->rootfs);
	return 0;
}

static int pivot(const struct rootfs_ctx *ctx, struct cell_err *e)
{
	_cleanup_close_ int oldroot =
	    openat(AT_FDCWD, "/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (oldroot < 0)
		return cell_err_sys(e, errno, "open /");
	_cleanup_close_ int newroot =
	    openat(AT_FDCWD, ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (newroot < 0)
		return cell_err_sys(e, errno, "open %s", ctx->rootfs);
	if (fchdir(newroot) < 0)
		return cell_err_sys(e, errno, "chdir %s", ctx->rootfs);
	EXPLAIN("the rootfs becomes \"/\"; the host's root is stacked on top of it, to be detached next",
		"pivot_root(\".\", \".\") in %s", ctx->rootfs);
	if (sys_pivot_root(".", ".") < 0)
		return cell_err_sys(e, errno, "pivot_root %s", ctx->rootfs);
	/* The kernel does not promise where cwd is after pivot_root; the old
	 * root's fd names the mount stacked on top for certain. */
	if (fchdir(oldroot) < 0)
		return cell_err_sys(e, errno, "chdir to the old root");
	/* Slave first: with shared propagation the detach below would also
	 * unmount the host's "/" in its peers. */
	EXPLAIN("slave first: detaching the old root must not unmount the host's / in its peers",
		"mount(NULL, \".\", NULL, MS_SLAVE|MS_REC)");
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cell_err_sys(e, errno, "make the old root rslave");
	EXPLAIN("the host's root is detached: no path leads back to it, unlike a chroot, which can be climbed out of",
		"umount2(\".\", MNT_DETACH)");
	if (umount2(".", MNT_DETACH) < 0)
		return cell_err_sys(e, errno, "detach the old root");
	return 0;
}

int fs_pivot_root(const struct rootfs_ctx *ctx, struct cell_err *e)
{
	int r;
	if (ctx->host_mntns) {
		/* The mount namespace is the runtime's: pivot_root or MS_MOVE
		   would change everyone's root.  A chroot to the rootfs (its
		   own mount, bound onto itself) is all that is ours. */
		EXPLAIN("no mount namespace of its own: a chroot is all cell may do to the runtime's mounts (weaker than pivot_root)",
			"chroot(\"%s\")", ctx->rootfs);
		if (chdir(ctx->rootfs) < 0 || chroot(".") < 0)
			return cell_err_sys(e, errno, "chroot %s", ctx->rootfs);
	} else if ((r = ctx->no_pivot ? move_root(ctx, e) : pivot(ctx, e)) < 0) {
		return r;
	}
	if (chdir("/") < 0)
		return cell_err_sys(e, errno, "chdir /");

	struct stat root, up;
	if (stat("/", &root) < 0 || stat("/..", &up) < 0)
		return cell_err_sys(e, errno, "stat the new root");
	if (root.st_dev != up.st_dev || root.st_ino != up.st_ino)
		return cell_err_msg(e, EPERM, "\"/..\" is not \"/\" after %s",
				    ctx->no_pivot ? "chroot" : "pivot_root");
	return 0;
}
