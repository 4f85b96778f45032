/* The container lifecycle, as the runc command line exposes it.  The CLI is
 * a thin layer over these; each returns 0 or -errno with e filled. */
#ifndef CELL_CONTAINER_CONTAINER_H
#define CELL_CONTAINER_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/err.h"

/* An annotation asking for the built-in init as pid 1 (`cell run --init`). */
#define CELL_INIT_ANNOTATION "run.cell.init"

struct create_opts {
	const char *root;   /* state root (--root) */
	const char *id;
	const char *bundle; /* NULL = cwd */
	const char *pid_file;
	const char *console_socket;
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	bool detach; /* run -d */
	bool keep;   /* run --keep: leave the stopped container */
	bool systemd_cgroup; /* --systemd-cgroup: the cgroup is a scope */
	/* The people's `cell run -- CMD` builds its config in memory: used
	   instead of <bundle>/config.json when set (bundle still names the
	   directory recorded in the state). */
	json_t *config;
	/* Called in the runtime once the init's namespaces exist, where the
	   createRuntime hooks run (the init waits): networking is set up
	   here.  The state dir fd lets it record what to undo at delete. */
	int (*on_namespaces)(pid_t pid, int state_dirfd, void *data,
			     struct cell_err *e);
	void *on_namespaces_data;
};

int container_create(const struct create_opts *o, struct cell_err *e);

/* create + start + wait; *exit_code is the container's (128+N for signal
 * N).  With detach, returns once the process runs. */
int container_run(const struct create_opts *o, int *exit_code,
		  struct cell_err *e);

int container_start(const char *root, const char *id, struct cell_err *e);
int container_kill(const char *root, const char *id, int sig, bool all,
		   struct cell_err *e);
/* The static build: exec the full runtime (util/dl.h) if the container
 * needs its libraries -- a systemd scope, a network of cell's own -- for
 * what the command is about to do; 0 if not (or no such container).  For
 * a command that has changed nothing yet. */
int container_hand_over(const char *root, const char *id, struct cell_err *e);
int container_delete(const char *root, const char *id, bool force,
		     struct cell_err *e);
int container_pause(const char *root, const char *id, bool pause,
		    struct cell_err *e);
int container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		   struct cell_err *e);
int container_update(const char *root, const char *id, json_t *resources,
		     struct cell_err *e);
int container_stats(const char *root, const char *id, json_t **out,
		    struct cell_err *e);
/* An fd that wakes poll (POLLIN or POLLPRI) on each OOM kill in the
 * container's cgroup; read it after each wake. */
int container_oom_fd(const char *root, const char *id, struct cell_err *e);
/* OOM kills so far in the container's cgroup. */
int container_oom_kills(const char *root, const char *id, uint64_t *out,
			struct cell_err *e);
/* The state JSON `cell state` prints. */
int container_state_of(const char *root, const char *id, json_t **out,
		       struct cell_err *e);
/* Every container under root: an array of state objects with runc's list
 * fields (id, pid, status, bundle, rootfs, created, owner). */
int container_list(const char *root, json_t **out, struct cell_err *e);

struct container;

struct exec_opts {
	const char *root;
	const char *id;
	json_t *process; /* an OCI process object (--process, or built by the
			    CLI from container_process_json and its flags) */
	struct container *loaded; /* the state container_process_json read,
				     or NULL; container_exec takes it */
	const char *console_socket;
	const char *pid_file;
	int preserve_fds;
	bool detach;
};

/* A copy of the container's own process object, for the CLI to edit;
 * *loaded (may be NULL) gets the state it was read from, for
 * exec_opts.loaded, so that exec reads and parses it once. */
int container_process_json(const char *root, const char *id, json_t **out,
			   struct container **loaded, struct cell_err *e);

/* Join a running container and run a process in it: its namespaces (by
 * pidfd), its cgroup, the same confinement.  *exit_code as for run. */
int container_exec(const struct exec_opts *o, int *exit_code,
		   struct cell_err *e);

#endif
