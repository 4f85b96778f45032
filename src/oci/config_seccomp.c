/* linux.seccomp: the filter as data; src/sec compiles it with libseccomp. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_internal.h"
#include "util/cleanup.h"

static int parse_action(const struct jp *p, json_t *obj, const char *parent,
			const char *key, bool required,
			enum oci_seccomp_action *out, bool *set)
{
	char path[JP_PATH_MAX];
	_cleanup_free_ char *name = NULL;
	int r = jp_string(p, obj, parent, key, required, &name);
	if (set)
		*set = false;
	if (r < 0 || !name)
		return r;
	jp_key(path, parent, key);
	int a = oci_seccomp_action_from_name(name);
	if (a < 0)
		return jp_fail(p, path, "unknown action \"%s\"", name);
	*out = (enum oci_seccomp_action)a;
	if (set)
		*set = true;
	return 0;
}

static int parse_op(const struct jp *p, json_t *obj, const char *parent,
		    enum oci_seccomp_op *out)
{
	static const char *const names[] = {
		[OCI_SECCOMP_OP_NE] = "SCMP_CMP_NE",
		[OCI_SECCOMP_OP_LT] = "SCMP_CMP_LT",
		[OCI_SECCOMP_OP_LE] = "SCMP_CMP_LE",
		[OCI_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
		[OCI_SECCOMP_OP_GE] = "SCMP_CMP_GE",
		[OCI_SECCOMP_OP_GT] = "SCMP_CMP_GT",
		[OCI_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
	};
	char path[JP_PATH_MAX];
	_cleanup_free_ char *op = NULL;
	int r = jp_string(p, obj, parent, "op", true, &op);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(op, names[i]) == 0) {
			*out = (enum oci_seccomp_op)i;
			return 0;
		}
	}
	jp_key(path, parent, "op");
	return jp_fail(p, path, "unknown operator \"%s\"", op);
}

static int parse_arg(const struct jp *p, json_t *it, const char *path,
		     struct oci_seccomp_arg *a)
{
	int64_t index;
	int r;

	if (!json_is_object(it))
		return jp_fail(p, path, "expected an object");
	/* A system call has at most six arguments. */
	if ((r = jp_i64(p, it, path, "index", true, 0, 5, &index, NULL)) < 0)
		return r;
	a->index = (unsigned int)index;
	if ((r = jp_u64(p, it, path, "value", true, UINT64_MAX, &a->value,
			NULL)) < 0 ||
	    (r = jp_u64(p, it, path, "valueTwo", false, UINT64_MAX,
			&a->value_two, NULL)) < 0)
		return r;
	return parse_op(p, it, path, &a->op);
}

static void rule_free_fields(struct oci_seccomp_rule *s)
{
	strv_free(s->names);
	free(s->args);
}

static int parse_rule(const struct jp *p, json_t *it, const char *path,
		      struct oci_seccomp_rule *s)
{
	char npath[JP_PATH_MAX], apath[JP_PATH_MAX];
	json_t *a = NULL;
	int r;

	if (!json_is_object(it))
		return jp_fail(p, path, "expected an object");
	jp_key(npath, path, "names");
	if ((r = jp_strv(p, it, path, "names", true, &s->names)) < 0)
		return r;
	if (!s->names[0])
		return jp_fail(p, npath, "must not be empty");
	for (size_t i = 0; s->names[i]; i++) {
		if (!s->names[i][0]) {
			char ipath[JP_PATH_MAX];
			jp_idx(ipath, npath, i);
			return jp_fail(p, ipath, "empty system call name");
		}
	}
	if ((r = parse_action(p, it, path, "action", true, &s->action,
			      NULL)) < 0 ||
	    (r = jp_opt_u64(p, it, path, "errnoRet", UINT32_MAX,
			    &s->errno_ret)) < 0 ||
	    (r = jp_array(p, it, path, "args", false, &a)) < 0)
		return r;
	size_t n = json_array_size(a);
	if (!a || n == 0)
		return 0;
	jp_key(apath, path, "args");
	s->args = calloc(n, sizeof(*s->args));
	if (!s->args)
		return jp_oom(p, apath);
	for (size_t i = 0; i < n; i++) {
		char ipath[JP_PATH_MAX];
		jp_idx(ipath, apath, i);
		s->n_args = i + 1;
		if ((r = parse_arg(p, json_array_get(a, i), ipath,
				   &s->args[i])) < 0)
			return r;
	}
	return 0;
}

static bool uses_notify(const struct oci_seccomp *s)
{
	if (s->default_action == OCI_SECCOMP_NOTIFY)
		return true;
	for (size_t i = 0; i < s->n_syscalls; i++)
		if (s->syscalls[i].action == OCI_SECCOMP_NOTIFY)
			return true;
	return false;
}

int oci_parse_seccomp(const struct jp *p, json_t *obj, const char *path,
		      struct oci_seccomp *out)
{
	char spath[JP_PATH_MAX];
	json_t *a = NULL;
	int r;

	if ((r = parse_action(p, obj, path, "defaultAction", true,
			      &out->default_action, NULL)) < 0 ||
	    (r = jp_opt_u64(p, obj, path, "defaultErrnoRet", UINT32_MAX,
			    &out->default_errno_ret)) < 0 ||
	    (r = jp_strv(p, obj, path, "architectures", false,
			 &out->architectures)) < 0 ||
	    (r = jp_strv(p, obj, path, "flags", false, &out->flags)) < 0 ||
	    (r = jp_string(p, obj, path, "listenerPath", false,
			   &out->listener_path)) < 0 ||
	    (r = jp_string(p, obj, path, "listenerMetadata", false,
			   &out->listener_metadata)) < 0 ||
	    (r = jp_array(p, obj, path, "syscalls", false, &a)) < 0)
		return r;
	size_t n = json_array_size(a);
	jp_key(spath, path, "syscalls");
	if (a && n) {
		out->syscalls = calloc(n, sizeof(*out->syscalls));
		if (!out->syscalls)
			return jp_oom(p, spath);
		for (size_t i = 0; i < n; i++) {
			char ipath[JP_PATH_MAX];
			jp_idx(ipath, spath, i);
			out->n_syscalls = i + 1;
			if ((r = parse_rule(p, json_array_get(a, i), ipath,
					    &out->syscalls[i])) < 0)
				return r;
		}
	}
	/* The runtime-spec: listenerPath MUST be set when SCMP_ACT_NOTIFY is
	 * used; without it the notify fd would have nowhere to go. */
	if (uses_notify(out) && (!out->listener_path || !*out->listener_path)) {
		jp_key(spath, path, "listenerPath");
		return jp_fail(p, spath, "required when SCMP_ACT_NOTIFY is used");
	}
	return 0;
}

void oci_seccomp_free(struct oci_seccomp *s)
{
	if (!s)
		return;
	strv_free(s->architectures);
	strv_free(s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++)
		rule_free_fields(&s->syscalls[i]);
	free(s->syscalls);
	free(s);
}
