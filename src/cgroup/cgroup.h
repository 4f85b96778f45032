/* One interface to the container's cgroup, whatever the host runs.
 *
 * The backend is chosen at run time by looking at /sys/fs/cgroup:
 *   unified  cgroup2 mounted at /sys/fs/cgroup
 *   legacy   v1 controllers under /sys/fs/cgroup/<controller>
 *   hybrid   v1 controllers plus a cgroup2 mount at /sys/fs/cgroup/unified
 *            (which may hold controllers of its own: hugetlb on some hosts)
 * Each backend is a struct cgroup_ops; callers never test the version. */
#ifndef CELL_CGROUP_CGROUP_H
#define CELL_CGROUP_CGROUP_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/err.h"

enum cgroup_mode {
	CGROUP_MODE_UNIFIED,
	CGROUP_MODE_LEGACY,
	CGROUP_MODE_HYBRID,
};

struct cgroup;
struct cgroup_layout; /* private to src/cgroup: where each hierarchy lives */
struct mountinfo;     /* util/mountinfo.h */

struct cgroup_ops {
	const char *name; /* "v2", "v1", "hybrid", "systemd" */
	/* The cgroup is made around the container's init by `enter` (a
	   systemd scope needs its first process): `create` only checks, and
	   resources are applied after `enter`, not before the clone. */
	bool made_by_enter;
	/* Make the directories (all controllers). Idempotent. */
	int (*create)(struct cgroup *cg, struct cell_err *e);
	/* Write resources.  `update` is true for `cell update` (checks such as
	   memory.checkBeforeUpdate apply).  Nothing half-applied on failure
	   where the kernel allows rolling back. */
	int (*apply)(struct cgroup *cg, const struct oci_resources *r,
		     bool update, struct cell_err *e);
	/* Move a process into the cgroup (every controller). */
	int (*enter)(struct cgroup *cg, pid_t pid, struct cell_err *e);
	int (*freeze)(struct cgroup *cg, bool frozen, struct cell_err *e);
	/* 1 frozen, 0 not, <0 error */
	int (*is_frozen)(struct cgroup *cg, struct cell_err *e);
	/* Signal every process in the cgroup (cgroup.kill for SIGKILL on v2). */
	int (*kill_all)(struct cgroup *cg, int sig, struct cell_err *e);
	/* Every pid in the cgroup and its descendants; *pids malloc'd. */
	int (*pids)(struct cgroup *cg, pid_t **pids, size_t *n,
		    struct cell_err *e);
	/* runc's "stats" object for `events --stats`. */
	int (*stats)(struct cgroup *cg, json_t **out, struct cell_err *e);
	/* Remove the directories, retrying while the kernel still holds them
	   (EBUSY right after the last process exits).  Missing is success. */
	int (*destroy)(struct cgroup *cg, struct cell_err *e);
	/* An O_PATH|O_DIRECTORY fd of the v2 directory for clone3's
	   CLONE_INTO_CGROUP, or -1 when the backend cannot use it. */
	int (*clone_fd)(struct cgroup *cg);
	/* v1 hierarchies: open each one's `tasks` file for writing, so that
	   the new process can move *itself* by writing "0" (see
	   cgroup_join_self).  *n may be 0 (v2: clone_fd does it). */
	int (*join_fds)(struct cgroup *cg, int *fds, size_t max, size_t *n,
			struct cell_err *e);
	/* An fd that becomes readable on each OOM kill (eventfd on v1,
	   memory.events with POLLPRI on v2), or -errno. */
	int (*oom_fd)(struct cgroup *cg, struct cell_err *e);
	/* Total OOM kills so far (v1 memory.oom_control oom_kill, v2
	   memory.events oom_kill). */
	int (*oom_kills)(struct cgroup *cg, uint64_t *out, struct cell_err *e);
};

struct cg_systemd; /* private to src/cgroup/systemd.c */

struct cgroup {
	const struct cgroup_ops *ops;
	/* The systemd backend: the cgroupfs backend of the scope's
	   directory, which does the file work; NULL otherwise. */
	const struct cgroup_ops *fs_ops;
	struct cg_systemd *sd;
	enum cgroup_mode mode;
	char *path; /* relative to each hierarchy's root, starts with '/' */
	int v2_fd;  /* cached clone_fd, -1 until asked */
	struct cgroup_layout *layout;
};

enum cgroup_mode cgroup_detect_mode(void);

