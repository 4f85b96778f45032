/* The container's init: from a fork of the runtime to the user's process
 * (the process's own setup and exec are in process.c).
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
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/syscalls.h"

static int setup_namespaces(struct init_ctx *ctx, struct cell_err *e)
{
	const struct oci_linux *l = &ctx->cfg->linux;
	int r;

	if (ctx->new_userns) {
		EXPLAIN("root of the new user namespace: its capabilities reach only what this namespace owns",
			"setresgid(0, 0, 0); setresuid(0, 0, 0)");
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return cell_err_sys(e, errno,
					    "become root in the user namespace (is 0 mapped?)");
	}
	if ((r = ns_join(ctx->ns_fds, e)) < 0)
		return r;
	ns_close_fds(ctx->ns_fds);

	int flags = ns_flags_to_create(l) &
		    ~(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWTIME);
	if (flags)
		EXPLAIN(trace_ns_why((uint64_t)flags), "unshare(%s)",
			trace_clone_str((uint64_t)flags));
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
		EXPLAIN("a fresh session keyring: the keys of the host's session stay out of reach",
			"keyctl(KEYCTL_JOIN_SESSION_KEYRING, \"%s\")", ctx->id);
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
	    openat(AT_FDCWD, "/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
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

	if ((r = TRACED("mounts", fs_prepare_rootfs(rc, e))) < 0)
		return r;
	log_debug("init: mounts done");
	if (cfg->hooks[OCI_HOOK_CREATE_CONTAINER].n) {
		_cleanup_free_ char *st = container_hook_state(
			cfg, ctx->id, "creating", hostpid, ctx->bundle);
		if ((r = hooks_run(cfg, OCI_HOOK_CREATE_CONTAINER, st, false,
				   e)) < 0)
			return r;
	}
	if ((r = TRACED("pivot_root", fs_pivot_root(rc, e))) < 0)
		return r;
	log_debug("init: pivot_root done");
	/* sysctls first: the read-only paths include /proc/sys */
	if ((r = TRACED("sysctl", ns_apply_sysctl(&cfg->linux, e))) < 0)
		return r;
	if ((r = TRACED("masked paths", fs_finish_rootfs(rc, e))) < 0)
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
	   /proc/<pid> and its network setup (slirp4netns) opens our
	   /proc/<pid>/ns/{user,net}, which a non-dumpable process's owner
	   cannot: so then only from HOOKS_DONE on — before it nothing of the
	   container has run and only that same user could reach us. */
	EXPLAIN("non-dumpable: nothing in the container may ptrace this copy of the runtime or open its /proc files",
		"prctl(PR_SET_DUMPABLE, 0)%s",
		ctx->rootless ? " (rootless: once the network is set up)" : "");
	if (!ctx->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if ((r = TRACED("cgroup join", cgroup_join_self(ctx->cgroup_fds,
							ctx->n_cgroup_fds, e))) < 0)
		return r;

	if (ctx->wait_go) {
		if ((r = sync_expect(ctx->sync, SYNC_GO, &m, NULL, e)) < 0)
			return r;
		*hostpid = m.value;
	} else if ((*hostpid = container_host_pid()) <= 0) {
		return cell_err_sys(e, errno, "read /proc/self");
	}

	log_debug("init: go");
	if ((r = TRACED("namespaces", setup_namespaces(ctx, e))) < 0)
		return r;
	trace_clock_resync();
	log_debug("init: namespaces ready");
	if ((r = write_oom_score_adj(&cfg->process, e)) < 0)
		return r;
	if (cfg->linux.has_personality &&
	    personality(cfg->linux.personality) < 0)
		return cell_err_sys(e, errno, "linux.personality");

	if (ctx->sync_hooks &&
	    ((r = sync_send(ctx->sync, SYNC_HOOKS, 0, NULL, -1, e)) < 0 ||
	     (r = sync_expect(ctx->sync, SYNC_HOOKS_DONE, &m, NULL, e)) < 0))
		return r;
	if (ctx->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	struct rootfs_state rs;
	fs_state_init(&rs);
	struct rootfs_ctx rc = {
		.state = &rs,
		.config = cfg,
		.rootfs = ctx->rootfs,
		.userns = ctx->new_userns || ctx->in_userns ||
			  cfg->linux.namespaces[OCI_NS_USER].path,
		.no_pivot = ctx->no_pivot,
		.cgroup_path = ctx->cgroup_path,
		.host_mountinfo = ctx->host_mountinfo,
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
	r = TRACED("stdio", container_setup_stdio(&cfg->process, true,
						  ctx->console, ctx->sync, e));
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

bool container_wants_tiny_init(const struct oci_config *cfg)
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
	trace_process("init");
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
	EXPLAIN("no fd the runtime holds open reaches the container",
		"close_range(%u, ~0U) around the init's own fds (sync and start sockets, log, trampoline, namespaces, cgroups)",
		3 + (unsigned)ctx->preserve_fds);
	fd_close_all_except(3 + (unsigned)ctx->preserve_fds, keep, (size_t)n);

	if (init_setup(ctx, &hostpid, &exec_path, &e) < 0) {
		sync_send_error(ctx->sync, &e);
		_exit(1);
	}
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	if (sync_send(ctx->sync, SYNC_READY, 0, NULL, -1, &e) < 0)
		_exit(1);

	int report = ctx->start_implied
			     ? -1
			     : TRACED("wait for start", wait_for_start(ctx, &e));
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
	if (r == 0 && container_wants_tiny_init(cfg)) {
		sys_close_range(3 + (unsigned)ctx->preserve_fds, ~0U,
				CLOSE_RANGE_CLOEXEC);
		if (report >= 0)
			close(report);
		close(ctx->sync);
		EXPLAIN("--init: pid 1 stays this fork of the runtime, reaping orphans and passing signals on; the command runs as its child",
			"execve(\"%s\") in a child of the tiny init, via execveat(trampoline memfd)",
			exec_path);
		if (trace_dry_run())
			_exit(0);
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
