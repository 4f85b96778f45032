/* mounts[]: parsing the entries and turning their option strings into
 * mount(2) flags, propagation and filesystem data. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "oci/config_internal.h"
#include "util/cleanup.h"

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

struct mount_flag_opt {
	const char *name;
	unsigned long set;   /* turned on */
	unsigned long clear; /* turned off */
};

/* The options mount(8) turns into MS_* flags.  The recursive forms runc
 * accepts ("rro", "rnosuid", ...) set the same flag here; they stay in
 * m->options for the code that applies them recursively with
 * mount_setattr(2). */
static const struct mount_flag_opt flag_opts[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME },
	{ "noatime", MS_NOATIME, 0 },
	{ "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "mand", MS_MANDLOCK, 0 },
	{ "nomand", 0, MS_MANDLOCK },
	{ "lazytime", MS_LAZYTIME, 0 },
	{ "nolazytime", 0, MS_LAZYTIME },
	{ "rro", MS_RDONLY, 0 },
	{ "rrw", 0, MS_RDONLY },
	{ "rnosuid", MS_NOSUID, 0 },
	{ "rsuid", 0, MS_NOSUID },
	{ "rnodev", MS_NODEV, 0 },
	{ "rdev", 0, MS_NODEV },
	{ "rnoexec", MS_NOEXEC, 0 },
	{ "rexec", 0, MS_NOEXEC },
	{ "rrelatime", MS_RELATIME, 0 },
	{ "rnorelatime", 0, MS_RELATIME },
	{ "rstrictatime", MS_STRICTATIME, 0 },
	{ "rnostrictatime", 0, MS_STRICTATIME },
	{ "rnoatime", MS_NOATIME, 0 },
	{ "ratime", 0, MS_NOATIME },
	{ "rnodiratime", MS_NODIRATIME, 0 },
	{ "rdiratime", 0, MS_NODIRATIME },
	{ "defaults", 0, 0 },
};

static const struct {
	const char *name;
	unsigned long flags;
} propagation_opts[] = {
	{ "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },
	{ "rslave", MS_SLAVE | MS_REC },
	{ "private", MS_PRIVATE },
	{ "rprivate", MS_PRIVATE | MS_REC },
	{ "unbindable", MS_UNBINDABLE },
	{ "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Options other runtimes act on themselves (crun's tmpfs copy-up, symlink
 * copying, nofollow sources) or user-space mount(8) options: none of them
 * is for the kernel, and passing them as data would fail the mount. */
static bool is_runtime_only_option(const char *o)
{
	static const char *const drop[] = {
		"tmpcopyup",  "notmpcopyup",  "copy-symlink", "src-nofollow",
		"dest-nofollow", "remount",   "loud",         "silent",
		"auto",       "noauto",       "user",         "nouser",
		"users",      "_netdev",      "nofail",
	};
	if (strncmp(o, "x-", 2) == 0)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
		if (strcmp(o, drop[i]) == 0)
			return true;
	return false;
}

/* Append `o` to the comma-separated data string. */
static int data_append(char **data, size_t *len, const char *o)
{
	size_t olen = strlen(o);
	size_t need = *len + (*len ? 1 : 0) + olen + 1;
	char *n = realloc(*data, need);
	if (!n)
		return -ENOMEM;
	if (*len)
		n[(*len)++] = ',';
	memcpy(n + *len, o, olen + 1);
	*len += olen;
	*data = n;
	return 0;
}

int oci_mount_parse_options(struct oci_mount *m, struct cell_err *e)
{
	_cleanup_free_ char *data = NULL;
	size_t dlen = 0;

	m->flags = 0;
	m->clear_flags = 0;
	m->propagation = 0;
	m->bind = m->type && strcmp(m->type, "bind") == 0;
	m->recursive = false;
	m->idmap = false;

	for (char **op = m->options; op && *op; op++) {
		const char *o = *op;
		bool known = false;

		if (!*o)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(flag_opts) && !known; i++) {
			if (strcmp(o, flag_opts[i].name) != 0)
				continue;
			m->flags = (m->flags & ~flag_opts[i].clear) |
				   flag_opts[i].set;
			m->clear_flags = (m->clear_flags & ~flag_opts[i].set) |
					 flag_opts[i].clear;
			known = true;
		}
		for (size_t i = 0; i < ARRAY_SIZE(propagation_opts) && !known;
		     i++) {
			if (strcmp(o, propagation_opts[i].name) != 0)
				continue;
			m->propagation = propagation_opts[i].flags;
			known = true;
		}
		if (known)
			continue;
		if (strcmp(o, "bind") == 0) {
			m->bind = true;
		} else if (strcmp(o, "rbind") == 0) {
			m->bind = true;
			m->recursive = true;
		} else if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
			m->idmap = true;
		} else if (!is_runtime_only_option(o)) {
			if (data_append(&data, &dlen, o) < 0)
				return cell_err_msg(e, ENOMEM,
						    "mount options: out of memory");
		}
	}
	free(m->data);
	m->data = steal_ptr(&data);
	return 0;
}

void oci_mount_free_fields(struct oci_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	strv_free(m->options);
	free(m->data);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

static int parse_mount(const struct jp *p, json_t *v, const char *path,
		       struct oci_mount *m)
{
	int r;

	if (!json_is_object(v))
		return jp_fail(p, path, "expected an object");
	if ((r = jp_abs_path(p, v, path, "destination", true,
			     &m->destination)) < 0 ||
	    (r = jp_string(p, v, path, "type", false, &m->type)) < 0 ||
	    (r = jp_string(p, v, path, "source", false, &m->source)) < 0 ||
	    (r = jp_strv(p, v, path, "options", false, &m->options)) < 0 ||
	    (r = jp_idmaps(p, v, path, "uidMappings", &m->uid_mappings,
			   &m->n_uid_mappings)) < 0 ||
	    (r = jp_idmaps(p, v, path, "gidMappings", &m->gid_mappings,
			   &m->n_gid_mappings)) < 0)
		return r;
	if (oci_mount_parse_options(m, p->e) < 0) {
		char opath[JP_PATH_MAX];
		jp_key(opath, path, "options");
		return cell_err_wrap(p->e, "%s: %s", p->origin, opath);
	}
	return 0;
}

int oci_parse_mounts(const struct jp *p, json_t *root, struct oci_config *c)
{
	json_t *a = NULL;
	int r = jp_array(p, root, "", "mounts", false, &a);
	size_t n = json_array_size(a);
	if (r < 0 || !a || n == 0)
		return r;
	c->mounts = calloc(n, sizeof(*c->mounts));
	if (!c->mounts)
		return jp_oom(p, "mounts");
	for (size_t i = 0; i < n; i++) {
		char path[JP_PATH_MAX];
		jp_idx(path, "mounts", i);
		c->n_mounts = i + 1;
		r = parse_mount(p, json_array_get(a, i), path, &c->mounts[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
