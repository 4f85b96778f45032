/* /dev inside the container: the runtime-spec's default devices, the
 * config's linux.devices, and the standard links.
 *
 * In a user namespace mknod(2) of a device is refused (a device node would
 * be a way around the host's permissions), so each device becomes an empty
 * file with the host's node bind-mounted over it, as runc does. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/path.h"

static const struct oci_device default_devices[] = {
	{ .type = 'c', .path = (char *)"/dev/null", .major = 1, .minor = 3 },
	{ .type = 'c', .path = (char *)"/dev/zero", .major = 1, .minor = 5 },
	{ .type = 'c', .path = (char *)"/dev/full", .major = 1, .minor = 7 },
	{ .type = 'c', .path = (char *)"/dev/random", .major = 1, .minor = 8 },
	{ .type = 'c', .path = (char *)"/dev/urandom", .major = 1, .minor = 9 },
	{ .type = 'c', .path = (char *)"/dev/tty", .major = 5, .minor = 0 },
};

bool fs_dev_needs_setup(const struct oci_config *c)
{
	/* A bind-mounted /dev comes ready-made (runc: needsSetupDev). */
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		_cleanup_free_ char *dest = path_clean(m->destination);
		if (dest && strcmp(dest, "/dev") == 0 &&
		    (m->bind || (m->type && strcmp(m->type, "bind") == 0)))
			return false;
	}
	return true;
}

static mode_t device_type_bits(char type)
{
	switch (type) {
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default: /* 'c', 'u' */
		return S_IFCHR;
	}
}

static int bind_host_device(int rootfd, const struct oci_device *d,
			    struct cell_err *e)
{
	_cleanup_close_ int target = path_mkdirs_in_root(rootfd, d->path, true, e);
	if (target < 0)
		return target;
	_cleanup_close_ int tree = sys_open_tree(
		AT_FDCWD, d->path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return cell_err_sys(e, errno, "open_tree the host's %s",
				    d->path);
	struct stat st;
	if (fstat(tree, &st) < 0)
		return cell_err_sys(e, errno, "stat the host's %s", d->path);
	if ((st.st_mode & S_IFMT) != device_type_bits(d->type))
		return cell_err_msg(e, EINVAL,
				    "the host's %s is not the configured device type",
				    d->path);
	return fs_attach(tree, target, d->path, e);
}

/* The parent directory of the last device made: the defaults all live in
 * /dev, which is resolved once for them. */
struct dev_parent {
	char *path; /* its cleaned path inside the root */
	int fd;
};

/* Split "/dev/net/tun" into the parent's fd (created inside the root; the
 * cache's, not the caller's, to close) and the leaf name. */
static int parent_of(int rootfd, struct dev_parent *cache, const char *path,
		     char **leaf, struct cell_err *e)
{
	_cleanup_free_ char *clean = path_clean(path);
	if (!clean)
		return cell_err_sys(e, ENOMEM, "device %s", path);
	char *slash = strrchr(clean, '/');
	if (!slash || !slash[1])
		return cell_err_msg(e, EINVAL, "device path %s has no name",
				    path);
	if (!(*leaf = strdup(slash + 1)))
		return cell_err_sys(e, ENOMEM, "device %s", path);
	*slash = '\0';
	if (cache->fd >= 0 && strcmp(cache->path, clean) == 0)
		return cache->fd;
	int fd = path_mkdirs_in_root(rootfd, clean[0] ? clean : "/", false, e);
	if (fd < 0)
		return fd;
	if (cache->fd >= 0)
		close(cache->fd);
	free(cache->path);
	cache->path = steal_ptr(&clean);
	cache->fd = fd;
	return fd;
}

static int make_device(int rootfd, struct dev_parent *cache,
		       const struct oci_device *d, bool userns,
		       struct cell_err *e)
{
	mode_t type = device_type_bits(d->type);
	if (userns && type != S_IFIFO) {
		EXPLAIN("a user namespace may not mknod: the host's node is bound in, and only it",
			"open_tree(\"%s\", OPEN_TREE_CLONE); move_mount(-> \"%s\")",
			d->path, d->path);
		return bind_host_device(rootfd, d, e);
	}

	_cleanup_free_ char *leaf = NULL;
	int parent = parent_of(rootfd, cache, d->path, &leaf, e);
	if (parent < 0)
		return parent;
	mode_t perm = d->has_file_mode ? (d->file_mode & 07777) : 0666;
	dev_t dev = makedev((unsigned int)d->major, (unsigned int)d->minor);
	EXPLAIN("only the devices a container needs exist in its /dev",
		"mknodat(\"%s\", %c %04o, %lld:%lld)", d->path, d->type,
		(unsigned)perm, (long long)d->major, (long long)d->minor);
	/* The umask is 0 around the devices (fs_setup_dev): the mode is the
	   config's, with no chmod after. */
	bool made = mknodat(parent, leaf, type | perm,
			    type == S_IFIFO ? 0 : dev) == 0;
	if (!made && errno != EEXIST)
		return cell_err_sys(e, errno, "mknod %s", d->path);

