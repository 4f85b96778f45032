/* "cgroup" type mounts.
 *
 * On a unified (v2) host this is one cgroup2 mount.  On v1 and hybrid hosts
 * it is what the host has under /sys/fs/cgroup: a tmpfs holding one cgroup
 * v1 mount per hierarchy found in /proc/self/mountinfo (cpu and cpuacct
 * apart or together, name=systemd, and the hybrid's cgroup2 "unified").
 * The container sees only its own cgroup: without a cgroup namespace each
 * hierarchy is a bind of the host's directory for the container (as runc
 * does), with one a fresh v1 mount rooted at the namespace's root.  cgroup2
 * is always the bind: a fresh cgroup2 superblock mount costs ~14 ms on
 * this kernel (measured in create), a bind of the same directory nothing.
 * A container without a cgroup of its own (rootless, none delegated) sees
 * the cgroups it runs in, read from /proc/self/cgroup, as runc binds them:
 * root in a user namespace may not mount a v1 hierarchy afresh. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/file.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static bool host_is_unified(void)
{
	struct statfs sfs;
	return statfs("/sys/fs/cgroup", &sfs) == 0 &&
	       sfs.f_type == CGROUP2_SUPER_MAGIC;
}

/* The superblock options of a v1 hierarchy, minus what must not be
 * replayed: rw/ro come from the config mount, and release_agent is the
 * host's (and the CVE-2022-0492 escape hatch). */
static char *v1_options(const char *superopts)
{
	_cleanup_free_ char *copy = strdup(superopts);
	char *out = calloc(1, strlen(superopts) + 1);
	if (!copy || !out) {
		free(out);
		return NULL;
	}
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strcmp(o, "rw") == 0 || strcmp(o, "ro") == 0 ||
		    strncmp(o, "release_agent=", 14) == 0)
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, o);
	}
	return out;
}

/* Is controller (or "name=x") one of the superblock options "rw,cpu,..."? */
static bool superopts_has(const char *superopts, const char *ctrl, size_t len)
{
	for (const char *o = superopts; *o;) {
		size_t n = strcspn(o, ",");
		if (n == len && strncmp(o, ctrl, len) == 0)
			return true;
		o += n;
		if (*o)
			o++;
	}
	return false;
}

/* The path of this process's cgroup in hierarchy h, from the text of
 * /proc/self/cgroup ("4:memory:/a/b", "0::/a" for cgroup2): malloc'd, or
 * NULL when it is in none (the hierarchy is then left out). */
