/* create and run: the runtime's side of bringing a container up.
 *
 * The init is a fork of this process made with clone3 (new user and pid
 * namespaces at birth, straight into a v2 cgroup where the kernel allows);
 * the two talk over a SOCK_SEQPACKET pair.  The runtime writes id maps and
 * joins the cgroup, runs prestart/createRuntime hooks when the init has its
 * namespaces, records the state when the init is ready, and leaves. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/console.h"
#include "container/container.h"
#include "container/hooks.h"
#include "container/internal.h"
#include "container/launch.h"
#include "container/state.h"
#include "container/sync.h"
#include "fs/fs.h"
#include "net/net.h"
#include "ns/ns.h"
#include "oci/json.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/log.h"
#include "util/syscalls.h"

#ifdef CELL_TEST_HOOKS
/* Test builds: CELL_TEST_CRASH_AT=<step> kills the runtime there, so the
 * crash tests can prove that delete --force cleans up after any step. */
static void crash_point(const char *step)
{
	const char *at = getenv("CELL_TEST_CRASH_AT");
	if (at && !strcmp(at, step))
		raise(SIGKILL);
}
#else
#define crash_point(step) ((void)0)
#endif

static int resolve_rootfs(const char *bundle, const struct oci_config *cfg,
			  char **out, struct cell_err *e)
{
	char joined[PATH_MAX];
	const char *p = cfg->root_path;
	if (p[0] != '/') {
		if (snprintf(joined, sizeof(joined), "%s/%s", bundle, p) >=
		    (int)sizeof(joined))
			return cell_err_msg(e, ENAMETOOLONG,
					    "config.json: root.path: too long");
		p = joined;
	}
	char *real = realpath(p, NULL);
	if (!real)
		return cell_err_sys(e, errno, "config.json: root.path: %s", p);
	struct stat st;
	if (stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return cell_err_msg(e, ENOTDIR,
				    "config.json: root.path: %s is not a directory",
				    p);
	}
	*out = real;
	return 0;
}

/* start.sock in the state dir, reached through the dir fd so that a long
 * --root never exceeds sun_path. */
static int listen_start_socket(int dirfd, struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s",
		 dirfd, START_SOCKET);
	_cleanup_close_ int fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cell_err_sys(e, errno, "start socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 4) < 0)
		return cell_err_sys(e, errno, "start socket: bind");
	return steal_fd(&fd);
}

static int write_pid_file(const char *path, pid_t pid, struct cell_err *e)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", pid);
	int r = file_replace_at(AT_FDCWD, path, buf, (size_t)n, 0644, e);
	return r < 0 ? cell_err_wrap(e, "--pid-file") : 0;
}

void launch_cleanup(struct launch *L)
{
	if (L->pidfd >= 0)
		close(L->pidfd);
	if (L->sync >= 0)
		close(L->sync);
	if (L->master >= 0)
		close(L->master);
	cgroup_free(L->cg);
	container_free(L->c);
	oci_config_free(L->cfg);
	sec_seccomp_free(L->seccomp);
	free(L->rootfs);
	free(L->bundle);
	memset(L, 0, sizeof(*L));
	L->pidfd = L->sync = L->master = -1;
}

/* Undo a failed launch: the init, the cgroup, the state dir. */
static void launch_abort(struct launch *L)
{
	struct cell_err ignored;
	if (L->pidfd >= 0) {
		sys_pidfd_send_signal(L->pidfd, SIGKILL, NULL, 0);
		waitpid(L->pid, NULL, 0);
	}
	if (L->cg) {
		L->cg->ops->kill_all(L->cg, SIGKILL, &ignored);
		cgroup_destroy(L->cg, &ignored);
	}
	if (L->c) {
		net_release(L->c->dirfd, &ignored);
		if (L->cfg && L->rootfs && container_in_host_mntns(L->cfg))
			fs_unmount_under(L->rootfs, &ignored);
		container_remove_dir(L->c, &ignored);
	}
	launch_cleanup(L);
}

/* The state as the container's from now on: pid, start time, pid file.
 * Done while the init sets itself up, where nothing of ours must run
 * first (run mode without hooks), else once it is ready. */
static int launch_record(struct launch *L, const struct create_opts *o,
			 struct cell_err *e)
{
	int r;
	if ((r = proc_start_time(L->pid, &L->c->start_time, NULL)) < 0)
		return cell_err_sys(e, -r, "read the init's start time");
	L->c->pid = L->pid;
	if (!L->no_cgroup && !L->c->cgroup_layout)
		L->c->cgroup_layout = cgroup_layout_json(L->cg);
	if ((r = container_save(L->c, e)) < 0)
		return r;
	if (o->pid_file && (r = write_pid_file(o->pid_file, L->pid, e)) < 0)
		return r;
	L->recorded = true;
	return 0;
}

