/* Confinement of the container's process: rlimits, the user switch,
 * capabilities, no_new_privs and seccomp.  The kernel's order matters and
 * container/init.c calls these in it:
 *   rlimits -> bounding set -> setgroups/setgid/setuid (keeping caps)
 *   -> effective/permitted/inheritable -> ambient -> no_new_privs
 *   -> seccomp (last, just before execve). */
#ifndef CELL_SEC_SEC_H
#define CELL_SEC_SEC_H

#include "oci/config.h"
#include "util/err.h"

int sec_apply_rlimits(const struct oci_process *p, struct cell_err *e);

/* Drop every capability not in caps->bounding from the bounding set. */
int sec_drop_bounding(const struct oci_caps *caps, struct cell_err *e);

/* setgroups(additionalGids), setresgid, setresuid, umask; capabilities
 * survive the uid change (PR_SET_KEEPCAPS) for sec_apply_caps(). */
int sec_switch_user(const struct oci_process *p, struct cell_err *e);

/* Set effective, permitted, inheritable, then raise the ambient ones.
 * With no "capabilities" object (has_caps false) every set is emptied. */
int sec_apply_caps(const struct oci_process *p, struct cell_err *e);

int sec_set_no_new_privs(struct cell_err *e);

/* seccomp: compiled early (so a bad profile fails create), loaded last. */
struct sec_seccomp;
int sec_seccomp_compile(const struct oci_seccomp *s, struct sec_seccomp **out,
			struct cell_err *e);
/* Load it.  With an SCMP_ACT_NOTIFY rule, *notify_fd gets the listener fd
 * (else -1). */
/* The same, through a cache of generated programs in cache_dir (made
 * 0700 if missing): `key` is the profile as canonical JSON. */
int sec_seccomp_compile_cached(const struct oci_seccomp *s, const char *key,
			       const char *cache_dir, struct sec_seccomp **out,
			       struct cell_err *e);
/* The cache entry (file bytes) of s's program: what cell-seccomp-gen
 * embeds for the default profile.  *buf malloc'd. */
int sec_seccomp_cache_entry(const struct oci_seccomp *s, const char *key,
			    char **buf, size_t *len, struct cell_err *e);
int sec_seccomp_load(struct sec_seccomp *f, int *notify_fd,
		     struct cell_err *e);
void sec_seccomp_free(struct sec_seccomp *f);
/* Its size in BPF instructions and its SECCOMP_FILTER_FLAG_* (--explain). */
size_t sec_seccomp_insns(const struct sec_seccomp *f, unsigned int *kflags);

/* Hand the notify fd to the seccomp agent listening on the unix socket
 * listener_path (linux.seccomp.listenerPath): one SOCK_STREAM message with
 * the runtime-spec containerProcessState JSON
 *   {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"}
 * and the fd as SCM_RIGHTS.  state_json is the container's state object
 * (as `cell state` prints it); metadata is linux.seccomp.listenerMetadata
 * (may be NULL); pid is the process the filter confines (0 = state's
 * "pid").  The caller keeps notify_fd and closes it afterwards. */
int sec_seccomp_send_notify_fd(const char *listener_path, int notify_fd,
			       const char *state_json, const char *metadata,
			       pid_t pid, struct cell_err *e);

/* The same in two steps.  listenerPath is a path in the runtime's mount
 * namespace: a process that will enter the container's (the init before
 * pivot_root, an exec child before setns) connects first, while the path
 * still means the host's, and sends on that socket after loading the
 * filter.  connect returns the socket (close-on-exec) or -errno. */
int sec_seccomp_listener_connect(const char *listener_path,
				 struct cell_err *e);
int sec_seccomp_send_notify_fd_on(int sock, int notify_fd,
				  const char *state_json, const char *metadata,
				  pid_t pid, struct cell_err *e);

/* What `features` reports: the actions, operators and flags that work. */
const char *const *sec_seccomp_actions(void);
const char *const *sec_seccomp_operators(void);
const char *const *sec_seccomp_flags(void);
const char *const *sec_seccomp_archs(void);

/* The exec trampoline (CVE-2019-5736; see exec.c).  sec_trampoline_open
 * returns a sealed, close-on-exec memfd holding it (or -errno);
 * sec_execve runs `path` through it (trampoline < 0: a plain execve) and
 * returns only on failure. */
int sec_trampoline_open(struct cell_err *e);
int sec_execve(int trampoline, const char *path, char *const argv[],
	       char *const envp[], struct cell_err *e);

/* Every capability this kernel knows, as names (for `features`). */
const char *const *sec_known_caps(void);

#endif
