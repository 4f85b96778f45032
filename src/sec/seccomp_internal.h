/* Internal to src/sec: a compiled seccomp filter. */
#ifndef CELL_SEC_SECCOMP_INTERNAL_H
#define CELL_SEC_SECCOMP_INTERNAL_H

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct sec_seccomp {
	scmp_filter_ctx ctx; /* only while compiling */
	bool has_notify;
	unsigned int kflags;     /* SECCOMP_FILTER_FLAG_* */
	struct sock_filter *prog; /* the kernel program */
	size_t prog_len;          /* instructions */
};

/* SECCOMP_FILTER_FLAG_* for linux.seccomp.flags, plus NEW_LISTENER when a
 * rule notifies. */
unsigned int sec_seccomp_kernel_flags(char **flags, bool notify);

/* libseccomp's program for f->ctx, into f->prog. */
int sec_seccomp_export(struct sec_seccomp *f, struct cell_err *e);

#endif