/* The cgroup for a container: `cgroups_path` from config.json (absolute =
 * below the hierarchy root, relative = below cell's own parent), or
 * "/cell-<id>" when NULL (flat, as runc's "/<id>": no shared parent to
 * create or leave behind).  Nothing is created yet. */
int cgroup_new(const char *cgroups_path, const char *id, struct cgroup **out,
	       struct cell_err *e);
void cgroup_free(struct cgroup *cg);

/* The runtime's /proc/self/mountinfo as cgroup_new read it (NULL for a
 * cgroup from a saved state, or the systemd driver's): the hierarchies
 * an init with a copy of this mount table mounts. */
const struct mountinfo *cgroup_mountinfo(const struct cgroup *cg);

/* The cgroup's place in every hierarchy as JSON, for the state (NULL for
 * the systemd driver); and the cgroup back from it, without reading the
 * mount table again. */
json_t *cgroup_layout_json(const struct cgroup *cg);
int cgroup_from_layout(json_t *layout, struct cgroup **out,
		       struct cell_err *e);

/* The systemd driver (--systemd-cgroup): `cgroups_path` is
 * "slice:prefix:name" (NULL or "" = "system.slice:cell:<id>", rootless
 * "user.slice:..." in the caller's own systemd); the cgroup is the
 * transient scope prefix-name.scope, which `enter` starts around the init.
 * The config's org.systemd.property.* annotations become unit properties.
 * Connects to the bus now, so that a host without systemd fails before
 * anything is made. */
int cgroup_new_systemd(const char *cgroups_path, const char *id,
		       json_t *annotations, struct cgroup **out,
		       struct cell_err *e);
/* The scope of an existing container, at the cgroup path its state
 * recorded (the unit is its last component).  No bus until needed. */
int cgroup_open_systemd(const char *path, const char *id, struct cgroup **out,
			struct cell_err *e);

/* The directory that holds `controller`'s files for this cgroup ("memory",
 * "cpu", "hugetlb", ...), or NULL when the host has no such controller.
 * *is_v2 (may be NULL) says which file names to expect: in hybrid mode a
 * controller missing from v1 may live in the v2 node. */
const char *cgroup_controller_dir(const struct cgroup *cg,
				  const char *controller, bool *is_v2);

/* The v2 directory (unified and hybrid), or NULL on legacy. */
const char *cgroup_v2_dir(const struct cgroup *cg);

/* Conversions engines expect (pure functions).
 * v1 cpu.shares (2..262144; 0 = unset) -> v2 cpu.weight (1..10000). */
uint64_t cgroup_shares_to_weight(uint64_t shares);
/* blkio.weight (10..1000) -> io.weight (1..10000). */
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);
/* OCI memory.swap (memory+swap) -> v2 memory.swap.max (swap alone);
 * -1 = "max".  Errors name linux.resources.memory.swap. */
int cgroup_swap_to_v2(int64_t swap, int64_t limit, int64_t *out,
		      struct cell_err *e);
/* A cpuset list such as "0-3,7" (also "" = inherit). */
bool cgroup_cpuset_list_valid(const char *list);

#define CGROUP_MAX_JOIN_FDS 16

/* Run by the new process itself, before it runs anything else: write "0"
 * to each fd from join_fds.  A single-threaded process moving itself
 * through `tasks` skips the global threadgroup lock, whose RCU grace
 * period costs ~10-20 ms per create when the runtime moves the pid through
 * cgroup.procs.  The kernel checks the opener's credentials, so this works
 * after the process entered its user namespace.  Closes the fds. */
int cgroup_join_self(int *fds, size_t n, struct cell_err *e);
void cgroup_close_fds(int *fds, size_t n);

/* Convenience wrappers: cg->ops->X(cg, ...). */
static inline int cgroup_create(struct cgroup *cg, struct cell_err *e)
{
	return cg->ops->create(cg, e);
}
static inline int cgroup_apply(struct cgroup *cg, const struct oci_resources *r,
			       bool update, struct cell_err *e)
{
	return cg->ops->apply(cg, r, update, e);
}
static inline int cgroup_enter(struct cgroup *cg, pid_t pid,
			       struct cell_err *e)
{
	return cg->ops->enter(cg, pid, e);
}
static inline int cgroup_destroy(struct cgroup *cg, struct cell_err *e)
{
	return cg->ops->destroy(cg, e);
}

#endif
