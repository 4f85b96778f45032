/* File descriptors a child of the runtime must not keep. */
#ifndef CELL_UTIL_FD_H
#define CELL_UTIL_FD_H

#include <stddef.h>

/* Close every fd >= from except those listed in keep (any order, -1
 * entries ignored).  The container's init calls this first thing: what
 * the runtime's caller left open (bats' fd 3, an engine's pipes) must not
 * stay open in a container waiting for start, nor reach it. */
void fd_close_all_except(unsigned int from, const int *keep, size_t n);

/* The signal state a new process should start with: nothing blocked,
 * every disposition default (the runtime blocks signals it forwards, and
 * its caller may have ignored some). */
void signals_reset(void);

#endif
