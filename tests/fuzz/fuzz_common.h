/* Shared by the fuzz targets: parse a config.json text and check what a
 * successful parse promises the rest of cell. */
#ifndef CELL_FUZZ_COMMON_H
#define CELL_FUZZ_COMMON_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"

#define FUZZ_CHECK(cond)                 \
	do {                             \
		if (!(cond))             \
			__builtin_trap(); \
	} while (0)

static inline void fuzz_check_idmaps(const struct oci_idmap *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(m[i].size > 0);
		FUZZ_CHECK((uint64_t)m[i].container_id + m[i].size - 1 <=
			   UINT32_MAX);
		FUZZ_CHECK((uint64_t)m[i].host_id + m[i].size - 1 <=
			   UINT32_MAX);
	}
}

static inline void fuzz_check_config(const struct oci_config *c)
{
	FUZZ_CHECK(c->oci_version && c->oci_version[0] == '1');
	FUZZ_CHECK(c->root_path && c->root_path[0]);
	FUZZ_CHECK(c->json);
	if (c->has_process) {
		FUZZ_CHECK(c->process.args && c->process.args[0]);
		FUZZ_CHECK(c->process.cwd && c->process.cwd[0] == '/');
		for (char **e = c->process.env; e && *e; e++)
			FUZZ_CHECK(strchr(*e, '=') && **e != '=');
	}
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct oci_mount *m = &c->mounts[i];
		FUZZ_CHECK(m->destination && m->destination[0] == '/');
		FUZZ_CHECK((m->flags & m->clear_flags) == 0);
		FUZZ_CHECK(!m->data || m->data[0]);
		fuzz_check_idmaps(m->uid_mappings, m->n_uid_mappings);
		fuzz_check_idmaps(m->gid_mappings, m->n_gid_mappings);
	}
	const struct oci_linux *l = &c->linux;
	fuzz_check_idmaps(l->uid_mappings, l->n_uid_mappings);
	fuzz_check_idmaps(l->gid_mappings, l->n_gid_mappings);
	for (int i = 0; i < OCI_NS_COUNT; i++)
		FUZZ_CHECK(!l->namespaces[i].path ||
			   l->namespaces[i].path[0] == '/');
	if (l->seccomp) {
		for (size_t i = 0; i < l->seccomp->n_syscalls; i++) {
			const struct oci_seccomp_rule *r = &l->seccomp->syscalls[i];
			FUZZ_CHECK(r->names && r->names[0]);
			for (size_t a = 0; a < r->n_args; a++)
				FUZZ_CHECK(r->args[a].index <= 5);
		}
	}
	for (size_t i = 0; l->has_resources && i < l->resources.n_devices; i++)
		FUZZ_CHECK(strchr("acb", l->resources.devices[i].type));
}

/* Parse text (not NUL-terminated); 0 when it parsed. */
static inline int fuzz_parse(const char *text, size_t len)
{
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	int r = oci_config_parse(text, len, "config.json", &c, &e);
	if (r == 0) {
		FUZZ_CHECK(c);
		fuzz_check_config(c);
		oci_config_free(c);
	} else {
		FUZZ_CHECK(!c);
		FUZZ_CHECK(e.errnum > 0);
		FUZZ_CHECK(strncmp(e.msg, "config.json: ", 13) == 0);
		for (const char *ch = e.msg; *ch; ch++)
			FUZZ_CHECK((unsigned char)*ch >= 0x20 && *ch != 0x7f);
	}
	return r;
}

/* prefix + data + suffix, for targets that fuzz one part of config.json. */
static inline char *fuzz_wrap(const char *prefix, const unsigned char *data,
			      size_t size, const char *suffix, size_t *len)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *buf = malloc(pl + size + sl + 1);
	if (!buf)
		return NULL;
	memcpy(buf, prefix, pl);
	memcpy(buf + pl, data, size);
	memcpy(buf + pl + size, suffix, sl + 1);
	*len = pl + size + sl;
	return buf;
}

#endif
