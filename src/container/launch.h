/* Shared by create, run and exec: a container's init being brought up. */
#ifndef CELL_CONTAINER_LAUNCH_H
#define CELL_CONTAINER_LAUNCH_H

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/state.h"
#include "sec/sec.h"

struct launch {
	struct container *c;
	struct oci_config *cfg;
	struct cgroup *cg;
	struct sec_seccomp *seccomp;
	char *bundle;
	char *rootfs;
	pid_t pid;
	int pidfd;
	int sync;   /* parent's end */
	int master; /* pty master when run holds the terminal, else -1 */
	bool rootless;  /* ns_rootless(), asked once (it reads uid_map) */
	bool no_cgroup; /* rootless, nothing delegated: no limits */
	bool recorded;   /* pid and start time saved in the state */
	bool start_sent; /* run: START went ahead of READY */
	bool shared_init; /* run: the init shared our memory until its exec
			     (init_can_share_memory) */
};

/* Everything up to "created": state, cgroup, init waiting for start.
 * On failure nothing is left behind. */
int container_launch(const struct create_opts *o, bool run_mode,
		     struct launch *L, struct cell_err *e);
void launch_cleanup(struct launch *L);

/* Forward signals to pidfd and proxy a pty (master >= 0) until the process
 * exits; returns its exit code (128+N for a signal). */
int container_wait(pid_t pid, int pidfd, int master, struct cell_err *e);

/* linux.resources (or an update's) on the cgroup, with the device rules
 * every container keeps (the spec's default devices, ptys, mknod, and
 * linux.devices) after the given ones: an update with devices must not
 * take /dev/null away.  rootless: ns_rootless(), as the caller knows it
 * (no device rules are set then). */
int container_apply_resources(struct cgroup *cg, const struct oci_config *cfg,
			      const struct oci_resources *res, bool update,
			      bool rootless, struct cell_err *e);

/* Remove a stopped container: poststop hooks, cgroup, state dir.  cg: the
 * container's cgroup when the caller has it open (run), else NULL. */
int container_destroy(struct container *c, struct cgroup *cg,
		      struct cell_err *e);

#endif
