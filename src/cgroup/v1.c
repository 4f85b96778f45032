/* The legacy (v1) backend: one directory per mounted hierarchy.  Hybrid is
 * the same plus the v2 node at /sys/fs/cgroup/unified<path>, which the
 * process also joins (so systemd and v2-only controllers see it). */
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

static bool is_hybrid(const struct cgroup *cg)
{
	return cg->mode == CGROUP_MODE_HYBRID && cg->layout->v2_dir;
}

/* A new cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and
 * the kernel refuses tasks until both are set: copy the parent's into each
 * level we made (or that is still empty). */
static int cpuset_fill_levels(const struct cg_v1_hier *h, struct cell_err *e)
{
	_cleanup_free_ char *p = strdup(h->dir);
	if (!p)
		return cell_err_sys(e, ENOMEM, "cpuset");
	size_t ml = strlen(h->mount);
	char *parent_end = p + ml;
	for (;;) {
		char *slash = strchr(parent_end + 1, '/');
		/* p[0..parent_end) is the parent; the child ends at slash. */
		static const char *const files[] = { "cpuset.cpus",
						     "cpuset.mems" };
		for (size_t i = 0; i < 2; i++) {
			_cleanup_free_ char *cur = NULL, *par = NULL;
			if (slash)
				*slash = '\0';
			int r = cg_read(p, files[i], &cur, e);
			if (slash)
				*slash = '/';
			if (r < 0)
				return r;
			if (cur[0] != '\n' && cur[0] != '\0')
				continue;
			char saved = *parent_end;
			*parent_end = '\0';
			r = cg_read(p, files[i], &par, e);
			*parent_end = saved;
			if (r < 0)
				return r;
			if (slash)
				*slash = '\0';
			r = cg_write(p, files[i], par, e);
			if (slash)
				*slash = '/';
			if (r < 0)
				return r;
		}
		if (!slash)
			return 0;
		parent_end = slash;
	}
}

static int v1_create(struct cgroup *cg, struct cell_err *e)
{
	const struct cgroup_layout *l = cg->layout;
	for (size_t i = 0; i < l->n_v1; i++) {
		const struct cg_v1_hier *h = &l->v1[i];
		int r = cg_mkdir_p(h->mount, h->dir, e);
		if (r == 0 && cg_v1_find(cg, "cpuset") == h)
			r = cpuset_fill_levels(h, e);
		if (r < 0)
			return cell_err_wrap(e, "cgroup: create (%s)",
					     h->controllers);
	}
	if (is_hybrid(cg))
		return cg_v2_create_node(cg, e);
	return 0;
}

static int v1_apply(struct cgroup *cg, const struct oci_resources *r,
		    bool update, struct cell_err *e)
{
	return cg_apply_resources(cg, r, update, e);
}

static int v1_enter(struct cgroup *cg, pid_t pid, struct cell_err *e)
{
	const struct cgroup_layout *l = cg->layout;
	for (size_t i = 0; i < l->n_v1; i++) {
		int r = cg_writef(l->v1[i].dir, "cgroup.procs", e, "%d",
				  (int)pid);
		if (r < 0)
			return cell_err_wrap(e, "cgroup: enter (%s)",
					     l->v1[i].controllers);
	}
	if (is_hybrid(cg)) {
		int r = cg_writef(l->v2_dir, "cgroup.procs", e, "%d", (int)pid);
		if (r < 0)
			return cell_err_wrap(e, "cgroup: enter (unified)");
	}
	return 0;
}

static int v1_freezer_state(const char *dir, char *buf, size_t len,
			    struct cell_err *e)
{
	_cleanup_free_ char *s = NULL;
	int r = cg_read(dir, "freezer.state", &s, e);
	if (r < 0)
		return r;
	s[strcspn(s, "\n")] = '\0';
	snprintf(buf, len, "%s", s);
	return 0;
}

static int v1_freeze(struct cgroup *cg, bool frozen, struct cell_err *e)
{
	const struct cg_v1_hier *h = cg_v1_find(cg, "freezer");
	if (!h) {
		if (is_hybrid(cg))
			return cg_v2_freeze_dir(cg->layout->v2_dir, frozen, e);
		return cell_err_msg(e, ENOTSUP,
				    "cgroup: the freezer controller is not "
				    "mounted");
	}
	const char *want = frozen ? "FROZEN" : "THAWED";
	/* FREEZING is transitional; a task in an uninterruptible sleep can
	   hold it there, so re-request and poll for a while. */
	for (int i = 0; i < 200; i++) {
		if (i % 10 == 0) {
			int r = cg_write(h->dir, "freezer.state", want, e);
			if (r < 0)
				return cell_err_wrap(e, "cgroup: %s",
						     frozen ? "freeze" : "thaw");
		}
		char state[32];
		int r = v1_freezer_state(h->dir, state, sizeof(state), e);
		if (r < 0)
			return r;
		if (strcmp(state, want) == 0)
			return 0;
		cg_sleep_ms(5);
	}
	if (frozen) {
		struct cell_err ignored;
		cg_write(h->dir, "freezer.state", "THAWED", &ignored);
	}
	return cell_err_msg(e, EBUSY, "cgroup: %s: timed out waiting for %s",
			    h->dir, want);
}

static int v1_is_frozen(struct cgroup *cg, struct cell_err *e)
{
	const struct cg_v1_hier *h = cg_v1_find(cg, "freezer");
	if (!h) {
		if (is_hybrid(cg))
			return cg_v2_is_frozen_dir(cg->layout->v2_dir, e);
		return 0;
	}
	char state[32];
	int r = v1_freezer_state(h->dir, state, sizeof(state), e);
	if (r < 0)
		return r;
	return strcmp(state, "FROZEN") == 0;
}