/* Until the init says READY (a console master may come first). */
static int launch_wait_ready(struct launch *L, struct cell_err *e)
{
	struct sync_msg m;
	int r;
	for (;;) {
		int fd = -1;
		if ((r = sync_recv(L->sync, &m, &fd, e)) < 0)
			return r;
		if (m.type == SYNC_CONSOLE && fd >= 0) {
			L->master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == SYNC_ERROR)
			return cell_err_msg(e, m.value > 0 ? m.value : EIO,
					    "%s", m.text);
		if (m.type == SYNC_READY)
			return 0;
		return cell_err_msg(e, EPROTO, "sync: unexpected message %u",
				    m.type);
	}
}

/* The parent's half of the sync protocol, from clone to "ready".  Only
 * the round trips that carry something happen: GO when we write id maps
 * or move the init, HOOKS when hooks or the network need its namespaces.
 * A run without hooks sends START ahead, so the init goes from ready to
 * exec without waiting on us. */
static int launch_sync(struct launch *L, const struct create_opts *o,
		       const struct init_ctx *ctx, bool in_cgroup,
		       bool run_mode, struct cell_err *e)
{
	const struct oci_config *cfg = L->cfg;
	struct sync_msg m;
	int r;

	crash_point("clone");
	log_debug("create: init cloned");
	if (L->shared_init) {
		/* It shared our memory and needed no START: it has exec'd or
		   died by now, and said READY or why. */
		if ((r = launch_wait_ready(L, e)) < 0)
			return r;
		return launch_record(L, o, e);
	}
	if (ctx->new_userns &&
	    (r = TRACED("id maps", ns_write_idmaps(L->pid, &cfg->linux, e))) < 0)
		return r;
	/* v1 hierarchies: the init joins itself (cgroup_join_self); the v2
	   node: clone3 started it there.  Only a refused CLONE_INTO_CGROUP
	   leaves work for us, or a cgroup made around the init (systemd's
	   scope), whose resources can be set only now. */
	bool made_by_enter = !L->no_cgroup && L->cg->ops->made_by_enter;
	if (!in_cgroup && !L->no_cgroup &&
	    (made_by_enter || L->cg->ops->clone_fd(L->cg) >= 0) &&
	    (r = cgroup_enter(L->cg, L->pid, e)) < 0)
		return r;
	if (made_by_enter &&
	    (r = container_apply_resources(L->cg, cfg, &cfg->linux.resources,
					   false, L->rootless, e)) < 0)
		return r;
	log_debug("create: maps and cgroup done");
	if (ctx->wait_go &&
	    (r = sync_send(L->sync, SYNC_GO, L->pid, NULL, -1, e)) < 0)
		return r;
	if (run_mode && !ctx->sync_hooks) {
		if ((r = launch_record(L, o, e)) < 0)
			return r;
		if ((r = sync_send(L->sync, SYNC_START, 0, NULL, -1, e)) < 0)
			return r;
		L->start_sent = true;
	}
	if (!ctx->sync_hooks) {
		crash_point("namespaces");
		goto ready;
	}

	if ((r = sync_expect(L->sync, SYNC_HOOKS, &m, NULL, e)) < 0)
		return r;
	crash_point("namespaces");
	/* prestart (deprecated) sees "created", as the OCI validation suite
	   wants; createRuntime runs mid-create and sees "creating". */
	if (cfg->hooks[OCI_HOOK_PRESTART].n) {
		_cleanup_free_ char *st = container_hook_state(
			cfg, L->c->id, "created", L->pid, L->bundle);
		if ((r = hooks_run(cfg, OCI_HOOK_PRESTART, st, false, e)) < 0)
			return r;
	}
	if (cfg->hooks[OCI_HOOK_CREATE_RUNTIME].n) {
		_cleanup_free_ char *st = container_hook_state(
			cfg, L->c->id, "creating", L->pid, L->bundle);
		if ((r = hooks_run(cfg, OCI_HOOK_CREATE_RUNTIME, st, false, e)) < 0)
			return r;
	}
	if (o->on_namespaces &&
	    (r = TRACED("network", o->on_namespaces(L->pid, L->c->dirfd,
						    o->on_namespaces_data, e))) < 0)
		return r;
	if ((r = sync_send(L->sync, SYNC_HOOKS_DONE, 0, NULL, -1, e)) < 0)
		return r;

ready:
	return launch_wait_ready(L, e);
}

