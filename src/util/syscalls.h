/* System calls that glibc (2.36, Debian 12) does not wrap, or wraps in
 * headers that clash with the kernel's: wrapped here once, with sys_ names.
 * glibc's <sys/mount.h> has the new mount API's types; musl's (the static
 * build) leaves them to the kernel's <linux/mount.h>. */
#ifndef CELL_UTIL_SYSCALLS_H
#define CELL_UTIL_SYSCALLS_H

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mount.h>
#ifndef __GLIBC__
#include <linux/mount.h>
#endif
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif

/* struct clone_args of <linux/sched.h>, which clashes with <sched.h>. */
struct cell_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

/* Like fork(): returns 0 in the child, the pid in the parent, -1 and errno. */
static inline pid_t sys_clone3(struct cell_clone_args *args)
{
	return (pid_t)syscall(SYS_clone3, args, sizeof(*args));
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

/* clone3, or where it is missing (Linux < 5.3, valgrind) the classic clone
 * with the same namespace flags and a pidfd opened after.  The fallback
 * cannot start the child in a cgroup: the caller asks without
 * CLONE_INTO_CGROUP when this one fails. */
static inline pid_t sys_clone3_or_clone(struct cell_clone_args *args)
{
	pid_t pid = sys_clone3(args);
	if (pid >= 0 || errno != ENOSYS || (args->flags & CLONE_INTO_CGROUP))
		return pid;
	unsigned long flags = (unsigned long)(args->flags & ~(uint64_t)CLONE_PIDFD) |
			      (unsigned long)args->exit_signal;
	pid = (pid_t)syscall(SYS_clone, flags, 0, NULL, NULL, 0);
	if (pid > 0 && (args->flags & CLONE_PIDFD))
		*(int *)(uintptr_t)args->pidfd = sys_pidfd_open(pid, 0);
	return pid;
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
					unsigned int flags)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

static inline int sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags);
}

static inline int sys_move_mount(int from_dirfd, const char *from_path,
				 int to_dirfd, const char *to_path,
				 unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd,
			    to_path, flags);
}

static inline int sys_fsopen(const char *fsname, unsigned int flags)
{
	return (int)syscall(SYS_fsopen, fsname, flags);
}

static inline int sys_fsconfig(int fd, unsigned int cmd, const char *key,
			       const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int sys_fsmount(int fd, unsigned int flags,
			      unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

static inline int sys_mount_setattr(int dirfd, const char *path,
				    unsigned int flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr,
			    sizeof(*attr));
}

static inline int sys_close_range(unsigned int first, unsigned int last,
				  unsigned int flags)
{
	return (int)syscall(SYS_close_range, first, last, flags);
}

static inline int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

#endif
