/* Which cgroup layout the host runs, and where a container's cgroup lives in
 * each hierarchy.  Nothing here touches a cgroup; see v1.c / v2.c. */
#include "cgroup/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "ns/ns.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/path.h"
#include "util/syscalls.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* The controllers a v1 mount may carry; anything else in the super options
 * (rw, xattr, name=..., release_agent=...) is not a controller. */
static const char *const v1_controllers[] = {
	"cpuset",  "cpu",     "cpuacct", "blkio",  "memory",
	"devices", "freezer", "net_cls", "net_prio", "perf_event",
	"hugetlb", "pids",    "rdma",    "misc",   NULL,
};

static bool is_cgroup2(const char *path)
{
	struct statfs sfs;
	return statfs(path, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

enum cgroup_mode cgroup_detect_mode(void)
{
	if (is_cgroup2(CGROUP_MNT))
		return CGROUP_MODE_UNIFIED;
	if (is_cgroup2(CGROUP_MNT "/unified"))
		return CGROUP_MODE_HYBRID;
	return CGROUP_MODE_LEGACY;
}

static bool is_v1_controller(const char *name)
{
	for (const char *const *c = v1_controllers; *c; c++)
		if (strcmp(*c, name) == 0)
			return true;
	return false;
}

/* Does the comma list contain `word`? */
static bool list_has(const char *list, const char *word)
{
	size_t wl = strlen(word);
	for (const char *p = list; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == wl && strncmp(p, word, wl) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Same set of controllers, in any order. */
static bool same_set(const char *a, const char *b)
{
	_cleanup_free_ char *copy = strdup(a);
	if (!copy)
		return false;
	size_t na = 0;
	char *save = NULL;
	for (char *t = strtok_r(copy, ",", &save); t;
	     t = strtok_r(NULL, ",", &save), na++)
		if (!list_has(b, t))
			return false;
	size_t nb = 1;
	for (const char *p = b; *p; p++)
		nb += *p == ',';
	return na == nb;
}

/* The caller's cgroup (malloc'd) in the hierarchy whose /proc/self/cgroup
 * controller field is `ctrls` ("" for v2), or NULL. */
static char *own_cgroup(const char *proc_cgroup, const char *ctrls)
{
	_cleanup_free_ char *copy = strdup(proc_cgroup);
	if (!copy)
		return NULL;
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *field = c1 + 1;
		if ((*ctrls == '\0' && *field == '\0' && line[0] == '0') ||
		    (*ctrls && *field && same_set(field, ctrls)))
			return strdup(c2 + 1);
	}
	return NULL;
}

/* Own cgroup path relative to the mount's root (strip the mount root). */
static char *own_below_mount(const char *proc_cgroup, const char *ctrls,
			     const char *mount_root)
{
	_cleanup_free_ char *own = own_cgroup(proc_cgroup, ctrls);
	if (!own)
		return strdup("/");
	size_t rl = strlen(mount_root);
	if (strcmp(mount_root, "/") != 0 && strncmp(own, mount_root, rl) == 0 &&
	    (own[rl] == '/' || own[rl] == '\0'))
		return strdup(own[rl] ? own + rl : "/");
	return steal_ptr(&own);
}

static void layout_free(struct cgroup_layout *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_v1; i++) {
		free(l->v1[i].controllers);
		free(l->v1[i].mount);
		free(l->v1[i].dir);
	}
	free(l->v1);
	free(l->v2_mount);
	free(l->v2_dir);
	mountinfo_free(&l->mounts);
	free(l);
}

/* A dir = mount + inner, where inner is the cgroup path below the mount:
 * `path` when absolute, else own + rel. */
static char *hier_dir(const char *mount, const char *own, const char *path,
		      bool relative)
{
	_cleanup_free_ char *inner =
		relative ? path_join(own ? own : "/", path) : strdup(path);
	if (!inner)
		return NULL;
	_cleanup_free_ char *clean = path_clean(inner);
	if (!clean)
		return NULL;
	return path_join(mount, clean);
}

/* Read mountinfo and fill the v1 hierarchies and the v2 mount. */
static int layout_build(struct cgroup_layout *l, enum cgroup_mode mode,
			const char *path, bool relative, char **v2_own,
			char **first_own, struct cell_err *e)
{
	_cleanup_free_ char *pc = NULL;
	/* Kept (in the layout): the container's init mounts the same
	   hierarchies and need not read the table again. */
	mountinfo_free(&l->mounts);
	int r = mountinfo_read("/proc/self/mountinfo", &l->mounts, e);
	if (r < 0)
		return cell_err_wrap(e, "cgroup");
	r = file_read_at(AT_FDCWD, "/proc/self/cgroup", 0, &pc, NULL, e);
	if (r < 0)
		return cell_err_wrap(e, "cgroup");

	const char *want_v2 = mode == CGROUP_MODE_UNIFIED ? CGROUP_MNT
				: mode == CGROUP_MODE_HYBRID
					? CGROUP_MNT "/unified"
					: NULL;
	for (size_t i = 0; i < l->mounts.n; i++) {
		const struct mountinfo_entry *m = &l->mounts.v[i];
		const char *type = m->fstype, *root = m->root;
		const char *mnt = m->mountpoint;
		if (strcmp(type, "cgroup2") == 0 && want_v2 &&
		    strcmp(mnt, want_v2) == 0 && !l->v2_mount) {
			l->v2_mount = strdup(mnt);
			*v2_own = own_below_mount(pc, "", root);
			l->v2_dir = hier_dir(mnt, *v2_own, path, relative);
			if (!l->v2_mount || !*v2_own || !l->v2_dir)
				return cell_err_sys(e, ENOMEM, "cgroup");
			continue;
		}
		if (strcmp(type, "cgroup") != 0 || mode == CGROUP_MODE_UNIFIED)
			continue;

		char ctrls[256] = "";
		bool dup = false;
		char *s4 = NULL;
		_cleanup_free_ char *superopts = strdup(m->superopts);
		if (!superopts)
			return cell_err_sys(e, ENOMEM, "cgroup");
		for (char *o = strtok_r(superopts, ",", &s4); o;
		     o = strtok_r(NULL, ",", &s4)) {
			if (!is_v1_controller(o))
				continue;
			if (cg_v1_find(&(struct cgroup){ .layout = l }, o))
				dup = true; /* mounted twice: keep the first */
			if (ctrls[0])
				strncat(ctrls, ",", sizeof(ctrls) - strlen(ctrls) - 1);
			strncat(ctrls, o, sizeof(ctrls) - strlen(ctrls) - 1);
		}
		/* Named hierarchies (name=systemd) hold no controllers; the
		   process stays where systemd put it. */
		if (!ctrls[0] || dup)
			continue;
		struct cg_v1_hier *nv =
			realloc(l->v1, (l->n_v1 + 1) * sizeof(*nv));
		if (!nv)
			return cell_err_sys(e, ENOMEM, "cgroup");
		l->v1 = nv;
		struct cg_v1_hier *h = &l->v1[l->n_v1++];
		*h = (struct cg_v1_hier){ 0 };
		_cleanup_free_ char *own = own_below_mount(pc, ctrls, root);
		h->controllers = strdup(ctrls);
		h->mount = strdup(mnt);
		h->dir = hier_dir(mnt, own, path, relative);
		if (!h->controllers || !h->mount || !h->dir || !own)
			return cell_err_sys(e, ENOMEM, "cgroup");
		if (!*first_own)
			*first_own = steal_ptr(&own);
	}
	if (mode != CGROUP_MODE_LEGACY && !l->v2_mount)
		return cell_err_msg(e, ENOENT,
				    "cgroup: no cgroup2 mount at %s", want_v2);
	if (mode != CGROUP_MODE_UNIFIED && l->n_v1 == 0)
		return cell_err_msg(e, ENOENT,
				    "cgroup: no cgroup v1 controller mounted");
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; *p;) {
		const char *slash = strchr(p, '/');
		size_t l = slash ? (size_t)(slash - p) : strlen(p);
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p = slash ? slash + 1 : p + l;
	}
	return false;
}

int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **out,
	       struct cell_err *e)
{
	_cleanup_free_ char *dflt = NULL;
	if (!cgroups_path || !*cgroups_path) {
		if (!id || !*id || strchr(id, '/') || has_dotdot(id))
			return cell_err_msg(e, EINVAL,
					    "cgroup: invalid container id");
		if (asprintf(&dflt, "/cell-%s", id) < 0)
			return cell_err_sys(e, ENOMEM, "cgroup");
		cgroups_path = dflt;
	}
	bool relative = cgroups_path[0] != '/';
	if (relative && strchr(cgroups_path, ':'))
		return cell_err_msg(e, EINVAL,
				    "cgroupsPath: %s: a systemd "
				    "\"slice:prefix:name\" needs "
				    "--systemd-cgroup",
				    cgroups_path);
	if (has_dotdot(cgroups_path))
		return cell_err_msg(e, EINVAL,
				    "cgroupsPath: %s: \"..\" is not allowed",
				    cgroups_path);

	struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return cell_err_sys(e, ENOMEM, "cgroup");
	cg->v2_fd = -1;
	cg->mode = cgroup_detect_mode();
	cg->layout = calloc(1, sizeof(*cg->layout));
	if (!cg->layout) {
		cgroup_free(cg);
		return cell_err_sys(e, ENOMEM, "cgroup");
	}
	cg->layout->default_path = dflt != NULL;
	cg->ops = cg->mode == CGROUP_MODE_UNIFIED ? &cgroup_v2_ops
		  : cg->mode == CGROUP_MODE_HYBRID ? &cgroup_v1_hybrid_ops
						   : &cgroup_v1_ops;

	_cleanup_free_ char *v2_own = NULL, *first_own = NULL;
	int r = layout_build(cg->layout, cg->mode, cgroups_path, relative,
			     &v2_own, &first_own, e);
	if (r < 0) {
		cgroup_free(cg);
		return r;
	}
	/* Rootless on cgroup v2 (not root, or root in a user namespace, as
	   rootless Podman runs us): the default goes beside our own
	   cgroup, inside the subtree delegated to us (systemd's
	   user@.service, or a directory chown'ed to the user), not below
	   the root -- where runc's fs2 puts it too. */
	_cleanup_free_ char *rootless_path = NULL;
	if (dflt && cg->mode == CGROUP_MODE_UNIFIED && ns_rootless() &&
	    v2_own && strcmp(v2_own, "/") != 0) {
		char *slash = strrchr(v2_own, '/');
		int plen = slash ? (int)(slash - v2_own) : 0;
		if (asprintf(&rootless_path, "%.*s/cell-%s", plen, v2_own, id) < 0) {
			cgroup_free(cg);
			return cell_err_sys(e, ENOMEM, "cgroup");
		}
		layout_free(cg->layout);
		cg->layout = calloc(1, sizeof(*cg->layout));
		free(v2_own);
		free(first_own);
		v2_own = first_own = NULL;
		r = cg->layout ? layout_build(cg->layout, cg->mode, rootless_path,
					      false, &v2_own, &first_own, e)
			       : cell_err_sys(e, ENOMEM, "cgroup");
		if (r < 0) {
			cgroup_free(cg);
			return r;
		}
		cg->layout->default_path = true;
		cgroups_path = rootless_path;
		relative = false;
	}
	const char *own = v2_own ? v2_own : first_own;
	_cleanup_free_ char *joined =
		relative ? path_join(own ? own : "/", cgroups_path)
			 : strdup(cgroups_path);
	cg->path = joined ? path_clean(joined) : NULL;
	if (!cg->path) {
		cgroup_free(cg);
		return cell_err_sys(e, ENOMEM, "cgroup");
	}
	if (strcmp(cg->path, "/") == 0) {
		cgroup_free(cg);
		return cell_err_msg(e, EINVAL,
				    "cgroupsPath: the root cgroup cannot be "
				    "a container's cgroup");
	}
	*out = cg;
	return 0;
}

