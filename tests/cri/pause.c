/* The pod sandbox's process for cell's CRI tests: what Kubernetes' pause
 * image does, built at test time (nothing is pulled).
 *
 * It holds the pod's namespaces open by staying alive, reaps the zombies
 * that a shared PID namespace hands to it as PID 1, and exits on SIGTERM
 * or SIGINT (PID 1 has no default action for them).  Static, so the image
 * needs no libc. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_stop(int sig)
{
	(void)sig;
	_exit(0);
}

static void on_child(int sig)
{
	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(void)
{
	struct sigaction stop = { .sa_handler = on_stop };
	struct sigaction child = { .sa_handler = on_child, .sa_flags = SA_NOCLDSTOP | SA_RESTART };

	if (sigaction(SIGTERM, &stop, NULL) || sigaction(SIGINT, &stop, NULL) ||
	    sigaction(SIGCHLD, &child, NULL))
		return 1;
	for (;;)
		pause();
}
