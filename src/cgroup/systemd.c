/* The systemd backend (--systemd-cgroup): where systemd owns the cgroup
 * tree, the container's cgroup is a transient scope unit that systemd
 * makes around the container's init, over D-Bus.
 *
 * cgroupsPath is "slice:prefix:name" (system.slice:docker:ID): the unit is
 * prefix-name.scope in that slice, its cgroup <slice path>/<unit>, where
 * a-b.slice lives in a.slice/a-b.slice.  Delegate=yes hands the scope's
 * subtree to us, so everything after the start (the files systemd has no
 * property for, freezing, killing, reading stats, exec joining) is the
 * cgroupfs backend's work on that directory: this backend wraps it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "cgroup/sdbus.h"
#include "ns/ns.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/log.h"

struct cg_systemd {
	char *unit;  /* "cell-ID.scope" */
	char *slice; /* "system.slice" */
	char *name;  /* for the unit's Description */
	/* the caller's own systemd (user@UID.service): not root, or root in
	   a user namespace (rootless Podman calls us there) */
	bool user;
	bool started; /* the scope exists */
	json_t *annotations;
	sd_bus *bus; /* connected on first use */
};

void cg_systemd_free(struct cg_systemd *s)
{
	if (!s)
		return;
	sdb_close(s->bus);
	free(s->unit);
	free(s->slice);
	free(s->name);
	json_decref(s->annotations);
	free(s);
}

/* runc's ExpandSlice: "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice",
 * "-.slice" -> "" (the root).  Empty components (a--b, -a, a-) and '/' are
 * refused, as systemd refuses them. */
static int bad_slice(const char *slice, struct cell_err *e)
{
	return cell_err_msg(e, EINVAL, "cgroupsPath: \"%s\" is not a slice "
				       "name (a-b.slice)",
			    slice);
}

int cg_systemd_expand_slice(const char *slice, char **out, struct cell_err *e)
{
	size_t n = strlen(slice), sl = strlen(".slice");
	if (n <= sl || strcmp(slice + n - sl, ".slice") != 0 ||
	    strchr(slice, '/'))
		return bad_slice(slice, e);
	if (strcmp(slice, "-.slice") == 0) {
		*out = strdup("");
		return *out ? 0 : cell_err_sys(e, ENOMEM, "cgroupsPath");
	}
	size_t base = n - sl;
	/* Worst case: every prefix once per component. */
	_cleanup_free_ char *path = malloc((base + sl + 2) * (base + 1) + 1);
	if (!path)
		return cell_err_sys(e, ENOMEM, "cgroupsPath");
	char *w = path;
	for (size_t i = 0; i <= base; i++) {
		if (i < base && slice[i] != '-')
			continue;
		/* a component ends at i: it must not be empty */
		if (i == 0 || slice[i - 1] == '-')
			return bad_slice(slice, e);
		w += sprintf(w, "/%.*s.slice", (int)i, slice);
	}
	*w = '\0';
	*out = steal_ptr(&path);
	return 0;
}

static int sd_bus_of(struct cgroup *cg, sd_bus **out, struct cell_err *e)
{
	struct cg_systemd *s = cg->sd;
	if (!s->bus) {
		int r = sdb_connect(s->user, &s->bus, e);
		if (r < 0)
			return r;
	}
	*out = s->bus;
	return 0;
}

static bool is_error(const struct sdb_api *sd, const sd_bus_error *be,
		     const char *name)
{
	return sd->error_has_name(be, name) > 0;
}

static void reset_failed(const struct sdb_api *sd, sd_bus *bus,
			 const char *unit)
{
	sd_bus_error be = SD_BUS_ERROR_NULL;
	sd->call_method(bus, SDB_DEST, SDB_PATH, SDB_MANAGER,
			"ResetFailedUnit", &be, NULL, "s", unit);
	sd->error_free(&be);
}

