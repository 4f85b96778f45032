/* Reading and writing cgroup files, making and removing cgroup trees, and
 * walking the pids below a cgroup: the same for v1 and v2. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/file.h"

char *cg_path(const char *dir, const char *file)
{
	size_t d = strlen(dir), f = strlen(file);
	char *p = malloc(d + f + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, d);
	p[d] = '/';
	memcpy(p + d + 1, file, f + 1);
	return p;
}

bool cg_file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = cg_path(dir, file);
	return p && access(p, F_OK) == 0;
}

int cg_write_keep(int *fd, const char *dir, const char *file,
		  const char *value, struct cell_err *e)
{
	/* The path only to open the file (a kept fd needs none), or to
	   explain and report. */
	_cleanup_free_ char *p = NULL;
	TRACE_SCOPEF("cgroup write", "%s", file);
	if ((*fd < 0 || trace_enabled()) && !(p = cg_path(dir, file)))
		return cell_err_sys(e, ENOMEM, "%s", file);
	EXPLAIN(cg_file_purpose(file), "write %s \"%.*s\"", p,
		(int)strcspn(value, "\n"), value);
	if (*fd < 0 && (*fd = openat(AT_FDCWD, p, O_WRONLY | O_CLOEXEC)) < 0)
		return cell_err_sys(e, errno, "open %s", p);
	size_t len = strlen(value);
	ssize_t w = write(*fd, value, len);
	if (w >= 0 && (size_t)w == len)
		return 0;
	int err = w < 0 ? errno : EIO;
	if (!p && !(p = cg_path(dir, file)))
		return cell_err_sys(e, ENOMEM, "%s", file);
	if (w < 0)
		return cell_err_sys(e, err, "write %s to %s", value, p);
	return cell_err_msg(e, EIO, "write %s to %s: short write", value, p);
}

int cg_write(const char *dir, const char *file, const char *value,
	     struct cell_err *e)
{
	_cleanup_close_ int fd = -1;
	return cg_write_keep(&fd, dir, file, value, e);
}

int cg_writef(const char *dir, const char *file, struct cell_err *e,
	      const char *fmt, ...)
{
	_cleanup_free_ char *v = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&v, fmt, ap);
	va_end(ap);
	if (n < 0)
		return cell_err_sys(e, ENOMEM, "%s", file);
	return cg_write(dir, file, v, e);
}

int cg_read(const char *dir, const char *file, char **out, struct cell_err *e)
{
	_cleanup_free_ char *p = cg_path(dir, file);
	if (!p)
		return cell_err_sys(e, ENOMEM, "%s", file);
	return file_read_at(AT_FDCWD, p, 0, out, NULL, e);
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out,
		struct cell_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = cg_read(dir, file, &s, e);
	if (r < 0)
		return r;
	if (strncmp(s, "max", 3) == 0) {
		*out = UINT64_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	/* v1 limits read back as -1 in a few places (memsw on some kernels). */
	if (s[0] == '-') {
		*out = UINT64_MAX;
		return 0;
	}
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return cell_err_msg(e, EINVAL, "%s/%s: not a number: %s", dir,
				    file, s);
	*out = v;
	return 0;
}

int cg_read_keyed(const char *dir, const char *file, const char *key,
		  uint64_t *out, struct cell_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = cg_read(dir, file, &s, e);
	if (r < 0)
		return r;
	size_t kl = strlen(key);
	for (char *line = s; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			*out = strtoull(line + kl + 1, NULL, 10);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return cell_err_msg(e, ENOENT, "%s/%s: no \"%s\"", dir, file, key);
}

void cg_sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cg_mkdir_p(const char *mount, const char *dir, struct cell_err *e)
{
	size_t ml = strlen(mount);
	if (strncmp(dir, mount, ml) != 0)
		return cell_err_msg(e, EINVAL, "cgroup: %s is not below %s",
				    dir, mount);
	_cleanup_free_ char *p = strdup(dir);
	if (!p)
		return cell_err_sys(e, ENOMEM, "mkdir %s", dir);
	for (char *s = p + ml + 1; s && *s;) {
		char *slash = strchr(s, '/');
		if (slash)
			*slash = '\0';
		if (!slash)
			EXPLAIN("a cgroup of its own in this hierarchy: the limits written into it apply to everything the container runs",
				"mkdir %s", p);
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return cell_err_sys(e, errno, "mkdir %s", p);
		if (!slash)
			break;
		*slash = '/';
		s = slash + 1;
	}
	return 0;
}

/* rmdir one directory, retrying while the kernel still holds it: right
 * after the last task exits the cgroup can report EBUSY for a moment. */
static int rmdir_retry(const char *dir, struct cell_err *e)
{
	for (int i = 0;; i++) {
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || i >= 100)
			return cell_err_sys(e, errno, "rmdir %s", dir);
		cg_sleep_ms(10);
	}
}

int cg_rmdir_tree(const char *dir, struct cell_err *e)
{
	/* The usual case is a leaf whose last process has gone: one rmdir.
	   EBUSY means sub-cgroups (or a process still exiting): walk. */
	if (rmdir(dir) == 0 || errno == ENOENT)
		return 0;
	if (errno != EBUSY)
		return cell_err_sys(e, errno, "rmdir %s", dir);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return cell_err_sys(e, errno, "open %s", dir);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		_cleanup_free_ char *sub = cg_path(dir, de->d_name);
		if (!sub)
			return cell_err_sys(e, ENOMEM, "rmdir %s", dir);
		int r = cg_rmdir_tree(sub, e);
		if (r < 0)
			return r;
	}
	return rmdir_retry(dir, e);
}

struct pid_list {
	pid_t *v;
	size_t n, cap;
};

static int pid_list_add(struct pid_list *l, pid_t pid)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i] == pid)
			return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		pid_t *nv = realloc(l->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = pid;
	return 0;
}

static int collect_pids(const char *dir, struct pid_list *l,
			struct cell_err *e)
{
	_cleanup_free_ char *procs = NULL;
	int r = cg_read(dir, "cgroup.procs", &procs, e);
	if (r == -ENOENT)
		return 0; /* removed under us */
	if (r < 0)
		return r;
	for (char *p = procs; *p;) {
		char *end;
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0 && pid_list_add(l, (pid_t)pid) < 0)
			return cell_err_sys(e, ENOMEM, "%s", dir);
		p = end;
		while (*p == '\n')
			p++;
	}
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cell_err_sys(e, errno, "open %s", dir);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		_cleanup_free_ char *sub = cg_path(dir, de->d_name);
		if (!sub)
			return cell_err_sys(e, ENOMEM, "%s", dir);
		r = collect_pids(sub, l, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg_read_pids(const char *dir, pid_t **pids, size_t *n,
		 struct cell_err *e)
{
	struct pid_list l = { 0 };
	int r = collect_pids(dir, &l, e);
	if (r < 0) {
		free(l.v);
		return r;
	}
	*pids = l.v;
	*n = l.n;
	return 0;
}

int cg_signal_pids(const char *dir, int sig, size_t *n_signalled,
		   struct cell_err *e)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0, sent = 0;
	int r = cg_read_pids(dir, &pids, &n, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (kill(pids[i], sig) == 0)
			sent++;
		else if (errno != ESRCH)
			return cell_err_sys(e, errno, "kill %d", (int)pids[i]);
	}
	if (n_signalled)
		*n_signalled = sent;
	return 0;
}
