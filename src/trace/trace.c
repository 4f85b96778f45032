/* Recording: the shared buffer, spans, explanations, process tracks and
 * the one clock (see trace.h). */
#include "trace/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "trace/internal.h"

unsigned int trace_mode;
struct trace_state trace_st = { .fd = -1 };

/* Room for a few thousand steps and calls: a busy run makes ~200.  The
 * pages are touched only as records are written. */
#define TRACE_CAPACITY 4096

static uint64_t now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	uint64_t us = (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
	return us - (uint64_t)trace_st.offset;
}

/* Our pid in the host's pid namespace: the init is pid 1 of its own, but
 * until it mounts its own /proc, "/proc/self" is the host's procfs and
 * names us as the host does (one track per process in the viewer). */
static pid_t host_pid(void)
{
	char buf[32];
	ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
	if (n <= 0)
		return getpid();
	buf[n] = '\0';
	long v = strtol(buf, NULL, 10);
	return v > 0 ? (pid_t)v : getpid();
}

static int open_trace_file(const struct trace_opts *o, struct cell_err *e)
{
	if (!(o->mode & TRACE_TIMING))
		return 0;
	if (!o->path || !*o->path)
		return cell_err_msg(e, EINVAL, "--trace: a file or - is needed");
	if (trace_st.mode & TRACE_TIMING)
		return cell_err_msg(e, EINVAL, "--trace: given twice");
	trace_st.path = o->path;
	if (!strcmp(o->path, "-"))
		return 0;
	int fd = openat(AT_FDCWD, o->path,
			O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return cell_err_sys(e, errno, "--trace %s", o->path);
	trace_st.fd = fd;
	return 0;
}

int trace_setup(const struct trace_opts *o, struct cell_err *e)
{
	if (!o->mode)
		return 0;
	if (trace_st.buf) {
		/* `cell --explain run --trace F -- CMD`: the people's flags
		   add to the global ones */
		int r = open_trace_file(o, e);
		if (r < 0)
			return r;
		trace_st.mode |= o->mode;
		trace_mode = trace_st.mode;
		return 0;
	}
	int r = open_trace_file(o, e);
	if (r < 0)
		return r;
	size_t len = sizeof(struct trace_buf) +
		     TRACE_CAPACITY * sizeof(struct trace_rec);
	/* MAP_SHARED: every fork writes the same pages.  Anonymous: nothing
	 * on disk for a container to find, and gone at execve. */
	void *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		r = cell_err_sys(e, errno, "trace buffer");
		if (trace_st.fd >= 0)
			close(trace_st.fd);
		trace_st.fd = -1;
		return r;
	}
	trace_st.buf = m;
	trace_st.buf->cap = TRACE_CAPACITY;
	trace_st.map_len = len;
	trace_st.owner = getpid();
	trace_st.mode = o->mode;
	trace_st.command = o->command ? o->command : "cell";
	trace_mode = o->mode;
	char name[64];
	snprintf(name, sizeof(name), "cell %s", trace_st.command);
	trace_process_(name);
	/* the whole command: the span every other one is a share of */
	trace_st.command_span = trace_begin_(trace_st.command, NULL);
	return 0;
}

static struct trace_rec *reserve(int *slot)
{
	struct trace_buf *b = trace_st.buf;
	if (!b)
		return NULL;
	uint32_t i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
	if (i >= b->cap)
		return NULL; /* full: later steps are dropped, not misfiled */
	struct trace_rec *r = &b->rec[i];
	memset(r, 0, sizeof(*r));
	r->pid = trace_st.self;
	r->ts = now_us();
	if (slot)
		*slot = (int)i;
	return r;
}

static void publish(struct trace_rec *r, enum trace_rec_kind kind)
{
	__atomic_store_n(&r->kind, (uint32_t)kind, __ATOMIC_RELEASE);
}

