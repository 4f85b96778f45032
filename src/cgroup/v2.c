/* The unified (v2) backend: one directory holds every controller. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

/* Controllers the container's cgroup gets when the host offers them. */
static const char *const v2_wanted[] = {
	"cpu", "memory", "pids", "io", "cpuset", "hugetlb", "rdma", "misc", NULL,
};

static bool word_in(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += wl)
		if ((p == list || p[-1] == ' ') &&
		    (p[wl] == ' ' || p[wl] == '\n' || p[wl] == '\0'))
			return true;
	return false;
}

/* The kernel only offers a controller to a cgroup when its parent lists it
 * in cgroup.subtree_control, so enable top-down along the path.  The
 * container's own cgroup stays a leaf (no internal processes rule). */
static int enable_controllers(const char *ancestor, struct cell_err *e)
{
	_cleanup_free_ char *avail = NULL, *enabled = NULL;
	int r = cg_read(ancestor, "cgroup.controllers", &avail, e);
	if (r < 0)
		return r;
	r = cg_read(ancestor, "cgroup.subtree_control", &enabled, e);
	if (r < 0)
		return r;
	for (const char *const *c = v2_wanted; *c; c++) {
		if (!word_in(avail, *c) || word_in(enabled, *c))
			continue;
		struct cell_err we;
		if (cg_writef(ancestor, "cgroup.subtree_control", &we, "+%s",
			      *c) < 0)
			log_warn("cgroup: cannot enable the %s controller in "
				 "%s: %s", *c, ancestor, we.msg);
	}
	return 0;
}

int cg_v2_create_node(const struct cgroup *cg, struct cell_err *e)
{
	const char *mount = cg->layout->v2_mount, *dir = cg->layout->v2_dir;
	int r = cg_mkdir_p(mount, dir, e);
	if (r < 0)
		return cell_err_wrap(e, "cgroup");
	_cleanup_free_ char *p = strdup(dir);
	if (!p)
		return cell_err_sys(e, ENOMEM, "cgroup");
	/* Ancestors: the mount itself, then each prefix short of the leaf. */
	size_t ml = strlen(mount);
	for (char *s = p + ml;;) {
		char saved = *s;
		*s = '\0';
		r = enable_controllers(p[0] ? p : "/", e);
		*s = saved;
		if (r < 0)
			return cell_err_wrap(e, "cgroup");
		char *slash = strchr(s + 1, '/');
		if (!slash)
			break;
		s = slash;
	}
	return 0;
}

int cg_v2_is_frozen_dir(const char *dir, struct cell_err *e)
{
	uint64_t v = 0;
	int r = cg_read_keyed(dir, "cgroup.events", "frozen", &v, e);
	if (r < 0)
		return r;
	return v ? 1 : 0;
}

int cg_v2_freeze_dir(const char *dir, bool frozen, struct cell_err *e)
{
	int r = cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", e);
	if (r < 0)
		return cell_err_wrap(e, "cgroup: %s", frozen ? "freeze" : "thaw");
	/* Freezing completes asynchronously; cgroup.events says when. */
	for (int i = 0; i < 200; i++) {
		r = cg_v2_is_frozen_dir(dir, e);
		if (r < 0)
			return r;
		if (r == (frozen ? 1 : 0))
			return 0;
		cg_sleep_ms(10);
	}
	return cell_err_msg(e, EBUSY, "cgroup: %s: timed out waiting for %s",
			    dir, frozen ? "frozen" : "thawed");
}

static int v2_create(struct cgroup *cg, struct cell_err *e)
{
	return cg_v2_create_node(cg, e);
}

static int v2_apply(struct cgroup *cg, const struct oci_resources *r,
		    bool update, struct cell_err *e)
{
	return cg_apply_resources(cg, r, update, e);
}

static int v2_enter(struct cgroup *cg, pid_t pid, struct cell_err *e)
{
	int r = cg_writef(cg->layout->v2_dir, "cgroup.procs", e, "%d",
			  (int)pid);
	return r < 0 ? cell_err_wrap(e, "cgroup: enter") : 0;
}

