/* The people's run: the per-container directory under the state root.
 *
 * <root>/.people/<name>/        the bundle recorded in the state
 *     meta.json                 name, command, created, detached
 *     rootfs/                   the default root: empty mount points, the
 *                               merged-/usr symlinks, a generated /etc
 *     etc/                      with --rootfs: hosts, hostname, resolv.conf
 *     log, exit                 detached: the output and the exit status
 *
 * The default root is made read-only by the runtime (root.readonly), so
 * the files in it can be written here directly, before the run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/people_opts.h"
#include "util/cleanup.h"
#include "util/file.h"

char *people_dir_path(const char *root, const char *name)
{
	char *p;
	return asprintf(&p, "%s/%s/%s", root, PEOPLE_DIR, name) < 0 ? NULL : p;
}

static int write_file(int dirfd, const char *name, const char *text,
		      struct cell_err *e)
{
	return file_replace_at(dirfd, name, text, strlen(text), 0644, e);
}

static int make_hosts(const struct people_opts *o, const char *ip, char **out,
		      struct cell_err *e)
{
	return net_hosts_file(o->hostname ? o->hostname : o->name, ip,
			      o->add_host.n ? o->add_host.v : NULL, out, e);
}

static int make_resolv(const struct people_opts *o, char **out, struct cell_err *e)
{
	int r = net_resolv_conf(o->dns.n ? o->dns.v : NULL, out, e);
	if (r == 0 && !*out && !(*out = strdup("")))
		/* no nameserver the container could reach: an empty file */
		return cell_err_msg(e, ENOMEM, "resolv.conf");
	return r;
}

int people_hosts_update(const char *dir, const struct people_opts *o,
			const char *ip, struct cell_err *e)
{
	_cleanup_free_ char *hosts = NULL, *path = NULL;
	if (make_hosts(o, ip, &hosts, e) < 0)
		return cell_err_wrap(e, "/etc/hosts");
	if (asprintf(&path, "%s/%s/hosts", dir, o->rootfs ? "etc" : "rootfs/etc") < 0)
		return cell_err_msg(e, ENOMEM, "hosts");
	/* in place: a bind mount of the file may already hold its inode */
	int r = file_write_at(AT_FDCWD, path, hosts, e);
	return r < 0 ? cell_err_wrap(e, "/etc/hosts") : 0;
}

/* hosts, hostname, resolv.conf (and passwd, group for the default root). */
static int write_etc(int etcfd, const struct people_opts *o, bool identity,
		     struct cell_err *e)
{
	_cleanup_free_ char *hosts = NULL, *resolv = NULL, *hostname = NULL;
	int r;
	if ((r = make_hosts(o, NULL, &hosts, e)) < 0)
		return cell_err_wrap(e, "/etc/hosts");
	if ((r = make_resolv(o, &resolv, e)) < 0)
		return cell_err_wrap(e, "/etc/resolv.conf");
	if (asprintf(&hostname, "%s\n", o->hostname ? o->hostname : o->name) < 0)
		return cell_err_msg(e, ENOMEM, "hostname");
	if ((r = write_file(etcfd, "hosts", hosts, e)) < 0 ||
	    (r = write_file(etcfd, "resolv.conf", resolv, e)) < 0 ||
	    (r = write_file(etcfd, "hostname", hostname, e)) < 0)
		return r;
	if (!identity)
		return 0;

