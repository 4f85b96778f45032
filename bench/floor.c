/* The floor under any container runtime's `run`: what the kernel itself
 * charges for a container, with no runtime around it.
 *
 *   floor ROOTFS [PROG]     (PROG defaults to /bin/true inside ROOTFS)
 *
 * clone() with a new mount, pid, network, ipc, uts and cgroup namespace
 * (the namespaces of `runc spec`'s default config), then in the child:
 * mounts private, the rootfs bound onto itself, pivot_root(".", "."), the
 * old root detached, execve(PROG); the parent waits and exits with the
 * child's status.  No cgroups, no config, no /proc, no security: every
 * runtime does at least this, so runtime / floor is an honest ratio on any
 * machine.  Built by bench/lifecycle.sh with the system's cc. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *rootfs, *prog;

static int child(void *arg)
{
	(void)arg;
	char *const argv[] = { (char *)prog, NULL };
	char *const envp[] = { (char *)"PATH=/bin", NULL };
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 ||
	    chdir(rootfs) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) {
		perror("floor: setup");
		return 125;
	}
	execve(prog, argv, envp);
	perror("floor: execve");
	return 127;
}

int main(int argc, char **argv)
{
	static char stack[64 * 1024] __attribute__((aligned(16)));
	if (argc < 2) {
		fprintf(stderr, "usage: floor ROOTFS [PROG]\n");
		return 2;
	}
	rootfs = argv[1];
	prog = argc > 2 ? argv[2] : "/bin/true";
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
		    CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
	pid_t pid = clone(child, stack + sizeof(stack), flags, NULL);
	if (pid < 0) {
		perror("floor: clone");
		return 125;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 125;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
