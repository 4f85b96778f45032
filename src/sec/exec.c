/* The exec trampoline: every execve into the container goes through a
 * tiny static program (trampoline/trampoline.c) run from a sealed memfd.
 *
 * Why (CVE-2019-5736): the container's init and `exec` processes are forks
 * of the runtime, so until they exec, /proc/self/exe is the host's cell
 * binary.  Were they to execve the container's entrypoint directly, an
 * entrypoint "#!/proc/self/exe" (or an ELF whose interpreter is that path)
 * would make the kernel run the host binary as a dumpable container
 * process, and the container could reopen it for writing once it exits.
 * Through the trampoline, the process that execs the container's file is
 * the trampoline, whose /proc/self/exe is a sealed memfd: the container can
 * only run that program again, and no write reaches it.
 *
 * Cost: one exec of an 800-byte static program (measured in bench/), and
 * no copy of cell itself. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sec/sec.h"
#include "util/cleanup.h"
#include "util/syscalls.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

extern const unsigned char cell_trampoline[];
extern const unsigned long cell_trampoline_len;

int sec_trampoline_open(struct cell_err *e)
{
	/* MFD_EXEC: with vm.memfd_noexec=1 a memfd is otherwise not
	   executable; kernels before 6.3 do not know the flag. */
	int fd = memfd_create("cell-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING |
						   MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("cell-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return cell_err_sys(e, errno, "exec trampoline: memfd");
	size_t off = 0;
	while (off < cell_trampoline_len) {
		ssize_t w = write(fd, cell_trampoline + off,
				  cell_trampoline_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int err = w < 0 ? errno : EIO;
			close(fd);
			return cell_err_sys(e, err, "exec trampoline: write");
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0555) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
					   F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0) {
		int err = errno;
		close(fd);
		return cell_err_sys(e, err, "exec trampoline: seal");
	}
	return fd;
}

int sec_execve(int trampoline, const char *path, char *const argv[],
	       char *const envp[], struct cell_err *e)
{
	if (trampoline < 0) {
		execve(path, argv, envp);
		return cell_err_sys(e, errno, "exec %s", path);
	}
	size_t n = 0;
	while (argv[n])
		n++;
	char **targv = calloc(n + 3, sizeof(char *));
	if (!targv)
		return cell_err_sys(e, ENOMEM, "exec %s", path);
	targv[0] = (char *)"cell-exec";
	targv[1] = (char *)path;
	for (size_t i = 0; i < n; i++)
		targv[i + 2] = argv[i];
	/* The fd is close-on-exec: the trampoline does not keep it. */
	syscall(SYS_execveat, trampoline, "", targv, envp, AT_EMPTY_PATH);
	int err = errno;
	free(targv);
	return cell_err_sys(e, err, "exec %s (through the trampoline)", path);
}
