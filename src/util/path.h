/* Paths inside a root that the container controls.
 *
 * A rootfs is hostile: any component may be a symlink to "/", "../../..",
 * or /proc/self/fd/N.  These helpers resolve with openat2(RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS), so the walk never leaves the root. */
#ifndef CELL_UTIL_PATH_H
#define CELL_UTIL_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/err.h"

/* Open `path` (absolute or relative, taken inside the root) below rootfd.
 * flags as for openat (O_PATH, O_DIRECTORY, O_CLOEXEC is always added).
 * Returns an fd or -errno with e filled. */
int path_open_in_root(int rootfd, const char *path, int flags,
		      struct cell_err *e);

/* Make every missing component of `path` inside the root (mode 0755
 * directories); the last one a directory, or an empty file when
 * `leaf_is_file`.  Returns an O_PATH fd of the leaf, or -errno. */
int path_mkdirs_in_root(int rootfd, const char *path, bool leaf_is_file,
			struct cell_err *e);

/* Lexically clean "a//b/./c/../d" -> "/a/b/d" (always absolute); the
 * result is malloc'd.  No filesystem access. */
char *path_clean(const char *path);

/* join(a, b) with exactly one '/', malloc'd. */
char *path_join(const char *a, const char *b);

#endif