/* Where each hierarchy is, as the state keeps it: later commands then
 * need no /proc/self/mountinfo (and no /proc/self/cgroup) to find the
 * container's directories again -- ~0.15 ms of every exec, kill, state. */
json_t *cgroup_layout_json(const struct cgroup *cg)
{
	if (cg->sd)
		return NULL; /* the systemd driver finds its scope by name */
	const struct cgroup_layout *l = cg->layout;
	json_t *v1 = json_array();
	for (size_t i = 0; v1 && i < l->n_v1; i++)
		json_array_append_new(v1, json_pack("[s, s, s]",
						    l->v1[i].controllers,
						    l->v1[i].mount, l->v1[i].dir));
	static const char *const modes[] = {
		[CGROUP_MODE_UNIFIED] = "unified",
		[CGROUP_MODE_LEGACY] = "legacy",
		[CGROUP_MODE_HYBRID] = "hybrid",
	};
	return json_pack("{s:s, s:s, s:o, s:s?, s:s?, s:b}", "mode",
			 modes[cg->mode], "path", cg->path, "v1", v1 ? v1 : json_array(),
			 "v2Mount", l->v2_mount, "v2Dir", l->v2_dir,
			 "defaultPath", l->default_path);
}

static char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

int cgroup_from_layout(json_t *j, struct cgroup **out, struct cell_err *e)
{
	const char *mode = json_string_value(json_object_get(j, "mode"));
	json_t *v1 = json_object_get(j, "v1");
	if (!mode || !json_is_array(v1) ||
	    !json_is_string(json_object_get(j, "path")))
		return cell_err_msg(e, EINVAL, "cgroup: bad saved layout");
	struct cgroup *cg = calloc(1, sizeof(*cg));
	if (!cg)
		return cell_err_sys(e, ENOMEM, "cgroup");
	cg->v2_fd = -1;
	cg->mode = !strcmp(mode, "unified")  ? CGROUP_MODE_UNIFIED
		   : !strcmp(mode, "hybrid") ? CGROUP_MODE_HYBRID
					     : CGROUP_MODE_LEGACY;
	cg->ops = cg->mode == CGROUP_MODE_UNIFIED ? &cgroup_v2_ops
		  : cg->mode == CGROUP_MODE_HYBRID ? &cgroup_v1_hybrid_ops
						   : &cgroup_v1_ops;
	cg->path = jstr(j, "path");
	struct cgroup_layout *l = cg->layout = calloc(1, sizeof(*l));
	if (!cg->path || !l)
		goto oom;
	l->v2_mount = jstr(j, "v2Mount");
	l->v2_dir = jstr(j, "v2Dir");
	l->default_path = json_is_true(json_object_get(j, "defaultPath"));
	size_t n = json_array_size(v1);
	l->v1 = n ? calloc(n, sizeof(*l->v1)) : NULL;
	if (n && !l->v1)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		json_t *h = json_array_get(v1, i);
		const char *c = json_string_value(json_array_get(h, 0));
		const char *m = json_string_value(json_array_get(h, 1));
		const char *d = json_string_value(json_array_get(h, 2));
		if (!c || !m || !d) {
			cgroup_free(cg);
			return cell_err_msg(e, EINVAL, "cgroup: bad saved layout");
		}
		l->v1[i] = (struct cg_v1_hier){ strdup(c), strdup(m), strdup(d) };
		l->n_v1 = i + 1;
		if (!l->v1[i].controllers || !l->v1[i].mount || !l->v1[i].dir)
			goto oom;
	}
	*out = cg;
	return 0;
