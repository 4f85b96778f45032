/* The user switch: supplementary groups, gid, uid and umask, keeping the
 * permitted capabilities across the uid change for sec_apply_caps(). */
#include "sec/sec.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"

/* In a user namespace whose gid map was written by an unprivileged parent,
 * /proc/self/setgroups says "deny" and setgroups() always fails. */
static bool setgroups_denied(void)
{
	_cleanup_close_ int fd =
	    openat(AT_FDCWD, "/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	char buf[16] = { 0 };
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	return n >= 4 && strncmp(buf, "deny", 4) == 0;
}

static int set_groups(const struct oci_user *u, struct cell_err *e)
{
	if (setgroups(u->n_additional_gids, u->additional_gids) == 0)
		return 0;
	int err = errno;
	if (err == EPERM && setgroups_denied()) {
		/* Nothing to drop: the namespace already has no way to hold
		 * supplementary groups beyond what it inherited. */
		if (u->n_additional_gids == 0)
			return 0;
		return cell_err_sys(e, err,
				    "process.user.additionalGids: setgroups is "
				    "denied in this user namespace "
				    "(/proc/self/setgroups is \"deny\")");
	}
	return cell_err_sys(e, err, "process.user.additionalGids: setgroups");
}

int sec_switch_user(const struct oci_process *p, struct cell_err *e)
{
	const struct oci_user *u = &p->user;

	/* Without KEEPCAPS, leaving uid 0 empties the permitted set and
	 * sec_apply_caps() could grant nothing. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cell_err_sys(e, errno, "process.user: PR_SET_KEEPCAPS");

	EXPLAIN("the process's own user and groups: the host's supplementary groups are dropped",
		"setgroups(%zu gids); setresgid(%u); setresuid(%u)",
		u->n_additional_gids, (unsigned)u->gid, (unsigned)u->uid);
	int r = set_groups(u, e);
	if (r < 0)
		return r;
	/* gid first: after the uid change CAP_SETGID is no longer
	 * effective. */
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return cell_err_sys(e, errno, "process.user.gid: setresgid(%u)",
				    (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return cell_err_sys(e, errno, "process.user.uid: setresuid(%u)",
				    (unsigned)u->uid);
	umask(u->has_umask ? (u->umask & 07777) : 0022);

	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cell_err_sys(e, errno, "process.user: PR_SET_KEEPCAPS");
	return 0;
}
