/* run: create + start + wait, forwarding signals (and the terminal) to the
 * container and exiting with its status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "container/container.h"
#include "container/hooks.h"
#include "container/internal.h"
#include "container/launch.h"
#include "container/sync.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/syscalls.h"

/* The signals a foreground run passes on to the container. */
static const int forwarded[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
	SIGALRM, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGWINCH,
};

static void forwarded_set(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(set, forwarded[i]);
	sigaddset(set, SIGCHLD);
}

static bool copy_fd(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return false;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		off += w;
	}
	return true;
}

static void resize_pty(int master)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

int container_wait(pid_t pid, int pidfd, int master, struct cell_err *e)
{
	sigset_t set;
	forwarded_set(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	_cleanup_close_ int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return cell_err_sys(e, errno, "signalfd");

	struct termios saved;
	bool raw = false;
	if (master >= 0 && isatty(STDIN_FILENO) &&
	    tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios t = saved;
		cfmakeraw(&t);
		raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
		resize_pty(master);
	}

	bool stdin_open = master >= 0;
	bool master_open = master >= 0;
	for (;;) {
		struct pollfd p[4] = {
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = master_open ? master : -1, .events = POLLIN },
			{ .fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN },
		};
		int n = poll(p, master >= 0 ? 4 : 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && master >= 0)
					resize_pty(master);
				else if (si.ssi_signo != SIGCHLD)
					sys_pidfd_send_signal(pidfd, (int)si.ssi_signo,
							      NULL, 0);
			}
		}
		if (master_open && (p[2].revents & (POLLIN | POLLHUP)))
			if (!copy_fd(master, STDOUT_FILENO))
				master_open = false; /* every slave closed */
		if (stdin_open && (p[3].revents & (POLLIN | POLLHUP)))
			if (!copy_fd(STDIN_FILENO, master))
				stdin_open = false;
		if (p[0].revents & POLLIN)
			break;
	}
	if (master >= 0) {
		/* drain what the container wrote before it exited */
		int fl = fcntl(master, F_GETFL);
		fcntl(master, F_SETFL, fl | O_NONBLOCK);
		while (copy_fd(master, STDOUT_FILENO))
			;
	}
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);

	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cell_err_sys(e, errno, "wait for the container");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Destroy what this run created, with the config it already parsed (the
 * container would otherwise parse its saved copy again). */
static int destroy_launched(struct launch *L, struct cell_err *e)
{
	if (!L->c->config) {
		L->c->config = L->cfg; /* the container frees it now */
		L->cfg = NULL;
	}
	return container_destroy(L->c, L->no_cgroup ? NULL : L->cg, e);
}

int container_run(const struct create_opts *o, int *exit_code,
		  struct cell_err *e)
{
	sigset_t set, old;
	struct launch L;
	struct sync_msg m;
	int r;

	/* Signals that arrive while the container starts wait in the mask
	   and are forwarded once it runs. */
	forwarded_set(&set);
	if (o->detach)
		sigemptyset(&set);
	sigprocmask(SIG_BLOCK, &set, &old);

	if ((r = container_launch(o, true, &L, e)) < 0)
		goto out;
	log_debug("run: state saved");
	int start = TRACE_BEGIN("start");
	if (!L.start_sent &&
	    (r = sync_send(L.sync, SYNC_START, 0, NULL, -1, e)) < 0)
		goto fail;
	/* execve closes the init's end (O_CLOEXEC): EOF means it runs. */
	struct cell_err ce;
	r = sync_recv(L.sync, &m, NULL, &ce);
	TRACE_END(start);
	if (r == 0 && m.type == SYNC_ERROR) {
		r = cell_err_msg(e, m.value > 0 ? m.value : EIO, "%s", m.text);
		goto fail;
	}
	if (L.cfg->hooks[OCI_HOOK_POSTSTART].n) {
		_cleanup_free_ char *st = container_hook_state(
			L.cfg, o->id, "running", L.pid, L.bundle);
		hooks_run(L.cfg, OCI_HOOK_POSTSTART, st, true, &ce);
	}
	if (o->detach) {
		*exit_code = 0;
		launch_cleanup(&L);
		r = 0;
		goto out;
	}
	log_debug("run: started");
	*exit_code = TRACED("wait", container_wait(L.pid, L.pidfd, L.master, e));
	log_debug("run: exited");
	r = 0;
	if (!o->keep)
		r = TRACED("teardown", destroy_launched(&L, e));
	log_debug("run: destroyed");
	launch_cleanup(&L);
	goto out;

fail:
	sys_pidfd_send_signal(L.pidfd, SIGKILL, NULL, 0);
	waitpid(L.pid, NULL, 0);
	destroy_launched(&L, &ce);
	launch_cleanup(&L);
out:
	sigprocmask(SIG_SETMASK, &old, NULL);
	return r;
}