oom:
	cgroup_free(cg);
	return cell_err_sys(e, ENOMEM, "cgroup");
}

const struct mountinfo *cgroup_mountinfo(const struct cgroup *cg)
{
	return cg && cg->layout && cg->layout->mounts.n ? &cg->layout->mounts
							 : NULL;
}

void cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return;
	if (cg->v2_fd >= 0)
		close(cg->v2_fd);
	layout_free(cg->layout);
	cg_systemd_free(cg->sd);
	free(cg->path);
	free(cg);
}

const struct cg_v1_hier *cg_v1_find(const struct cgroup *cg,
				    const char *controller)
{
	const struct cgroup_layout *l = cg->layout;
	for (size_t i = 0; i < l->n_v1; i++)
		if (list_has(l->v1[i].controllers, controller))
			return &l->v1[i];
	return NULL;
}

bool cg_v2_has_controller(const struct cgroup *cg, const char *controller)
{
	if (!cg->layout->v2_mount)
		return false;
	/* Devices (eBPF) and the freezer are part of the v2 core. */
	if (strcmp(controller, "devices") == 0 ||
	    strcmp(controller, "freezer") == 0)
		return true;
	_cleanup_free_ char *list = NULL;
	struct cell_err ignored;
	if (cg_read(cg->layout->v2_mount, "cgroup.controllers", &list,
		    &ignored) < 0)
		return false;
	for (char *p = list; *p; p++)
		if (*p == ' ' || *p == '\n')
			*p = ',';
	return list_has(list, controller);
}

