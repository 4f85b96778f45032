/* File descriptors a child of the runtime must not keep. */
#ifndef CELL_UTIL_FD_H
#define CELL_UTIL_FD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Close every fd >= from except those listed in keep (any order, -1
 * entries ignored).  The container's init calls this first thing: what
 * the runtime's caller left open (bats' fd 3, an engine's pipes) must not
 * stay open in a container waiting for start, nor reach it. */
void fd_close_all_except(unsigned int from, const int *keep, size_t n);

/* One sendmsg of data with fd attached (SCM_RIGHTS; fd < 0: none),
 * retried on EINTR, never raising SIGPIPE.  Bytes sent, or -errno. */
ssize_t fd_send(int sock, const void *data, size_t len, int fd);

/* The signal state a new process should start with: nothing blocked,
 * every disposition default (the runtime blocks signals it forwards, and
 * its caller may have ignored some). */
void signals_reset(void);

/* A hexadecimal mask of /proc/self/status ("SigIgn", "CapBnd"): one read
 * where the alternative is a system call per bit.  -errno when there is
 * no such file or field. */
int proc_status_mask(const char *field, uint64_t *out);
/* Several of them from the same read: out[i] for fields[i]. */
int proc_status_masks(const char *const *fields, uint64_t *out, size_t n);

#endif
