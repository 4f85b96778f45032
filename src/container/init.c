/* The container's init: from a fork of the runtime to the user's process.
 * The order here is the kernel's (see DESIGN.md): namespaces -> hostname ->
 * rootfs -> pivot_root -> masked/read-only paths -> sysctl -> console ->
 * rlimits -> capabilities and user -> no_new_privs -> wait for start ->
 * seccomp -> execve. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container/console.h"
#include "container/container.h"
#include "container/hooks.h"
#include "container/internal.h"
#include "container/state.h"
#include "container/sync.h"
#include "cgroup/cgroup.h"
#include "fs/fs.h"
#include "ns/ns.h"
#include "util/cleanup.h"
#include "util/fd.h"
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
		if (sched_setscheduler(0, p->sched_policy, &sp) < 0)
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
	int fd = open("/sys/module/apparmor/parameters/enabled",
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
	fd = open("/proc/thread-self/attr/apparmor/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
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

int container_load_seccomp(const struct oci_config *cfg,
			   struct sec_seccomp *sc, int listener, const char *id,
			   const char *bundle, pid_t hostpid,
			   struct cell_err *e)
{
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
	sys_close_range(3 + (unsigned)preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
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

static int setup_namespaces(struct init_ctx *ctx, struct cell_err *e)
{
	const struct oci_linux *l = &ctx->cfg->linux;
	int r;

	if (ctx->new_userns &&
	    (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return cell_err_sys(e, errno,
				    "become root in the user namespace (is 0 mapped?)");
	if ((r = ns_join(ctx->ns_fds, e)) < 0)
		return r;
	ns_close_fds(ctx->ns_fds);

	int flags = ns_flags_to_create(l) &
		    ~(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME);
	if (flags && unshare(flags) < 0)
		return cell_err_sys(e, errno, "unshare namespaces");
	if (l->namespaces[OCI_NS_TIME].enabled && !l->namespaces[OCI_NS_TIME].path &&
	    (r = ns_new_time(l, e)) < 0)
		return r;
	if ((flags & CLONE_NEWNET) && (r = ns_loopback_up(e)) < 0)
		return r;
	if ((r = ns_set_hostname(ctx->cfg, e)) < 0)
		return r;
	if (!ctx->no_new_keyring) {
		/* A fresh session keyring, so the host's keys stay out. */
		if (syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */,
			    ctx->id) < 0 &&
		    errno != ENOSYS && errno != EPERM && errno != EACCES)
			return cell_err_sys(e, errno, "join a session keyring");
	}
	return 0;
}

static int write_oom_score_adj(const struct oci_process *p, struct cell_err *e)
{
	if (!p->has_oom_score_adj)
		return 0;
	char buf[16];
	snprintf(buf, sizeof(buf), "%d", p->oom_score_adj);
	_cleanup_close_ int fd =
		open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, strlen(buf)) < 0)
		return cell_err_sys(e, errno, "process.oomScoreAdj: %s", buf);
	return 0;
}

/* Mounts, createContainer hooks, pivot_root, sysctl, masked and read-only
 * paths. */
static int setup_rootfs(struct init_ctx *ctx, const struct rootfs_ctx *rc,
			pid_t hostpid, struct cell_err *e)
{
	const struct oci_config *cfg = ctx->cfg;
	int r;

	if ((r = fs_prepare_rootfs(rc, e)) < 0)
		return r;
	log_debug("init: mounts done");
	if (cfg->hooks[OCI_HOOK_CREATE_CONTAINER].n) {
		_cleanup_free_ char *st = container_hook_state(
			cfg, ctx->id, "creating", hostpid, ctx->bundle);
		if ((r = hooks_run(cfg, OCI_HOOK_CREATE_CONTAINER, st, false,
				   e)) < 0)
			return r;
	}
	if ((r = fs_pivot_root(rc, e)) < 0)
		return r;
	log_debug("init: pivot_root done");
	/* sysctls first: the read-only paths include /proc/sys */
	if ((r = ns_apply_sysctl(&cfg->linux, e)) < 0)
		return r;
	if ((r = fs_finish_rootfs(rc, e)) < 0)
		return r;
	return 0;
}

