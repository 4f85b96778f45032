/* Seeing how a container is made: timed steps (--trace) and the kernel
 * calls that isolate it, each with its reason (--explain).
 *
 * Every process that takes part records into one buffer: a shared
 * anonymous mapping made by the CLI before anything forks, so the
 * container's init and exec children (forks of the runtime, see
 * container/create.c) write where the runtime reads.  execve drops the
 * mapping: the container's own process never sees it.  Times are
 * CLOCK_MONOTONIC in microseconds, one clock for every process (a time
 * namespace's offset is taken back out, see trace_clock_resync).
 *
 * Off, a span or an explanation costs one load and one predictable branch:
 * no clock read, no allocation, no system call, and the arguments of an
 * explanation are not even evaluated. */
#ifndef CELL_TRACE_TRACE_H
#define CELL_TRACE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum trace_flag {
	TRACE_TIMING = 1 << 0,  /* --trace FILE|- */
	TRACE_EXPLAIN = 1 << 1, /* --explain */
	TRACE_DRY_RUN = 1 << 2, /* --dry-run: build it all, never exec */
};

/* Set once by the CLI, before anything forks (like the log sink, the one
 * piece of process-wide state outside the parsed options). */
extern unsigned int trace_mode;

static inline bool trace_enabled(void)
{
	return __builtin_expect(trace_mode != 0, 0);
}

/* --dry-run: the container is built by the same code as a real run, but
 * hooks and the host-side network are skipped and its process is never
 * exec'd (container/process.c), then everything is torn down. */
static inline bool trace_dry_run(void)
{
	return __builtin_expect((trace_mode & TRACE_DRY_RUN) != 0, 0);
}

struct trace_opts {
	unsigned int mode;   /* enum trace_flag bits */
	const char *path;    /* TRACE_TIMING: a file, or "-" for a table */
	const char *command; /* "run", "create", "exec": the runtime's track */
};

/* The CLI: map the buffer, open the file (so a bad path fails before any
 * work).  A second call is a no-op returning 0. */
int trace_setup(const struct trace_opts *o, struct cell_err *e);

/* The CLI, at the end of a command that called trace_setup, whatever its
 * outcome: write the trace file (or the table) and the explanation.  Only
 * the process that set tracing up writes; in its forks it does nothing. */
int trace_finish(struct cell_err *e);

/* A fork that takes part (the init, an exec child, a detached monitor):
 * its own track, named `name`, under its pid as the host sees it. */
void trace_process_(const char *name);
#define trace_process(name)                \
	do {                               \
		if (trace_enabled())       \
			trace_process_(name); \
	} while (0)

/* After joining or making a time namespace: keep the shared clock (its
 * monotonic offset is subtracted from this process's readings). */
void trace_clock_resync_(void);
#define trace_clock_resync()                \
	do {                                \
		if (trace_enabled())        \
			trace_clock_resync_(); \
	} while (0)

/* Spans: a step with a start and a duration, nested by time within a
 * process.  TRACE_BEGIN returns a slot (-1 when off) for TRACE_END. */
int trace_begin_(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void trace_end_(int slot);

#define TRACE_BEGIN(name) (trace_enabled() ? trace_begin_(name, NULL) : -1)
#define TRACE_BEGINF(name, ...) \
	(trace_enabled() ? trace_begin_(name, __VA_ARGS__) : -1)
#define TRACE_END(slot)                   \
	do {                              \
		if ((slot) >= 0)          \
			trace_end_(slot); \
	} while (0)

static inline void trace_scope_end_(int *slot)
{
	if (*slot >= 0)
		trace_end_(*slot);
}
#define TRACE_CAT2_(a, b) a##b
#define TRACE_CAT_(a, b) TRACE_CAT2_(a, b)
/* A span for the rest of the enclosing block. */
#define TRACE_SCOPE(name)                                          \
	__attribute__((cleanup(trace_scope_end_), unused)) int TRACE_CAT_( \
		trace_scope_, __COUNTER__) = TRACE_BEGIN(name)
/* The same with a detail ("mount", "%s", dest). */
#define TRACE_SCOPEF(name, ...)                                    \
	__attribute__((cleanup(trace_scope_end_), unused)) int TRACE_CAT_( \
		trace_scope_, __COUNTER__) = TRACE_BEGINF(name, __VA_ARGS__)
/* `expr` (an int-returning call) as a span: r = TRACED("x", f(a, e)); */
#define TRACED(name, expr)                       \
	({                                       \
		int trace_slot_ = TRACE_BEGIN(name); \
		int trace_r_ = (expr);           \
		TRACE_END(trace_slot_);          \
		trace_r_;                        \
	})

/* One kernel call that isolates the container, as it is made: `why` says
 * in plain words what it protects against, the rest is the call with its
 * real arguments.  The source file is recorded with it. */
void trace_explain_(const char *file, const char *why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define EXPLAIN(why, ...)                                          \
	do {                                                       \
		if (trace_enabled())                               \
			trace_explain_(__FILE__, why, __VA_ARGS__); \
	} while (0)

/* Formatting helpers for explanations (pure; tested in tests/unit). */
/* "CLONE_NEWUSER|CLONE_NEWPID|..." for the CLONE_* bits in flags. */
size_t trace_fmt_clone_flags(uint64_t flags, char *buf, size_t len);
/* "its own mount table, network stack, ..." for the CLONE_NEW* bits. */
size_t trace_fmt_ns_purpose(uint64_t flags, char *buf, size_t len);
/* "CAP_CHOWN,CAP_KILL" for a capability mask, named by `name` (the
 * caller's: oci_cap_name) or CAP_<n>. */
size_t trace_fmt_caps(uint64_t mask, const char *(*name)(int cap), char *buf,
		      size_t len);

/* The same into a buffer of the trace module's, for EXPLAIN's arguments
 * (evaluated only when tracing; each call reuses one of four buffers). */
const char *trace_clone_str(uint64_t flags);
const char *trace_ns_why(uint64_t flags);
const char *trace_caps_str(uint64_t mask, const char *(*name)(int cap));
/* "MS_SLAVE|MS_REC" (mount(2) flags); "MOUNT_ATTR_RDONLY|..." (fsmount,
 * mount_setattr). */
const char *trace_ms_str(unsigned long flags);
const char *trace_attr_str(uint64_t attrs);
/* What fd is open on ("/sys/fs/cgroup/pids/cell-x/tasks"). */
const char *trace_fd_path(int fd);

#endif
