/* OOM notification.  v1: an eventfd registered through cgroup.event_control
 * against memory.oom_control, signalled on each OOM.  v2: memory.events,
 * which raises POLLPRI when it changes; the caller re-reads oom_kill. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"

int cg_oom_fd(struct cgroup *cg, struct cell_err *e)
{
	bool v2;
	const char *d = cgroup_controller_dir(cg, "memory", &v2);
	if (!d)
		return cell_err_msg(e, ENOTSUP,
				    "cgroup: the memory controller is not "
				    "available");
	_cleanup_free_ char *events = cg_path(d, v2 ? "memory.events"
						    : "memory.oom_control");
	if (!events)
		return cell_err_sys(e, ENOMEM, "cgroup");
	_cleanup_close_ int fd = openat(AT_FDCWD, events, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s", events);
	if (v2)
		return steal_fd(&fd);

	_cleanup_close_ int efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		return cell_err_sys(e, errno, "eventfd");
	/* The kernel takes its own reference to both files: the
	   oom_control fd can be closed once registered. */
	if (cg_writef(d, "cgroup.event_control", e, "%d %d", efd, fd) < 0)
		return cell_err_wrap(e, "cgroup: register for OOM events");
	return steal_fd(&efd);
}

int cg_oom_kills(struct cgroup *cg, uint64_t *out, struct cell_err *e)
{
	bool v2;
	const char *d = cgroup_controller_dir(cg, "memory", &v2);
	if (!d)
		return cell_err_msg(e, ENOTSUP,
				    "cgroup: the memory controller is not "
				    "available");
	int r = cg_read_keyed(d, v2 ? "memory.events" : "memory.oom_control",
			      "oom_kill", out, e);
	if (r == -ENOENT) {
		/* Kernels before 4.13 (v1) do not count OOM kills. */
		*out = 0;
		return 0;
	}
	return r;
}
