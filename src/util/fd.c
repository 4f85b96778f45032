#include "util/fd.h"

#include <signal.h>
#include <stdlib.h>

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

void signals_reset(void)
{
	sigset_t none;
	sigemptyset(&none);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
