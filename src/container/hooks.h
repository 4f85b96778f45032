/* OCI hooks: each runs with the container's state JSON on stdin and is
 * killed when its timeout passes. */
#ifndef CELL_CONTAINER_HOOKS_H
#define CELL_CONTAINER_HOOKS_H

#include <stdbool.h>

#include "oci/config.h"
#include "util/err.h"

/* Run the hooks of one kind in order.  A failure stops the list and is
 * returned, unless keep_going (poststart, poststop: the spec says warn and
 * go on), where each failure is logged as a warning. */
int hooks_run(const struct oci_config *c, enum oci_hook_kind kind,
	      const char *state_json, bool keep_going, struct cell_err *e);

/* The same for startContainer hooks, whose path the container controls:
 * they are exec'd through the trampoline (see sec/exec.c). */
int hooks_run_in_container(const struct oci_config *c,
			   enum oci_hook_kind kind, const char *state_json,
			   int trampoline, struct cell_err *e);

const char *hooks_kind_name(enum oci_hook_kind kind);

#endif
