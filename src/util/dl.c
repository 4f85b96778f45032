#include "util/dl.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

void *dl_load(const char *lib, const struct dl_sym *syms, size_t n,
	      struct cell_err *e)
{
	if (dl_static()) {
		/* a command that got here was not handed off first */
		cell_err_msg(e, ENOTSUP,
			     "cannot load %s: this is cell's static build (the full runtime loads it)",
			     lib);
		return NULL;
	}
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

static char **handoff_argv;

/* Set in the environment of a handoff: a "full runtime" that is a static
 * build too (a packaging mistake) would otherwise exec itself forever.
 * The full build drops it, so that nothing it starts inherits it. */
#define HANDOFF_ENV "CELL_HANDED_OFF"

void dl_handoff_init(char **argv)
{
	handoff_argv = argv;
	if (!dl_static())
		unsetenv(HANDOFF_ENV);
}

#ifdef CELL_STATIC
/* Where the full runtime is: beside an installed cell, in
 * ../libexec/cell/; in a build tree, where the build was told
 * (-Dfull_runtime). */
static int full_runtime(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (snprintf(buf, len, "%s/../libexec/cell/cell", self) <
				    (int)len &&
			    access(buf, X_OK) == 0)
				return 0;
		}
	}
	if (snprintf(buf, len, "%s", CELL_FULL_RUNTIME) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}
#endif

int dl_handoff(const char *why, struct cell_err *e)
{
#ifdef CELL_STATIC
	extern char **environ;
	char path[PATH_MAX];
	int r = full_runtime(path, sizeof(path));
	if (r < 0)
		return cell_err_sys(e, -r, "%s needs the full runtime", why);
	if (getenv(HANDOFF_ENV))
		return cell_err_msg(e, ELOOP,
				    "%s needs the full runtime, and %s is a static build too",
				    why, path);
	log_debug("%s: handed to the full runtime %s", why, path);
	if (setenv(HANDOFF_ENV, "1", 1) < 0)
		return cell_err_sys(e, errno, "%s: handoff", why);
	execve(path, handoff_argv, environ);
	int err = errno;
	unsetenv(HANDOFF_ENV);
	return cell_err_sys(e, err, "%s needs the full runtime %s", why, path);
#else
	(void)why;
	(void)e;
	(void)handoff_argv;
	return 0;
#endif
}
