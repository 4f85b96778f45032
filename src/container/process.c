/* The container's process, whoever starts it (the init, or exec): its
 * stdio and cwd, finding args[0] in the container's PATH, the confinement
 * in the kernel's order (AppArmor, rlimits, priorities, capabilities, user,
 * no_new_privs), seccomp, and the final exec through the trampoline. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/console.h"
#include "container/internal.h"
#include "container/state.h"
#include "container/sync.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/syscalls.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

char *container_hook_state(const struct oci_config *cfg, const char *id,
			   const char *status, pid_t pid, const char *bundle)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s}", "ociVersion",
			      CELL_OCI_VERSION, "id", id, "status", status,
			      "pid", (int)pid, "bundle", bundle);
	if (!o)
		return NULL;
	if (cfg->annotations && json_object_size(cfg->annotations))
		json_object_set(o, "annotations", cfg->annotations);
	char *s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static const char *env_get(char *const *env, const char *key)
{
	size_t k = strlen(key);
	for (; env && *env; env++)
		if (!strncmp(*env, key, k) && (*env)[k] == '=')
			return *env + k + 1;
	return NULL;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

int container_find_exec(const char *file, char *const *env, char **out,
			struct cell_err *e)
{
	if (strchr(file, '/')) {
		if (!is_executable_file(file))
			return cell_err_sys(e, errno ? errno : EACCES,
					    "exec: \"%s\"", file);
		*out = strdup(file);
		return *out ? 0 : -ENOMEM;
	}
	const char *path = env_get(env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	_cleanup_free_ char *dirs = strdup(path);
	if (!dirs)
		return -ENOMEM;
	char *save = NULL;
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		char buf[4096];
		if (snprintf(buf, sizeof(buf), "%s/%s", *d ? d : ".", file) >=
		    (int)sizeof(buf))
			continue;
		if (is_executable_file(buf)) {
			*out = strdup(buf);
			return *out ? 0 : -ENOMEM;
		}
	}
	return cell_err_msg(e, ENOENT,
			    "exec: \"%s\": executable file not found in $PATH",
			    file);
}

/* I/O priority and CPU scheduling of the process, set while the init
 * still holds CAP_SYS_NICE (raising either needs it). */
static int apply_priorities(const struct oci_process *p, struct cell_err *e)
{
	if (p->has_io_priority) {
		/* IOPRIO_PRIO_VALUE(class, data); IOPRIO_WHO_PROCESS = 1 */
		long v = ((long)p->io_priority_class << 13) | p->io_priority;
		if (syscall(SYS_ioprio_set, 1, 0, v) < 0)
			return cell_err_sys(e, errno, "process.ioPriority");
	}
	if (p->has_scheduler) {
		struct sched_param sp = { .sched_priority = p->sched_priority };
		/* the system call: musl's wrapper refuses it (ENOSYS), as
		   Linux sets one thread where POSIX means the process -- and
		   this process has one thread */
		if (syscall(SYS_sched_setscheduler, 0, p->sched_policy, &sp) < 0)
			return cell_err_sys(e, errno, "process.scheduler");
		if (p->sched_nice && setpriority(PRIO_PROCESS, 0, p->sched_nice) < 0)
			return cell_err_sys(e, errno, "process.scheduler.nice");
	}
	return 0;
}

/* process.apparmorProfile: the profile the next execve enters (as
 * aa_change_onexec does), where AppArmor is on; elsewhere there is nothing
 * to apply (as runc).  /proc is the container's own procfs here. */
static int apply_apparmor(const struct oci_process *p, struct cell_err *e)
{
	if (!p->apparmor_profile || !*p->apparmor_profile)
		return 0;
	char on = 0;
	int fd = openat(AT_FDCWD, "/sys/module/apparmor/parameters/enabled",
			O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, &on, 1) != 1)
			on = 0;
		close(fd);
	}
	if (on != 'Y') {
		log_debug("process.apparmorProfile %s: AppArmor is not enabled",
			  p->apparmor_profile);
		return 0;
	}
	fd = openat(AT_FDCWD, "/proc/thread-self/attr/apparmor/exec",
		    O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = openat(AT_FDCWD, "/proc/thread-self/attr/exec",
			    O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "process.apparmorProfile");
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "exec %s", p->apparmor_profile);
	int r = 0;
	if (n < 0 || (size_t)n >= sizeof(buf) || write(fd, buf, (size_t)n) != n)
		r = cell_err_sys(e, errno ? errno : EINVAL,
				 "process.apparmorProfile %s", p->apparmor_profile);
	close(fd);
	return r;
}

