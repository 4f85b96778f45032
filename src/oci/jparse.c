#include "oci/jparse.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

/* Paths are built for every member read, on the start path of every
 * create: plain copies, not snprintf (~10x the instructions).  Truncated
 * at JP_PATH_MAX - 1, as snprintf would. */
static size_t path_put(char *buf, size_t at, const char *s, size_t n)
{
	if (at + n > JP_PATH_MAX - 1)
		n = JP_PATH_MAX - 1 - at;
	memcpy(buf + at, s, n);
	return at + n;
}

void jp_key(char buf[JP_PATH_MAX], const char *parent, const char *key)
{
	size_t at = 0;
	if (parent && *parent) {
		at = path_put(buf, at, parent, strlen(parent));
		at = path_put(buf, at, ".", 1);
	}
	at = path_put(buf, at, key, strlen(key));
	buf[at] = '\0';
}

void jp_idx(char buf[JP_PATH_MAX], const char *parent, size_t i)
{
	char digits[24];
	size_t n = sizeof(digits);
	do
		digits[--n] = (char)('0' + i % 10);
	while ((i /= 10) && n > 1);
	digits[--n] = '[';
	size_t at = parent ? path_put(buf, 0, parent, strlen(parent)) : 0;
	at = path_put(buf, at, digits + n, sizeof(digits) - n);
	at = path_put(buf, at, "]", 1);
	buf[at] = '\0';
}

void jp_sanitize(struct cell_err *e)
{
	/* Keys and values quoted from config.json may hold control
	 * characters; the CLI prints the error as one line. */
	for (char *c = e->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

__attribute__((format(printf, 4, 0))) static int
jp_vfail(const struct jp *p, int errnum, const char *path, const char *fmt,
	 va_list ap)
{
	char why[1024];
	vsnprintf(why, sizeof(why), fmt, ap);
	int r = path && *path ? cell_err_msg(p->e, errnum, "%s: %s: %s",
					     p->origin, path, why)
			      : cell_err_msg(p->e, errnum, "%s: %s", p->origin,
					     why);
	jp_sanitize(p->e);
	return r;
}

int jp_fail(const struct jp *p, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = jp_vfail(p, EINVAL, path, fmt, ap);
	va_end(ap);
	return r;
}

int jp_oom(const struct jp *p, const char *path)
{
	return cell_err_msg(p->e, ENOMEM, "%s: %s: out of memory", p->origin,
			    path);
}

json_t *jp_get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

/* Integers in (INT64_MAX, UINT64_MAX] -- RLIM_INFINITY written as
 * 18446744073709551615, as Docker and Podman do for "--ulimit x=-1" --
 * do not fit jansson's long long.  jp_rewrite_big_uints() turns each into
 * the string "\u0000<digits>", which no JSON text can produce while NUL
 * escapes are refused, and the integer readers take it back. */
static bool jp_is_big(json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 1 &&
	       json_string_value(v)[0] == '\0';
}

bool jp_is_str(json_t *v)
{
	return json_is_string(v) && !jp_is_big(v);
}

static size_t big_uint_token(const char *t, size_t len, size_t i,
			     size_t *end)
{
	size_t j = i;
	while (j < len && strchr("-+.eE0123456789", t[j]) && t[j])
		j++;
	*end = j;
	size_t n = j - i;
	if (n < 19 || n > 20 || t[i] == '0')
		return 0;
	uint64_t v = 0;
	for (size_t k = i; k < j; k++) {
		if (t[k] < '0' || t[k] > '9')
			return 0;
		unsigned d = (unsigned)(t[k] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return 0; /* above UINT64_MAX: jansson's error stands */
		v = v * 10 + d;
	}
	return v > INT64_MAX ? n : 0;
}

/* Is there a run of 19 digits anywhere (strings included)?  Without one
 * no integer is past INT64_MAX, and the texts engines send have none:
 * one tight pass instead of the tokenizing one. */
static bool has_19_digits(const char *t, size_t len)
{
	unsigned run = 0;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)(t[i] - '0') < 10) {
			if (++run == 19)
				return true;
		} else {
			run = 0;
		}
	}
	return false;
}

char *jp_rewrite_big_uints(const char *t, size_t len, size_t *newlen)
{
	static const char mark[] = "\"\\u0000";
	size_t count = 0;

	if (!has_19_digits(t, len))
		return NULL;

	for (int pass = 0; pass < 2; pass++) {
		char *out = NULL, *o = NULL;
		if (pass == 1) {
			if (count == 0)
				return NULL;
			out = o = malloc(len + count * (sizeof(mark) - 1 + 1) + 1);
			if (!out)
				return NULL;
		}
		bool in_str = false;
		size_t copied = 0;
		for (size_t i = 0; i < len; i++) {
			char c = t[i];
			if (in_str) {
				if (c == '\\' && i + 1 < len) {
					/* A NUL escape of the input's own would be
					 * taken for a marker: leave the text be. */
					if (t[i + 1] == 'u' && i + 5 < len &&
					    strncmp(t + i + 2, "0000", 4) == 0) {
						free(out);
						return NULL;
					}
					i++;
				} else if (c == '"') {
					in_str = false;
				}
				continue;
			}
			if (c == '"') {
				in_str = true;
				continue;
			}
			if (c != '-' && (c < '0' || c > '9'))
				continue;
			size_t end;
			size_t n = big_uint_token(t, len, i, &end);
			if (n && pass == 0) {
				count++;
			} else if (n) {
				memcpy(o, t + copied, i - copied);
				o += i - copied;
				memcpy(o, mark, sizeof(mark) - 1);
				o += sizeof(mark) - 1;
				memcpy(o, t + i, n);
				o += n;
				*o++ = '"';
				copied = end;
			}
			i = end - 1;
		}
		if (pass == 1) {
			memcpy(o, t + copied, len - copied);
			o += len - copied;
			*o = '\0';
			*newlen = (size_t)(o - out);
			return out;
		}
	}
	return NULL;
}

