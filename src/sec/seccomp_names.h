/* Internal to src/sec: the OCI names of seccomp architectures and flags. */
#ifndef CELL_SEC_SECCOMP_NAMES_H
#define CELL_SEC_SECCOMP_NAMES_H

#include <seccomp.h>
#include <stdbool.h>
#include <stdint.h>

/* "SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64.  False when unknown. */
bool sec_seccomp_arch_token(const char *name, uint32_t *token);

/* "SECCOMP_FILTER_FLAG_TSYNC" -> SCMP_FLTATR_CTL_TSYNC.  False when
 * unknown. */
bool sec_seccomp_flag_attr(const char *name, enum scmp_filter_attr *attr);

#endif
