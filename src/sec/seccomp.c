/* STUB */
#include "sec/sec.h"
#include <errno.h>
int sec_seccomp_compile(const struct oci_seccomp *s, struct sec_seccomp **out, struct cell_err *e)
{ *out = NULL; return 0; }
int sec_seccomp_load(struct sec_seccomp *f, int *notify_fd, struct cell_err *e)
{ *notify_fd = -1; return 0; }
void sec_seccomp_free(struct sec_seccomp *f) { (void)f; }
static const char *const none[] = { NULL };
const char *const *sec_seccomp_actions(void) { return none; }
const char *const *sec_seccomp_operators(void) { return none; }
const char *const *sec_seccomp_flags(void) { return none; }
const char *const *sec_seccomp_archs(void) { return none; }
