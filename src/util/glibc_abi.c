/* The static build only (meson: static_build): glibc's checked entry
 * points for the library archives it links.
 *
 * Debian compiles jansson, libcap and libseccomp with _FORTIFY_SOURCE:
 * where the compiler knew a buffer's size, their calls became glibc's
 * __*_chk functions, which take that size too.  musl has none of them.
 * Each one here makes glibc's size check and then the plain call; a
 * failed check aborts, as glibc's does.  (glibc's refusal of %n in a
 * writable format is not repeated: these libraries' formats are
 * literals.)  The rest of what these
 * archives call from libc is ISO C and POSIX, which musl has. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		    const char *fmt, va_list ap);
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		   const char *fmt, ...);
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...);
int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...);
int __asprintf_chk(char **out, int flag, const char *fmt, ...);
char *__strncpy_chk(char *dst, const char *src, size_t len, size_t dstlen);

/* maxlen must fit the buffer the compiler saw */
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		    const char *fmt, va_list ap)
{
	(void)flag;
	if (maxlen > slen)
		abort();
	if (maxlen > INT_MAX) /* glibc takes any size; musl refuses these */
		maxlen = INT_MAX;
	return vsnprintf(s, maxlen, fmt, ap);
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = __vsnprintf_chk(s, maxlen, flag, slen, fmt, ap);
	va_end(ap);
	return r;
}

/* the whole output, its NUL included, must fit (a size past INT_MAX is
 * "unknown", and musl's vsnprintf refuses such a size) */
int __sprintf_chk(char *s, int flag, size_t slen, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int r = slen > INT_MAX ? vsprintf(s, fmt, ap)
			       : vsnprintf(s, slen, fmt, ap);
	va_end(ap);
	if (slen <= INT_MAX && r >= 0 && (size_t)r >= slen)
		abort();
	return r;
}

int __fprintf_chk(FILE *fp, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int r = vfprintf(fp, fmt, ap);
	va_end(ap);
	return r;
}

int __asprintf_chk(char **out, int flag, const char *fmt, ...)
{
	(void)flag;
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

char *__strncpy_chk(char *dst, const char *src, size_t len, size_t dstlen)
{
	if (len > dstlen)
		abort();
	return strncpy(dst, src, len);
}
