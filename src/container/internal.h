/* What the runtime hands the container's init across the fork. */
#ifndef CELL_CONTAINER_INTERNAL_H
#define CELL_CONTAINER_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "oci/config.h"
#include "sec/sec.h"

/* Sanitizer builds: a child never shares the runtime's memory (ASan's
 * shadow state is per process), see init_can_share_memory and
 * exec_can_share_memory. */
#if defined(__SANITIZE_ADDRESS__)
#define CELL_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CELL_SANITIZED 1
#endif
#endif

struct init_ctx {
	const struct oci_config *cfg;
	const char *rootfs;
	const char *id;
	const char *bundle;
	int sync;         /* the child's end of the socketpair */
	int start_listen; /* create: listening start.sock; run: -1 (START comes
			     over sync) */
	int console;      /* connected --console-socket, or -1 */
	bool console_to_parent; /* run with a terminal: master to the parent */
	int ns_fds[OCI_NS_COUNT];
	int preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
	bool new_userns;
	bool in_userns; /* the runtime itself runs in a user namespace */
	bool rootless; /* the runtime is not root (it writes our maps) */
	/* The handshake, only where it carries something (each round trip
	   is two context switches, milliseconds on a loaded machine): */
	bool wait_go;    /* the runtime writes id maps or moves us first */
	bool sync_hooks; /* prestart/createRuntime hooks or the network
			    run in the runtime once our namespaces exist */
	int trampoline; /* sealed memfd: every exec into the container */
	int listener;   /* connected linux.seccomp.listenerPath, or -1 */
	struct sec_seccomp *seccomp;
	int cgroup_fds[16]; /* v1 `tasks` files the init joins itself through */
	const char *cgroup_path; /* its cgroup below each hierarchy's root */
	const struct mountinfo *host_mountinfo; /* ours, when its mount table
						    is a copy (read only) */
	/* A run whose init shares our memory (launch_clone): we sleep until
	   it execs, so START is not sent, and not waited for. */
	bool start_implied;
	size_t n_cgroup_fds;
};

/* The container's init, a fork of the runtime (never a re-exec of it).
 * Returns only by exiting. */
__attribute__((noreturn)) void container_init(struct init_ctx *ctx);

/* The cell.init annotation: pid 1 stays the runtime's tiny init. */
bool container_wants_tiny_init(const struct oci_config *cfg);

/* State JSON for hooks and seccomp listeners: {ociVersion, id, status, pid,
 * bundle, annotations}; malloc'd. */
char *container_hook_state(const struct oci_config *cfg, const char *id,
			   const char *status, pid_t pid, const char *bundle);

/* Find args[0] in the PATH of env (execvp's rules, but the container's
 * PATH, not ours).  Returns a malloc'd path or -errno. */
int container_find_exec(const char *file, char *const *env, char **out,
			struct cell_err *e);

/* In a fork that has not mounted the container's /proc yet: its pid as
 * the runtime (and the host) sees it -- /proc/self of the runtime's
 * procfs.  -1 on failure. */
pid_t container_host_pid(void);

/* The shared tail of init and exec: confine the process the config asks
 * for (rlimits, caps, user, no_new_privs), in the kernel's order. */
int container_confine(const struct oci_process *p, struct cell_err *e);

/* Load the filter; with an SCMP_ACT_NOTIFY rule, hand the listener fd to
 * linux.seccomp.listenerPath. */
int container_load_seccomp(const struct oci_config *cfg,
			   struct sec_seccomp *sc, int listener, const char *id,
			   const char *bundle, pid_t hostpid,
			   struct cell_err *e);

/* The process's stdio: with process.terminal a pty from the container's
 * devpts (its master to console_sock, or to the runtime over sync_sock),
 * made the controlling tty (bound over /dev/console for the init); else a
 * new session keeping the runtime's stdio. */
int container_setup_stdio(const struct oci_process *p, bool init,
			  int console_sock, int sync_sock, struct cell_err *e);

/* chdir to process.cwd and prove it is inside the root: a cwd reached
 * through a leaked fd would read "(unreachable)" (CVE-2024-21626). */
int container_chdir(const char *cwd, struct cell_err *e);

/* `--init`: pid 1 stays this fork of the runtime, runs the command as its
 * child, reaps orphans and forwards signals; returns the exit code. */
int container_tiny_init(int trampoline, const char *path,
			char *const argv[], char *const envp[]);

/* No mount namespace of its own: its mounts are in the runtime's and must
 * be undone at delete. */
static inline bool container_in_host_mntns(const struct oci_config *cfg)
{
	return !cfg->linux.namespaces[OCI_NS_MOUNT].enabled ||
	       cfg->linux.namespaces[OCI_NS_MOUNT].path;
}

/* Compile linux.seccomp through the program cache under the state root. */
int container_compile_seccomp(const struct oci_config *cfg, const char *root,
			      struct sec_seccomp **out, struct cell_err *e);

/* A child may share our memory until it execs (container_spawn_shared):
 * no copy of our page tables, no copy-on-write fault on either side, and
 * its exec frees nothing of ours.  What every such child needs: no
 * CLONE_INTO_CGROUP (cgfd >= 0: glibc's clone() has no cgroup argument);
 * no time namespace to enter (setns refuses one to a memory that others
 * share -- EUSERS, the vDSO's clock page being per namespace); not
 * rootless (its non-dumpable flag lives in the shared memory and stays
 * ours; /proc/self stays ours to read as root); no --trace (it would write
 * our trace state); and not a sanitizer build (ASan's bookkeeping is per
 * process).  Each caller adds its own rules (init_can_share_memory,
 * exec_can_share_memory). */
bool container_can_share_memory(int cgfd, bool time_ns, bool rootless);

/* clone() a child that shares our memory until it execs or exits
 * (CLONE_VM|CLONE_VFORK, as posix_spawn does, plus `flags`: CLONE_NEWPID),
 * running fn on its own copy of the arg_size bytes at arg, on a stack of
 * its own with a guard page below; it first closes close_fd (our end of
 * its socket) in its own fd table.  We sleep until it execs or dies;
 * returns its pid, or -1 with errno. */
pid_t container_spawn_shared(int (*fn)(void *), const void *arg,
			     size_t arg_size, int close_fd, int flags,
			     int *pidfd);

/* Mark every fd past stdio and the preserved ones close-on-exec and
 * execve.  Returns only on failure. */
int container_exec_now(int trampoline, const char *path, char *const *args,
		       char *const *env, int preserve_fds, struct cell_err *e);

/* The exec trampoline for this create/exec (-1 in test builds that turn it
 * off with CELL_TEST_NO_EXEC_TRAMPOLINE=1, to measure what it costs). */
int container_trampoline(struct cell_err *e);

#endif
