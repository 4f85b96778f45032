/* Paths inside a root that the container controls.
 *
 * Every walk goes through openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)
 * from the root fd: the kernel treats "/" and ".." at the root as the root
 * itself, and refuses /proc/self/fd/N style jumps, so no symlink planted in
 * the rootfs can lead a lookup (or a mkdir) to the host. */
#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/syscalls.h"

#define IN_ROOT_RESOLVE (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)

/* openat2 may return EAGAIN under RESOLVE_IN_ROOT when a concurrent rename
 * could have moved the walk; retrying is what the kernel asks for. */
static int openat2_in_root(int rootfd, const char *path, int flags,
			   mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/* O_TMPFILE includes O_DIRECTORY: test all its bits. */
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE)
				? mode
				: 0,
		.resolve = IN_ROOT_RESOLVE,
	};
	if (!path || !*path)
		path = "/";
	for (int tries = 0; tries < 32; tries++) {
		int fd = sys_openat2(rootfd, path, &how);
		if (fd >= 0 || errno != EAGAIN)
			return fd;
	}
	return -1;
}

int path_open_in_root(int rootfd, const char *path, int flags,
		      struct cell_err *e)
{
	int fd = openat2_in_root(rootfd, path, flags, 0644);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s inside the rootfs",
				    path ? path : "/");
	return fd;
}

/* The component after *pos (skipping slashes): sets *len, moves *pos past
 * it.  Returns NULL at the end. */
static const char *next_component(const char **pos, size_t *len)
{
	const char *p = *pos;
	while (*p == '/')
		p++;
	if (!*p)
		return NULL;
	const char *start = p;
	while (*p && *p != '/')
		p++;
	*len = (size_t)(p - start);
	*pos = p;
	return start;
}

static int mkdirs_in_root(int rootfd, const char *path, bool leaf_is_file,
			  int depth, struct cell_err *e);

int path_mkdirs_in_root(int rootfd, const char *path, bool leaf_is_file,
			struct cell_err *e)
{
	return mkdirs_in_root(rootfd, path, leaf_is_file, 0, e);
}

/* A component that is a dangling symlink: go on from where it points, read
 * inside the root (as runc's securejoin does), so "/escape -> /host/dir"
 * creates <root>/host/dir and never the host's. */
static int follow_dangling(int rootfd, int parent, const char *name,
			   const char *prefix, const char *rest,
			   bool leaf_is_file, int depth, struct cell_err *e)
{
	char target[4096];
	ssize_t n = readlinkat(parent, name, target, sizeof(target) - 1);
	if (n < 0)
		return -ENOENT;
	target[n] = '\0';
	if (depth >= 40)
		return cell_err_msg(e, ELOOP, "%s: too many levels of symbolic links",
				    prefix);
	/* prefix is "/a/b/name": the link is relative to "/a/b" */
	size_t dlen = strlen(prefix) - strlen(name);
	size_t cap = dlen + strlen(target) + strlen(rest) + 4;
	_cleanup_free_ char *next = malloc(cap);
	if (!next)
		return cell_err_sys(e, ENOMEM, "mkdir %s", prefix);
	if (target[0] == '/')
		snprintf(next, cap, "%s/%s", target, rest);
	else
		snprintf(next, cap, "%.*s%s/%s", (int)dlen, prefix, target, rest);
	return mkdirs_in_root(rootfd, next, leaf_is_file, depth + 1, e);
}

static int mkdirs_in_root(int rootfd, const char *path, bool leaf_is_file,
			  int depth, struct cell_err *e)
{
	_cleanup_free_ char *clean = path_clean(path);
	if (!clean)
		return cell_err_sys(e, ENOMEM, "mkdir %s inside the rootfs",
				    path);

	/* Fast path: it is already there. */
	int fd = openat2_in_root(rootfd, clean,
				 O_PATH | (leaf_is_file ? 0 : O_DIRECTORY), 0);
	if (fd >= 0)
		return fd;
	if (errno != ENOENT)
		return cell_err_sys(e, errno, "open %s inside the rootfs",
				    clean);

	/* prefix grows one component at a time; each parent is re-resolved
	 * from rootfd so a symlink component means what it means inside the
	 * root, and the mkdirat happens in the directory it resolved to. */
	size_t n = strlen(clean);
	_cleanup_free_ char *prefix = calloc(1, n + 2);
	if (!prefix)
		return cell_err_sys(e, ENOMEM, "mkdir %s inside the rootfs",
				    clean);
	_cleanup_close_ int parent = openat2_in_root(rootfd, "/",
						     O_PATH | O_DIRECTORY, 0);
	if (parent < 0)
		return cell_err_sys(e, errno, "open the rootfs");

	const char *pos = clean;
	size_t clen = 0;
	const char *comp = next_component(&pos, &clen);
	while (comp) {
		size_t plen = strlen(prefix);
		prefix[plen] = '/';
		memcpy(prefix + plen + 1, comp, clen);
		prefix[plen + 1 + clen] = '\0';
		_cleanup_free_ char *name = strndup(comp, clen);
		if (!name)
			return cell_err_sys(e, ENOMEM, "mkdir %s", clean);

		size_t nlen = 0;
		const char *peek = pos;
		bool last = next_component(&peek, &nlen) == NULL;
		bool want_file = last && leaf_is_file;

		int cfd = openat2_in_root(rootfd, prefix,
					  O_PATH | (want_file ? 0 : O_DIRECTORY),
					  0);
		struct stat lst;
		if (cfd < 0 && errno == ENOENT &&
		    fstatat(parent, name, &lst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(lst.st_mode))
			return follow_dangling(rootfd, parent, name, prefix, pos,
					       leaf_is_file, depth, e);
		if (cfd < 0 && errno == ENOENT) {
			if (want_file) {
				int w = openat(parent, name,
					       O_CREAT | O_EXCL | O_WRONLY |
						       O_NOFOLLOW | O_CLOEXEC,
					       0644);
				if (w < 0 && errno != EEXIST)
					return cell_err_sys(e, errno,
							    "create %s inside the rootfs",
							    prefix);
				if (w >= 0)
					close(w);
			} else if (mkdirat(parent, name, 0755) < 0 &&
				   errno != EEXIST) {
				return cell_err_sys(e, errno,
						    "mkdir %s inside the rootfs",
						    prefix);
			}
			cfd = openat2_in_root(rootfd, prefix,
					      O_PATH |
						      (want_file ? 0 : O_DIRECTORY),
					      0);
		}
		if (cfd < 0)
			return cell_err_sys(e, errno,
					    "open %s inside the rootfs", prefix);
		close(parent);
		parent = cfd;
		comp = next_component(&pos, &clen);
	}
	return steal_fd(&parent);
}

char *path_clean(const char *path)
{
	if (!path)
		path = "";
	size_t n = strlen(path);
	char *out = malloc(n + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	const char *pos = path;
	const char *comp;
	size_t len = 0;
	while ((comp = next_component(&pos, &len))) {
		if (len == 1 && comp[0] == '.')
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			/* ".." at the root stays at the root. */
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, comp, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

char *path_join(const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	size_t alen = strlen(a);
	while (alen > 0 && a[alen - 1] == '/')
		alen--;
	while (*b == '/')
		b++;
	size_t blen = strlen(b);
	char *out = malloc(alen + blen + 2);
	if (!out)
		return NULL;
	memcpy(out, a, alen);
	out[alen] = '/';
	memcpy(out + alen + 1, b, blen);
	out[alen + 1 + blen] = '\0';
	return out;
}