static char *own_cgroup_path(const char *self, const struct mountinfo_entry *h)
{
	bool v2 = strcmp(h->fstype, "cgroup2") == 0;
	for (const char *line = self; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		const char *c1 = memchr(line, ':', len);
		const char *c2 = c1 ? memchr(c1 + 1, ':',
					     len - (size_t)(c1 + 1 - line))
				    : NULL;
		if (c2) {
			bool match = v2 && c2 == c1 + 1 &&
				     strncmp(line, "0:", 2) == 0;
			for (const char *c = c1 + 1; !v2 && c < c2;) {
				size_t n = strcspn(c, ",:");
				if (n && superopts_has(h->superopts, c, n))
					match = true;
				c += n + 1;
			}
			if (match)
				return strndup(c2 + 1,
					       len - (size_t)(c2 + 1 - line));
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Bind the host's <mountpoint><cgroup_path> at cgroup/<name>.  A
 * hierarchy the container is not in (name=systemd) is left out.  dirfd is
 * the tmpfs made for them, fresh and ours alone: a name in it cannot lead
 * anywhere else.  The mount flags are set on the whole tree at the end. */
static int bind_hierarchy(int dirfd, const char *name, const char *mountpoint,
			  const char *cgroup_path, struct cell_err *e)
{
	size_t n = strlen(mountpoint) + strlen(cgroup_path) + 2;
	_cleanup_free_ char *src = malloc(n);
	if (!src)
		return cell_err_sys(e, ENOMEM, "cgroup/%s", name);
	snprintf(src, n, "%s%s", mountpoint, cgroup_path);
	_cleanup_close_ int tree = sys_open_tree(AT_FDCWD, src,
						 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return errno == ENOENT ? 0 : cell_err_sys(e, errno, "bind %s", src);
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return cell_err_sys(e, errno, "mkdir cgroup/%s", name);
	if (sys_move_mount(tree, "", dirfd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return cell_err_sys(e, errno, "attach the mount at cgroup/%s",
				    name);
	return 0;
}

static int mount_hierarchy(int dirfd, const char *name, const char *fstype,
			   const char *opts, unsigned int attrs,
			   struct cell_err *e)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return cell_err_sys(e, errno, "mkdir cgroup/%s", name);
	_cleanup_close_ int target = openat(dirfd, name,
					    O_PATH | O_DIRECTORY | O_NOFOLLOW |
						    O_CLOEXEC);
	if (target < 0)
		return cell_err_sys(e, errno, "open cgroup/%s", name);
	_cleanup_close_ int mfd =
		fs_new_mount(fstype, "cgroup", opts, 0, attrs, e);
	if (mfd < 0)
		return cell_err_wrap(e, "cgroup hierarchy %s", name);
	return fs_attach(mfd, target, name, e);
}

/* "cpu,cpuacct" mounted together: the names a reader expects exist as
 * symlinks to the joint directory, as on the host. */
static int link_comounted(int dirfd, const char *name, struct cell_err *e)
{
	if (!strchr(name, ','))
		return 0;
	_cleanup_free_ char *copy = strdup(name);
	if (!copy)
		return cell_err_sys(e, ENOMEM, "cgroup/%s", name);
	char *save = NULL;
	for (char *c = strtok_r(copy, ",", &save); c;
	     c = strtok_r(NULL, ",", &save))
		if (symlinkat(name, dirfd, c) < 0 && errno != EEXIST)
			return cell_err_sys(e, errno, "symlink cgroup/%s", c);
	return 0;
}

static int mount_v1(const struct rootfs_ctx *ctx, int targetfd,
		    const struct oci_mount *m, unsigned int attrs,
		    struct cell_err *e)
{
	const char *cgpath = ctx->cgroup_path;
	bool cgns = ctx->config->linux.namespaces[OCI_NS_CGROUP].enabled;
	struct mountinfo read_here = { 0 };
	const struct mountinfo *mi = ctx->host_mountinfo;
	_cleanup_free_ char *self = NULL;
	int r = 0;
	if (!mi) {
		if ((r = mountinfo_read("/proc/self/mountinfo", &read_here, e)) < 0)
			return r;
		mi = &read_here;
	}
	_cleanup_close_ int tmpfs = -1;
	if (!cgpath && !cgns &&
	    (r = file_read_at(AT_FDCWD, "/proc/self/cgroup", 0, &self, NULL,
			      e)) < 0)
		goto out;

	/* The tmpfs is made read-only only after it is populated. */
	tmpfs = fs_new_mount("tmpfs", "tmpfs", "mode=755",
						 0, attrs & ~MOUNT_ATTR_RDONLY,
						 e);
	if (tmpfs < 0)
		goto out;
	r = fs_attach(tmpfs, targetfd, m->destination, e);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < mi->n && r == 0; i++) {
		const struct mountinfo_entry *h = &mi->v[i];
		const char *base = strrchr(h->mountpoint, '/');
		if (!base || !base[1] ||
		    strncmp(h->mountpoint, "/sys/fs/cgroup/", 15) != 0 ||
		    strchr(h->mountpoint + 15, '/'))
			continue;
		base++;
		if (cgpath && (!cgns || strcmp(h->fstype, "cgroup2") == 0)) {
			r = bind_hierarchy(tmpfs, base, h->mountpoint, cgpath,
					   e);
			if (r == 0)
				r = link_comounted(tmpfs, base, e);
		} else if (self) {
			_cleanup_free_ char *own = own_cgroup_path(self, h);
			if (own)
				r = bind_hierarchy(tmpfs, base, h->mountpoint,
						   own, e);
			if (own && r == 0)
				r = link_comounted(tmpfs, base, e);
		} else if (strcmp(h->fstype, "cgroup") == 0) {
			_cleanup_free_ char *opts = v1_options(h->superopts);
			if (!opts) {
				r = cell_err_sys(e, ENOMEM, "cgroup options");
				break;
			}
			r = mount_hierarchy(tmpfs, base, "cgroup", opts, attrs, e);
			if (r == 0)
				r = link_comounted(tmpfs, base, e);
		} else if (strcmp(h->fstype, "cgroup2") == 0) {
			r = mount_hierarchy(tmpfs, base, "cgroup2", NULL, attrs,
					    e);
		}
	}
	/* The config's flags (ro, nosuid, ...) on the tmpfs and every
	   hierarchy below it, in one call. */
	if (r == 0 && attrs) {
		struct mount_attr a = { .attr_set = attrs };
		if (sys_mount_setattr(tmpfs, "", AT_EMPTY_PATH | AT_RECURSIVE,
				      &a) < 0)
			r = cell_err_sys(e, errno, "set the flags of %s",
					 m->destination);
	}
out:
	mountinfo_free(&read_here);
	if (r == 0 && tmpfs < 0)
		return tmpfs;
	return r;
}

int fs_mount_cgroup(const struct rootfs_ctx *ctx, int targetfd,
		    const struct oci_mount *m, struct cell_err *e)
{
	struct mount_attr attr = { 0 };
	fs_flags_to_attr(m->flags, 0, &attr);
	unsigned int attrs = (unsigned int)attr.attr_set;

	EXPLAIN("its own cgroup, and only it, appears at the mount point: the host's tree stays hidden",
		"%s (-> \"%s\", %s)",
		!host_is_unified() ? "fsmount(tmpfs) + open_tree of each v1 hierarchy's cgroup dir"
		: ctx->cgroup_path ? "open_tree(\"/sys/fs/cgroup<cgroup>\", OPEN_TREE_CLONE)"
				   : "fsopen(\"cgroup2\") + fsmount",
		m->destination, trace_attr_str(attrs));
	if (!host_is_unified())
		return mount_v1(ctx, targetfd, m, attrs, e);
	if (ctx->cgroup_path) {
		size_t n = strlen(ctx->cgroup_path) + 16;
		_cleanup_free_ char *src = malloc(n);
		if (!src)
			return cell_err_sys(e, ENOMEM, "cgroup");
		snprintf(src, n, "/sys/fs/cgroup%s", ctx->cgroup_path);
		_cleanup_close_ int tree = sys_open_tree(
			AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (tree < 0)
			return cell_err_sys(e, errno, "bind %s", src);
		struct mount_attr a = { .attr_set = attrs };
		if (attrs && sys_mount_setattr(tree, "", AT_EMPTY_PATH, &a) < 0)
			return cell_err_sys(e, errno, "%s: set flags",
					    m->destination);
		return fs_attach(tree, targetfd, m->destination, e);
	}

	_cleanup_close_ int mfd =
		fs_new_mount("cgroup2", "cgroup", NULL, 0, attrs, e);
	if (mfd < 0)
		return mfd;
	return fs_attach(mfd, targetfd, m->destination, e);
}
