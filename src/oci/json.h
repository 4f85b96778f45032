/* Reading JSON documents the way config.json is read: duplicate keys
 * refused, errors as "<origin>: line L column C: <why>" on one line, and
 * unsigned integers above INT64_MAX (RLIM_INFINITY written as
 * 18446744073709551615) kept for the oci_*_parse() readers.  Use it for
 * `exec --process FILE` and `update -r FILE` before oci_process_parse()
 * and oci_resources_parse(). */
#ifndef CELL_OCI_JSON_H
#define CELL_OCI_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "util/err.h"

/* *out gets a new reference.  Integers above INT64_MAX appear in the tree
 * as strings "\0<digits>", which only the oci_*_parse() readers take. */
int oci_json_parse(const char *text, size_t len, const char *origin,
		   json_t **out, struct cell_err *e);

/* json_dumps() of a tree from oci_json_parse(), with every such integer
 * written back as the number it was: what is saved (the state's copy of
 * config.json) reads back the same.  malloc'd; NULL on OOM. */
char *oci_json_dumps(const json_t *j, size_t flags);

#endif