static int start_message(struct cgroup *cg, const struct sdb_api *sd,
			 sd_bus *bus, pid_t pid, sd_bus_message **out,
			 struct cell_err *e)
{
	struct cg_systemd *s = cg->sd;
	sd_bus_message *m = NULL;
	char desc[256];
	snprintf(desc, sizeof(desc), "cell container %s", s->name);
	int r = sd->message_new_method_call(bus, &m, SDB_DEST, SDB_PATH,
					    SDB_MANAGER, "StartTransientUnit");
	if (r >= 0)
		r = sd->message_append(m, "ss", s->unit, "replace");
	if (r >= 0)
		r = sd->message_open_container(m, 'a', "(sv)");
	/* DefaultDependencies=no: no ordering against shutdown.target and
	   friends, which a container does not need (and runc sets). */
	if (r >= 0)
		r = sd->message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description",
				       "s", desc, "Slice", "s", s->slice,
				       "Delegate", "b", 1, "PIDs", "au", 1,
				       (uint32_t)pid, "DefaultDependencies",
				       "b", 0);
	if (r >= 0)
		r = sd_props_accounting(sd, m, cg->mode);
	if (r >= 0 &&
	    (r = sd_props_annotations(sd, m, s->annotations, e)) < 0) {
		sd->message_unref(m);
		return r;
	}
	if (r >= 0)
		r = sd->message_close_container(m);
	if (r >= 0)
		r = sd->message_append(m, "a(sa(sv))", 0);
	if (r < 0) {
		sd->message_unref(m);
		return sdb_fail(e, r, NULL, "systemd: StartTransientUnit");
	}
	*out = m;
	return 0;
}

/* StartTransientUnit, then wait for its job.  A unit of that name left
 * failed by an earlier container is reset and the start tried once more
 * (runc does the same); a live one is an error, never joined. */
static int start_scope(struct cgroup *cg, pid_t pid, struct cell_err *e)
{
	struct cg_systemd *s = cg->sd;
	TRACE_SCOPEF("systemd start", "%s", s->unit);
	EXPLAIN("systemd owns the cgroup tree: it makes the container's cgroup, a scope around the init, and delegates it",
		"StartTransientUnit(%s, Slice=%s, Delegate=yes, PIDs=[%d]) on the %s bus",
		s->unit, s->slice, (int)pid, s->user ? "user's" : "system");
	const struct sdb_api *sd = sdb_load(e);
	sd_bus *bus;
	int r;
	if (!sd || (r = sd_bus_of(cg, &bus, e)) < 0)
		return sd ? r : -e->errnum;
	char what[512];
	snprintf(what, sizeof(what), "systemd: start %s", s->unit);

	struct sdb_job job;
	if ((r = sdb_job_watch(bus, &job, e)) < 0)
		return r;
	sd_bus_message *reply = NULL;
	for (int attempt = 0;; attempt++) {
		sd_bus_message *m = NULL;
		if ((r = start_message(cg, sd, bus, pid, &m, e)) < 0) {
			sdb_job_unwatch(&job);
			return r;
		}
		sd_bus_error be = SD_BUS_ERROR_NULL;
		r = sd->call(bus, m, 0, &be, &reply);
		sd->message_unref(m);
		if (r >= 0)
			break;
		bool exists = is_error(sd, &be, "org.freedesktop.systemd1.UnitExists");
		if (!exists || attempt > 0) {
			sdb_fail(e, r, &be, what);
			sd->error_free(&be);
			sdb_job_unwatch(&job);
			return -e->errnum;
		}
		sd->error_free(&be);
		reset_failed(sd, bus, s->unit);
	}
	const char *path = NULL;
	r = sd->message_read(reply, "o", &path);
	_cleanup_free_ char *job_path = r >= 0 && path ? strdup(path) : NULL;
	sd->message_unref(reply);
	if (!job_path) {
		sdb_job_unwatch(&job);
		return sdb_fail(e, r < 0 ? r : -ENOMEM, NULL, what);
	}
	s->started = true; /* from here on, destroy stops it */
	if ((r = sdb_job_wait(bus, &job, job_path, what, e)) < 0) {
		reset_failed(sd, bus, s->unit);
		return r;
	}
	log_debug("systemd: %s started in %s", s->unit, s->slice);
	return 0;
}