const char *cgroup_controller_dir(const struct cgroup *cg,
				  const char *controller, bool *is_v2)
{
	bool v2 = false;
	const char *dir = NULL;
	/* The block I/O controller is "blkio" in v1 and "io" in v2. */
	const char *v1_name = strcmp(controller, "io") == 0 ? "blkio"
							     : controller;
	const char *v2_name = strcmp(controller, "blkio") == 0 ? "io"
								: controller;
	if (cg->mode == CGROUP_MODE_UNIFIED) {
		v2 = true;
		if (cg_v2_has_controller(cg, v2_name))
			dir = cg->layout->v2_dir;
	} else {
		const struct cg_v1_hier *h = cg_v1_find(cg, v1_name);
		if (h) {
			dir = h->dir;
		} else if (cg->mode == CGROUP_MODE_HYBRID &&
			   cg_v2_has_controller(cg, v2_name)) {
			dir = cg->layout->v2_dir;
			v2 = true;
		}
	}
	if (is_v2)
		*is_v2 = v2;
	return dir;
}

const char *cgroup_v2_dir(const struct cgroup *cg)
{
	return cg->layout->v2_dir;
}

int cgroup_join_self(int *fds, size_t n, struct cell_err *e)
{
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		EXPLAIN("the new process moves itself into the container's cgroup before it runs anything (no threadgroup lock to wait for)",
			"write %s \"0\"", trace_fd_path(fds[i]));
		if (write(fds[i], "0", 1) != 1)
			r = cell_err_sys(e, errno, "join the container's cgroup");
	}
	cgroup_close_fds(fds, n);
	return r;
}

void cgroup_close_fds(int *fds, size_t n)
{
	/* join_fds opens them one after the other: usually one range. */
	bool range = n > 1 && fds[0] >= 0;
	for (size_t i = 1; range && i < n; i++)
		range = fds[i] == fds[i - 1] + 1;
	if (!range ||
	    sys_close_range((unsigned)fds[0], (unsigned)fds[n - 1], 0) < 0)
		for (size_t i = 0; i < n; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	for (size_t i = 0; i < n; i++)
		fds[i] = -1;
}
