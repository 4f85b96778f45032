/* STUB */
#include "util/path.h"
#include <errno.h>
int path_open_in_root(int rootfd, const char *path, int flags, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
int path_mkdirs_in_root(int rootfd, const char *path, bool leaf_is_file, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
char *path_clean(const char *path) { (void)path; return NULL; }
char *path_join(const char *a, const char *b) { (void)a; (void)b; return NULL; }
