/* STUB */
#include "fs/fs.h"
#include <errno.h>
int fs_prepare_rootfs(const struct rootfs_ctx *ctx, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
int fs_pivot_root(const struct rootfs_ctx *ctx, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
int fs_finish_rootfs(const struct rootfs_ctx *ctx, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
