/* linux: namespaces, id maps, devices, sysctl, paths and the rest of the
 * Linux-specific section (resources and seccomp have their own files). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "oci/config_internal.h"
#include "util/cleanup.h"

static int parse_namespaces(const struct jp *p, json_t *obj,
			    const char *parent, struct oci_linux *out)
{
	char path[JP_PATH_MAX];
	json_t *a = NULL;
	int r = jp_array(p, obj, parent, "namespaces", false, &a);
	if (r < 0 || !a)
		return r;
	jp_key(path, parent, "namespaces");
	for (size_t i = 0; i < json_array_size(a); i++) {
		char ipath[JP_PATH_MAX], tpath[JP_PATH_MAX];
		_cleanup_free_ char *type = NULL;
		json_t *it = json_array_get(a, i);
		jp_idx(ipath, path, i);
		jp_key(tpath, ipath, "type");
		if (!json_is_object(it))
			return jp_fail(p, ipath, "expected an object");
		if ((r = jp_string(p, it, ipath, "type", true, &type)) < 0)
			return r;
		int t = oci_ns_from_name(type);
		if (t < 0)
			return jp_fail(p, tpath, "unknown namespace type \"%s\"",
				       type);
		struct oci_namespace *ns = &out->namespaces[t];
		if (ns->enabled)
			return jp_fail(p, tpath, "duplicate namespace \"%s\"",
				       type);
		ns->enabled = true;
		/* "" is no path (create the namespace), as runc reads it. */
		if ((r = jp_string(p, it, ipath, "path", false, &ns->path)) < 0)
			return r;
		if (ns->path && *ns->path && ns->path[0] != '/') {
			char ppath[JP_PATH_MAX];
			jp_key(ppath, ipath, "path");
			return jp_fail(p, ppath, "must be an absolute path");
		}
	}
	return 0;
}

static int parse_time_offsets(const struct jp *p, json_t *obj,
			      const char *parent, struct oci_linux *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "timeOffsets", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "timeOffsets");
	const char *clock;
	json_t *v;
	json_object_foreach(o, clock, v) {
		char cpath[JP_PATH_MAX];
		struct oci_time_offset *t;
		jp_key(cpath, path, clock);
		if (strcmp(clock, "monotonic") == 0)
			t = &out->time_monotonic;
		else if (strcmp(clock, "boottime") == 0)
			t = &out->time_boottime;
		else
			return jp_fail(p, cpath,
				       "unknown clock (monotonic or boottime)");
		if (json_is_null(v))
			continue;
		if (!json_is_object(v))
			return jp_fail(p, cpath, "expected an object");
		/* The kernel takes nanoseconds below one second only. */
		if ((r = jp_i64(p, v, cpath, "secs", false, INT64_MIN,
				INT64_MAX, &t->secs, NULL)) < 0)
			return r;
		int64_t ns;
		bool set;
		if ((r = jp_i64(p, v, cpath, "nanosecs", false, 0, 999999999,
				&ns, &set)) < 0)
			return r;
		t->nanosecs = set ? (uint32_t)ns : 0;
		t->set = true;
	}
	return 0;
}

static int parse_device(const struct jp *p, json_t *it, const char *path,
			struct oci_device *d)
{
	char tpath[JP_PATH_MAX];
	_cleanup_free_ char *type = NULL;
	uint64_t v;
	int r;

	if (!json_is_object(it))
		return jp_fail(p, path, "expected an object");
	jp_key(tpath, path, "type");
	if ((r = jp_string(p, it, path, "type", true, &type)) < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return jp_fail(p, tpath, "unknown device type \"%s\" (c, b, u or p)",
			       type);
	/* 'u' is an unbuffered character device: the same node as 'c'. */
	d->type = type[0] == 'u' ? 'c' : type[0];
	if ((r = jp_abs_path(p, it, path, "path", true, &d->path)) < 0)
		return r;
	bool need_numbers = d->type != 'p';
	if ((r = jp_i64(p, it, path, "major", need_numbers, 0, INT64_MAX,
			&d->major, NULL)) < 0 ||
	    (r = jp_i64(p, it, path, "minor", need_numbers, 0, INT64_MAX,
			&d->minor, NULL)) < 0)
		return r;
	if ((r = jp_u64(p, it, path, "fileMode", false, 07777, &v,
			&d->has_file_mode)) < 0)
		return r;
	if (d->has_file_mode)
		d->file_mode = (mode_t)v;
	if ((r = jp_u64(p, it, path, "uid", false, UINT32_MAX, &v,
			&d->has_uid)) < 0)
		return r;
	if (d->has_uid)
		d->uid = (uid_t)v;
	if ((r = jp_u64(p, it, path, "gid", false, UINT32_MAX, &v,
			&d->has_gid)) < 0)
		return r;
	if (d->has_gid)
		d->gid = (gid_t)v;
	return 0;
}

static int parse_devices(const struct jp *p, json_t *obj, const char *parent,
			 struct oci_linux *out)
{
	char path[JP_PATH_MAX];
	json_t *a = NULL;
	int r = jp_array(p, obj, parent, "devices", false, &a);
	size_t n = json_array_size(a);
	if (r < 0 || !a || n == 0)
		return r;
	jp_key(path, parent, "devices");
	out->devices = calloc(n, sizeof(*out->devices));
	if (!out->devices)
		return jp_oom(p, path);
	for (size_t i = 0; i < n; i++) {
		char ipath[JP_PATH_MAX];
		jp_idx(ipath, path, i);
		out->n_devices = i + 1;
		r = parse_device(p, json_array_get(a, i), ipath,
				 &out->devices[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_propagation(const struct jp *p, json_t *obj,
			     const char *parent, struct oci_linux *out)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} modes[] = {
		{ "shared", MS_SHARED },
		{ "rshared", MS_SHARED | MS_REC },
		{ "slave", MS_SLAVE },
		{ "rslave", MS_SLAVE | MS_REC },
		{ "private", MS_PRIVATE },
		{ "rprivate", MS_PRIVATE | MS_REC },
		{ "unbindable", MS_UNBINDABLE },
		{ "runbindable", MS_UNBINDABLE | MS_REC },
	};
	char path[JP_PATH_MAX];
	_cleanup_free_ char *mode = NULL;
	int r = jp_string(p, obj, parent, "rootfsPropagation", false, &mode);
	if (r < 0 || !mode || !*mode)
		return r;
	jp_key(path, parent, "rootfsPropagation");
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(mode, modes[i].name) == 0) {
			out->rootfs_propagation = modes[i].flags;
			return 0;
		}
	}
	return jp_fail(p, path, "unknown propagation \"%s\"", mode);
}

static int parse_abs_paths(const struct jp *p, json_t *obj, const char *parent,
			   const char *key, char ***out)
{
	char path[JP_PATH_MAX];
	int r = jp_strv(p, obj, parent, key, false, out);
	if (r < 0 || !*out)
		return r;
	jp_key(path, parent, key);
	for (size_t i = 0; (*out)[i]; i++) {
		if ((*out)[i][0] != '/') {
			char ipath[JP_PATH_MAX];
			jp_idx(ipath, path, i);
			return jp_fail(p, ipath, "must be an absolute path");
		}
	}
	return 0;
}

static int parse_personality(const struct jp *p, json_t *obj,
			     const char *parent, struct oci_linux *out)
{
	char path[JP_PATH_MAX], dpath[JP_PATH_MAX];
	_cleanup_free_ char *domain = NULL;
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "personality", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "personality");
	jp_key(dpath, path, "domain");
	if ((r = jp_string(p, o, path, "domain", true, &domain)) < 0)
		return r;
	if (strcmp(domain, "LINUX") == 0)
		out->personality = PER_LINUX;
	else if (strcmp(domain, "LINUX32") == 0)
		out->personality = PER_LINUX32;
	else
		return jp_fail(p, dpath, "unknown domain \"%s\" (LINUX or LINUX32)",
			       domain);
	out->has_personality = true;
	return 0;
}

