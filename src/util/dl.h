/* Optional libraries, loaded only by the commands that need them:
 * libsystemd (the systemd cgroup driver), libnftables (published ports),
 * libmnl (a container's own network).  A library linked in would cost
 * every start of the runtime its loading. */
#ifndef CELL_UTIL_DL_H
#define CELL_UTIL_DL_H

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

#endif
