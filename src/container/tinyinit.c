/* `cell run --init`: a tiny init as pid 1 of the container.
 *
 * Not a separate binary and never cell exec'd inside the container: the
 * container's init (a fork of the runtime) calls container_tiny_init() where
 * it would execve the user's command, after every step of confinement.  It
 * forks the command, reaps every zombie the pid namespace hands it (orphans
 * are reparented to pid 1), forwards the signals it gets to the command,
 * and exits with the command's status (128+N for signal N).
 *
 * The kernel drops a signal sent from inside a pid namespace to its pid 1
 * when pid 1 leaves it at SIG_DFL, even if blocked: so every forwarded
 * signal gets a (never run) handler, and is then blocked and taken
 * synchronously with sigwaitinfo. */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container/internal.h"
#include "sec/sec.h"

static void ignore_handler(int sig)
{
	(void)sig;
}

static int status_code(int status)
{
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

int container_tiny_init(int trampoline, const char *path,
			char *const argv[], char *const envp[])
{
	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);

	struct sigaction sa = { .sa_handler = ignore_handler };
	sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD)
			sigaction(sig, &sa, NULL);

	pid_t child = fork();
	if (child < 0)
		return 125;
	if (child == 0) {
		/* the command starts with default dispositions and an empty
		   mask, as if it were pid 1's direct exec */
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		sigemptyset(&dfl.sa_mask);
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				sigaction(sig, &dfl, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		struct cell_err e;
		sec_execve(trampoline, path, argv, envp, &e);
		_exit(e.errnum == ENOENT ? 127 : 126);
	}

	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);
		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			/* SIGTSTP/TTIN/TTOU would stop only us; the command
			   decides for itself */
			kill(child, sig);
			continue;
		}
		int status;
		pid_t p;
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p != child)
				continue;
			/* the others are reaped by the kernel when the
			   namespace's pid 1 exits */
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			return status_code(status);
		}
	}
}