/* Everything up to "ready, waiting for start"; *exec_path out. */
static int init_setup(struct init_ctx *ctx, pid_t *hostpid, char **exec_path,
		      struct cell_err *e)
{
	const struct oci_config *cfg = ctx->cfg;
	struct sync_msg m;
	int r;

	/* Until the user's process runs, no one in the container may ptrace
	   or open /proc/<pid>/{exe,mem,fd} of this runtime copy.  Rootless,
	   the runtime (an ordinary user) writes our id maps through
	   /proc/<pid>, which a non-dumpable process's owner cannot open: so
	   then only from GO on — before it nothing of the container exists
	   and only that same user could reach us. */
	if (!ctx->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = cgroup_join_self(ctx->cgroup_fds, ctx->n_cgroup_fds, e)) < 0)
		return r;

	if ((r = sync_expect(ctx->sync, SYNC_GO, &m, NULL, e)) < 0)
		return r;
	*hostpid = m.value;
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	log_debug("init: go");
	if ((r = setup_namespaces(ctx, e)) < 0)
		return r;
	log_debug("init: namespaces ready");
	if ((r = write_oom_score_adj(&cfg->process, e)) < 0)
		return r;
	if (cfg->linux.has_personality &&
	    personality(cfg->linux.personality) < 0)
		return cell_err_sys(e, errno, "linux.personality");

	if ((r = sync_send(ctx->sync, SYNC_HOOKS, 0, NULL, -1, e)) < 0 ||
	    (r = sync_expect(ctx->sync, SYNC_HOOKS_DONE, &m, NULL, e)) < 0)
		return r;

	struct rootfs_state rs;
	fs_state_init(&rs);
	struct rootfs_ctx rc = {
		.state = &rs,
		.config = cfg,
		.rootfs = ctx->rootfs,
		.userns = ctx->new_userns ||
			  cfg->linux.namespaces[OCI_NS_USER].path,
		.no_pivot = ctx->no_pivot,
		.cgroup_path = ctx->cgroup_path,
		.host_mntns = container_in_host_mntns(cfg),
	};
	/* relative bind sources are relative to the bundle */
	if (chdir(ctx->bundle) < 0)
		r = cell_err_sys(e, errno, "chdir to the bundle %s", ctx->bundle);
	else
		r = setup_rootfs(ctx, &rc, *hostpid, e);
	fs_state_release(&rs);
	if (r < 0)
		return r;
	r = container_setup_stdio(&cfg->process, true, ctx->console, ctx->sync, e);
	if (ctx->console >= 0) {
		close(ctx->console);
		ctx->console = -1;
	}
	if (r < 0)
		return r;
	/* A config without a process can be created; start then fails
	   (runtime-spec: start MUST error when process is unset). */
	if (!cfg->has_process)
		return 0;
	if ((r = container_chdir(cfg->process.cwd, e)) < 0)
		return r;
	if ((r = container_find_exec(cfg->process.args[0], cfg->process.env,
				     exec_path, e)) < 0)
		return r;
	/* Without no_new_privs the kernel wants CAP_SYS_ADMIN to load a
	   filter: load it while we still have it (as runc does); the profile
	   then has to allow the few calls left before execve. */
	if (ctx->seccomp && !cfg->process.no_new_privileges &&
	    (r = container_load_seccomp(cfg, ctx->seccomp, ctx->listener, ctx->id,
					ctx->bundle, *hostpid, e)) < 0)
		return r;
	if ((r = container_confine(&cfg->process, e)) < 0)
		return r;
	log_debug("init: confined, ready");
	return 0;
}

/* Block until `start`.  Returns the connection to report to (create) or
 * -1 (run: the parent hears over sync). */