int container_confine(const struct oci_process *p, struct cell_err *e)
{
	TRACE_SCOPE("confine");
	int r = apply_apparmor(p, e);
	if (r < 0)
		return r;
	r = sec_apply_rlimits(p, e);
	if (r < 0)
		return r;
	if ((r = apply_priorities(p, e)) < 0)
		return r;
	if (p->has_caps && (r = sec_drop_bounding(&p->caps, e)) < 0)
		return r;
	if (!p->has_caps) {
		struct oci_caps none = { 0 };
		if ((r = sec_drop_bounding(&none, e)) < 0)
			return r;
	}
	if ((r = sec_switch_user(p, e)) < 0)
		return r;
	/* A uid change may reset dumpable from suid_dumpable: keep the
	   process out of reach of the container's ptrace/proc until exec. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = sec_apply_caps(p, e)) < 0)
		return r;
	if (p->no_new_privileges && (r = sec_set_no_new_privs(e)) < 0)
		return r;
	return 0;
}

static void explain_seccomp(const struct oci_seccomp *s,
			    const struct sec_seccomp *sc)
{
	size_t rules = 0;
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (char **n = s->syscalls[i].names; n && *n; n++)
			rules++;
	unsigned int kflags;
	size_t insns = sec_seccomp_insns(sc, &kflags);
	EXPLAIN("a system call filter: a call the profile does not allow fails (or kills) before the kernel runs it",
		"seccomp(SECCOMP_SET_MODE_FILTER, flags %#x, %zu rules as %zu BPF instructions)",
		kflags, rules, insns);
}

int container_load_seccomp(const struct oci_config *cfg,
			   struct sec_seccomp *sc, int listener, const char *id,
			   const char *bundle, pid_t hostpid,
			   struct cell_err *e)
{
	TRACE_SCOPE("seccomp load");
	if (trace_enabled())
		explain_seccomp(cfg->linux.seccomp, sc);
	int notify = -1;
	int r = sec_seccomp_load(sc, &notify, e);
	if (r < 0 || notify < 0)
		return r;
	_cleanup_free_ char *st =
		container_hook_state(cfg, id, "creating", hostpid, bundle);
	if (listener < 0)
		r = cell_err_msg(e, EINVAL,
				 "linux.seccomp: a notify rule needs listenerPath");
	else
		r = sec_seccomp_send_notify_fd_on(
			listener, notify, st,
			cfg->linux.seccomp->listener_metadata, hostpid, e);
	close(notify);
	return r;
}

pid_t container_host_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t)strtol(buf, NULL, 10);
}

int container_compile_seccomp(const struct oci_config *cfg, const char *root,
			      struct sec_seccomp **out, struct cell_err *e)
{
	json_t *j = json_object_get(json_object_get(cfg->json, "linux"),
				    "seccomp");
	_cleanup_free_ char *key =
		j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	/* A cache, not state: shared by every --root, never in a container's
	   reach.  Only root keeps one (the directory must be root's, 0700). */
	(void)root;
	const char *dir = geteuid() == 0 ? "/var/cache/cell/seccomp" : NULL;
	if (dir)
		mkdir("/var/cache/cell", 0700);
	int r = sec_seccomp_compile_cached(cfg->linux.seccomp, key, dir, out, e);
	return r < 0 ? cell_err_wrap(e, "config.json") : 0;
}

int container_trampoline(struct cell_err *e)
{
#ifdef CELL_TEST_HOOKS
	const char *off = getenv("CELL_TEST_NO_EXEC_TRAMPOLINE");
	if (off && !strcmp(off, "1"))
		return -1;
#endif
	return sec_trampoline_open(e);
}

