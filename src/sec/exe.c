/* The runtime's own binary, out of the container's reach (CVE-2019-5736).
 *
 * The container's init and every `exec` process are forks of the runtime,
 * so until their execve their /proc/self/exe is the host's cell binary.
 * An entrypoint script whose interpreter is "#!/proc/self/exe" makes the
 * kernel run that very file inside the container, as a dumpable process of
 * the container's root; a second process opens /proc/<pid>/exe, waits for
 * it to exit (ETXTBSY only lasts while the file is mapped, Linux 6.18
 * included) and reopens the fd for writing: the next `cell` on the host
 * runs the container's code as root.  Non-dumpable setup does not help,
 * because execve makes the process dumpable again.
 *
 * The fix: before forking anything into a container, the runtime re-execs
 * itself from a private, sealed copy in a memfd.  /proc/self/exe is then
 * that copy: the container can open it, but the seals refuse every write,
 * and even an unsealed private copy is never run again by anyone.  A
 * process that already runs from a sealed memfd is not copied again. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sec/sec.h"
#include "util/cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x0020
#endif

extern char **environ;

/* Seals that make the copy immutable: no write, no resize, no new seals. */
#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

bool sec_exe_is_sealed(void)
{
	_cleanup_close_ int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	int seals = fcntl(fd, F_GET_SEALS);
	return seals >= 0 && (seals & EXE_SEALS) == EXE_SEALS;
}

static int copy_all(int dst, int src, off_t size)
{
	off_t off = 0;
	while (off < size) {
		ssize_t n = sendfile(dst, src, &off, (size_t)(size - off));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO; /* the file shrank under us */
	}
	return 0;
}

/* How much of the binary exec needs: up to the end of the last loaded
 * segment.  What follows (symbols, debug info, section headers) is most
 * of an unstripped binary and no part of the running image, so the copy
 * leaves it out and says so in its ELF header (no section headers).
 * Anything unexpected: 0, and the whole file is copied. */
static off_t loaded_extent(int fd, off_t size, Elf64_Ehdr *eh)
{
	if (pread(fd, eh, sizeof(*eh), 0) != (ssize_t)sizeof(*eh) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > 64)
		return 0;
	Elf64_Phdr ph[64];
	size_t len = (size_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > (uint64_t)size ||
	    pread(fd, ph, len, (off_t)eh->e_phoff) != (ssize_t)len)
		return 0;
	uint64_t end = eh->e_phoff + len;
	for (size_t i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NULL)
			continue;
		if (ph[i].p_offset > (uint64_t)size ||
		    ph[i].p_filesz > (uint64_t)size - ph[i].p_offset)
			return 0;
		if (ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	}
	return end < sizeof(*eh) ? 0 : (off_t)end;
}

/* A memfd that may be executed.  Since Linux 6.3 a memfd is created
 * non-executable unless MFD_EXEC is asked; older kernels reject the flag. */
static int memfd_exec(void)
{
	int fd = memfd_create("cell", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create("cell", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd < 0 ? -errno : fd;
}

int sec_exe_copy_sealed(int *out, struct cell_err *e)
{
	_cleanup_close_ int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe < 0)
		return cell_err_sys(e, errno, "open /proc/self/exe");
	struct stat st;
	if (fstat(exe, &st) < 0)
		return cell_err_sys(e, errno, "stat /proc/self/exe");
	_cleanup_close_ int fd = memfd_exec();
	if (fd < 0)
		return cell_err_sys(e, -fd,
				    "memfd for a sealed copy of the runtime%s",
				    fd == -EACCES ? " (vm.memfd_noexec is 2?)"
						  : "");
	Elf64_Ehdr eh;
	off_t len = loaded_extent(exe, st.st_size, &eh);
	int r = copy_all(fd, exe, len > 0 ? len : st.st_size);
	if (r == 0 && len > 0 && len < st.st_size &&
	    eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize > (uint64_t)len) {
		eh.e_shoff = 0;
		eh.e_shnum = 0;
		eh.e_shstrndx = SHN_UNDEF;
		if (pwrite(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			r = errno ? -errno : -EIO;
	}
	if (r < 0)
		return cell_err_sys(e, -r, "copy the runtime into a memfd");
	if (fchmod(fd, 0555) < 0)
		return cell_err_sys(e, errno, "chmod the runtime's copy");
	/* F_SEAL_EXEC (6.3+) also freezes the mode; older kernels refuse
	   the bit, and the other seals are what make the copy immutable. */
	if (fcntl(fd, F_ADD_SEALS, EXE_SEALS | F_SEAL_EXEC) < 0 &&
	    fcntl(fd, F_ADD_SEALS, EXE_SEALS) < 0)
		return cell_err_sys(e, errno, "seal the runtime's copy");
	*out = steal_fd(&fd);
	return 0;
}

int sec_exe_protect(char **argv, struct cell_err *e)
{
#ifdef CELL_TEST_HOOKS
	/* Test builds only: bench/exe_protection.sh measures the cost. */
	if (getenv("CELL_TEST_NO_EXE_PROTECTION"))
		return 0;
#endif
	if (sec_exe_is_sealed())
		return 0;
	_cleanup_close_ int fd = -1;
	int r = sec_exe_copy_sealed(&fd, e);
	if (r < 0)
		return cell_err_wrap(e, "protect the runtime binary");
	/* The fd is close-on-exec: an ELF binary needs it only until the
	   kernel has mapped it, so nothing of it reaches the new image. */
	fexecve(fd, argv, environ);
	return cell_err_sys(e, errno,
			    "protect the runtime binary: exec the sealed copy");
}
