/* Typed reads from a jansson tree that name the JSON path on failure.
 *
 * Internal to src/oci.  Every reader takes the parent object, the parent's
 * JSON path ("linux.resources") and a key; the error it records reads
 * "<origin>: <parent>.<key>: <why>".  A key holding JSON null counts as
 * absent, the way Go's decoder (runc) treats it. */
#ifndef CELL_OCI_JPARSE_H
#define CELL_OCI_JPARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/config.h"
#include "util/err.h"

#define JP_PATH_MAX 512

struct jp {
	const char *origin; /* "config.json" */
	struct cell_err *e;
};

/* "parent.key" (or "key" at the top) and "parent[i]" into buf. */
void jp_key(char buf[JP_PATH_MAX], const char *parent, const char *key);
void jp_idx(char buf[JP_PATH_MAX], const char *parent, size_t i);

/* Record "<origin>: <path>: <why>" (EINVAL) and return -EINVAL. */
int jp_fail(const struct jp *p, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int jp_oom(const struct jp *p, const char *path);
/* Replace control characters in e->msg: errors are printed as one line. */
void jp_sanitize(struct cell_err *e);

/* A string value (and not a stand-in for a big integer). */
bool jp_is_str(json_t *v);

/* Text with every unsigned integer above INT64_MAX turned into a string
 * the integer readers understand; parse it with JSON_ALLOW_NUL.  NULL when
 * there is nothing to rewrite (or no memory): parse the original. */
char *jp_rewrite_big_uints(const char *text, size_t len, size_t *newlen);

/* The member, or NULL when absent or null. */
json_t *jp_get(json_t *obj, const char *key);

/* Value readers: v is the value at `path`. */
int jp_v_string(const struct jp *p, json_t *v, const char *path, char **out);
int jp_v_i64(const struct jp *p, json_t *v, const char *path, int64_t min,
	     int64_t max, int64_t *out);
int jp_v_u64(const struct jp *p, json_t *v, const char *path, uint64_t max,
	     uint64_t *out);
int jp_v_strv(const struct jp *p, json_t *v, const char *path, char ***out);
int jp_v_abs_path(const struct jp *p, json_t *v, const char *path, char **out);

/* Keyed readers.  `required`: absence is an error; otherwise absence
 * leaves *out alone and *set (when given) false. */
int jp_object(const struct jp *p, json_t *obj, const char *parent,
	      const char *key, bool required, json_t **out);
int jp_array(const struct jp *p, json_t *obj, const char *parent,
	     const char *key, bool required, json_t **out);
int jp_string(const struct jp *p, json_t *obj, const char *parent,
	      const char *key, bool required, char **out);
int jp_abs_path(const struct jp *p, json_t *obj, const char *parent,
		const char *key, bool required, char **out);
int jp_bool(const struct jp *p, json_t *obj, const char *parent,
	    const char *key, bool *out, bool *set);
int jp_i64(const struct jp *p, json_t *obj, const char *parent,
	   const char *key, bool required, int64_t min, int64_t max,
	   int64_t *out, bool *set);
int jp_u64(const struct jp *p, json_t *obj, const char *parent,
	   const char *key, bool required, uint64_t max, uint64_t *out,
	   bool *set);
int jp_u32(const struct jp *p, json_t *obj, const char *parent,
	   const char *key, bool required, uint32_t *out, bool *set);
int jp_opt_i64(const struct jp *p, json_t *obj, const char *parent,
	       const char *key, struct opt_i64 *out);
int jp_opt_u64(const struct jp *p, json_t *obj, const char *parent,
	       const char *key, uint64_t max, struct opt_u64 *out);
int jp_strv(const struct jp *p, json_t *obj, const char *parent,
	    const char *key, bool required, char ***out);
/* An object whose values are all strings -> key/value array. */
int jp_kv(const struct jp *p, json_t *obj, const char *parent,
	  const char *key, struct oci_kv **out, size_t *n);
void jp_kv_free(struct oci_kv *kv, size_t n);
/* [{containerID, hostID, size}] */
int jp_idmaps(const struct jp *p, json_t *obj, const char *parent,
	      const char *key, struct oci_idmap **out, size_t *n);

#endif
