/* Whole-file reads and writes, relative to a directory fd or absolute. */
#ifndef CELL_UTIL_FILE_H
#define CELL_UTIL_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

/* Read all of dirfd/path (dirfd may be AT_FDCWD) into a NUL-terminated
 * malloc'd buffer.  `max` bounds the size (0 = 64 MiB). */
int file_read_at(int dirfd, const char *path, size_t max, char **out,
		 size_t *len, struct cell_err *e);

/* The same from an open fd (path names it in errors). */
int file_read_fd(int fd, const char *path, size_t max, char **out,
		 size_t *len, struct cell_err *e);

/* Read a file that must be a regular one (not a FIFO, device or
 * directory): for files the caller does not trust, like config.json. */
int file_read_regular(const char *path, size_t max, char **out, size_t *len,
		      struct cell_err *e);

/* Write `data` to an existing file (O_WRONLY|O_TRUNC, no create): the way
 * cgroup and procfs files take values. */
int file_write_at(int dirfd, const char *path, const char *data,
		  struct cell_err *e);

/* Create or replace dirfd/path atomically (write a temporary, fsync-less
 * rename) with mode. */
int file_replace_at(int dirfd, const char *path, const char *data,
		    size_t len, mode_t mode, struct cell_err *e);

/* mkdir -p with mode for each level made; 0 or -errno. */
int file_mkdir_p(const char *path, mode_t mode);

#endif
