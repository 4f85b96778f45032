#include "util/fd.h"

#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/syscalls.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

void fd_close_all_except(unsigned int from, const int *keep, size_t n)
{
	int sorted[64];
	size_t k = 0;
	for (size_t i = 0; i < n && k < 64; i++)
		if (keep[i] >= (int)from)
			sorted[k++] = keep[i];
	qsort(sorted, k, sizeof(int), cmp_int);
	unsigned int lo = from;
	for (size_t i = 0; i < k; i++) {
		unsigned int fd = (unsigned int)sorted[i];
		if (fd > lo)
			sys_close_range(lo, fd - 1, 0);
		lo = fd + 1;
	}
	sys_close_range(lo, ~0U, 0);
}

int proc_status_masks(const char *const *fields, uint64_t *out, size_t n)
{
	char buf[4096];
	int fd = openat(AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t len = read(fd, buf, sizeof(buf) - 1);
	int err = errno;
	close(fd);
	if (len <= 0)
		return len < 0 ? -err : -ENODATA;
	buf[len] = '\0';
	size_t found = 0;
	for (char *l = buf; l && *l && found < n;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		for (size_t i = 0; i < n; i++) {
			size_t fl = strlen(fields[i]);
			if (strncmp(l, fields[i], fl) != 0 || l[fl] != ':')
				continue;
			char *end;
			errno = 0;
			unsigned long long v = strtoull(l + fl + 1, &end, 16);
			if (errno || end == l + fl + 1)
				return -EINVAL;
			out[i] = v;
			found++;
			break;
		}
	}
	return found == n ? 0 : -ENOENT;
}

int proc_status_mask(const char *field, uint64_t *out)
{
	return proc_status_masks(&field, out, 1);
}

void signals_reset(void)
{
	sigset_t none;
	sigemptyset(&none);
	/* Handlers do not survive execve; ignored signals stay ignored.  The
	   kernel lists both (SigIgn, SigCgt): reset those only, not a
	   sigaction for each of the 64. */
	static const char *const fields[] = { "SigIgn", "SigCgt" };
	uint64_t m[2], todo = ~UINT64_C(0);
	if (proc_status_masks(fields, m, 2) == 0)
		todo = m[0] | m[1];
	/* rt_sigaction itself: glibc's signal() refuses the two real-time
	   signals it keeps for threads (32, 33), and a caller may have left
	   them ignored. */
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} dfl = { 0 };
	for (int sig = 1; sig < NSIG && sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    (todo & (UINT64_C(1) << (sig - 1))))
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigprocmask(SIG_SETMASK, &none, NULL);
}

ssize_t fd_send(int sock, const void *data, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}
