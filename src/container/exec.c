/* exec: a new process in a running container.  A fork of the runtime
 * joins the init's namespaces through its pidfd (one setns for all of
 * them), starts in its cgroup, takes the same confinement and execs; the
 * runtime binary itself never runs inside. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/console.h"
#include "container/container.h"
#include "container/internal.h"
#include "container/launch.h"
#include "container/state.h"
#include "container/sync.h"
#include "ns/ns.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/file.h"
#include "util/syscalls.h"

int container_process_json(const char *root, const char *id, json_t **out,
			   struct container **loaded, struct cell_err *e)
{
	struct container *c = NULL;
	int r = container_load(root, id, false, &c, e);
	if (r < 0)
		return r;
	json_t *p = c->config_json ? json_object_get(c->config_json, "process")
				   : NULL;
	if (!json_is_object(p)) {
		container_free(c);
		return cell_err_msg(e, EINVAL, "container %s has no process", id);
	}
	*out = json_deep_copy(p);
	if (loaded)
		*loaded = c;
	else
		container_free(c);
	return 0;
}

struct exec_child {
	const struct oci_config *cfg;
	const struct oci_process *proc;
	struct sec_seccomp *seccomp;
	const char *id;
	const char *bundle;
	int pidfd; /* the container's init */
	int ns_flags;
	bool wait_go; /* the runtime moves us into the cgroup first */
	bool via_userns; /* not root: join the user namespace, then fork */
	int sync;
	int console;
	int preserve_fds;
	int cgroup_fds[16];
	size_t n_cgroup_fds;
	int trampoline;
	int listener;
};

/* The namespaces of the container (its init is pid) that differ from
 * ours, to join in one setns: setns refuses to "join" the user namespace
 * we are already in.  Those the init made are new by definition; those it
 * joined by path or shares with whoever created it may be ours or not,
 * and are compared (a stat of two /proc/.../ns links each). */
static int ns_flags_to_join(const struct oci_config *cfg, pid_t pid)
{
	int flags = 0;
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		const struct oci_namespace *ns = &cfg->linux.namespaces[t];
		if (t == OCI_NS_PID)
			continue;
		if (!ns->enabled || ns->path) {
			const char *n = oci_ns_proc_name(t);
			ino_t theirs = ns_inode(pid, n), ours = ns_inode(0, n);
			if (!theirs || !ours || theirs == ours)
				continue;
		}
		flags |= oci_ns_clone_flag(t);
	}
	return flags;
}

static int exec_setup(struct exec_child *x, pid_t *hostpid, char **path,
		      struct cell_err *e)
{
	const struct oci_process *p = x->proc;
	struct sync_msg m;
	int r;

	if (x->wait_go) {
		if ((r = sync_expect(x->sync, SYNC_GO, &m, NULL, e)) < 0)
			return r;
		*hostpid = m.value;
	} else if (x->seccomp && (*hostpid = container_host_pid()) <= 0) {
		/* (only a seccomp listener is told our pid; read it while
		   /proc is still the host's) */
		return cell_err_sys(e, errno, "read /proc/self");
	}
	if (x->ns_flags)
		EXPLAIN("joins every namespace of the running container in one call, through its init's pidfd",
			"setns(pidfd, %s)", trace_clone_str((uint64_t)x->ns_flags));
	if (x->ns_flags && setns(x->pidfd, x->ns_flags) < 0)
		return cell_err_sys(e, errno, "join the container's namespaces");
	close(x->pidfd);
	trace_clock_resync();
	/* setns into the mount namespace put us at its root: the
	   container's "/", whatever our cwd was. */
	if ((r = container_setup_stdio(p, false, x->console, x->sync, e)) < 0 ||
	    (r = container_chdir(p->cwd, e)) < 0)
		return r;
	if ((r = container_find_exec(p->args[0], p->env, path, e)) < 0)
		return r;
	if (x->seccomp && !p->no_new_privileges &&
	    (r = container_load_seccomp(x->cfg, x->seccomp, x->listener, x->id,
					x->bundle,
					*hostpid, e)) < 0)
		return r;
	return container_confine(p, e);
}

