/* One config mount: resolve its destination inside the rootfs, build the
 * mount detached (open_tree for binds, fsopen/fsmount for filesystems),
 * set its attributes while nobody can see it, then attach it with
 * move_mount onto the resolved fd.  No path string is ever handed to the
 * kernel for the destination, so a symlink swapped in by the rootfs cannot
 * redirect the mount to the host. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/path.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef SYSFS_MAGIC
#define SYSFS_MAGIC 0x62656572
#endif

void fs_flags_to_attr(unsigned long set, unsigned long clear,
		      struct mount_attr *attr)
{
	static const struct {
		unsigned long ms;
		uint64_t attr;
	} map[] = {
		{ MS_RDONLY, MOUNT_ATTR_RDONLY },
		{ MS_NOSUID, MOUNT_ATTR_NOSUID },
		{ MS_NODEV, MOUNT_ATTR_NODEV },
		{ MS_NOEXEC, MOUNT_ATTR_NOEXEC },
		{ MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		if (set & map[i].ms)
			attr->attr_set |= map[i].attr;
		else if (clear & map[i].ms)
			attr->attr_clr |= map[i].attr;
	}
	/* atime is one 3-valued field: changing it means clearing the whole
	 * field and setting one value (relatime is 0). */
	if (set & MS_STRICTATIME) {
		attr->attr_clr |= MOUNT_ATTR__ATIME;
		attr->attr_set |= MOUNT_ATTR_STRICTATIME;
	} else if (set & MS_NOATIME) {
		attr->attr_clr |= MOUNT_ATTR__ATIME;
		attr->attr_set |= MOUNT_ATTR_NOATIME;
	} else if ((set & MS_RELATIME) ||
		   (clear & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME))) {
		attr->attr_clr |= MOUNT_ATTR__ATIME;
	}
}

void fs_context_log(int fsfd, char *buf, size_t len)
{
	buf[0] = '\0';
	if (fsfd < 0 || len < 2)
		return;
	/* Each read returns one message, "e <text>" / "w <text>"; keep the
	 * last error. */
	char line[512];
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(fsfd, line, sizeof(line) - 1);
		if (n <= 0)
			break;
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (line[0] == 'e' && line[1] == ' ')
			snprintf(buf, len, "%s", line + 2);
	}
}

/* The kernel's own words beat a bare errno here ("cgroup: Unknown
 * subsys name 'foo'"). */
static int fsctx_err(struct cell_err *e, int fsfd, int err, const char *what,
		     const char *fstype)
{
	char why[512];
	fs_context_log(fsfd, why, sizeof(why));
	if (why[0])
		return cell_err_msg(e, err, "%s %s: %s (%s)", what, fstype,
				    why, strerror(err));
	return cell_err_sys(e, err, "%s %s", what, fstype);
}

static int fsconfig_option(int fsfd, const char *fstype, char *opt,
			   struct cell_err *e)
{
	char *eq = strchr(opt, '=');
	int r;
	if (eq) {
		*eq = '\0';
		r = sys_fsconfig(fsfd, FSCONFIG_SET_STRING, opt, eq + 1, 0);
	} else {
		r = sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, opt, NULL, 0);
	}
	if (r < 0) {
		int err = errno;
		if (eq)
			*eq = '=';
		return fsctx_err(e, fsfd, err, "set option", opt);
	}
	if (eq)
		*eq = '=';
	return 0;
}

int fs_new_mount(const char *fstype, const char *source, const char *data,
		 unsigned long sb_flags, unsigned int attrs,
		 struct cell_err *e)
{
	_cleanup_close_ int fsfd = sys_fsopen(fstype, FSOPEN_CLOEXEC);
	if (fsfd < 0)
		return cell_err_sys(e, errno, "fsopen %s", fstype);