/* The hierarchy whose cgroup.procs lists every task of the container. */
static const char *v1_procs_dir(const struct cgroup *cg)
{
	static const char *const pref[] = { "pids", "freezer", "memory",
					    "devices", NULL };
	for (const char *const *c = pref; *c; c++) {
		const struct cg_v1_hier *h = cg_v1_find(cg, *c);
		if (h)
			return h->dir;
	}
	return cg->layout->n_v1 ? cg->layout->v1[0].dir : cg->layout->v2_dir;
}

static int v1_pids(struct cgroup *cg, pid_t **pids, size_t *n,
		   struct cell_err *e)
{
	return cg_read_pids(v1_procs_dir(cg), pids, n, e);
}

static int v1_kill_all(struct cgroup *cg, int sig, struct cell_err *e)
{
	const char *dir = v1_procs_dir(cg);
	if (sig != SIGKILL)
		return cg_signal_pids(dir, sig, NULL, e);
	bool can_freeze = cg_v1_find(cg, "freezer") || is_hybrid(cg);
	/* Freeze so that nothing forks between reading the list and
	   signalling it; thaw so the frozen tasks act on SIGKILL; repeat
	   until nothing is left. */
	for (int round = 0; round < 200; round++) {
		int r;
		if (can_freeze) {
			r = v1_freeze(cg, true, e);
			if (r < 0)
				return r;
		}
		r = cg_signal_pids(dir, SIGKILL, NULL, e);
		if (can_freeze) {
			struct cell_err te;
			int t = v1_freeze(cg, false, &te);
			if (r == 0 && t < 0) {
				*e = te;
				r = t;
			}
		}
		if (r < 0)
			return cell_err_wrap(e, "cgroup: kill");
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		r = cg_read_pids(dir, &pids, &n, e);
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		cg_sleep_ms(5);
	}
	return cell_err_msg(e, EBUSY, "cgroup: %s: processes survive SIGKILL",
			    dir);
}

static int v1_stats(struct cgroup *cg, json_t **out, struct cell_err *e)
{
	return cg_stats(cg, out, e);
}

static int v1_destroy(struct cgroup *cg, struct cell_err *e)
{
	const struct cgroup_layout *l = cg->layout;
	int first = 0;
	struct cell_err one;
	/* Keep going after a failure so one stuck hierarchy does not leave
	   the others behind; report the first error. */
	for (size_t i = 0; i <= l->n_v1; i++) {
		const char *dir = i < l->n_v1 ? l->v1[i].dir
				  : is_hybrid(cg) ? l->v2_dir
						  : NULL;
		if (!dir)
			continue;
		int r = cg_rmdir_tree(dir, &one);
		if (r < 0 && first == 0) {
			first = r;
			*e = one;
		}
	}
	return first < 0 ? cell_err_wrap(e, "cgroup: destroy") : 0;
}

static int v1_clone_fd(struct cgroup *cg)
{
	/* CLONE_INTO_CGROUP takes a v2 cgroup only, and in hybrid mode the
	   v1 hierarchies would still have to be joined by hand. */
	return -1;
}

static int v1_join_fds(struct cgroup *cg, int *fds, size_t max, size_t *n,
		       struct cell_err *e)
{
	const struct cgroup_layout *l = cg->layout;
	*n = 0;
	for (size_t i = 0; i < l->n_v1; i++) {
		if (*n == max) {
			cgroup_close_fds(fds, *n);
			return cell_err_msg(e, E2BIG, "cgroup: too many hierarchies");
		}
		_cleanup_free_ char *p = cg_path(l->v1[i].dir, "tasks");
		int fd = p ? openat(AT_FDCWD, p, O_WRONLY | O_CLOEXEC) : -1;
		if (fd < 0) {
			int err = p ? errno : ENOMEM;
			cgroup_close_fds(fds, *n);
			return cell_err_sys(e, err, "cgroup: open %s",
					    p ? p : "tasks");
		}
		fds[(*n)++] = fd;
	}
	return 0;
}

/* In hybrid mode the v2 node is on the default hierarchy, where clone3
 * can start the process directly (CLONE_INTO_CGROUP). */
static int v1_hybrid_clone_fd(struct cgroup *cg)
{
	if (!is_hybrid(cg))
		return -1;
	if (cg->v2_fd < 0)
		cg->v2_fd = openat(AT_FDCWD, cg->layout->v2_dir,
				   O_PATH | O_DIRECTORY | O_CLOEXEC);
	return cg->v2_fd;
}

static int v1_oom_fd(struct cgroup *cg, struct cell_err *e)
{
	return cg_oom_fd(cg, e);
}

static int v1_oom_kills(struct cgroup *cg, uint64_t *out, struct cell_err *e)
{
	return cg_oom_kills(cg, out, e);
}

const struct cgroup_ops cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.apply = v1_apply,
	.enter = v1_enter,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.kill_all = v1_kill_all,
	.pids = v1_pids,
	.stats = v1_stats,
	.destroy = v1_destroy,
	.clone_fd = v1_clone_fd,
	.join_fds = v1_join_fds,
	.oom_fd = v1_oom_fd,
	.oom_kills = v1_oom_kills,
};

const struct cgroup_ops cgroup_v1_hybrid_ops = {
	.name = "hybrid",
	.create = v1_create,
	.apply = v1_apply,
	.enter = v1_enter,
	.freeze = v1_freeze,
	.is_frozen = v1_is_frozen,
	.kill_all = v1_kill_all,
	.pids = v1_pids,
	.stats = v1_stats,
	.destroy = v1_destroy,
	.clone_fd = v1_hybrid_clone_fd,
	.join_fds = v1_join_fds,
	.oom_fd = v1_oom_fd,
	.oom_kills = v1_oom_kills,
};