	char passwd[512], group[512];
	int n = snprintf(passwd, sizeof(passwd),
			 "root:x:0:0:root:/root:/bin/sh\n"
			 "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	int m = snprintf(group, sizeof(group), "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n");
	if (o->has_user && o->uid != 0 && o->uid != 65534)
		snprintf(passwd + n, sizeof(passwd) - (size_t)n,
			 "user:x:%u:%u:user:/:/bin/sh\n", o->uid, o->gid);
	if (o->has_user && o->gid != 0 && o->gid != 5 && o->gid != 65534)
		snprintf(group + m, sizeof(group) - (size_t)m, "user:x:%u:\n", o->gid);
	if ((r = write_file(etcfd, "passwd", passwd, e)) < 0 ||
	    (r = write_file(etcfd, "group", group, e)) < 0 ||
	    (r = write_file(etcfd, "nsswitch.conf",
			    "passwd: files\ngroup: files\nhosts: files dns\n", e)) < 0)
		return r;
	return 0;
}

/* Empty mount points, and bin -> usr/bin where the host has it so. */
static int make_default_rootfs(int dirfd, struct cell_err *e)
{
	static const char *const dirs[] = {
		"usr", "proc", "sys", "dev", "tmp", "var", "var/tmp", "run",
		"root", "etc", "home", "mnt",
	};
	if (mkdirat(dirfd, "rootfs", 0755) < 0)
		return cell_err_sys(e, errno, "mkdir rootfs");
	_cleanup_close_ int rootfd =
		openat(dirfd, "rootfs", O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfd < 0)
		return cell_err_sys(e, errno, "open rootfs");
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (mkdirat(rootfd, dirs[i], 0755) < 0)
			return cell_err_sys(e, errno, "rootfs: mkdir %s", dirs[i]);
	for (const char *const *l = people_usr_links; *l; l++) {
		char host[64], target[256];
		snprintf(host, sizeof(host), "/%s", *l);
		ssize_t n = readlink(host, target, sizeof(target) - 1);
		if (n < 0)
			continue; /* a real directory (bound) or absent */
		target[n] = '\0';
		/* only links that stay inside /usr keep meaning in here */
		const char *t = target[0] == '/' ? target + 1 : target;
		if (strncmp(t, "usr/", 4))
			continue;
		if (symlinkat(t, rootfd, *l) < 0)
			return cell_err_sys(e, errno, "rootfs: symlink %s", *l);
	}
	return 0;
}

int people_dir_create(const char *root, const struct people_opts *o,
		      char **dir_out, struct cell_err *e)
{
	_cleanup_free_ char *base = NULL, *state = NULL;
	if (asprintf(&base, "%s/%s", root, PEOPLE_DIR) < 0 ||
	    asprintf(&state, "%s/%s", root, o->name) < 0)
		return cell_err_msg(e, ENOMEM, "people dir");
	/* 0711: a container's mapped root must be able to reach its rootfs */
	int r = file_mkdir_p(base, 0711);
	if (r == -EACCES || r == -EPERM)
		return cell_err_sys(e, -r,
				    "mkdir %s (not root: set XDG_RUNTIME_DIR "
				    "or --root)",
				    base);
	if (r < 0)
		return cell_err_sys(e, -r, "mkdir %s", base);
	if (access(state, F_OK) == 0)
		return cell_err_msg(e, EEXIST, "a container named %s already exists", o->name);
	_cleanup_free_ char *dir = people_dir_path(root, o->name);
	if (!dir)
		return cell_err_msg(e, ENOMEM, "people dir");
	if (mkdir(dir, 0711) < 0) {
		if (errno == EEXIST)
			return cell_err_msg(e, EEXIST, "a container named %s already exists "
					    "(cell stop %s removes it)", o->name, o->name);
		return cell_err_sys(e, errno, "mkdir %s", dir);
	}
	_cleanup_close_ int etcfd = -1;
	_cleanup_close_ int dirfd =
	    openat(AT_FDCWD, dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0) {
		r = cell_err_sys(e, errno, "open %s", dir);
		goto fail;
	}
	if (!o->rootfs) {
		if ((r = make_default_rootfs(dirfd, e)) < 0)
			goto fail;
	} else if (mkdirat(dirfd, "etc", 0755) < 0) {
		r = cell_err_sys(e, errno, "mkdir etc");
		goto fail;
	}
	etcfd = openat(dirfd, o->rootfs ? "etc" : "rootfs/etc",
		       O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (etcfd < 0) {
		r = cell_err_sys(e, errno, "open etc");
		goto fail;
	}
	if ((r = write_etc(etcfd, o, !o->rootfs, e)) < 0)
		goto fail;
	if ((r = people_meta_write(dir, o, e)) < 0)
		goto fail;
	*dir_out = steal_ptr(&dir);
	return 0;
fail:;
	struct cell_err ignored;
	people_dir_remove(dir, &ignored);
	return r;
}

int people_meta_write(const char *dir, const struct people_opts *o,
		      struct cell_err *e)
{
	json_t *cmd = json_array();
	for (char **a = o->cmd; cmd && a && *a; a++)
		json_array_append_new(cmd, json_string(*a));
	json_t *m = json_pack("{s:s, s:o, s:I, s:b, s:b}", "name", o->name,
			      "command", cmd, "created", (json_int_t)time(NULL),
			      "detached", o->detach, "rm", o->rm);
	_cleanup_free_ char *text = m ? json_dumps(m, JSON_COMPACT) : NULL;
	json_decref(m);
	if (!text)
		return cell_err_msg(e, ENOMEM, "meta.json");
	_cleanup_close_ int dirfd =
	    openat(AT_FDCWD, dir, O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return cell_err_sys(e, errno, "open %s", dir);
	return file_replace_at(dirfd, PEOPLE_META, text, strlen(text), 0644, e);
}

/* Remove what is in dirfd, depth first.  Never follows a symlink and
 * never enters another filesystem: a mount left on a path in here (which
 * would be a bug elsewhere) stops the removal instead of emptying it. */
static int remove_contents(int dirfd, dev_t dev, struct cell_err *e)
{
	int fd = dup(dirfd);
	if (fd < 0)
		return cell_err_sys(e, errno, "dup");
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cell_err_sys(e, errno, "opendir");
	}
	int r = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev) {
				r = cell_err_msg(e, EBUSY, "%s is a mount point", de->d_name);
				break;
			}
			int sub = openat(dirfd, de->d_name,
					 O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				continue;
			r = remove_contents(sub, dev, e);
			close(sub);
			if (r < 0)
				break;
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
				r = cell_err_sys(e, errno, "rmdir %s", de->d_name);
				break;
			}
		} else if (unlinkat(dirfd, de->d_name, 0) < 0 && errno != ENOENT) {
			r = cell_err_sys(e, errno, "unlink %s", de->d_name);
			break;
		}
	}
	closedir(d);
	return r;
}

int people_dir_remove(const char *dir, struct cell_err *e)
{
	_cleanup_close_ int fd =
	    openat(AT_FDCWD, dir, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cell_err_sys(e, errno, "open %s", dir);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cell_err_sys(e, errno, "stat %s", dir);
	int r = remove_contents(fd, st.st_dev, e);
	if (r < 0)
		return cell_err_wrap(e, "remove %s", dir);
	if (rmdir(dir) < 0 && errno != ENOENT)
		return cell_err_sys(e, errno, "rmdir %s", dir);
	return 0;
}
