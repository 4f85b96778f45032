/* STUB */
#include "sec/sec.h"
#include <errno.h>
int sec_drop_bounding(const struct oci_caps *caps, struct cell_err *e) { return 0; }
int sec_switch_user(const struct oci_process *p, struct cell_err *e) { return 0; }
int sec_apply_caps(const struct oci_process *p, struct cell_err *e) { return 0; }
int sec_set_no_new_privs(struct cell_err *e) { return 0; }
const char *const *sec_known_caps(void) { static const char *const n[] = { NULL }; return n; }