static int v2_freeze(struct cgroup *cg, bool frozen, struct cell_err *e)
{
	return cg_v2_freeze_dir(cg->layout->v2_dir, frozen, e);
}

static int v2_is_frozen(struct cgroup *cg, struct cell_err *e)
{
	return cg_v2_is_frozen_dir(cg->layout->v2_dir, e);
}

/* Wait (briefly) until no live task is left; zombies do not count. */
static void wait_unpopulated(const char *dir)
{
	struct cell_err ignored;
	for (int i = 0; i < 100; i++) {
		uint64_t populated = 1;
		if (cg_read_keyed(dir, "cgroup.events", "populated", &populated,
				  &ignored) < 0 ||
		    !populated)
			return;
		cg_sleep_ms(10);
	}
}

static int v2_kill_all(struct cgroup *cg, int sig, struct cell_err *e)
{
	const char *dir = cg->layout->v2_dir;
	if (sig != SIGKILL)
		return cg_signal_pids(dir, sig, NULL, e);
	/* cgroup.kill (5.14) kills the whole subtree atomically, including
	   tasks forked while we look. */
	if (cg_file_exists(dir, "cgroup.kill")) {
		int r = cg_write(dir, "cgroup.kill", "1", e);
		if (r < 0)
			return cell_err_wrap(e, "cgroup: kill");
		wait_unpopulated(dir);
		return 0;
	}
	/* Older kernels: freeze so nothing forks between reading and
	   signalling, kill, thaw so the signal is delivered; repeat. */
	for (int round = 0; round < 100; round++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		int r = cg_v2_freeze_dir(dir, true, e);
		if (r < 0)
			return r;
		r = cg_signal_pids(dir, SIGKILL, &n, e);
		int t = cg_v2_freeze_dir(dir, false, e);
		if (r < 0 || t < 0)
			return r < 0 ? r : t;
		r = cg_read_pids(dir, &pids, &n, e);
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		cg_sleep_ms(10);
	}
	return cell_err_msg(e, EBUSY, "cgroup: %s: processes survive SIGKILL",
			    dir);
}

static int v2_pids(struct cgroup *cg, pid_t **pids, size_t *n,
		   struct cell_err *e)
{
	return cg_read_pids(cg->layout->v2_dir, pids, n, e);
}

static int v2_stats(struct cgroup *cg, json_t **out, struct cell_err *e)
{
	return cg_stats(cg, out, e);
}

static int v2_destroy(struct cgroup *cg, struct cell_err *e)
{
	if (cg->v2_fd >= 0) {
		close(cg->v2_fd);
		cg->v2_fd = -1;
	}
	int r = cg_rmdir_tree(cg->layout->v2_dir, e);
	return r < 0 ? cell_err_wrap(e, "cgroup: destroy") : 0;
}

static int v2_clone_fd(struct cgroup *cg)
{
	if (cg->v2_fd < 0)
		cg->v2_fd = openat(AT_FDCWD, cg->layout->v2_dir,
				   O_PATH | O_DIRECTORY | O_CLOEXEC);
	return cg->v2_fd;
}

static int v2_join_fds(struct cgroup *cg, int *fds, size_t max, size_t *n,
		       struct cell_err *e)
{
	*n = 0;
	return 0;
}

static int v2_oom_fd(struct cgroup *cg, struct cell_err *e)
{
	return cg_oom_fd(cg, e);
}

static int v2_oom_kills(struct cgroup *cg, uint64_t *out, struct cell_err *e)
{
	return cg_oom_kills(cg, out, e);
}

const struct cgroup_ops cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.apply = v2_apply,
	.enter = v2_enter,
	.freeze = v2_freeze,
	.is_frozen = v2_is_frozen,
	.kill_all = v2_kill_all,
	.pids = v2_pids,
	.stats = v2_stats,
	.destroy = v2_destroy,
	.clone_fd = v2_clone_fd,
	.join_fds = v2_join_fds,
	.oom_fd = v2_oom_fd,
	.oom_kills = v2_oom_kills,
};
