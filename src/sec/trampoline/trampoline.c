/* The last step into a container: execve(argv[1], argv + 2, envp).
 *
 * A freestanding static program of a few hundred bytes, embedded in cell
 * and run from a sealed memfd (src/sec/exec.c).  Every execve whose target
 * the container controls (the process, startContainer hooks, the children
 * of --init) passes through it, so at that moment /proc/self/exe is this
 * sealed memfd and never the host's cell binary: an entrypoint
 * "#!/proc/self/exe" only runs this program again, and the seals refuse
 * any write to it (CVE-2019-5736).  No libc: built -nostdlib -static. */

#if defined(__x86_64__)
#define NR_WRITE 1
#define NR_EXECVE 59
#define NR_EXIT 60
static long sys3(long n, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	xor %rbp, %rbp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call tramp_main\n"
	"	hlt\n");
#elif defined(__aarch64__)
#define NR_WRITE 64
#define NR_EXECVE 221
#define NR_EXIT 93
static long sys3(long n, long a, long b, long c)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2)
			 : "memory");
	return x0;
}
__asm__(".text\n"
	".global _start\n"
	"_start:\n"
	"	mov x0, sp\n"
	"	bl tramp_main\n"
	"	brk #0\n");
#else
#error "the exec trampoline supports x86_64 and aarch64"
#endif

__attribute__((used, noreturn)) void tramp_main(long *sp);

static unsigned long len(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

__attribute__((used, noreturn)) void tramp_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;

	if (argc >= 3) {
		long r = sys3(NR_EXECVE, (long)argv[1], (long)(argv + 2),
			      (long)envp);
		static const char msg[] = "cell: exec failed: ";
		sys3(NR_WRITE, 2, (long)msg, sizeof(msg) - 1);
		sys3(NR_WRITE, 2, (long)argv[1], (long)len(argv[1]));
		/* errno as a number: no strerror without libc */
		char num[24];
		int i = (int)sizeof(num);
		unsigned long v = (unsigned long)-r;
		num[--i] = '\n';
		num[--i] = ')';
		do
			num[--i] = (char)('0' + v % 10);
		while ((v /= 10) && i > 8);
		static const char pre[] = " (errno ";
		sys3(NR_WRITE, 2, (long)pre, sizeof(pre) - 1);
		sys3(NR_WRITE, 2, (long)(num + i), (long)(sizeof(num) - i));
	}
	for (;;)
		sys3(NR_EXIT, 127, 0, 0);
}