	/* Something already at that name must be the node we wanted (an
	 * image may have left anything there); it is left as it is (as runc
	 * does): it may be anything's, even the host's own node reached
	 * through a mount, and chmod/chown would change that one. */
	if (!made) {
		struct stat st;
		if (fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return cell_err_sys(e, errno, "stat %s", d->path);
		if ((st.st_mode & S_IFMT) != type ||
		    (type != S_IFIFO && st.st_rdev != dev))
			return cell_err_msg(e, EEXIST,
					    "%s exists and is not the configured device",
					    d->path);
		return 0;
	}
	if (fchownat(parent, leaf, d->has_uid ? d->uid : 0,
		     d->has_gid ? d->gid : 0, AT_SYMLINK_NOFOLLOW) < 0)
		return cell_err_sys(e, errno, "chown %s", d->path);
	return 0;
}

static int replace_symlink(int devfd, const char *target, const char *name,
			   struct cell_err *e)
{
	if (unlinkat(devfd, name, 0) < 0 && errno != ENOENT)
		return cell_err_sys(e, errno, "remove /dev/%s", name);
	if (symlinkat(target, devfd, name) < 0)
		return cell_err_sys(e, errno, "symlink /dev/%s", name);
	return 0;
}

static bool config_mounts_proc(const struct oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (c->mounts[i].type && strcmp(c->mounts[i].type, "proc") == 0)
			return true;
	return false;
}

static int dev_links(const struct rootfs_ctx *ctx, int rootfd,
		     struct cell_err *e)
{
	static const struct {
		const char *target, *name;
	} links[] = {
		{ "/proc/self/fd", "fd" },     { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
	};
	_cleanup_close_ int devfd =
		path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, e);
	if (devfd < 0)
		return devfd;
	for (size_t i = 0; i < ARRAY_SIZE(links); i++)
		if (symlinkat(links[i].target, devfd, links[i].name) < 0 &&
		    errno != EEXIST)
			return cell_err_sys(e, errno, "symlink /dev/%s",
					    links[i].name);
	if (config_mounts_proc(ctx->config) &&
	    symlinkat("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
		return cell_err_sys(e, errno, "symlink /dev/core");
	/* The devpts instance's ptmx, so ptys are the container's own. */
	return replace_symlink(devfd, "pts/ptmx", "ptmx", e);
}

int fs_setup_dev(const struct rootfs_ctx *ctx, int rootfd, struct cell_err *e)
{
	TRACE_SCOPE("/dev");
	const struct oci_config *c = ctx->config;
	struct dev_parent cache = { .fd = -1 };
	mode_t mask = umask(0);
	int r = 0;
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(default_devices); i++)
		r = make_device(rootfd, &cache, &default_devices[i], ctx->userns,
				e);
	for (size_t i = 0; r == 0 && i < c->linux.n_devices; i++)
		if ((r = make_device(rootfd, &cache, &c->linux.devices[i],
				     ctx->userns, e)) < 0)
			cell_err_wrap(e, "linux.devices[%zu]", i);
	umask(mask);
	if (cache.fd >= 0)
		close(cache.fd);
	free(cache.path);
	if (r < 0)
		return r;
	r = dev_links(ctx, rootfd, e);
	if (r < 0)
		return r;
	if (c->has_process && c->process.terminal) {
		/* A placeholder for fs_bind_console's pty slave. */
		int fd = path_mkdirs_in_root(rootfd, "/dev/console", true, e);
		if (fd < 0)
			return fd;
		close(fd);
	}
	return 0;
}

int fs_bind_console(int rootfd, int pty_slave_fd, struct cell_err *e)
{
	_cleanup_close_ int own_root = -1;
	if (rootfd < 0) {
		own_root =
		    openat(AT_FDCWD, "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (own_root < 0)
			return cell_err_sys(e, errno, "open /");
		rootfd = own_root;
	}
	_cleanup_close_ int target =
		path_mkdirs_in_root(rootfd, "/dev/console", true, e);
	if (target < 0)
		return target;
	_cleanup_close_ int tree =
		sys_open_tree(pty_slave_fd, "",
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree < 0)
		return cell_err_sys(e, errno, "open_tree the console pty");
	return fs_attach(tree, target, "/dev/console", e);
}