int jp_v_string(const struct jp *p, json_t *v, const char *path, char **out)
{
	if (!jp_is_str(v))
		return jp_fail(p, path, "expected a string");
	char *s = strdup(json_string_value(v));
	if (!s)
		return jp_oom(p, path);
	free(*out);
	*out = s;
	return 0;
}

int jp_v_abs_path(const struct jp *p, json_t *v, const char *path, char **out)
{
	if (!jp_is_str(v))
		return jp_fail(p, path, "expected a string");
	if (json_string_value(v)[0] != '/')
		return jp_fail(p, path, "must be an absolute path");
	return jp_v_string(p, v, path, out);
}

int jp_v_i64(const struct jp *p, json_t *v, const char *path, int64_t min,
	     int64_t max, int64_t *out)
{
	if (jp_is_big(v))
		return jp_fail(p, path, "must be at most %" PRId64, max);
	if (!json_is_integer(v))
		return jp_fail(p, path, "expected an integer");
	int64_t x = json_integer_value(v);
	if (x < min || x > max) {
		if (min == 0)
			return jp_fail(p, path,
				       x < 0 ? "must not be negative"
					     : "must be at most %" PRId64, max);
		return jp_fail(p, path,
			       "must be between %" PRId64 " and %" PRId64, min,
			       max);
	}
	*out = x;
	return 0;
}

int jp_v_u64(const struct jp *p, json_t *v, const char *path, uint64_t max,
	     uint64_t *out)
{
	if (jp_is_big(v)) {
		uint64_t big = strtoull(json_string_value(v) + 1, NULL, 10);
		if (big > max)
			return jp_fail(p, path, "must be at most %" PRIu64, max);
		*out = big;
		return 0;
	}
	if (!json_is_integer(v))
		return jp_fail(p, path, "expected an integer");
	int64_t x = json_integer_value(v);
	if (x < 0)
		return jp_fail(p, path, "must not be negative");
	if ((uint64_t)x > max)
		return jp_fail(p, path, "must be at most %" PRIu64, max);
	*out = (uint64_t)x;
	return 0;
}

int jp_v_strv(const struct jp *p, json_t *v, const char *path, char ***out)
{
	if (!json_is_array(v))
		return jp_fail(p, path, "expected an array of strings");
	size_t n = json_array_size(v);
	_cleanup_strv_ char **sv = calloc(n + 1, sizeof(char *));
	if (!sv)
		return jp_oom(p, path);
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(v, i);
		if (!jp_is_str(s))
			return jp_fail(p, path, "expected an array of strings");
		sv[i] = strdup(json_string_value(s));
		if (!sv[i])
			return jp_oom(p, path);
	}
	strv_free(*out);
	*out = steal_ptr(&sv);
	return 0;
}

static int jp_member(const struct jp *p, json_t *obj, const char *parent,
		     const char *key, bool required, char path[JP_PATH_MAX],
		     json_t **v)
{
	jp_key(path, parent, key);
	*v = jp_get(obj, key);
	if (!*v && required)
		return jp_fail(p, path, "required but missing");
	return 0;
}

int jp_object(const struct jp *p, json_t *obj, const char *parent,
	      const char *key, bool required, json_t **out)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (r < 0 || !v)
		return r;
	if (!json_is_object(v))
		return jp_fail(p, path, "expected an object");
	*out = v;
	return 0;
}

int jp_array(const struct jp *p, json_t *obj, const char *parent,
	     const char *key, bool required, json_t **out)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (r < 0 || !v)
		return r;
	if (!json_is_array(v))
		return jp_fail(p, path, "expected an array");
	*out = v;
	return 0;
}

int jp_string(const struct jp *p, json_t *obj, const char *parent,
	      const char *key, bool required, char **out)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (r < 0 || !v)
		return r;
	return jp_v_string(p, v, path, out);
}

int jp_abs_path(const struct jp *p, json_t *obj, const char *parent,
		const char *key, bool required, char **out)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (r < 0 || !v)
		return r;
	return jp_v_abs_path(p, v, path, out);
}