/* An unprivileged caller joins a container's pid namespace only from
 * inside its user namespace, and setns of a pid namespace moves only the
 * children to come: so this child joins every namespace itself, user first
 * (one setns by the init's pidfd), and forks the process that carries on --
 * CLONE_PARENT, so it is the runtime's own child to wait for.  The runtime
 * learns its pid here and hands it back with GO (its /proc is the
 * container's by then).  Returns in that new process only. */
static int exec_enter_via_userns(struct exec_child *x, struct cell_err *e)
{
	struct sync_msg m;
	int r;
	if (x->wait_go && (r = sync_expect(x->sync, SYNC_GO, &m, NULL, e)) < 0)
		return r;
	int flags = x->ns_flags | CLONE_NEWPID;
	EXPLAIN("rootless: joins the container's user namespace with the rest, then forks into its pid namespace",
		"setns(pidfd, %s); clone(CLONE_PARENT)",
		trace_clone_str((uint64_t)flags));
	if (setns(x->pidfd, flags) < 0)
		return cell_err_sys(e, errno, "join the container's namespaces");
	/* clone3 wants exit_signal 0 with CLONE_PARENT: the new process
	   signals our parent as we would (SIGCHLD). */
	struct cell_clone_args a = { .flags = CLONE_PARENT };
	pid_t pid = sys_clone3_or_clone(&a);
	if (pid < 0)
		return cell_err_sys(e, errno, "fork into the container's pid namespace");
	if (pid > 0) {
		if (sync_send(x->sync, SYNC_PID, pid, NULL, -1, e) < 0)
			_exit(1);
		_exit(0);
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	trace_process("exec");
	x->ns_flags = 0; /* joined */
	x->wait_go = true;
	return 0;
}

__attribute__((noreturn)) static void exec_child_main(struct exec_child *x)
{
	struct cell_err e;
	_cleanup_free_ char *path = NULL;
	pid_t hostpid = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	trace_process("exec");
	signals_reset();
	cell_err_clear(&e);
	int keep[6 + 16], n = 0;
	keep[n++] = x->sync;
	keep[n++] = x->pidfd;
	keep[n++] = x->console;
	keep[n++] = log_fd();
	keep[n++] = x->trampoline;
	keep[n++] = x->listener;
	for (size_t i = 0; i < x->n_cgroup_fds; i++)
		keep[n++] = x->cgroup_fds[i];
	fd_close_all_except(3 + (unsigned)x->preserve_fds, keep, (size_t)n);
	int r = TRACED("cgroup join",
		       cgroup_join_self(x->cgroup_fds, x->n_cgroup_fds, &e));
	if (r == 0 && x->via_userns)
		r = exec_enter_via_userns(x, &e);
	if (r == 0)
		r = TRACED("exec setup", exec_setup(x, &hostpid, &path, &e));
	if (r == 0) {
		prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
		r = sync_send(x->sync, SYNC_READY, 0, NULL, -1, &e);
	}
	if (r == 0 && x->seccomp && x->proc->no_new_privileges)
		r = container_load_seccomp(x->cfg, x->seccomp, x->listener, x->id,
					   x->bundle,
					   hostpid, &e);
	if (r == 0)
		container_exec_now(x->trampoline, path, x->proc->args,
				   x->proc->env,
				   x->preserve_fds, &e);
	sync_send_error(x->sync, &e);
	_exit(127);
}

/* The child may share our memory until it execs (~80 us of an exec here:
 * its exec drops a reference to our memory instead of tearing down a copy
 * of the runtime).  We are suspended meanwhile, so only where it never
 * waits for us (no GO, no user namespace to go through); the rest is
 * container_can_share_memory. */
static bool exec_can_share_memory(const struct exec_child *x, int cgfd)
{
	return !x->via_userns && !x->wait_go &&
	       container_can_share_memory(cgfd, x->ns_flags & CLONE_NEWTIME,
					  ns_rootless());
}

static int exec_child_shared(void *arg)
{
	exec_child_main(arg);
}

int container_exec(const struct exec_opts *o, int *exit_code,
		   struct cell_err *e)
{
	struct container *c = NULL;
	struct cgroup *cg = NULL;
	struct sec_seccomp *sc = NULL;
	struct oci_process proc;
	const struct oci_config *cfg;
	struct oci_config *own_cfg = NULL; /* linux and annotations only */
	_cleanup_close_ int pidfd = -1, console = -1, sync = -1, child_pidfd = -1;
	_cleanup_close_ int master = -1, self_pidns = -1, trampoline = -1;
	_cleanup_close_ int listener = -1;
	bool have_proc = false;
	int fds[2] = { -1, -1 };
	int r;

	TRACE_SCOPE("exec");
	memset(&proc, 0, sizeof(proc));
	if (o->loaded)
		c = o->loaded; /* ours now */
	else if ((r = TRACED("load state",
			     container_load(o->root, o->id, false, &c, e))) < 0)
		return r;
	/* The pidfd first: holding it, the init's liveness is settled, and
	   the status needs no second look at /proc/<pid>/stat. */
	int sp = TRACE_BEGIN("status");
	pidfd = container_pidfd(c);
	enum container_status s = pidfd >= 0 ? container_status_alive(c)
					      : container_status(c);
	TRACE_END(sp);
	if (s != STATUS_RUNNING && s != STATUS_CREATED) {
		r = cell_err_msg(e, EINVAL, "cannot exec in a container that is %s",
				 container_status_name(s));
		goto out;
	}
	if ((r = TRACED("config", container_config_for_exec(c, &own_cfg, e))) < 0)
		goto out;
	cfg = own_cfg;
	if ((r = oci_process_parse(o->process, "process.json", "process", &proc,
				   e)) < 0)
		goto out;
	have_proc = true;
	if (!proc.args || !proc.args[0]) {
		r = cell_err_msg(e, EINVAL, "exec: no command given");
		goto out;
	}
	if (proc.terminal && o->detach && !o->console_socket) {
		r = cell_err_msg(e, EINVAL,
				 "a detached exec with a terminal needs --console-socket");
		goto out;
	}
	/* Rootless without a delegated cgroup: the process stays in the
	   caller's cgroups, as the init did. */
	if (!c->no_cgroup && (r = TRACED("cgroup", container_cgroup(c, &cg, e))) < 0)
		goto out;
	if (cfg->linux.seccomp &&
	    (r = container_compile_seccomp(cfg, o->root, &sc, e)) < 0)
		goto out;
	if (proc.terminal && o->console_socket &&
	    (console = console_connect(o->console_socket, e)) < 0) {
		r = console;
		goto out;
	}
	if ((trampoline = container_trampoline(e)) < -1) {
		r = trampoline;
		goto out;
	}
	if (cfg->linux.seccomp && cfg->linux.seccomp->listener_path &&
	    (listener = sec_seccomp_listener_connect(
		     cfg->linux.seccomp->listener_path, e)) < 0) {
		r = listener;
		goto out;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) {
		r = cell_err_sys(e, errno, "socketpair");
		goto out;
	}
	sync = fds[0];

	int pre = TRACE_BEGIN("prepare");
	struct exec_child x = {
		.cfg = cfg,
		.proc = &proc,
		.seccomp = sc,
		.id = c->id,
		.bundle = c->bundle,
		.pidfd = pidfd,
		.ns_flags = ns_flags_to_join(cfg, c->pid),
		.sync = fds[1],
		.console = console,
		.preserve_fds = o->preserve_fds,
		.trampoline = trampoline,
		.listener = listener,
	};
	int cgfd = cg ? cg->ops->clone_fd(cg) : -1;
	struct cell_clone_args args = {
		.flags = CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)&child_pidfd,
		.exit_signal = SIGCHLD,
	};
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgfd;
	}
	if (cg && (r = cg->ops->join_fds(cg, x.cgroup_fds,
					 ARRAY_SIZE(x.cgroup_fds),
					 &x.n_cgroup_fds, e)) < 0) {
		close(fds[1]);
		goto out;
	}
	TRACE_END(pre);
	/* Only our children enter the pid namespace; nothing may fail
	   between here and leaving it again after the clone. */
	self_pidns =
	    openat(AT_FDCWD, "/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	/* Not root: the child goes through the user namespace instead. */
	x.via_userns = (x.ns_flags & CLONE_NEWUSER) && geteuid() != 0;
	bool other_pidns = !x.via_userns &&
			   ns_inode(c->pid, "pid") != ns_inode(0, "pid");
	if (other_pidns)
		EXPLAIN("the new process is born in the container's pid namespace",
			"setns(pidfd, CLONE_NEWPID) for the child");
	if (other_pidns && setns(pidfd, CLONE_NEWPID) < 0) {
		r = cell_err_sys(e, errno, "join the container's pid namespace");
		close(fds[1]);
		cgroup_close_fds(x.cgroup_fds, x.n_cgroup_fds);
		goto out;
	}
	EXPLAIN("a fork of the runtime, born in the container's cgroup where the kernel allows",
		"clone3(%s)", trace_clone_str(args.flags));
	int cl = TRACE_BEGIN("clone");
	pid_t pid = exec_can_share_memory(&x, cgfd)
			    ? container_spawn_shared(exec_child_shared, &x,
						     sizeof(x), sync, 0,
						     &child_pidfd)
			    : sys_clone3_or_clone(&args);
	if (pid != 0)
		TRACE_END(cl);
	if (pid < 0 && cgfd >= 0) {
		args.flags &= ~CLONE_INTO_CGROUP;
		cgfd = -1;
		x.wait_go = cg != NULL; /* we move it: it waits for that */
		pid = sys_clone3_or_clone(&args);
	}
	if (pid == 0) {
		close(sync);
		exec_child_main(&x);
	}
	int err = errno;
	close(fds[1]);
	cgroup_close_fds(x.cgroup_fds, x.n_cgroup_fds);
	if (other_pidns)
		setns(self_pidns, CLONE_NEWPID);
	if (pid < 0) {
		r = cell_err_sys(e, err, "clone");
		goto out;
	}
	if (x.wait_go &&
	    ((r = cgroup_enter(cg, pid, e)) < 0 ||
	     (r = sync_send(sync, SYNC_GO, pid, NULL, -1, e)) < 0))
		goto kill;
	if (x.via_userns) {
		/* The child forked the process that carries on (our child
		   too) and leaves: that one is the exec'd process. */
		struct sync_msg pm;
		if ((r = sync_expect(sync, SYNC_PID, &pm, NULL, e)) < 0)
			goto kill;
		waitpid(pid, NULL, 0);
		close(child_pidfd);
		pid = pm.value;
		child_pidfd = sys_pidfd_open(pid, 0);
		if (child_pidfd < 0) {
			r = cell_err_sys(e, errno, "pidfd of the exec'd process");
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			goto out;
		}
		if ((r = sync_send(sync, SYNC_GO, pid, NULL, -1, e)) < 0)
			goto kill;
	}

	struct sync_msg m;
	for (;;) {
		int fd = -1;
		if ((r = sync_recv(sync, &m, &fd, e)) < 0)
			goto kill;
		if (m.type == SYNC_CONSOLE) {
			master = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m.type == SYNC_ERROR) {
			r = cell_err_msg(e, m.value > 0 ? m.value : EIO, "%s",
					 m.text);
			goto kill;
		}
		if (m.type == SYNC_READY)
			break;
	}
	/* EOF: execve closed the child's end.  A message: it failed. */
	struct cell_err ce;
	if (sync_recv(sync, &m, NULL, &ce) == 0 && m.type == SYNC_ERROR) {
		r = cell_err_msg(e, m.value > 0 ? m.value : EIO, "%s", m.text);
		goto kill;
	}
	if (o->pid_file) {
		char buf[16];
		int n = snprintf(buf, sizeof(buf), "%d", pid);
		if ((r = file_replace_at(AT_FDCWD, o->pid_file, buf, (size_t)n,
					 0644, e)) < 0)
			goto kill;
	}
	if (o->detach) {
		*exit_code = 0;
		r = 0;
		goto out;
	}
	*exit_code = TRACED("wait", container_wait(pid, child_pidfd, master, e));
	r = 0;
	goto out;

kill:
	sys_pidfd_send_signal(child_pidfd, SIGKILL, NULL, 0);
	waitpid(pid, NULL, 0);
out:
	if (have_proc)
		oci_process_free(&proc);
	sec_seccomp_free(sc);
	oci_config_free(own_cfg);
	container_free(c);
	return r;
}