	if (data && *data) {
		_cleanup_free_ char *copy = strdup(data);
		if (!copy)
			return cell_err_sys(e, ENOMEM, "mount %s", fstype);
		char *save = NULL;
		for (char *opt = strtok_r(copy, ",", &save); opt;
		     opt = strtok_r(NULL, ",", &save)) {
			int r = fsconfig_option(fsfd, fstype, opt, e);
			if (r < 0)
				return cell_err_wrap(e, "mount %s", fstype);
		}
	}
	static const struct {
		unsigned long ms;
		const char *key;
	} sb_keys[] = {
		{ MS_SYNCHRONOUS, "sync" },
		{ MS_DIRSYNC, "dirsync" },
		{ MS_LAZYTIME, "lazytime" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(sb_keys); i++)
		if ((sb_flags & sb_keys[i].ms) &&
		    sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, sb_keys[i].key, NULL,
				 0) < 0)
			return fsctx_err(e, fsfd, errno, "set option",
					 sb_keys[i].key);
	if (source && sys_fsconfig(fsfd, FSCONFIG_SET_STRING, "source", source,
				   0) < 0)
		return fsctx_err(e, fsfd, errno, "set source of", fstype);
	if (sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fsctx_err(e, fsfd, errno, "create", fstype);
	int mfd = sys_fsmount(fsfd, FSMOUNT_CLOEXEC, attrs);
	if (mfd < 0)
		return fsctx_err(e, fsfd, errno, "fsmount", fstype);
	return mfd;
}

int fs_attach(int mntfd, int targetfd, const char *what, struct cell_err *e)
{
	if (sys_move_mount(mntfd, "", targetfd, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cell_err_sys(e, errno, "attach the mount at %s", what);
	return 0;
}

/* lxcfs-style overlays of single /proc files are legitimate; anything else
 * landing on procfs (CVE-2019-19921: a tmpfs over /proc defeats LSMs) is
 * refused, as runc does. */
static bool proc_destination_allowed(const char *dest)
{
	static const char *const allowed[] = {
		"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo",
		"/proc/stat",    "/proc/swaps",     "/proc/uptime",
		"/proc/loadavg", "/proc/slabinfo",  "/proc/net/dev",
		"/proc/sys/kernel/ns_last_pid",
	};
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		if (strcmp(dest, allowed[i]) == 0)
			return true;
	return false;
}

static bool path_is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 &&
	       (path[n] == '/' || path[n] == '\0');
}

/* The destination of a proc or sysfs mount must be a real directory of
 * the rootfs: a symlink there would let the image choose where procfs
 * lands. */
static int check_leaf_not_symlink(int rootfd, const char *dest,
				  struct cell_err *e)
{
	_cleanup_free_ char *copy = strdup(dest);
	if (!copy)
		return cell_err_sys(e, ENOMEM, "check %s", dest);
	char *slash = strrchr(copy, '/');
	const char *leaf = slash + 1;
	*slash = '\0';
	_cleanup_close_ int parent = path_open_in_root(
		rootfd, copy[0] ? copy : "/", O_PATH | O_DIRECTORY, e);
	if (parent < 0)
		return parent == -ENOENT ? 0 : parent;
	struct stat st;
	if (fstatat(parent, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : cell_err_sys(e, errno, "stat %s", dest);
	if (S_ISLNK(st.st_mode))
		return cell_err_msg(e, ELOOP,
				    "mount destination %s is a symlink in the rootfs",
				    dest);
	if (!S_ISDIR(st.st_mode))
		return cell_err_msg(e, ENOTDIR,
				    "mount destination %s is not a directory",
				    dest);
	return 0;
}

static int check_target_fs(int targetfd, const char *dest, const char *type,
			   struct cell_err *e)
{
	struct statfs sfs;
	if (fstatfs(targetfd, &sfs) < 0)
		return cell_err_sys(e, errno, "statfs %s", dest);
	if (sfs.f_type == PROC_SUPER_MAGIC) {
		if (path_is_under(dest, "/proc") &&
		    (strcmp(dest, "/proc") == 0 || proc_destination_allowed(dest)))
			return 0;
		return cell_err_msg(e, EPERM,
				    "mount destination %s resolves into procfs",
				    dest);
	}
	if (sfs.f_type == SYSFS_MAGIC && !path_is_under(dest, "/sys"))
		return cell_err_msg(e, EPERM,
				    "mount destination %s resolves into sysfs",
				    dest);
	(void)type;
	return 0;
}

static bool type_is(const struct oci_mount *m, const char *t)
{
	return m->type && strcmp(m->type, t) == 0;
}

/* open_tree() clone of a host path: the bind mount source. */
static int clone_source(const char *source, bool recursive, struct cell_err *e)
{
	int fd = sys_open_tree(AT_FDCWD, source,
			       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				       (recursive ? AT_RECURSIVE : 0));
	if (fd < 0)
		return cell_err_sys(e, errno, "open_tree %s", source);
	return fd;
}

static int set_attrs(int mntfd, const struct oci_mount *m, bool recursive,
		     struct cell_err *e)
{
	struct mount_attr attr = { 0 };
	fs_flags_to_attr(m->flags, m->clear_flags, &attr);
	if (!attr.attr_set && !attr.attr_clr)
		return 0;
	if (sys_mount_setattr(mntfd, "",
			      AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
			      &attr) < 0)
		return cell_err_sys(e, errno, "set the mount flags");
	return 0;
}

static int set_idmap(int mntfd, const struct oci_mount *m, struct cell_err *e)
{
	_cleanup_close_ int usernsfd = fs_idmap_userns_fd(m, e);
	if (usernsfd < 0)
		return usernsfd;
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP,
		.userns_fd = (uint64_t)usernsfd,
	};
	if (sys_mount_setattr(mntfd, "",
			      AT_EMPTY_PATH | (m->recursive ? AT_RECURSIVE : 0),
			      &attr) < 0) {
		if (errno == EINVAL)
			return cell_err_msg(e, EINVAL,
					    "idmap the mount: not supported by the filesystem or kernel (Invalid argument)");
		return cell_err_sys(e, errno, "idmap the mount");
	}
	return 0;
}

/* The detached mount for `m`, attributes set. */
static int build_mount(const struct oci_mount *m, const char *source,
		       bool bind, bool recursive, struct cell_err *e)
{
	_cleanup_close_ int mfd = -1;
	if (bind) {
		mfd = clone_source(source, recursive, e);
		if (mfd < 0)
			return mfd;
		int r = set_attrs(mfd, m, recursive, e);
		if (r < 0)
			return r;
	} else {
		struct mount_attr attr = { 0 };
		fs_flags_to_attr(m->flags, 0, &attr);
		mfd = fs_new_mount(m->type, source, m->data, m->flags,
				   (unsigned int)attr.attr_set, e);
		if (mfd < 0)
			return mfd;
	}
	if (m->idmap) {
		int r = set_idmap(mfd, m, e);
		if (r < 0)
			return r;
	}
	return steal_fd(&mfd);
}

/* What a config mount gives the container, in plain words. */
static const char *mount_why(const struct oci_mount *m, bool bind)
{
	static const struct {
		const char *type, *why;
	} whys[] = {
		{ "proc", "a procfs of its own pid namespace: /proc shows the container's processes only" },
		{ "sysfs", "sysfs: how the kernel shows devices and drivers" },
		{ "tmpfs", "a private in-memory filesystem: nothing written there reaches the host's disks" },
		{ "devpts", "a devpts instance of its own: its ptys are not the host's" },
		{ "mqueue", "the POSIX message queues of its own IPC namespace" },
	};
	if (bind)
		return m->flags & MS_RDONLY
			       ? "a host path made visible inside, and only it, read-only"
			       : "a host path made visible inside, and only it";
	for (size_t i = 0; i < ARRAY_SIZE(whys); i++)
		if (type_is(m, whys[i].type))
			return whys[i].why;
	return "a filesystem of its own at this path";
}

static void explain_mount(const struct oci_mount *m, const char *dest,
			  const char *source, bool bind)
{
	struct mount_attr a = { 0 };
	fs_flags_to_attr(m->flags, bind ? m->clear_flags : 0, &a);
	if (bind)
		EXPLAIN(mount_why(m, bind),
			"open_tree(\"%s\", OPEN_TREE_CLONE%s); mount_setattr(%s); move_mount(-> \"%s\")",
			source, m->recursive ? "|AT_RECURSIVE" : "",
			trace_attr_str(a.attr_set), dest);
	else
		EXPLAIN(mount_why(m, bind),
			"fsopen(\"%s\"); fsconfig(%s); fsmount(%s); move_mount(-> \"%s\")",
			m->type, m->data && *m->data ? m->data : "-",
			trace_attr_str(a.attr_set), dest);
}

static bool source_is_dir(const char *source)
{
	struct stat st;
	/* A missing source fails later, at open_tree, with its own error. */
	return stat(source, &st) < 0 || S_ISDIR(st.st_mode);
}

int fs_mount_one(const struct rootfs_ctx *ctx, int rootfd,
		 const struct oci_mount *m, struct cell_err *e)
{
	_cleanup_free_ char *dest = path_clean(m->destination);
	if (!dest)
		return cell_err_sys(e, ENOMEM, "mount %s", m->destination);
	if (strcmp(dest, "/") == 0)
		return cell_err_msg(e, EINVAL, "mount destination / is not allowed");
	TRACE_SCOPEF("mount", "%s", dest);

	bool bind = m->bind || type_is(m, "bind");
	if (bind && !m->source)
		return cell_err_msg(e, EINVAL, "bind mount at %s has no source",
				    dest);
	if (!bind && !m->type)
		return cell_err_msg(e, EINVAL, "mount at %s has no type", dest);

	if (type_is(m, "proc") || type_is(m, "sysfs") ||
	    strcmp(dest, "/proc") == 0 || strcmp(dest, "/sys") == 0) {
		int r = check_leaf_not_symlink(rootfd, dest, e);
		if (r < 0)
			return r;
	}

	bool leaf_is_file = bind && !source_is_dir(m->source);
	_cleanup_close_ int target =
		path_mkdirs_in_root(rootfd, dest, leaf_is_file, e);
	if (target < 0)
		return target;
	int r = check_target_fs(target, dest, m->type, e);
	if (r < 0)
		return r;

	if (!bind && type_is(m, "cgroup"))
		return fs_mount_cgroup(ctx, target, m, e);

	const char *source = m->source;
	_cleanup_close_ int mfd =
		build_mount(m, m->source, bind, bind && m->recursive, e);
	if (mfd == -EPERM && !bind && type_is(m, "sysfs")) {
		/* A user namespace without its own network namespace may not
		 * mount sysfs; runc falls back to the host's /sys, rbound
		 * with the mount's flags. */
		log_debug("sysfs at %s: %s; binding the host's /sys", dest,
			  e->msg);
		cell_err_clear(e);
		mfd = build_mount(m, "/sys", true, true, e);
		source = "/sys";
		bind = true;
	}
	if (mfd < 0)
		return mfd;
	if (trace_enabled())
		explain_mount(m, dest, source, bind);
	r = fs_attach(mfd, target, dest, e);
	if (r < 0)
		return r;

	if (m->propagation) {
		struct mount_attr attr = {
			.propagation = m->propagation & ~(unsigned long)MS_REC,
		};
		unsigned int fl = AT_EMPTY_PATH;
		if (m->propagation & MS_REC)
			fl |= AT_RECURSIVE;
		/* mfd now names the attached mount's root. */
		if (sys_mount_setattr(mfd, "", fl, &attr) < 0)
			return cell_err_sys(e, errno, "set propagation of %s",
					    dest);
	}
	return 0;
}
