/* process: what runs in the container (also `exec --process FILE`). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_internal.h"
#include "util/cleanup.h"

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

/* From <linux/ioprio.h>, which older distributions lack. */
#define CELL_IOPRIO_CLASS_RT 1
#define CELL_IOPRIO_CLASS_BE 2
#define CELL_IOPRIO_CLASS_IDLE 3

static int parse_env(const struct jp *p, json_t *obj, const char *parent,
		     char ***out)
{
	char path[JP_PATH_MAX];
	int r = jp_strv(p, obj, parent, "env", false, out);
	if (r < 0 || !*out)
		return r;
	jp_key(path, parent, "env");
	/* The kernel takes anything, but a variable without '=' or with an
	 * empty name is a broken config (runc refuses it too). */
	for (size_t i = 0; (*out)[i]; i++) {
		const char *eq = strchr((*out)[i], '=');
		if (!eq || eq == (*out)[i]) {
			char ipath[JP_PATH_MAX];
			jp_idx(ipath, path, i);
			return jp_fail(p, ipath, "expected \"KEY=VALUE\", got \"%s\"",
				       (*out)[i]);
		}
	}
	return 0;
}

static int parse_user(const struct jp *p, json_t *obj, const char *parent,
		      struct oci_user *u)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL, *a = NULL;
	uint32_t v;
	int r = jp_object(p, obj, parent, "user", false, &o);
	if (r < 0 || !o)
		return r; /* no user: root, as runc reads it */
	jp_key(path, parent, "user");

	if ((r = jp_u32(p, o, path, "uid", true, &v, NULL)) < 0)
		return r;
	u->uid = v;
	if ((r = jp_u32(p, o, path, "gid", true, &v, NULL)) < 0)
		return r;
	u->gid = v;
	uint64_t umask;
	if ((r = jp_u64(p, o, path, "umask", false, 0777, &umask,
			&u->has_umask)) < 0)
		return r;
	if (u->has_umask)
		u->umask = (mode_t)umask;
	if ((r = jp_string(p, o, path, "username", false, &u->username)) < 0 ||
	    (r = jp_array(p, o, path, "additionalGids", false, &a)) < 0)
		return r;
	size_t n = json_array_size(a);
	if (!a || n == 0)
		return 0;
	char apath[JP_PATH_MAX];
	jp_key(apath, path, "additionalGids");
	u->additional_gids = calloc(n, sizeof(gid_t));
	if (!u->additional_gids)
		return jp_oom(p, apath);
	for (size_t i = 0; i < n; i++) {
		char ipath[JP_PATH_MAX];
		uint64_t g;
		jp_idx(ipath, apath, i);
		if ((r = jp_v_u64(p, json_array_get(a, i), ipath, UINT32_MAX,
				  &g)) < 0)
			return r;
		u->additional_gids[i] = (gid_t)g;
		u->n_additional_gids = i + 1;
	}
	return 0;
}

static int parse_rlimits(const struct jp *p, json_t *obj, const char *parent,
			 struct oci_process *out)
{
	char path[JP_PATH_MAX];
	json_t *a = NULL;
	int r = jp_array(p, obj, parent, "rlimits", false, &a);
	size_t n = json_array_size(a);
	if (r < 0 || !a || n == 0)
		return r;
	jp_key(path, parent, "rlimits");
	out->rlimits = calloc(n, sizeof(*out->rlimits));
	if (!out->rlimits)
		return jp_oom(p, path);
	for (size_t i = 0; i < n; i++) {
		char ipath[JP_PATH_MAX], tpath[JP_PATH_MAX];
		_cleanup_free_ char *type = NULL;
		json_t *it = json_array_get(a, i);
		struct oci_rlimit *rl = &out->rlimits[i];

		jp_idx(ipath, path, i);
		jp_key(tpath, ipath, "type");
		if (!json_is_object(it))
			return jp_fail(p, ipath, "expected an object");
		if ((r = jp_string(p, it, ipath, "type", true, &type)) < 0)
			return r;
		rl->resource = oci_rlimit_from_name(type);
		if (rl->resource < 0)
			return jp_fail(p, tpath, "unknown rlimit \"%s\"", type);
		for (size_t j = 0; j < i; j++)
			if (out->rlimits[j].resource == rl->resource)
				return jp_fail(p, tpath, "duplicate rlimit \"%s\"",
					       type);
		if ((r = jp_u64(p, it, ipath, "soft", true, UINT64_MAX,
				&rl->soft, NULL)) < 0 ||
		    (r = jp_u64(p, it, ipath, "hard", true, UINT64_MAX,
				&rl->hard, NULL)) < 0)
			return r;
		out->n_rlimits = i + 1;
	}
	return 0;
}

