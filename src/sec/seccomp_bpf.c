/* The seccomp program as the kernel takes it, and a cache of programs.
 *
 * libseccomp needs ~10 ms to turn an engine-sized profile (300+ syscalls,
 * three architectures) into BPF.  The program depends only on the profile,
 * the libseccomp version and the kernel's API level, so cell keeps each
 * one it generates in /var/cache/cell/seccomp (root's, 0700, outside every
 * container) and loads later containers' filters from there.  The program
 * of `cell spec`'s default profile (what `cell run -- CMD` uses) is
 * generated at build time and ships in the binary as one more cache entry
 * (seccomp_gen.c), so that even the first container on a machine pays no
 * compile: ~9 ms of a ~20 ms first run. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sec/sec.h"
#include "sec/seccomp_internal.h"
#include "util/cleanup.h"
#include "util/file.h"

#define CACHE_MAGIC "cell-seccomp-bpf 1\n"
#define CACHE_MAX_BYTES (4 << 20)

unsigned int sec_seccomp_kernel_flags(char **flags, bool notify)
{
	unsigned int k = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	for (size_t i = 0; flags && flags[i]; i++) {
		if (!strcmp(flags[i], "SECCOMP_FILTER_FLAG_TSYNC"))
			k |= SECCOMP_FILTER_FLAG_TSYNC;
		else if (!strcmp(flags[i], "SECCOMP_FILTER_FLAG_LOG"))
			k |= SECCOMP_FILTER_FLAG_LOG;
		else if (!strcmp(flags[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW"))
			k |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	}
	return k;
}

int sec_seccomp_export(struct sec_seccomp *f, struct cell_err *e)
{
	_cleanup_close_ int fd = memfd_create("cell-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "linux.seccomp: memfd");
	int r = seccomp_export_bpf(f->ctx, fd);
	if (r < 0)
		return cell_err_sys(e, -r, "linux.seccomp: generate the program");
	off_t size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) ||
	    size / (off_t)sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cell_err_msg(e, E2BIG,
				    "linux.seccomp: the program has %lld bytes",
				    (long long)size);
	f->prog = malloc((size_t)size);
	if (!f->prog)
		return cell_err_sys(e, ENOMEM, "linux.seccomp");
	if (pread(fd, f->prog, (size_t)size, 0) != size)
		return cell_err_sys(e, errno, "linux.seccomp: read the program");
	f->prog_len = (size_t)size / sizeof(struct sock_filter);
	return 0;
}

/* What the program depends on besides the profile. */
static void cache_salt(char *buf, size_t len)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	uname(&u);
	snprintf(buf, len, "libseccomp %u.%u.%u api %u arch %s\n", v->major,
		 v->minor, v->micro, seccomp_api_get(), u.machine);
}