void trace_process_(const char *name)
{
	trace_st.self = host_pid();
	trace_st.depth = 0; /* a new track: the parent's open spans are not ours */
	struct trace_rec *r = reserve(NULL);
	if (!r)
		return;
	snprintf(r->name, sizeof(r->name), "%s", name);
	publish(r, TRACE_REC_PROCESS);
}

void trace_clock_resync_(void)
{
	/* "monotonic <secs> <nanosecs>": the offset of the time namespace
	   we are in now (0 0 outside one). */
	FILE *f = fopen("/proc/self/timens_offsets", "re");
	if (!f)
		return;
	char line[128];
	long long s;
	long ns;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "monotonic %lld %ld", &s, &ns) == 2)
			trace_st.offset = s * 1000000 + ns / 1000;
	fclose(f);
}

int trace_begin_(const char *name, const char *fmt, ...)
{
	int slot = -1;
	struct trace_rec *r = reserve(&slot);
	if (!r)
		return -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
		va_end(ap);
	}
	r->dur = TRACE_OPEN;
	r->depth = trace_st.depth++;
	publish(r, TRACE_REC_SPAN);
	return slot;
}

void trace_end_(int slot)
{
	struct trace_buf *b = trace_st.buf;
	if (!b || slot < 0 || (uint32_t)slot >= b->cap)
		return;
	struct trace_rec *r = &b->rec[slot];
	uint64_t t = now_us();
	if (trace_st.depth)
		trace_st.depth--;
	r->dur = t > r->ts ? t - r->ts : 0;
}

/* "../src/fs/pivot.c" (meson's relative path) -> "src/fs/pivot.c" */
static const char *source_name(const char *file)
{
	while (!strncmp(file, "../", 3))
		file += 3;
	const char *s = file[0] == '/' ? strstr(file, "/src/") : NULL;
	return s ? s + 1 : file;
}

void trace_explain_(const char *file, const char *why, const char *fmt, ...)
{
	struct trace_rec *r = reserve(NULL);
	if (!r)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
	snprintf(r->why, sizeof(r->why), "%s", why);
	snprintf(r->file, sizeof(r->file), "%s", source_name(file));
	/* the call's name: what the viewer labels the marker with */
	size_t k = strcspn(r->detail, "( ");
	snprintf(r->name, sizeof(r->name), "%.*s", (int)k, r->detail);
	publish(r, TRACE_REC_EXPLAIN);
}

int trace_finish(struct cell_err *e)
{
	struct trace_buf *b = trace_st.buf;
	if (!b || getpid() != trace_st.owner)
		return 0;
	trace_end_(trace_st.command_span);
	/* The forks that wrote are gone or waiting (the sync protocol and
	   wait are our barriers); take what was published. */
	uint32_t n = __atomic_load_n(&b->next, __ATOMIC_ACQUIRE);
	if (n > b->cap)
		n = b->cap;
	size_t k = 0;
	struct trace_rec *recs = calloc(n ? n : 1, sizeof(*recs));
	if (!recs)
		return cell_err_sys(e, ENOMEM, "--trace");
	for (uint32_t i = 0; i < n; i++) {
		const struct trace_rec *r = &b->rec[i];
		if (__atomic_load_n(&r->kind, __ATOMIC_ACQUIRE) == TRACE_REC_FREE)
			continue;
		recs[k] = *r;
		/* the writers are other processes: never trust a string end */
		recs[k].name[sizeof(r->name) - 1] = '\0';
		recs[k].detail[sizeof(r->detail) - 1] = '\0';
		recs[k].why[sizeof(r->why) - 1] = '\0';
		recs[k].file[sizeof(r->file) - 1] = '\0';
		k++;
	}
	int r = trace_report(recs, k, now_us(), e);
	free(recs);
	trace_mode = 0;
	munmap(b, trace_st.map_len);
	if (trace_st.fd >= 0)
		close(trace_st.fd);
	memset(&trace_st, 0, sizeof(trace_st));
	trace_st.fd = -1;
	return r;
}
