#include "container/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sec/sec.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/syscalls.h"

const char *hooks_kind_name(enum oci_hook_kind kind)
{
	static const char *const names[] = {
		[OCI_HOOK_PRESTART] = "prestart",
		[OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
		[OCI_HOOK_CREATE_CONTAINER] = "createContainer",
		[OCI_HOOK_START_CONTAINER] = "startContainer",
		[OCI_HOOK_POSTSTART] = "poststart",
		[OCI_HOOK_POSTSTOP] = "poststop",
	};
	return names[kind];
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int run_one(const struct oci_hook *h, const char *state_json,
		   int trampoline, struct cell_err *e)
{
	int in[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return cell_err_sys(e, errno, "pipe");

	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(in[0]);
		close(in[1]);
		return cell_err_sys(e, err, "fork");
	}
	if (pid == 0) {
		char *const empty[] = { NULL };
		char *argv0[] = { h->path, NULL };
		dup2(in[0], STDIN_FILENO);
		/* A hook gets stdin (the state) and the runtime's stderr;
		   its stdout goes to stderr so it cannot corrupt the
		   runtime's own output (state JSON, pid files). */
		dup2(STDERR_FILENO, STDOUT_FILENO);
		/* nothing of the runtime's but the trampoline (close-on-exec) */
		fd_close_all_except(3, &trampoline, 1);
		signal(SIGPIPE, SIG_DFL);
		struct cell_err ignored;
		sec_execve(trampoline, h->path, h->args ? h->args : argv0,
			   h->env ? h->env : empty, &ignored);
		_exit(127);
	}
	close(in[0]);
	_cleanup_close_ int wr = in[1];
	_cleanup_close_ int pidfd = sys_pidfd_open(pid, 0);

	/* The hook may exit without reading: EPIPE is not an error here. */
	size_t len = strlen(state_json), off = 0;
	while (off < len) {
		ssize_t w = write(wr, state_json + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	close(steal_fd(&wr));

	long deadline = h->timeout > 0 ? now_ms() + h->timeout * 1000L : -1;
	bool timed_out = false;
	while (pidfd >= 0) {
		int wait = deadline < 0 ? -1 : (int)(deadline - now_ms());
		if (deadline >= 0 && wait <= 0) {
			timed_out = true;
			sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			break;
		}
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r = poll(&p, 1, wait);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			break;
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return cell_err_sys(e, errno, "wait for hook %s", h->path);
	if (timed_out)
		return cell_err_msg(e, ETIMEDOUT, "%s: timed out after %d s",
				    h->path, h->timeout);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return cell_err_msg(e, ENOENT, "%s: could not be executed",
				    h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
		return cell_err_msg(e, EIO, "%s: exit status %d", h->path,
				    WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return cell_err_msg(e, EIO, "%s: killed by signal %d", h->path,
				    WTERMSIG(status));
	return 0;
}

static int run_list(const struct oci_config *c, enum oci_hook_kind kind,
		    const char *state_json, bool keep_going, int trampoline,
		    struct cell_err *e)
{
	const struct oci_hook_list *l = &c->hooks[kind];
	int first = 0;
	TRACE_SCOPEF("hooks", "%s", hooks_kind_name(kind));
	for (size_t i = 0; i < l->n; i++) {
		struct cell_err he;
		/* --dry-run: a hook is a program of the host's; none runs */
		if (trace_dry_run()) {
			EXPLAIN("--dry-run: no hook runs", "%s hook %s (not run)",
				hooks_kind_name(kind), l->hooks[i].path);
			continue;
		}
		int r = run_one(&l->hooks[i], state_json, trampoline, &he);
		if (r == 0)
			continue;
		if (!keep_going) {
			*e = he;
			return cell_err_wrap(e, "%s hook", hooks_kind_name(kind));
		}
		log_warn("%s hook %s", hooks_kind_name(kind), he.msg);
		if (!first)
			first = r;
	}
	return 0;
}

int hooks_run(const struct oci_config *c, enum oci_hook_kind kind,
	      const char *state_json, bool keep_going, struct cell_err *e)
{
	return run_list(c, kind, state_json, keep_going, -1, e);
}

int hooks_run_in_container(const struct oci_config *c,
			   enum oci_hook_kind kind, const char *state_json,
			   int trampoline, struct cell_err *e)
{
	return run_list(c, kind, state_json, false, trampoline, e);
}
