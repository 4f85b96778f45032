#include "container/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "oci/json.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/syscalls.h"

int container_validate_id(const char *id, struct cell_err *e)
{
	size_t n = id ? strlen(id) : 0;
	if (n == 0)
		return cell_err_msg(e, EINVAL, "container id must not be empty");
	if (n > 1024)
		return cell_err_msg(e, EINVAL,
				    "container id is longer than 1024 characters");
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			     (ch >= '0' && ch <= '9');
		if (alnum || (i > 0 && strchr("_.+-", ch)))
			continue;
		char shown[65];
		size_t k = 0;
		/* the id is untrusted: one line, printable */
		for (; id[k] && k < 64; k++)
			shown[k] = id[k] >= 0x20 && id[k] < 0x7f ? id[k] : '?';
		shown[k] = '\0';
		return cell_err_msg(e, EINVAL,
				    "invalid container id \"%s\": use [A-Za-z0-9][A-Za-z0-9_.+-]*",
				    shown);
	}
	return 0;
}

static struct container *container_alloc(const char *root, const char *id)
{
	struct container *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->dirfd = -1;
	c->root = strdup(root);
	c->id = strdup(id);
	if (!c->root || !c->id) {
		container_free(c);
		return NULL;
	}
	return c;
}

static int open_root(const char *root, bool create, struct cell_err *e)
{
	if (create) {
		int r = file_mkdir_p(root, 0711);
		if (r == -EACCES || r == -EPERM)
			return cell_err_sys(e, -r,
					    "create state root %s (not root: "
					    "set XDG_RUNTIME_DIR or --root)",
					    root);
		if (r < 0)
			return cell_err_sys(e, -r, "create state root %s", root);
	}
	int fd = openat(AT_FDCWD, root, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open state root %s", root);
	return fd;
}

int container_new(const char *root, const char *id, struct container **out,
		  struct cell_err *e)
{
	_cleanup_close_ int rootfd = open_root(root, true, e);
	if (rootfd < 0)
		return rootfd;
	if (mkdirat(rootfd, id, 0711) < 0) {
		if (errno == EEXIST)
			return cell_err_msg(e, EEXIST,
					    "container with id %s already exists",
					    id);
		if (errno == EACCES || errno == EPERM)
			return cell_err_sys(e, errno,
					    "create state dir %s/%s (not root: "
					    "set XDG_RUNTIME_DIR or --root)",
					    root, id);
		return cell_err_sys(e, errno, "create state dir %s/%s", root, id);
	}
	struct container *c = container_alloc(root, id);
	if (!c) {
		unlinkat(rootfd, id, AT_REMOVEDIR);
		return cell_err_sys(e, ENOMEM, "create");
	}
	c->dirfd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (c->dirfd < 0 || flock(c->dirfd, LOCK_EX) < 0) {
		int err = errno;
		unlinkat(rootfd, id, AT_REMOVEDIR);
		container_free(c);
		return cell_err_sys(e, err, "open state dir");
	}
	c->locked = true;
	*out = c;
	return 0;
}

static char *json_strdup(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

int container_load(const char *root, const char *id, bool lock,
		   struct container **out, struct cell_err *e)
{
	int r = container_validate_id(id, e);
	if (r < 0)
		return r;
	_cleanup_close_ int rootfd = open_root(root, false, e);
	if (rootfd < 0) {
		if (e->errnum == ENOENT)
			return cell_err_msg(e, ENOENT,
					    "container %s does not exist", id);
		return rootfd;
	}
	struct container *c = container_alloc(root, id);
	if (!c)
		return cell_err_sys(e, ENOMEM, "load");
	c->dirfd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (c->dirfd < 0) {
		int err = errno;
		container_free(c);
		if (err == ENOENT)
			return cell_err_msg(e, ENOENT,
					    "container %s does not exist", id);
		return cell_err_sys(e, err, "open state of %s", id);
	}
	if (lock) {
		if (flock(c->dirfd, LOCK_EX) < 0) {
			int err = errno;
			container_free(c);
			return cell_err_sys(e, err, "lock %s", id);
		}
		c->locked = true;
	}

	_cleanup_free_ char *text = NULL;
	r = file_read_at(c->dirfd, STATE_FILE, 0, &text, NULL, e);
	if (r == -ENOENT) {
		/* create died before it wrote anything: status "creating",
		   and delete can still remove the directory. */
		*out = c;
		return 0;
	}
	if (r < 0) {
		container_free(c);
		return r;
	}
	json_t *st = NULL;
	char origin[128];
	snprintf(origin, sizeof(origin), "state of %s", id);
	if ((r = oci_json_parse(text, strlen(text), origin, &st, e)) < 0) {
		container_free(c);
		return r;
	}
	c->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
	c->start_time =
		(uint64_t)json_integer_value(json_object_get(st, "startTime"));
	c->bundle = json_strdup(st, "bundle");
	c->rootfs = json_strdup(st, "rootfs");
	c->created = json_strdup(st, "created");
	c->cgroups_path = json_strdup(st, "cgroupsPath");
	c->no_cgroup = json_is_true(json_object_get(st, "noCgroup"));
	json_t *lay = json_object_get(st, "cgroupLayout");
	c->cgroup_layout = json_is_object(lay) ? json_incref(lay) : NULL;
	c->systemd_cgroup =
		json_is_true(json_object_get(st, "systemdCgroup"));
	/* null until create has the config (a crash before that) */
	json_t *cj = json_object_get(st, "config");
	c->config_json = json_is_object(cj) ? json_incref(cj) : NULL;
	json_decref(st);
	*out = c;
	return 0;
}

/* The proleptic Gregorian date of a day count since 1970-01-01 (days >= 0:
 * the stamp is now), by eras of 400 years (146097 days). */
static void civil_from_days(int64_t days, int *year, int *month, int *day)
{
	days += 719468; /* from 0000-03-01 */
	int64_t era = days / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = (int)(yoe + era * 400 + (*month <= 2));
}

/* Copy JSON text without the whitespace between tokens (a config as
 * engines write it is indented): every later command reads it back, and
 * the lexer's cost is per byte.  Returns the length copied. */
static size_t copy_compact(char *dst, const char *src, size_t n)
{
	size_t o = 0;
	bool in_str = false;
	for (size_t i = 0; i < n; i++) {
		char ch = src[i];
		if (in_str) {
			dst[o++] = ch;
			if (ch == '\\' && i + 1 < n)
				dst[o++] = src[++i];
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
			dst[o++] = ch;
		} else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
			dst[o++] = ch;
		}
	}
	return o;
}

int container_save(struct container *c, struct cell_err *e)
{
	if (!c->created) {
		char buf[64];
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		/* By hand: glibc's gmtime_r and strftime both load the time
		   zone (/etc/localtime) on first use, for a UTC stamp. */
		int64_t days = ts.tv_sec / 86400, secs = ts.tv_sec % 86400;
		int y, m, d;
		civil_from_days(days, &y, &m, &d);
		snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ",
			 y, m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
			 (int)(secs % 60), ts.tv_nsec);
		c->created = strdup(buf);
	}
	json_t *st = json_pack("{s:s, s:s, s:i, s:I, s:s?, s:s?, s:s?, s:s?}",
			       "ociVersion", CELL_OCI_VERSION, "id", c->id,
			       "pid", (int)c->pid, "startTime",
			       (json_int_t)c->start_time, "bundle", c->bundle,
			       "rootfs", c->rootfs, "created", c->created,
			       "cgroupsPath", c->cgroups_path);
	/* null until create has the config (status "creating") */
	if (st && !c->config_text &&
	    json_object_set_new(st, "config", c->config_json
						      ? json_incref(c->config_json)
						      : json_null()) < 0) {
		json_decref(st);
		st = NULL;
	}
	if (st && c->no_cgroup)
		json_object_set_new(st, "noCgroup", json_true());
	if (st && c->cgroup_layout)
		json_object_set(st, "cgroupLayout", c->cgroup_layout);
	if (st && c->systemd_cgroup &&
	    json_object_set_new(st, "systemdCgroup", json_true()) < 0) {
		json_decref(st);
		st = NULL;
	}
	if (!st)
		return cell_err_msg(e, ENOMEM, "save state");
	/* The config may hold integers past INT64_MAX (RLIM_INFINITY). */
	_cleanup_free_ char *text = oci_json_dumps(st, JSON_COMPACT);
	json_decref(st);
	if (!text)
		return cell_err_msg(e, ENOMEM, "save state");
	if (!c->config_text)
		return file_replace_at(c->dirfd, STATE_FILE, text, strlen(text),
				       0600, e);
	/* The config as read, parsed and validated already: spliced in as
	   the last member rather than dumped again from the tree (most of
	   a create's JSON work was that dump). */
	static const char key[] = ",\"config\":";
	size_t n = strlen(text), m = strlen(c->config_text);
	_cleanup_free_ char *all = malloc(n + sizeof(key) + m + 1);
	if (!all || n < 2 || text[n - 1] != '}')
		return cell_err_msg(e, ENOMEM, "save state");
	memcpy(all, text, n - 1);
	memcpy(all + n - 1, key, sizeof(key) - 1);
	size_t len = n - 1 + sizeof(key) - 1;
	len += copy_compact(all + len, c->config_text, m);
	all[len++] = '}';
	return file_replace_at(c->dirfd, STATE_FILE, all, len, 0600, e);
}

