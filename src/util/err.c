#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 0)))
static int err_vset(struct cell_err *e, int errnum, const char *why,
		    const char *fmt, va_list ap)
{
	if (errnum <= 0)
		errnum = EINVAL;
	e->errnum = errnum;
	int n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	if (why && n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - (size_t)n, ": %s", why);
	return -errnum;
}

int cell_err_sys(struct cell_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(e, errnum, strerror(errnum > 0 ? errnum : EINVAL),
			 fmt, ap);
	va_end(ap);
	return r;
}

int cell_err_msg(struct cell_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(e, errnum, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int cell_err_wrap(struct cell_err *e, const char *fmt, ...)
{
	char ctx[512];
	char old[CELL_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	size_t n = strlen(ctx);
	if (n > sizeof(e->msg) - 3)
		n = sizeof(e->msg) - 3;
	memcpy(e->msg, ctx, n);
	memcpy(e->msg + n, ": ", 2);
	size_t room = sizeof(e->msg) - n - 2;
	size_t olen = strnlen(old, room - 1);
	memcpy(e->msg + n + 2, old, olen);
	e->msg[n + 2 + olen] = '\0';
	if (e->errnum <= 0)
		e->errnum = EINVAL;
	return -e->errnum;
}