/* A `run` whose init needs nothing of ours between clone and exec may
 * share our memory until it execs (container_can_share_memory).  We sleep
 * meanwhile, so it goes on from READY without a START, and the state is
 * recorded once it has exec'd: for those ~0.1 ms the user's process runs
 * while `state` says "creating" -- should we die then, `delete --force`
 * still finds it by its cgroup, as after any crash of create.
 *
 * Not when the init waits for us (id maps, a systemd scope,
 * prestart/createRuntime hooks, the network), nor with hooks that run in
 * it, a seccomp agent, or the tiny init (pid 1 never execs).  Nor under a
 * memory limit: the init is alone in its memory cgroup, and an OOM kill
 * there (of the namespaces' kernel memory, say) would take everything
 * sharing its memory -- us too, and what we made would stay behind. */
static bool init_can_share_memory(const struct launch *L,
				  const struct init_ctx *ctx, bool run_mode,
				  int cgfd)
{
	const struct oci_config *cfg = L->cfg;
	const struct opt_i64 *mem = &cfg->linux.resources.memory.limit;
	return run_mode && !ctx->wait_go && !ctx->sync_hooks &&
	       !(mem->set && mem->v > 0) && !ctx->new_userns &&
	       ctx->listener < 0 && !cfg->hooks[OCI_HOOK_CREATE_CONTAINER].n &&
	       !cfg->hooks[OCI_HOOK_START_CONTAINER].n &&
	       !container_wants_tiny_init(cfg) &&
	       container_can_share_memory(
		       cgfd, cfg->linux.namespaces[OCI_NS_TIME].enabled,
		       L->rootless);
}

static int init_child_shared(void *ctx)
{
	container_init(ctx);
}

static int launch_clone(struct launch *L, const struct create_opts *o,
			bool run_mode, struct init_ctx *ctx, struct cell_err *e)
{
	const struct oci_linux *l = &L->cfg->linux;
	int fds[2];
	int r;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return cell_err_sys(e, errno, "socketpair");
	L->sync = fds[0];
	ctx->sync = fds[1];

	if (!L->no_cgroup &&
	    (r = L->cg->ops->join_fds(L->cg, ctx->cgroup_fds,
				      ARRAY_SIZE(ctx->cgroup_fds),
				      &ctx->n_cgroup_fds, e)) < 0) {
		close(fds[1]);
		return r;
	}

	/* Nothing may fail between entering the pid namespace (for our
	   children) and leaving it again below. */
	int saved_pidns = -1;
	if ((r = ns_enter_pid_for_children(ctx->ns_fds[OCI_NS_PID],
					   &saved_pidns, e)) < 0) {
		close(fds[1]);
		cgroup_close_fds(ctx->cgroup_fds, ctx->n_cgroup_fds);
		return r;
	}

	int create = ns_flags_to_create(l);
	int cgfd = L->no_cgroup ? -1 : L->cg->ops->clone_fd(L->cg);
	/* A systemd scope is started around the init after the clone: the
	   init waits until it is in it, with its limits. */
	ctx->wait_go = ctx->new_userns ||
		       (!L->no_cgroup && L->cg->ops->made_by_enter);
	struct cell_clone_args args = {
		.flags = CLONE_PIDFD | (uint64_t)(create & (CLONE_NEWUSER | CLONE_NEWPID)),
		.pidfd = (uint64_t)(uintptr_t)&L->pidfd,
		.exit_signal = SIGCHLD,
	};
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	int clone_span = TRACE_BEGIN("clone");
	EXPLAIN(trace_ns_why(args.flags), "clone3(%s%s%s)",
		trace_clone_str(args.flags), cgfd >= 0 ? ", cgroup=" : "",
		cgfd >= 0 ? trace_fd_path(cgfd) : "");
	/* No START message for an init that shares our memory: one it never
	   read, were it to fail first, would turn its error into a reset
	   connection on our side. */
	L->shared_init = init_can_share_memory(L, ctx, run_mode, cgfd);
	ctx->start_implied = L->start_sent = L->shared_init;
	pid_t pid = L->shared_init
			    ? container_spawn_shared(init_child_shared, ctx,
						     sizeof(*ctx), L->sync,
						     create & CLONE_NEWPID,
						     &L->pidfd)
			    : sys_clone3_or_clone(&args);
	if (pid < 0 && cgfd >= 0) {
		/* Older kernels or a cgroup the kernel refuses to start in:
		   clone normally and move the process after. */
		args.flags &= ~CLONE_INTO_CGROUP;
		cgfd = -1;
		ctx->wait_go = true; /* we move it: it must wait for that */
		EXPLAIN("CLONE_INTO_CGROUP was refused: the same without it",
			"clone3(%s)", trace_clone_str(args.flags));
		pid = sys_clone3_or_clone(&args);
	}
	if (pid == 0) {
		close(L->sync);
		container_init(ctx);
	}
	int err = errno;
	TRACE_END(clone_span);
	close(fds[1]);
	cgroup_close_fds(ctx->cgroup_fds, ctx->n_cgroup_fds);
	struct cell_err e2;
	ns_leave_pid_for_children(saved_pidns, &e2);
	if (pid < 0)
		return cell_err_sys(e, err, "clone the container's init");
	L->pid = pid;
	(void)run_mode;
	return TRACED("init setup", launch_sync(L, o, ctx, cgfd >= 0, run_mode,
						  e));
}