int container_remove_dir(struct container *c, struct cell_err *e)
{
	_cleanup_close_ int rootfd =
	    openat(AT_FDCWD, c->root, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (rootfd < 0)
		return cell_err_sys(e, errno, "open %s", c->root);
	int fd = openat(c->dirfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open state dir");
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cell_err_sys(e, errno, "read state dir");
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(c->dirfd, de->d_name, 0) < 0 && errno != ENOENT)
			return cell_err_sys(e, errno, "remove %s", de->d_name);
	}
	if (unlinkat(rootfd, c->id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return cell_err_sys(e, errno, "remove state dir of %s", c->id);
	return 0;
}

void container_free(struct container *c)
{
	if (!c)
		return;
	if (c->dirfd >= 0)
		close(c->dirfd); /* drops the flock too */
	free(c->root);
	free(c->id);
	free(c->bundle);
	free(c->rootfs);
	free(c->created);
	free(c->cgroups_path);
	json_decref(c->config_json);
	json_decref(c->cgroup_layout);
	oci_config_free(c->config);
	cgroup_free(c->cg);
	free(c);
}

int container_cgroup(struct container *c, struct cgroup **out,
		     struct cell_err *e)
{
	if (c->no_cgroup)
		return cell_err_msg(e, ENOTSUP,
				    "container %s has no cgroup of its own "
				    "(rootless, and no cgroup was delegated)",
				    c->id);
	if (!c->cg) {
		int r = c->systemd_cgroup
				? cgroup_open_systemd(c->cgroups_path, c->id,
						      &c->cg, e)
				: c->cgroup_layout
				? cgroup_from_layout(c->cgroup_layout, &c->cg, e)
				: cgroup_new(c->cgroups_path, c->id, &c->cg, e);
		if (r < 0)
			return r;
	}
	*out = c->cg;
	return 0;
}

static int no_saved_config(const struct container *c, struct cell_err *e)
{
	return cell_err_msg(e, ENOENT, "container %s has no saved config",
			    c->id);
}

int container_config(struct container *c, const struct oci_config **out,
		     struct cell_err *e)
{
	if (!c->config) {
		if (!c->config_json)
			return no_saved_config(c, e);
		int r = oci_config_from_json(c->config_json, "config.json",
					     &c->config, e);
		if (r < 0)
			return r;
	}
	*out = c->config;
	return 0;
}

int container_config_for_exec(const struct container *c,
			      struct oci_config **out, struct cell_err *e)
{
	if (!c->config_json)
		return no_saved_config(c, e);
	return oci_config_from_json_for_exec(c->config_json, "config.json", out,
					     e);
}

int proc_start_time(pid_t pid, uint64_t *start, char *state)
{
	char path[32], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	_cleanup_close_ int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: parse after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p += 2;
	if (state)
		*state = *p;
	/* field 3 is state; start time is field 22 */
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EIO;
		p++;
	}
	*start = strtoull(p, NULL, 10);
	return 0;
}

int container_pidfd(struct container *c)
{
	if (c->pid <= 0)
		return -ESRCH;
	int fd = sys_pidfd_open(c->pid, 0);
	if (fd < 0)
		return -errno;
	/* With the pidfd held, the pid cannot be reused: checking the start
	   time now proves the fd is the container's init. */
	uint64_t st;
	char state;
	if (proc_start_time(c->pid, &st, &state) < 0 || st != c->start_time ||
	    state == 'Z' || state == 'X') {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

enum container_status container_status(struct container *c)
{
	if (!c->config_json)
		return STATUS_CREATING;
	if (c->pid <= 0)
		return STATUS_CREATING;
	uint64_t st;
	char state;
	if (proc_start_time(c->pid, &st, &state) < 0 || st != c->start_time ||
	    state == 'Z' || state == 'X')
		return STATUS_STOPPED;
	return container_status_alive(c);
}

enum container_status container_status_alive(struct container *c)
{
	if (!c->config_json)
		return STATUS_CREATING;
	if (faccessat(c->dirfd, START_SOCKET, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return STATUS_CREATED;

	struct cgroup *cg = NULL;
	struct cell_err e;
	enum container_status s = STATUS_RUNNING;
	if (!c->no_cgroup && container_cgroup(c, &cg, &e) == 0 &&
	    cg->ops->is_frozen(cg, &e) == 1)
		s = STATUS_PAUSED;
	return s;
}

const char *container_status_name(enum container_status s)
{
	static const char *const names[] = {
		[STATUS_CREATING] = "creating", [STATUS_CREATED] = "created",
		[STATUS_RUNNING] = "running",   [STATUS_PAUSED] = "paused",
		[STATUS_STOPPED] = "stopped",
	};
	return names[s];
}

json_t *container_state_json(struct container *c, enum container_status s)
{
	json_t *ann = c->config_json ? json_object_get(c->config_json, "annotations")
				     : NULL;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s?}", "ociVersion",
			      CELL_OCI_VERSION, "id", c->id, "status",
			      container_status_name(s), "bundle", c->bundle);
	if (!o)
		return NULL;
	if (s != STATUS_STOPPED && c->pid > 0)
		json_object_set_new(o, "pid", json_integer(c->pid));
	if (json_is_object(ann) && json_object_size(ann) > 0)
		json_object_set(o, "annotations", ann);
	return o;
}
