/* A container's state on disk: <root>/<id>/state.json (pid, its start time,
 * bundle, cgroup, a copy of config.json) beside start.sock while it waits
 * for `start`.  Status is never stored: it is computed from the pid, the
 * process start time (a reused pid is never taken for the container), the
 * start socket and the cgroup freezer. */
#ifndef CELL_CONTAINER_STATE_H
#define CELL_CONTAINER_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/err.h"

#define CELL_OCI_VERSION "1.2.0"
#define STATE_FILE "state.json"
#define START_SOCKET "start.sock"

enum container_status {
	STATUS_CREATING,
	STATUS_CREATED,
	STATUS_RUNNING,
	STATUS_PAUSED,
	STATUS_STOPPED,
};

struct container {
	char *root; /* the state root (--root) */
	char *id;
	int dirfd;  /* <root>/<id>, O_DIRECTORY */
	bool locked;
	pid_t pid; /* 0 while creating */
	uint64_t start_time; /* /proc/<pid>/stat field 22 */
	char *bundle;
	char *rootfs;
	char *created; /* RFC 3339 */
	char *cgroups_path; /* NULL = default */
	bool no_cgroup; /* rootless, nothing delegated: the init runs in the
			   caller's cgroups, and there are no limits */
	/* Made with --systemd-cgroup: its cgroup is a systemd scope.  Every
	   later command follows the state, not its own flags (as runc). */
	bool systemd_cgroup;
	json_t *config_json; /* owned copy of config.json */
	const char *config_text; /* the same as read, when create has it
				    (borrowed from its oci_config): saved
				    verbatim; NULL = dump config_json */
	struct cgroup *cg; /* its cgroup, opened once (container_cgroup) */
	json_t *cgroup_layout; /* where it is in each hierarchy (saved) */
	struct oci_config *config; /* parsed from config_json, lazily */
};

/* [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 1024 characters. */
int container_validate_id(const char *id, struct cell_err *e);

/* Make <root>/<id> (EEXIST: "container already exists"), lock it. */
int container_new(const char *root, const char *id, struct container **out,
		  struct cell_err *e);

/* Open an existing container.  lock: take the exclusive lock (flock on the
 * directory) that every state-changing command holds. */
int container_load(const char *root, const char *id, bool lock,
		   struct container **out, struct cell_err *e);

int container_save(struct container *c, struct cell_err *e);

/* Remove the state directory (its files, then itself). */
int container_remove_dir(struct container *c, struct cell_err *e);

void container_free(struct container *c);

/* Parse config_json once. */
int container_config(struct container *c, const struct oci_config **out,
		     struct cell_err *e);
/* Only its linux object and annotations (what exec joins by), into a
 * config of the caller's (oci_config_free). */
int container_config_for_exec(const struct container *c,
			      struct oci_config **out, struct cell_err *e);

/* The container's cgroup, opened on first use and owned by c (a command
 * asks for its status and then works on it: one lookup of the
 * hierarchies).  ENOTSUP when it has none (rootless, none delegated). */
struct cgroup;
int container_cgroup(struct container *c, struct cgroup **out,
		     struct cell_err *e);

enum container_status container_status(struct container *c);
/* The same for an init known to be alive (its pidfd held, from
 * container_pidfd): created, running or paused. */
enum container_status container_status_alive(struct container *c);
const char *container_status_name(enum container_status s);

/* The OCI state object (ociVersion, id, status, pid, bundle, annotations). */
json_t *container_state_json(struct container *c, enum container_status s);

/* A pidfd for the container's init, or -ESRCH when it is gone or the pid
 * now belongs to another process. */
int container_pidfd(struct container *c);

/* Start time of pid (field 22 of /proc/<pid>/stat) and its state char. */
int proc_start_time(pid_t pid, uint64_t *start, char *state);

#endif