int container_exec_now(int trampoline, const char *path, char *const *args,
		       char *const *env, int preserve_fds, struct cell_err *e)
{
	/* No fd of the runtime may reach the container (CVE-2024-21626):
	   everything past stdio and the preserved fds closes on exec. */
	EXPLAIN("every fd past stdio and the preserved ones closes at exec (CVE-2024-21626)",
		"close_range(%u, ~0U, CLOSE_RANGE_CLOEXEC)",
		3 + (unsigned)preserve_fds);
	sys_close_range(3 + (unsigned)preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	EXPLAIN("the user's process replaces this fork of the runtime, through a sealed copy of an 800-byte trampoline: the runtime's binary is never run inside (CVE-2019-5736)",
		"execve(\"%s\"%s%s) via execveat(trampoline memfd)", path,
		args[0] && args[1] ? ", " : "",
		args[0] && args[1] ? args[1] : "");
	/* --dry-run: everything is built; nothing of the container runs */
	if (trace_dry_run())
		_exit(0);
	return sec_execve(trampoline, path, args, env, e);
}

int container_setup_stdio(const struct oci_process *p, bool init,
			  int console_sock, int sync_sock, struct cell_err *e)
{
	if (!p->terminal) {
		if (setsid() < 0)
			return cell_err_sys(e, errno, "setsid");
		return 0;
	}
	int master = -1, slave = -1;
	int r = console_open(p, init, &master, &slave, e);
	if (r < 0)
		return r;
	if (console_sock >= 0)
		r = console_send_fd(console_sock, master, "/dev/ptmx", e);
	else
		r = sync_send(sync_sock, SYNC_CONSOLE, 0, NULL, master, e);
	close(master);
	if (r == 0)
		r = console_attach(slave, e);
	close(slave);
	return r;
}

int container_chdir(const char *cwd, struct cell_err *e)
{
	if (chdir(cwd) < 0)
		return cell_err_sys(e, errno, "process.cwd: chdir %s", cwd);
	/* A cwd reached through a leaked fd would be outside the root:
	   getcwd reports that as "(unreachable)". */
	char buf[4096];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return cell_err_msg(e, EPERM,
				    "process.cwd: %s is outside the container",
				    cwd);
	return 0;
}

bool container_can_share_memory(int cgfd, bool time_ns, bool rootless)
{
#ifdef CELL_SANITIZED
	(void)cgfd;
	(void)time_ns;
	(void)rootless;
	return false;
#else
	return cgfd < 0 && !time_ns && !rootless && !trace_enabled();
#endif
}

struct spawn_shared {
	int (*fn)(void *);
	void *arg;
	int close_fd;
};

static int spawn_shared_child(void *p)
{
	const struct spawn_shared *s = p;
	if (s->close_fd >= 0)
		close(s->close_fd);
	return s->fn(s->arg);
}

pid_t container_spawn_shared(int (*fn)(void *), const void *arg,
			     size_t arg_size, int close_fd, int flags,
			     int *pidfd)
{
	/* 512 KiB: the init's deepest path (mounts, the masked paths) uses a
	   few tens; untouched pages cost nothing. */
	const size_t guard = 4096, size = 512 * 1024;
	size_t copy = (arg_size + 15) & ~(size_t)15;
	if (copy > size / 2) {
		errno = E2BIG;
		return -1;
	}
	char *map = mmap(NULL, guard + size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (map == MAP_FAILED)
		return -1;
	mprotect(map, guard, PROT_NONE);
	/* The child's own copy of arg, at the top of its stack (which grows
	   down from there): what it changes in it -- the fds it closes and
	   marks -1 -- is not ours to lose. */
	char *top = map + guard + size - copy;
	memcpy(top, arg, arg_size);
	struct spawn_shared s = { .fn = fn, .arg = top, .close_fd = close_fd };
	pid_t pid = clone(spawn_shared_child, top,
			  CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD | flags,
			  &s, pidfd);
	int err = errno;
	munmap(map, guard + size);
	errno = err;
	return pid;
}
