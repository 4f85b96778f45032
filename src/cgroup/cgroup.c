/* STUB */
#include "cgroup/cgroup.h"
#include <errno.h>
enum cgroup_mode cgroup_detect_mode(void) { return CGROUP_MODE_HYBRID; }
int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **out, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
void cgroup_free(struct cgroup *cg) { (void)cg; }
