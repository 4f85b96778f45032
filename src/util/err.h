/* The error value that travels up the call chain.
 *
 * Every fallible function returns 0 or -errno and, on failure, fills a
 * struct cell_err.  Callers add context on the way up with cell_err_wrap();
 * the CLI prints the chain once: "cell: create abc: config.json: ...: why". */
#ifndef CELL_UTIL_ERR_H
#define CELL_UTIL_ERR_H

#include <stddef.h>

#define CELL_ERR_MAX 2048

struct cell_err {
	int errnum;             /* positive errno; 0 when no error is held */
	char msg[CELL_ERR_MAX]; /* "context: context: cause" */
};

/* Record an error caused by a failed system call: the message gets
 * ": strerror(errnum)" appended.  Returns -errnum (never 0). */
int cell_err_sys(struct cell_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record an error whose message already says why.  Returns -errnum. */
int cell_err_msg(struct cell_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix the held message with "context: ".  Returns -e->errnum. */
int cell_err_wrap(struct cell_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void cell_err_clear(struct cell_err *e)
{
	e->errnum = 0;
	e->msg[0] = '\0';
}

#endif