static uint64_t fnv1a(const char *a, const char *b)
{
	uint64_t h = 1469598103934665603ULL;
	for (const char *p = a; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (const char *p = b; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return h;
}

/* Cache file: magic, salt line, "<kflags> <notify> <keylen>\n", the key
 * (the profile as canonical JSON), then the program.  The key is compared
 * whole: the hash only names the file. */
/* A cached program is loaded into containers as it is: only a regular
 * file of ours, not a symlink, writable by no one else, is believed. */
static int cache_open_trusted(int dirfd, const char *name, size_t *size)
{
	_cleanup_close_ int fd = openat(dirfd, name,
					O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
						O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 022) || st.st_nlink != 1 ||
	    st.st_size <= 0 || st.st_size > CACHE_MAX_BYTES)
		return -ENOENT;
	*size = (size_t)st.st_size;
	return steal_fd(&fd);
}

/* An entry (a cache file's bytes) -> *out, when it holds the program of
 * `key` generated under `salt`. */
static int cache_parse(const char *buf, size_t len, const char *salt,
		       const char *key, struct sec_seccomp **out)
{
	size_t ml = strlen(CACHE_MAGIC), sl = strlen(salt), kl = strlen(key);
	if (len < ml + sl || memcmp(buf, CACHE_MAGIC, ml) ||
	    memcmp(buf + ml, salt, sl))
		return -ENOENT;
	const char *p = buf + ml + sl;
	unsigned int kflags, notify;
	size_t keylen;
	int n = 0;
	/* The header line is short; sscanf must not run past the entry. */
	char head[64];
	size_t hl = len - (size_t)(p - buf) < sizeof(head) - 1
			    ? len - (size_t)(p - buf)
			    : sizeof(head) - 1;
	memcpy(head, p, hl);
	head[hl] = '\0';
	if (sscanf(head, "%u %u %zu\n%n", &kflags, &notify, &keylen, &n) != 3 ||
	    n == 0 || keylen != kl)
		return -ENOENT;
	p += n;
	if ((size_t)(p - buf) + kl > len || memcmp(p, key, kl))
		return -ENOENT;
	p += kl;
	size_t plen = len - (size_t)(p - buf);
	if (plen == 0 || plen % sizeof(struct sock_filter))
		return -ENOENT;
	struct sec_seccomp *f = calloc(1, sizeof(*f));
	if (!f || !(f->prog = malloc(plen))) {
		free(f);
		return -ENOMEM;
	}
	memcpy(f->prog, p, plen);
	f->prog_len = plen / sizeof(struct sock_filter);
	f->kflags = kflags;
	f->has_notify = notify != 0;
	*out = f;
	return 0;
}

static int cache_read(int dirfd, const char *name, const char *salt,
		      const char *key, struct sec_seccomp **out)
{
	size_t len;
	_cleanup_close_ int fd = cache_open_trusted(dirfd, name, &len);
	if (fd < 0)
		return -ENOENT;
	_cleanup_free_ char *buf = malloc(len);
	if (!buf || read(fd, buf, len) != (ssize_t)len)
		return -ENOENT;
	return cache_parse(buf, len, salt, key, out);
}

/* The entry of `key`'s program f, in the cache file format. */
static char *cache_entry(const char *salt, const char *key,
			 const struct sec_seccomp *f, size_t *len)
{
	size_t kl = strlen(key);
	size_t plen = f->prog_len * sizeof(struct sock_filter);
	size_t cap = strlen(CACHE_MAGIC) + strlen(salt) + 64 + kl + plen;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	int n = snprintf(buf, cap, "%s%s%u %u %zu\n", CACHE_MAGIC, salt,
			 f->kflags, f->has_notify ? 1u : 0u, kl);
	memcpy(buf + n, key, kl);
	memcpy(buf + (size_t)n + kl, f->prog, plen);
	*len = (size_t)n + kl + plen;
	return buf;
}

#ifndef CELL_SECCOMP_NO_BUILTIN
/* seccomp_default_blob.c, made at build time by cell-seccomp-gen. */
extern const unsigned char cell_seccomp_default[];
extern const unsigned long cell_seccomp_default_len;

static int builtin_read(const char *salt, const char *key,
			struct sec_seccomp **out)
{
	return cache_parse((const char *)cell_seccomp_default,
			   cell_seccomp_default_len, salt, key, out);
}
#else
static int builtin_read(const char *salt, const char *key,
			struct sec_seccomp **out)
{
	(void)salt, (void)key, (void)out;
	return -ENOENT;
}
#endif

int sec_seccomp_cache_entry(const struct oci_seccomp *s, const char *key,
			    char **buf, size_t *len, struct cell_err *e)
{
	struct sec_seccomp *f = NULL;
	int r = sec_seccomp_compile(s, &f, e);
	if (r < 0)
		return r;
	char salt[128];
	cache_salt(salt, sizeof(salt));
	*buf = cache_entry(salt, key, f, len);
	sec_seccomp_free(f);
	return *buf ? 0 : cell_err_sys(e, ENOMEM, "linux.seccomp");
}

static void cache_write(int dirfd, const char *name, const char *salt,
			const char *key, const struct sec_seccomp *f)
{
	size_t len;
	_cleanup_free_ char *buf = cache_entry(salt, key, f, &len);
	if (!buf)
		return;
	struct cell_err ignored;
	/* A failed write only costs the next container a compile. */
	file_replace_at(dirfd, name, buf, len, 0600, &ignored);
}

int sec_seccomp_compile_cached(const struct oci_seccomp *s, const char *key,
			       const char *cache_dir, struct sec_seccomp **out,
			       struct cell_err *e)
{
	if (!key)
		return sec_seccomp_compile(s, out, e);
	char salt[128], name[32];
	cache_salt(salt, sizeof(salt));
	if (builtin_read(salt, key, out) == 0)
		return 0;
	if (!cache_dir)
		return sec_seccomp_compile(s, out, e);
	snprintf(name, sizeof(name), "%016llx.bpf",
		 (unsigned long long)fnv1a(salt, key));

	mkdir(cache_dir, 0700);
	_cleanup_close_ int dirfd = openat(
	    AT_FDCWD, cache_dir, O_DIRECTORY | O_PATH | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	/* Only a root-owned, private directory is trusted with filters. */
	if (dirfd < 0 || fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077))
		return sec_seccomp_compile(s, out, e);
	if (cache_read(dirfd, name, salt, key, out) == 0)
		return 0;
	int r = sec_seccomp_compile(s, out, e);
	if (r == 0)
		cache_write(dirfd, name, salt, key, *out);
	return r;
}
