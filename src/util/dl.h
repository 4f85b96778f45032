/* Optional libraries, loaded only by the commands that need them:
 * libsystemd (the systemd cgroup driver), libnftables (published ports),
 * libmnl (a container's own network).  A library linked in would cost
 * every start of the runtime its loading.
 *
 * The static build (musl, CELL_STATIC) has no dynamic loader: it starts in
 * a tenth of the time glibc's does, and cannot load these.  A command that
 * needs one is handed, before it has changed anything, to the full runtime
 * -- the same program built against glibc -- with its arguments,
 * environment and fds unchanged (dl_handoff). */
#ifndef CELL_UTIL_DL_H
#define CELL_UTIL_DL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct dl_sym {
	const char *name;
	void **slot; /* where its address goes: (void **)&table.function */
};

/* dlopen `lib` (RTLD_NOW | RTLD_LOCAL) and fill every slot.  The handle;
 * or NULL, the library closed again (slots filled before the missing one
 * are not to be used), and e saying "cannot load LIB: ..." or "LIB has
 * no SYMBOL". */
void *dl_load(const char *lib, const struct dl_sym *syms, size_t n,
	      struct cell_err *e);

/* True in the build that cannot load libraries. */
static inline bool dl_static(void)
{
#ifdef CELL_STATIC
	return true;
#else
	return false;
#endif
}

/* main's argv: what a handoff runs again. */
void dl_handoff_init(char **argv);

/* In the static build: exec the full runtime with this process's own
 * arguments, saying `why` in the debug log; returns only if that fails
 * (-errno, e set).  In the full build: 0, nothing done.  Only for a
 * command that has not changed anything yet. */
int dl_handoff(const char *why, struct cell_err *e);

#endif