static int stop_scope(struct cgroup *cg, struct cell_err *e)
{
	struct cg_systemd *s = cg->sd;
	TRACE_SCOPEF("systemd stop", "%s", s->unit);
	EXPLAIN("the scope goes with the container: no unit, cgroup or job left",
		"StopUnit(%s), ResetFailedUnit(%s)", s->unit, s->unit);
	const struct sdb_api *sd = sdb_load(e);
	sd_bus *bus;
	int r;
	if (!sd || (r = sd_bus_of(cg, &bus, e)) < 0)
		return sd ? r : -e->errnum;
	char what[512];
	snprintf(what, sizeof(what), "systemd: stop %s", s->unit);
	struct sdb_job job;
	if ((r = sdb_job_watch(bus, &job, e)) < 0)
		return r;
	sd_bus_error be = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	r = sd->call_method(bus, SDB_DEST, SDB_PATH, SDB_MANAGER, "StopUnit",
			    &be, &reply, "ss", s->unit, "replace");
	if (r < 0) {
		/* Gone already: a scope whose last process exited is
		   stopped and collected by systemd itself. */
		bool gone = is_error(sd, &be, "org.freedesktop.systemd1.NoSuchUnit");
		if (!gone)
			sdb_fail(e, r, &be, what);
		sd->error_free(&be);
		sdb_job_unwatch(&job);
		reset_failed(sd, bus, s->unit);
		return gone ? 0 : -e->errnum;
	}
	const char *path = NULL;
	r = sd->message_read(reply, "o", &path);
	_cleanup_free_ char *job_path = r >= 0 && path ? strdup(path) : NULL;
	sd->message_unref(reply);
	r = job_path ? sdb_job_wait(bus, &job, job_path, what, e)
		     : (sdb_job_unwatch(&job), 0);
	/* A scope OOM-killed or stopped by signal stays "failed" until
	   reset; reset it so nothing of the container is left listed. */
	reset_failed(sd, bus, s->unit);
	return r;
}

static int set_properties(struct cgroup *cg, const struct oci_resources *res,
			  struct cell_err *e)
{
	struct cg_systemd *s = cg->sd;
	TRACE_SCOPEF("systemd properties", "%s", s->unit);
	EXPLAIN("limits systemd has a property for are kept in the unit, or systemd would write its own values back",
		"SetUnitProperties(%s, runtime=true, ...)", s->unit);
	const struct sdb_api *sd = sdb_load(e);
	sd_bus *bus;
	int r;
	if (!sd || (r = sd_bus_of(cg, &bus, e)) < 0)
		return sd ? r : -e->errnum;
	char what[512];
	snprintf(what, sizeof(what), "systemd: set properties of %s", s->unit);
	sd_bus_message *m = NULL;
	r = sd->message_new_method_call(bus, &m, SDB_DEST, SDB_PATH,
					SDB_MANAGER, "SetUnitProperties");
	/* runtime=true: the change lives in /run, gone with the unit. */
	if (r >= 0)
		r = sd->message_append(m, "sb", s->unit, 1);
	if (r >= 0)
		r = sd->message_open_container(m, 'a', "(sv)");
	if (r < 0) {
		sd->message_unref(m);
		return sdb_fail(e, r, NULL, what);
	}
	if ((r = sd_props_resources(sd, m, cg, res, e)) < 0) {
		sd->message_unref(m);
		return r;
	}
	if ((r = sd->message_close_container(m)) < 0) {
		sd->message_unref(m);
		return sdb_fail(e, r, NULL, what);
	}
	sd_bus_error be = SD_BUS_ERROR_NULL;
	r = sd->call(bus, m, 0, &be, NULL);
	sd->message_unref(m);
	if (r < 0)
		sdb_fail(e, r, &be, what);
	sd->error_free(&be);
	return r < 0 ? -e->errnum : 0;
}

/* ----------------------------------------------------------- the ops */

/* Nothing to make yet: systemd makes the scope around the init (enter). */
static int sd_create(struct cgroup *cg, struct cell_err *e)
{
	return 0;
}

static int sd_apply(struct cgroup *cg, const struct oci_resources *r,
		    bool update, struct cell_err *e)
{
	if (!cg->sd->started)
		return cell_err_msg(e, EINVAL, "systemd: %s: resources before "
					       "the scope exists",
				    cg->sd->unit);
	int ret = cg_validate_resources(cg, r, update, e);
	if (ret < 0)
		return ret;
	if ((ret = set_properties(cg, r, e)) < 0)
		return ret;
	return cg_apply_resources(cg, r, update, e);
}