static int parse_id_mappings(const struct jp *p, json_t *obj,
			     const char *parent, struct oci_linux *out)
{
	char path[JP_PATH_MAX];
	int r;

	if ((r = jp_idmaps(p, obj, parent, "uidMappings", &out->uid_mappings,
			   &out->n_uid_mappings)) < 0 ||
	    (r = jp_idmaps(p, obj, parent, "gidMappings", &out->gid_mappings,
			   &out->n_gid_mappings)) < 0)
		return r;
	/* Mappings are written into a new user namespace; without one they
	 * would be silently ignored. */
	if ((out->n_uid_mappings || out->n_gid_mappings) &&
	    !out->namespaces[OCI_NS_USER].enabled) {
		jp_key(path, parent,
		       out->n_uid_mappings ? "uidMappings" : "gidMappings");
		return jp_fail(p, path,
			       "set, but linux.namespaces has no user namespace");
	}
	return 0;
}

int oci_parse_linux(const struct jp *p, json_t *obj, const char *path,
		    struct oci_linux *out)
{
	char spath[JP_PATH_MAX];
	json_t *o = NULL;
	int r;

	if ((r = parse_namespaces(p, obj, path, out)) < 0 ||
	    (r = parse_id_mappings(p, obj, path, out)) < 0 ||
	    (r = parse_time_offsets(p, obj, path, out)) < 0 ||
	    (r = parse_devices(p, obj, path, out)) < 0 ||
	    (r = jp_string(p, obj, path, "cgroupsPath", false,
			   &out->cgroups_path)) < 0 ||
	    (r = jp_object(p, obj, path, "resources", false, &o)) < 0)
		return r;
	if (o) {
		jp_key(spath, path, "resources");
		out->has_resources = true;
		if ((r = oci_parse_resources(p, o, spath, &out->resources)) < 0)
			return r;
	}
	if ((r = jp_kv(p, obj, path, "sysctl", &out->sysctl, &out->n_sysctl)) < 0)
		return r;
	o = NULL;
	if ((r = jp_object(p, obj, path, "seccomp", false, &o)) < 0)
		return r;
	if (o) {
		jp_key(spath, path, "seccomp");
		out->seccomp = calloc(1, sizeof(*out->seccomp));
		if (!out->seccomp)
			return jp_oom(p, spath);
		if ((r = oci_parse_seccomp(p, o, spath, out->seccomp)) < 0)
			return r;
	}
	if ((r = parse_propagation(p, obj, path, out)) < 0 ||
	    (r = parse_abs_paths(p, obj, path, "maskedPaths",
				 &out->masked_paths)) < 0 ||
	    (r = parse_abs_paths(p, obj, path, "readonlyPaths",
				 &out->readonly_paths)) < 0 ||
	    (r = jp_string(p, obj, path, "mountLabel", false,
			   &out->mount_label)) < 0 ||
	    (r = parse_personality(p, obj, path, out)) < 0)
		return r;
	return 0;
}

void oci_linux_free(struct oci_linux *l)
{
	for (int i = 0; i < OCI_NS_COUNT; i++)
		free(l->namespaces[i].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	for (size_t i = 0; l->devices && i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	oci_resources_free(&l->resources);
	jp_kv_free(l->sysctl, l->n_sysctl);
	oci_seccomp_free(l->seccomp);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	free(l->mount_label);
	memset(l, 0, sizeof(*l));
}
