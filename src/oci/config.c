/* config.json: the top level (ociVersion, root, hostname, hooks,
 * annotations), loading from a bundle, and freeing.  The sections live in
 * config_mounts.c, config_process.c, config_linux.c, config_resources.c
 * and config_seccomp.c. */
#include "oci/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_internal.h"
#include "oci/json.h"
#include "util/cleanup.h"
#include "util/file.h"

#define CONFIG_MAX_BYTES (64u << 20)

static const char *const hook_keys[OCI_HOOK_KIND_COUNT] = {
	[OCI_HOOK_PRESTART] = "prestart",
	[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[OCI_HOOK_START_CONTAINER] = "startContainer",
	[OCI_HOOK_POSTSTART] = "poststart",
	[OCI_HOOK_POSTSTOP] = "poststop",
};

/* "1.<minor>.<patch>" with an optional "-pre" or "+build" tail: cell
 * speaks runtime-spec 1.x. */
static bool version_is_supported(const char *v)
{
	if (v[0] != '1' || v[1] != '.')
		return false;
	const char *s = v + 2;
	for (int part = 0; part < 2; part++) {
		if (!isdigit((unsigned char)*s))
			return false;
		while (isdigit((unsigned char)*s))
			s++;
		if (part == 0 && *s++ != '.')
			return false;
	}
	if (*s == '\0')
		return true;
	if (*s != '-' && *s != '+')
		return false;
	if (s[1] == '\0')
		return false;
	for (s++; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-+", *s))
			return false;
	return true;
}

static int parse_version(const struct jp *p, json_t *root,
			 struct oci_config *c)
{
	int r = jp_string(p, root, "", "ociVersion", true, &c->oci_version);
	if (r < 0)
		return r;
	if (!version_is_supported(c->oci_version))
		return jp_fail(p, "ociVersion",
			       "unsupported version \"%s\" (expected 1.x.y)",
			       c->oci_version);
	return 0;
}

static int parse_root(const struct jp *p, json_t *root, struct oci_config *c)
{
	json_t *o = NULL;
	int r = jp_object(p, root, "", "root", true, &o);
	if (r < 0)
		return r;
	if ((r = jp_string(p, o, "root", "path", true, &c->root_path)) < 0)
		return r;
	if (!c->root_path[0])
		return jp_fail(p, "root.path", "must not be empty");
	return jp_bool(p, o, "root", "readonly", &c->root_readonly, NULL);
}

static void hook_free_fields(struct oci_hook *h)
{
	free(h->path);
	strv_free(h->args);
	strv_free(h->env);
}

static int parse_hook(const struct jp *p, json_t *v, const char *path,
		      struct oci_hook *h)
{
	int r;
	int64_t timeout;
	bool has_timeout;

	if (!json_is_object(v))
		return jp_fail(p, path, "expected an object");
	if ((r = jp_abs_path(p, v, path, "path", true, &h->path)) < 0 ||
	    (r = jp_strv(p, v, path, "args", false, &h->args)) < 0 ||
	    (r = jp_strv(p, v, path, "env", false, &h->env)) < 0 ||
	    (r = jp_i64(p, v, path, "timeout", false, 1, INT32_MAX, &timeout,
			&has_timeout)) < 0)
		return r;
	h->timeout = has_timeout ? (int)timeout : 0;
	return 0;
}

static int parse_hooks(const struct jp *p, json_t *root, struct oci_config *c)
{
	json_t *hooks = NULL;
	int r = jp_object(p, root, "", "hooks", false, &hooks);
	if (r < 0 || !hooks)
		return r;
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
		char path[JP_PATH_MAX];
		json_t *a = NULL;
		if ((r = jp_array(p, hooks, "hooks", hook_keys[k], false, &a)) < 0)
			return r;
		size_t n = json_array_size(a);
		if (!a || n == 0)
			continue;
		struct oci_hook_list *l = &c->hooks[k];
		l->hooks = calloc(n, sizeof(*l->hooks));
		jp_key(path, "hooks", hook_keys[k]);
		if (!l->hooks)
			return jp_oom(p, path);
		for (size_t i = 0; i < n; i++) {
			char ipath[JP_PATH_MAX];
			jp_idx(ipath, path, i);
			l->n = i + 1;
			r = parse_hook(p, json_array_get(a, i), ipath,
				       &l->hooks[i]);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_annotations(const struct jp *p, json_t *root,
			     struct oci_config *c)
{
	json_t *o = NULL;
	int r = jp_object(p, root, "", "annotations", false, &o);
	if (r < 0 || !o)
		return r;
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (!jp_is_str(v)) {
			char path[JP_PATH_MAX];
			jp_key(path, "annotations", k);
			return jp_fail(p, path, "expected a string");
		}
	}
	c->annotations = json_incref(o);
	return 0;
}

/* The annotations and the linux object: what exec joins a running
 * container by, and the last of a whole document. */
static int parse_linux_part(const struct jp *p, json_t *root,
			    struct oci_config *c)
{
	json_t *o = NULL;
	int r;
	if ((r = parse_annotations(p, root, c)) < 0 ||
	    (r = jp_object(p, root, "", "linux", false, &o)) < 0)
		return r;
	if (o && (r = oci_parse_linux(p, o, "linux", &c->linux)) < 0)
		return r;
	return 0;
}

/* for_exec: the linux part only (mounts and process are most of the
 * parsing, and exec brings its own process). */
static int parse_document(const struct jp *p, json_t *root, bool for_exec,
			  struct oci_config *c)
{
	json_t *o = NULL;
	int r;

	if (!json_is_object(root))
		return jp_fail(p, "", "expected a JSON object at the top level");
	if (for_exec)
		return parse_linux_part(p, root, c);
	if ((r = parse_version(p, root, c)) < 0 ||
	    (r = parse_root(p, root, c)) < 0 ||
	    (r = oci_parse_mounts(p, root, c)) < 0)
		return r;
	if ((r = jp_object(p, root, "", "process", false, &o)) < 0)
		return r;
	if (o) {
		c->has_process = true;
		if ((r = oci_parse_process(p, o, "process", &c->process)) < 0)
			return r;
	}
	if ((r = jp_string(p, root, "", "hostname", false, &c->hostname)) < 0 ||
	    (r = jp_string(p, root, "", "domainname", false,
			   &c->domainname)) < 0 ||
	    (r = parse_hooks(p, root, c)) < 0)
		return r;
	return parse_linux_part(p, root, c);
}

int oci_json_parse(const char *text, size_t len, const char *origin,
		   json_t **out, struct cell_err *e)
{
	json_error_t jerr;
	size_t blen = 0;

	if (!origin)
		origin = "config.json";
	/* JSON_REJECT_DUPLICATES: two "args" keys would otherwise let the
	 * last one win silently. jansson bounds nesting depth itself. */
	_cleanup_free_ char *big = jp_rewrite_big_uints(text, len, &blen);
	json_t *root = big ? json_loadb(big, blen,
					JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
					&jerr)
			   : json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		int r = cell_err_msg(e, EINVAL, "%s: line %d column %d: %s",
				     origin, jerr.line, jerr.column, jerr.text);
		jp_sanitize(e);
		return r;
	}
	*out = root;
	return 0;
}

char *oci_json_dumps(const json_t *j, size_t flags)
{
	static const char mark[] = "\"\\u0000";
	char *text = json_dumps(j, flags);
	if (!text || !strstr(text, mark))
		return text;
	/* A string starting with NUL can only be a stand-in: the parser
	   refused NUL escapes of the input's own. */
	char *o = text;
	for (const char *s = text; *s;) {
		if (strncmp(s, mark, sizeof(mark) - 1) == 0) {
			const char *d = s + sizeof(mark) - 1;
			size_t n = strspn(d, "0123456789");
			if (n > 0 && d[n] == '"') {
				memmove(o, d, n);
				o += n;
				s = d + n + 1;
				continue;
			}
		}
		*o++ = *s++;
	}
	*o = '\0';
	return text;
}

int oci_config_parse(const char *text, size_t len, const char *origin,
		     struct oci_config **out, struct cell_err *e)
{
	json_t *root = NULL;
	int r = oci_json_parse(text, len, origin ? origin : "config.json",
			       &root, e);
	if (r < 0)
		return r;
	r = oci_config_from_json(root, origin, out, e);
	json_decref(root);
	if (r == 0 && !((*out)->text = strndup(text, len))) {
		oci_config_free(*out);
		*out = NULL;
		return cell_err_msg(e, ENOMEM, "%s: out of memory",
				    origin ? origin : "config.json");
	}
	return r;
}

static int config_from_json(json_t *root, const char *origin, bool for_exec,
			    struct oci_config **out, struct cell_err *e)
{
	struct jp p = { .origin = origin ? origin : "config.json", .e = e };
	int r;
	json_incref(root);
	struct oci_config *c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(root);
		return cell_err_msg(e, ENOMEM, "%s: out of memory", p.origin);
	}
	c->json = root;
	r = parse_document(&p, root, for_exec, c);
	if (r < 0) {
		oci_config_free(c);
		return r;
	}
	oci_config_conventions(c);
	*out = c;
	return 0;
}

int oci_config_from_json(json_t *root, const char *origin,
			 struct oci_config **out, struct cell_err *e)
{
	return config_from_json(root, origin, false, out, e);
}

int oci_config_from_json_for_exec(json_t *root, const char *origin,
				  struct oci_config **out, struct cell_err *e)
{
	return config_from_json(root, origin, true, out, e);
}

int oci_config_load(const char *bundle, struct oci_config **out,
		    struct cell_err *e)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;

	if (asprintf(&path, "%s/config.json", bundle ? bundle : ".") < 0)
		return cell_err_msg(e, ENOMEM, "config.json: out of memory");
	/* file_read_at says "open <path>: <strerror>". */
	int r = file_read_regular(path, CONFIG_MAX_BYTES, &text, &len, e);
	if (r < 0)
		return cell_err_wrap(e, "config.json");
	if (memchr(text, '\0', len))
		return cell_err_msg(e, EINVAL, "config.json: contains a NUL byte");
	return oci_config_parse(text, len, "config.json", out, e);
}

void oci_config_free(struct oci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	for (size_t i = 0; c->mounts && i < c->n_mounts; i++)
		oci_mount_free_fields(&c->mounts[i]);
	free(c->mounts);
	oci_process_free(&c->process);
	free(c->hostname);
	free(c->domainname);
	for (int k = 0; k < OCI_HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++)
			hook_free_fields(&c->hooks[k].hooks[i]);
		free(c->hooks[k].hooks);
	}
	json_decref(c->annotations);
	oci_linux_free(&c->linux);
	json_decref(c->json);
	free(c->text);
	free(c);
}