static int sd_enter(struct cgroup *cg, pid_t pid, struct cell_err *e)
{
	if (!cg->sd->started)
		return start_scope(cg, pid, e);
	return cg->fs_ops->enter(cg, pid, e);
}

static int sd_freeze(struct cgroup *cg, bool frozen, struct cell_err *e)
{
	return cg->fs_ops->freeze(cg, frozen, e);
}

static int sd_is_frozen(struct cgroup *cg, struct cell_err *e)
{
	return cg->fs_ops->is_frozen(cg, e);
}

/* Before the scope is started its directory, if there is one, belongs to
 * someone else (a unit of the same name): a failed create kills nothing
 * there and removes nothing. */
static int sd_kill_all(struct cgroup *cg, int sig, struct cell_err *e)
{
	return cg->sd->started ? cg->fs_ops->kill_all(cg, sig, e) : 0;
}

static int sd_pids(struct cgroup *cg, pid_t **pids, size_t *n,
		   struct cell_err *e)
{
	return cg->fs_ops->pids(cg, pids, n, e);
}

static int sd_stats(struct cgroup *cg, json_t **out, struct cell_err *e)
{
	return cg->fs_ops->stats(cg, out, e);
}

/* Stop the unit (its job done), then remove what a container left below
 * the scope (older systemd leaves sub-cgroups).  A scope never started
 * (a create that failed before) is not ours to stop: a unit of that name
 * may belong to someone else. */
static int sd_destroy(struct cgroup *cg, struct cell_err *e)
{
	if (!cg->sd->started)
		return 0;
	int r = stop_scope(cg, e);
	struct cell_err fe;
	int f = cg->fs_ops->destroy(cg, r < 0 ? &fe : e);
	return r < 0 ? r : f;
}

static int sd_clone_fd(struct cgroup *cg)
{
	return cg->sd->started ? cg->fs_ops->clone_fd(cg) : -1;
}

static int sd_join_fds(struct cgroup *cg, int *fds, size_t max, size_t *n,
		       struct cell_err *e)
{
	*n = 0;
	return cg->sd->started ? cg->fs_ops->join_fds(cg, fds, max, n, e) : 0;
}

static int sd_oom_fd(struct cgroup *cg, struct cell_err *e)
{
	return cg->fs_ops->oom_fd(cg, e);
}

static int sd_oom_kills(struct cgroup *cg, uint64_t *out, struct cell_err *e)
{
	return cg->fs_ops->oom_kills(cg, out, e);
}

static const struct cgroup_ops cgroup_systemd_ops = {
	.name = "systemd",
	.made_by_enter = true,
	.create = sd_create,
	.apply = sd_apply,
	.enter = sd_enter,
	.freeze = sd_freeze,
	.is_frozen = sd_is_frozen,
	.kill_all = sd_kill_all,
	.pids = sd_pids,
	.stats = sd_stats,
	.destroy = sd_destroy,
	.clone_fd = sd_clone_fd,
	.join_fds = sd_join_fds,
	.oom_fd = sd_oom_fd,
	.oom_kills = sd_oom_kills,
};

/* ------------------------------------------------------ constructors */

/* The cgroupfs cgroup at `path`, driven through systemd from now on. */
static int wrap(const char *path, const char *id, struct cg_systemd *s,
		struct cgroup **out, struct cell_err *e)
{
	struct cgroup *cg = NULL;
	int r = cgroup_new(path, id, &cg, e);
	if (r < 0) {
		cg_systemd_free(s);
		return r;
	}
	cg->fs_ops = cg->ops;
	cg->ops = &cgroup_systemd_ops;
	cg->sd = s;
	*out = cg;
	return 0;
}

/* "slice:prefix:name" -> the unit and its slice (runc's defaults: an
 * empty path is "<default slice>:cell:<id>", an empty slice the default
 * one, an empty name the id). */