int jp_bool(const struct jp *p, json_t *obj, const char *parent,
	    const char *key, bool *out, bool *set)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, false, path, &v);
	if (set)
		*set = false;
	if (r < 0 || !v)
		return r;
	if (!json_is_boolean(v))
		return jp_fail(p, path, "expected a boolean");
	*out = json_is_true(v);
	if (set)
		*set = true;
	return 0;
}

int jp_i64(const struct jp *p, json_t *obj, const char *parent,
	   const char *key, bool required, int64_t min, int64_t max,
	   int64_t *out, bool *set)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (set)
		*set = false;
	if (r < 0 || !v)
		return r;
	r = jp_v_i64(p, v, path, min, max, out);
	if (r == 0 && set)
		*set = true;
	return r;
}

int jp_u64(const struct jp *p, json_t *obj, const char *parent,
	   const char *key, bool required, uint64_t max, uint64_t *out,
	   bool *set)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (set)
		*set = false;
	if (r < 0 || !v)
		return r;
	r = jp_v_u64(p, v, path, max, out);
	if (r == 0 && set)
		*set = true;
	return r;
}

int jp_u32(const struct jp *p, json_t *obj, const char *parent,
	   const char *key, bool required, uint32_t *out, bool *set)
{
	uint64_t v;
	bool have = false;
	int r = jp_u64(p, obj, parent, key, required, UINT32_MAX, &v, &have);
	if (r < 0)
		return r;
	if (have)
		*out = (uint32_t)v;
	if (set)
		*set = have;
	return 0;
}

int jp_opt_i64(const struct jp *p, json_t *obj, const char *parent,
	       const char *key, struct opt_i64 *out)
{
	return jp_i64(p, obj, parent, key, false, INT64_MIN, INT64_MAX,
		      &out->v, &out->set);
}

int jp_opt_u64(const struct jp *p, json_t *obj, const char *parent,
	       const char *key, uint64_t max, struct opt_u64 *out)
{
	return jp_u64(p, obj, parent, key, false, max, &out->v, &out->set);
}

int jp_strv(const struct jp *p, json_t *obj, const char *parent,
	    const char *key, bool required, char ***out)
{
	char path[JP_PATH_MAX];
	json_t *v;
	int r = jp_member(p, obj, parent, key, required, path, &v);
	if (r < 0 || !v)
		return r;
	return jp_v_strv(p, v, path, out);
}

void jp_kv_free(struct oci_kv *kv, size_t n)
{
	for (size_t i = 0; kv && i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

int jp_kv(const struct jp *p, json_t *obj, const char *parent,
	  const char *key, struct oci_kv **out, size_t *n)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, key, false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, key);

	size_t cnt = json_object_size(o);
	if (cnt == 0)
		return 0;
	struct oci_kv *kv = calloc(cnt, sizeof(*kv));
	if (!kv)
		return jp_oom(p, path);
	size_t i = 0;
	const char *k;
	json_t *val;
	json_object_foreach(o, k, val) {
		char vpath[JP_PATH_MAX];
		jp_key(vpath, path, k);
		if (!jp_is_str(val)) {
			jp_kv_free(kv, i);
			return jp_fail(p, vpath, "expected a string");
		}
		kv[i].key = strdup(k);
		kv[i].value = strdup(json_string_value(val));
		i++;
		if (!kv[i - 1].key || !kv[i - 1].value) {
			jp_kv_free(kv, i);
			return jp_oom(p, vpath);
		}
	}
	jp_kv_free(*out, *n);
	*out = kv;
	*n = cnt;
	return 0;
}

int jp_idmaps(const struct jp *p, json_t *obj, const char *parent,
	      const char *key, struct oci_idmap **out, size_t *n)
{
	char path[JP_PATH_MAX];
	json_t *a = NULL;
	int r = jp_array(p, obj, parent, key, false, &a);
	if (r < 0 || !a)
		return r;
	jp_key(path, parent, key);

	size_t cnt = json_array_size(a);
	if (cnt == 0)
		return 0;
	_cleanup_free_ struct oci_idmap *m = calloc(cnt, sizeof(*m));
	if (!m)
		return jp_oom(p, path);
	for (size_t i = 0; i < cnt; i++) {
		char ipath[JP_PATH_MAX];
		json_t *it = json_array_get(a, i);
		jp_idx(ipath, path, i);
		if (!json_is_object(it))
			return jp_fail(p, ipath, "expected an object");
		if ((r = jp_u32(p, it, ipath, "containerID", true,
				&m[i].container_id, NULL)) < 0 ||
		    (r = jp_u32(p, it, ipath, "hostID", true, &m[i].host_id,
				NULL)) < 0 ||
		    (r = jp_u32(p, it, ipath, "size", true, &m[i].size,
				NULL)) < 0)
			return r;
		if (m[i].size == 0)
			return jp_fail(p, ipath, "size must not be zero");
		if ((uint64_t)m[i].container_id + m[i].size - 1 > UINT32_MAX ||
		    (uint64_t)m[i].host_id + m[i].size - 1 > UINT32_MAX)
			return jp_fail(p, ipath, "range overflows 32 bits");
	}
	free(*out);
	*out = steal_ptr(&m);
	*n = cnt;
	return 0;
}