static int wait_for_start(struct init_ctx *ctx, struct cell_err *e)
{
	struct sync_msg m;
	if (ctx->start_listen < 0) {
		int r = sync_expect(ctx->sync, SYNC_START, &m, NULL, e);
		return r < 0 ? r : -1;
	}
	for (;;) {
		int conn = accept4(ctx->start_listen, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return cell_err_sys(e, errno, "wait for start");
		}
		char byte;
		if (read(conn, &byte, 1) == 1)
			return conn;
		close(conn); /* a stray connection: keep waiting */
	}
}

static bool wants_tiny_init(const struct oci_config *cfg)
{
	const char *v = json_string_value(
		json_object_get(cfg->annotations, CELL_INIT_ANNOTATION));
	return v && !strcmp(v, "true");
}

void container_init(struct init_ctx *ctx)
{
	struct cell_err e;
	_cleanup_free_ char *exec_path = NULL;
	pid_t hostpid = 0;
	const struct oci_config *cfg = ctx->cfg;

	/* If the runtime dies during setup, so do we: no half-made
	   container survives a crashed create. */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	signals_reset();
	cell_err_clear(&e);

	int keep[10 + OCI_NS_COUNT + 16], n = 0;
	keep[n++] = ctx->sync;
	keep[n++] = ctx->start_listen;
	keep[n++] = ctx->console;
	keep[n++] = log_fd();
	keep[n++] = ctx->trampoline;
	keep[n++] = ctx->listener;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		keep[n++] = ctx->ns_fds[t];
	for (size_t i = 0; i < ctx->n_cgroup_fds; i++)
		keep[n++] = ctx->cgroup_fds[i];
	fd_close_all_except(3 + (unsigned)ctx->preserve_fds, keep, (size_t)n);

	if (init_setup(ctx, &hostpid, &exec_path, &e) < 0) {
		sync_send_error(ctx->sync, &e);
		_exit(1);
	}
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (sync_send(ctx->sync, SYNC_READY, 0, NULL, -1, &e) < 0)
		_exit(1);

	int report = wait_for_start(ctx, &e);
	if (report < -1) {
		sync_send_error(ctx->sync, &e);
		_exit(1);
	}
	if (ctx->start_listen >= 0)
		close(ctx->start_listen);

	int r = 0;
	if (!cfg->has_process)
		r = cell_err_msg(&e, EINVAL,
				 "config.json: process: not set: nothing to start");
	if (r == 0 && cfg->hooks[OCI_HOOK_START_CONTAINER].n) {
		_cleanup_free_ char *st = container_hook_state(
			cfg, ctx->id, "created", hostpid, ctx->bundle);
		r = hooks_run_in_container(cfg, OCI_HOOK_START_CONTAINER, st,
					   ctx->trampoline, &e);
	}
	log_debug("init: start received");
	if (r == 0 && ctx->seccomp && cfg->process.no_new_privileges)
		r = container_load_seccomp(cfg, ctx->seccomp, ctx->listener,
					   ctx->id,
					   ctx->bundle, hostpid, &e);
	log_debug("init: exec");
	if (r == 0 && wants_tiny_init(cfg)) {
		sys_close_range(3 + (unsigned)ctx->preserve_fds, ~0U,
				CLOSE_RANGE_CLOEXEC);
		if (report >= 0)
			close(report);
		close(ctx->sync);
		_exit(container_tiny_init(ctx->trampoline, exec_path,
					  cfg->process.args,
					  cfg->process.env));
	}
	if (r == 0)
		container_exec_now(ctx->trampoline, exec_path, cfg->process.args,
				   cfg->process.env, ctx->preserve_fds, &e);
	/* Still here: the hook or execve failed.  Tell whoever started us. */
	if (report >= 0) {
		if (write(report, e.msg, strlen(e.msg)) < 0) {
		}
	} else {
		sync_send_error(ctx->sync, &e);
	}
	_exit(127);
}