static int parse_path(const char *cgroups_path, const char *id,
		      struct cg_systemd *s, struct cell_err *e)
{
	_cleanup_free_ char *copy = strdup(cgroups_path ? cgroups_path : "");
	if (!copy)
		return cell_err_sys(e, ENOMEM, "cgroupsPath");
	const char *slice = "", *prefix = "cell", *name = id;
	if (*copy) {
		char *c1 = strchr(copy, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2 || strchr(c2 + 1, ':'))
			return cell_err_msg(e, EINVAL,
					    "cgroupsPath: expected "
					    "\"slice:prefix:name\" for the "
					    "systemd cgroup driver, got \"%s\"",
					    cgroups_path);
		*c1 = *c2 = '\0';
		slice = copy;
		prefix = c1 + 1;
		name = *(c2 + 1) ? c2 + 1 : id;
	}
	if (!*slice)
		slice = s->user ? "user.slice" : "system.slice";
	size_t nl = strlen(name);
	if (strchr(name, '/') || strchr(prefix, '/') ||
	    (nl >= 6 && strcmp(name + nl - 6, ".slice") == 0))
		return cell_err_msg(e, EINVAL,
				    "cgroupsPath: %s: the container's cgroup "
				    "is a scope: the name must be a plain "
				    "name (no '/', no .slice)",
				    cgroups_path);
	s->slice = strdup(slice);
	s->name = strdup(name);
	if (asprintf(&s->unit, "%s%s%s.scope", prefix, *prefix ? "-" : "",
		     name) < 0)
		s->unit = NULL;
	if (!s->slice || !s->name || !s->unit)
		return cell_err_sys(e, ENOMEM, "cgroupsPath");
	return 0;
}

int cgroup_new_systemd(const char *cgroups_path, const char *id,
		       json_t *annotations, struct cgroup **out,
		       struct cell_err *e)
{
	struct cg_systemd *s = calloc(1, sizeof(*s));
	if (!s)
		return cell_err_sys(e, ENOMEM, "cgroup");
	s->user = ns_rootless();
	s->annotations = json_incref(annotations);
	_cleanup_free_ char *slice_path = NULL, *path = NULL, *manager = NULL;
	int r;
	if ((r = parse_path(cgroups_path, id, s, e)) < 0 ||
	    (r = cg_systemd_expand_slice(s->slice, &slice_path, e)) < 0 ||
	    (r = sd_props_annotations(NULL, NULL, annotations, e)) < 0) {
		cg_systemd_free(s);
		return r;
	}
	/* Connect now: no bus must fail before anything is made. */
	if ((r = sdb_connect(s->user, &s->bus, e)) < 0) {
		cg_systemd_free(s);
		return r;
	}
	if (s->user) {
		/* The user's systemd runs in its own cgroup
		   (/user.slice/user-UID.slice/user@UID.service): its slices
		   are below that. */
		const struct sdb_api *sd = sdb_load(e);
		sd_bus_error be = SD_BUS_ERROR_NULL;
		r = sd->get_property_string(s->bus, SDB_DEST, SDB_PATH,
					    SDB_MANAGER, "ControlGroup", &be,
					    &manager);
		if (r < 0) {
			sdb_fail(e, r, &be, "systemd: the user manager's cgroup");
			sd->error_free(&be);
			cg_systemd_free(s);
			return -e->errnum;
		}
	}
	if (asprintf(&path, "%s%s/%s", manager ? manager : "", slice_path,
		     s->unit) < 0) {
		cg_systemd_free(s);
		return cell_err_sys(e, ENOMEM, "cgroup");
	}
	return wrap(path, id, s, out, e);
}

int cgroup_open_systemd(const char *path, const char *id, struct cgroup **out,
			struct cell_err *e)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	if (!base || !base[1])
		return cell_err_msg(e, EINVAL, "state: cgroup %s is not a "
					       "systemd scope",
				    path ? path : "(none)");
	struct cg_systemd *s = calloc(1, sizeof(*s));
	if (!s)
		return cell_err_sys(e, ENOMEM, "cgroup");
	s->user = ns_rootless();
	s->started = true;
	s->unit = strdup(base + 1);
	s->name = strdup(id);
	s->slice = strdup("");
	if (!s->unit || !s->name || !s->slice) {
		cg_systemd_free(s);
		return cell_err_sys(e, ENOMEM, "cgroup");
	}
	return wrap(path, id, s, out, e);
}
