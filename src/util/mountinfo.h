/* /proc/<pid>/mountinfo as a table: read by the cgroup module (where the
 * hierarchies are mounted) and by src/fs (the rootfs's parent mount, a
 * container's cgroup mount, what to undo without a mount namespace). */
#ifndef CELL_UTIL_MOUNTINFO_H
#define CELL_UTIL_MOUNTINFO_H

#include <stddef.h>

#include "util/err.h"

/* One line of /proc/<pid>/mountinfo; strings are unescaped (\040 -> ' ')
 * and point into the text the table was parsed from. */
struct mountinfo_entry {
	int id;
	int parent;
	unsigned int major;
	unsigned int minor;
	char *root;
	char *mountpoint;
	char *options;   /* per-mount: "rw,nosuid,relatime" */
	char *optional;  /* "shared:1 master:2", may be "" */
	char *fstype;
	char *source;
	char *superopts; /* per-superblock: "rw,cpu" */
};

struct mountinfo {
	struct mountinfo_entry *v;
	size_t n;
	char *text; /* owned: the entries' strings live in it */
};

/* Parse `path` (e.g. "/proc/self/mountinfo"). */
int mountinfo_read(const char *path, struct mountinfo *out,
		   struct cell_err *e);
void mountinfo_free(struct mountinfo *mi);

/* The entry whose mount point is the longest prefix of the absolute,
 * symlink-free `path` (the mount that contains it); NULL if none. */
const struct mountinfo_entry *mountinfo_find_containing(
	const struct mountinfo *mi, const char *path);

#endif