static int parse_cap_set(const struct jp *p, json_t *caps, const char *parent,
			 const char *key, uint64_t *mask)
{
	char path[JP_PATH_MAX];
	json_t *a = jp_get(caps, key);
	if (!a)
		return 0;
	jp_key(path, parent, key);
	if (!json_is_array(a))
		return jp_fail(p, path, "expected an array of strings");
	for (size_t i = 0; i < json_array_size(a); i++) {
		char ipath[JP_PATH_MAX];
		json_t *s = json_array_get(a, i);
		jp_idx(ipath, path, i);
		if (!jp_is_str(s))
			return jp_fail(p, ipath, "expected a string");
		int cap = oci_cap_from_name(json_string_value(s));
		if (cap < 0 || cap > 63)
			return jp_fail(p, ipath, "unknown capability \"%s\"",
				       json_string_value(s));
		*mask |= UINT64_C(1) << cap;
	}
	return 0;
}

static int parse_caps(const struct jp *p, json_t *obj, const char *parent,
		      struct oci_process *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "capabilities", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "capabilities");
	out->has_caps = true;
	struct oci_caps *c = &out->caps;
	if ((r = parse_cap_set(p, o, path, "bounding", &c->bounding)) < 0 ||
	    (r = parse_cap_set(p, o, path, "effective", &c->effective)) < 0 ||
	    (r = parse_cap_set(p, o, path, "inheritable", &c->inheritable)) < 0 ||
	    (r = parse_cap_set(p, o, path, "permitted", &c->permitted)) < 0 ||
	    (r = parse_cap_set(p, o, path, "ambient", &c->ambient)) < 0)
		return r;
	return 0;
}

static int name_lookup(const char *name, const char *const *names,
		       const int *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, names[i]) == 0)
			return values[i];
	return -1;
}

static int parse_io_priority(const struct jp *p, json_t *obj,
			     const char *parent, struct oci_process *out)
{
	static const char *const names[] = { "IOPRIO_CLASS_RT",
					     "IOPRIO_CLASS_BE",
					     "IOPRIO_CLASS_IDLE" };
	static const int values[] = { CELL_IOPRIO_CLASS_RT,
				      CELL_IOPRIO_CLASS_BE,
				      CELL_IOPRIO_CLASS_IDLE };
	char path[JP_PATH_MAX], cpath[JP_PATH_MAX];
	_cleanup_free_ char *cls = NULL;
	json_t *o = NULL;
	int64_t prio;
	int r = jp_object(p, obj, parent, "ioPriority", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "ioPriority");
	jp_key(cpath, path, "class");
	if ((r = jp_string(p, o, path, "class", true, &cls)) < 0)
		return r;
	out->io_priority_class = name_lookup(cls, names, values,
					     ARRAY_SIZE(names));
	if (out->io_priority_class < 0)
		return jp_fail(p, cpath, "unknown class \"%s\"", cls);
	if ((r = jp_i64(p, o, path, "priority", true, 0, 7, &prio, NULL)) < 0)
		return r;
	out->io_priority = (int)prio;
	out->has_io_priority = true;
	return 0;
}

