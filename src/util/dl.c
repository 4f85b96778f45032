#include "util/dl.h"

#include <dlfcn.h>
#include <errno.h>

void *dl_load(const char *lib, const struct dl_sym *syms, size_t n,
	      struct cell_err *e)
{
	void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		cell_err_msg(e, ENOENT, "cannot load %s: %s", lib, dlerror());
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (!(*syms[i].slot = dlsym(h, syms[i].name))) {
			dlclose(h);
			cell_err_msg(e, ENOENT, "%s has no %s", lib,
				     syms[i].name);
			return NULL;
		}
	}
	return h;
}