int container_launch(const struct create_opts *o, bool run_mode,
		     struct launch *L, struct cell_err *e)
{
	struct init_ctx ctx = { .start_listen = -1, .console = -1,
				.trampoline = -1, .listener = -1 };
	_cleanup_close_ int start_listen = -1;
	_cleanup_close_ int console = -1;
	int r;

	TRACE_SCOPE("create");
	memset(L, 0, sizeof(*L));
	L->pidfd = L->sync = L->master = -1;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		ctx.ns_fds[t] = -1;

	log_debug("create: start");
	if ((r = container_validate_id(o->id, e)) < 0)
		return r;
	L->bundle = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!L->bundle)
		return cell_err_sys(e, errno, "bundle %s",
				    o->bundle ? o->bundle : ".");
	int parse = TRACE_BEGIN("parse");
	if (o->config) {
		_cleanup_free_ char *text = oci_json_dumps(o->config, JSON_COMPACT);
		r = text ? oci_config_parse(text, strlen(text), "config", &L->cfg, e)
			 : cell_err_msg(e, ENOMEM, "config");
	} else {
		r = oci_config_load(L->bundle, &L->cfg, e);
	}
	TRACE_END(parse);
	if (r < 0)
		goto fail;
	const struct oci_config *cfg = L->cfg;
	if (cfg->process.terminal && !o->console_socket &&
	    (!run_mode || o->detach)) {
		r = cell_err_msg(e, EINVAL,
				 "config.json: process.terminal is true: --console-socket is required");
		goto fail;
	}
	if ((cfg->hostname || cfg->domainname) &&
	    !cfg->linux.namespaces[OCI_NS_UTS].enabled) {
		r = cell_err_msg(e, EINVAL,
				 "config.json: %s: needs a private uts namespace",
				 cfg->hostname ? "hostname" : "domainname");
		goto fail;
	}
	if ((r = resolve_rootfs(L->bundle, cfg, &L->rootfs, e)) < 0)
		goto fail;
	if (cfg->linux.seccomp &&
	    (r = TRACED("seccomp compile", container_compile_seccomp(
				    cfg, o->root, &L->seccomp, e))) < 0)
		goto fail;
	if ((r = ns_open_paths(&cfg->linux, ctx.ns_fds, e)) < 0) {
		cell_err_wrap(e, "config.json");
		goto fail;
	}

	/* Asked once: each asking reads /proc/self/uid_map. */
	bool in_userns = ns_in_user_namespace();
	L->rootless = geteuid() != 0 || in_userns;
	if ((r = container_new(o->root, o->id, &L->c, e)) < 0)
		goto fail;
	L->c->bundle = strdup(L->bundle);
	L->c->rootfs = strdup(L->rootfs);
	/* The cgroup's path as resolved now (a relative or rootless default
	   depends on the caller's own cgroup): later commands, run from
	   anywhere, must find the same one. */
	r = o->systemd_cgroup
		    ? cgroup_new_systemd(cfg->linux.cgroups_path, o->id,
					 cfg->annotations, &L->cg, e)
		    : cgroup_new(cfg->linux.cgroups_path, o->id, &L->cg, e);
	if (r < 0)
		goto fail;
	L->c->cgroups_path = strdup(L->cg->path);
	L->c->systemd_cgroup = o->systemd_cgroup;
	/* A first, small record (no config yet: status "creating") lets
	   delete --force find the cgroup if we die before the end -- when
	   it could not tell it from the id alone (the default /cell-<id>;
	   a state dir without a record is "creating" too). */
	if ((cfg->linux.cgroups_path || o->systemd_cgroup || L->rootless) &&
	    (r = container_save(L->c, e)) < 0)
		goto fail;
	L->c->config_json = json_incref(cfg->json);
	L->c->config_text = cfg->text;
	crash_point("state");
	if ((r = TRACED("cgroup create", cgroup_create(L->cg, e))) < 0) {
		/* Rootless (not root, or root in a user namespace: rootless
		   Podman) without a delegated cgroup: run, unlimited, and
		   say so -- runc's rootless cgroup manager does the same. */
		if (!L->rootless ||
		    (e->errnum != EACCES && e->errnum != EPERM && e->errnum != EROFS))
			goto fail;
		/* People are told; an engine gets runc's silence (Podman
		   shows a runtime's first stderr line as its error). */
		if (o->config)
			log_warn("no cgroup: resource limits and pause are not "
				 "available (%s)",
				 e->msg);
		else
			log_debug("no cgroup (rootless, none delegated): %s",
				  e->msg);
		cell_err_clear(e);
		L->no_cgroup = true;
		L->c->no_cgroup = true;
	}
	crash_point("cgroup");
	log_debug("create: cgroup made");
	if (!L->no_cgroup && !L->cg->ops->made_by_enter &&
	    (r = TRACED("cgroup limits",
			container_apply_resources(L->cg, cfg, &cfg->linux.resources,
						  false, L->rootless, e))) < 0)
		goto fail;

	if (!run_mode) {
		if ((start_listen = listen_start_socket(L->c->dirfd, e)) < 0) {
			r = start_listen;
			goto fail;
		}
	}
	if (cfg->process.terminal && o->console_socket) {
		if ((console = console_connect(o->console_socket, e)) < 0) {
			r = console;
			goto fail;
		}
	}

	ctx.cfg = cfg;
	ctx.rootfs = L->rootfs;
	ctx.id = o->id;
	ctx.bundle = L->bundle;
	ctx.start_listen = start_listen;
	ctx.console = console;
	ctx.console_to_parent = cfg->process.terminal && !o->console_socket;
	ctx.preserve_fds = o->preserve_fds;
	ctx.no_pivot = o->no_pivot;
	ctx.no_new_keyring = o->no_new_keyring;
	ctx.new_userns = (ns_flags_to_create(&cfg->linux) & CLONE_NEWUSER) != 0;
	/* Rootless Podman runs us as root in its user namespace: no mknod
	   there either. */
	ctx.in_userns = !ctx.new_userns && in_userns;
	ctx.seccomp = L->seccomp;
	ctx.rootless = geteuid() != 0;
	ctx.sync_hooks = cfg->hooks[OCI_HOOK_PRESTART].n ||
			 cfg->hooks[OCI_HOOK_CREATE_RUNTIME].n || o->on_namespaces;
	if ((ctx.trampoline = container_trampoline(e)) < -1) {
		r = ctx.trampoline;
		goto fail;
	}
	ctx.cgroup_path = L->no_cgroup ? NULL : L->cg->path;
	/* The init's mount table is a copy of ours (a new mount namespace)
	   or ours: the cgroup mount reuses what cgroup_new read. */
	const struct oci_namespace *mntns = &cfg->linux.namespaces[OCI_NS_MOUNT];
	ctx.host_mountinfo = ctx.cgroup_path && !mntns->path
				     ? cgroup_mountinfo(L->cg)
				     : NULL;

	/* The seccomp agent's socket is a path on the host: connect here,
	   the init sends its notify fd on it from inside. */
	const struct oci_seccomp *sc = cfg->linux.seccomp;
	if (sc && sc->listener_path &&
	    (ctx.listener = sec_seccomp_listener_connect(sc->listener_path, e)) < 0) {
		r = ctx.listener;
		if (ctx.trampoline >= 0)
			close(ctx.trampoline);
		cell_err_wrap(e, "config.json: linux.seccomp.listenerPath");
		goto fail;
	}
	r = launch_clone(L, o, run_mode, &ctx, e);
	if (ctx.trampoline >= 0)
		close(ctx.trampoline);
	if (ctx.listener >= 0)
		close(ctx.listener);
	ns_close_fds(ctx.ns_fds);
	if (r < 0)
		goto fail;
	crash_point("ready");

	log_debug("create: init ready");
	if (!L->recorded && (r = launch_record(L, o, e)) < 0)
		goto fail;
	return 0;

fail:
	ns_close_fds(ctx.ns_fds);
	launch_abort(L);
	return r;
}

int container_create(const struct create_opts *o, struct cell_err *e)
{
	struct launch L;
	int r = container_launch(o, false, &L, e);
	if (r < 0)
		return r;
	launch_cleanup(&L);
	return 0;
}