static int parse_scheduler(const struct jp *p, json_t *obj,
			   const char *parent, struct oci_process *out)
{
	static const char *const names[] = {
		"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",
		"SCHED_BATCH", "SCHED_IDLE", "SCHED_DEADLINE",
	};
	static const int values[] = {
		SCHED_OTHER, SCHED_FIFO, SCHED_RR,
		SCHED_BATCH, SCHED_IDLE, SCHED_DEADLINE,
	};
	char path[JP_PATH_MAX], ppath[JP_PATH_MAX];
	_cleanup_free_ char *policy = NULL;
	json_t *o = NULL;
	int64_t v;
	bool set;
	int r = jp_object(p, obj, parent, "scheduler", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "scheduler");
	jp_key(ppath, path, "policy");
	if ((r = jp_string(p, o, path, "policy", true, &policy)) < 0)
		return r;
	out->sched_policy = name_lookup(policy, names, values,
					ARRAY_SIZE(names));
	if (out->sched_policy < 0)
		return jp_fail(p, ppath, "unknown policy \"%s\"", policy);
	if ((r = jp_i64(p, o, path, "nice", false, -20, 19, &v, &set)) < 0)
		return r;
	out->sched_nice = set ? (int)v : 0;
	if ((r = jp_i64(p, o, path, "priority", false, 0, 99, &v, &set)) < 0)
		return r;
	out->sched_priority = set ? (int)v : 0;
	out->has_scheduler = true;
	return 0;
}

static int parse_console_size(const struct jp *p, json_t *obj,
			      const char *parent, struct oci_process *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	uint32_t h, w;
	int r = jp_object(p, obj, parent, "consoleSize", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "consoleSize");
	if ((r = jp_u32(p, o, path, "height", true, &h, NULL)) < 0 ||
	    (r = jp_u32(p, o, path, "width", true, &w, NULL)) < 0)
		return r;
	out->has_console_size = true;
	out->console_height = h;
	out->console_width = w;
	return 0;
}

static int parse_process_fields(const struct jp *p, json_t *obj,
				const char *path, struct oci_process *out)
{
	char apath[JP_PATH_MAX];
	int64_t v;
	int r;

	if (!json_is_object(obj))
		return jp_fail(p, path, "expected an object");
	if ((r = jp_bool(p, obj, path, "terminal", &out->terminal, NULL)) < 0 ||
	    (r = parse_console_size(p, obj, path, out)) < 0 ||
	    (r = jp_strv(p, obj, path, "args", true, &out->args)) < 0)
		return r;
	jp_key(apath, path, "args");
	if (!out->args[0])
		return jp_fail(p, apath, "must not be empty");
	if ((r = parse_env(p, obj, path, &out->env)) < 0 ||
	    (r = jp_abs_path(p, obj, path, "cwd", true, &out->cwd)) < 0 ||
	    (r = parse_user(p, obj, path, &out->user)) < 0 ||
	    (r = parse_rlimits(p, obj, path, out)) < 0 ||
	    (r = parse_caps(p, obj, path, out)) < 0 ||
	    (r = jp_bool(p, obj, path, "noNewPrivileges",
			 &out->no_new_privileges, NULL)) < 0 ||
	    (r = jp_i64(p, obj, path, "oomScoreAdj", false, -1000, 1000, &v,
			&out->has_oom_score_adj)) < 0)
		return r;
	if (out->has_oom_score_adj)
		out->oom_score_adj = (int)v;
	if ((r = jp_string(p, obj, path, "apparmorProfile", false,
			   &out->apparmor_profile)) < 0 ||
	    (r = jp_string(p, obj, path, "selinuxLabel", false,
			   &out->selinux_label)) < 0 ||
	    (r = parse_io_priority(p, obj, path, out)) < 0 ||
	    (r = parse_scheduler(p, obj, path, out)) < 0)
		return r;
	return 0;
}

int oci_parse_process(const struct jp *p, json_t *obj, const char *path,
		      struct oci_process *out)
{
	int r = parse_process_fields(p, obj, path, out);
	if (r == 0)
		oci_process_conventions(out);
	return r;
}

int oci_process_parse(json_t *obj, const char *origin, const char *path,
		      struct oci_process *out, struct cell_err *e)
{
	struct jp p = { .origin = origin ? origin : "process.json", .e = e };
	struct oci_process tmp = { 0 };
	int r = oci_parse_process(&p, obj, path ? path : "", &tmp);
	if (r < 0) {
		oci_process_free(&tmp);
		return r;
	}
	*out = tmp;
	return 0;
}

void oci_process_free(struct oci_process *p)
{
	if (!p)
		return;
	free(p->cwd);
	strv_free(p->env);
	strv_free(p->args);
	free(p->user.additional_gids);
	free(p->user.username);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	memset(p, 0, sizeof(*p));
}
