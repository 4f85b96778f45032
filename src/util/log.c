#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The only process-wide state outside the CLI: where log lines go. */
static struct {
	int fd;
	bool json;
	bool debug;
} sink = { .fd = -1 };

int log_setup(const char *path, bool json, bool debug)
{
	sink.json = json;
	sink.debug = debug;
	if (!path)
		return 0;
	int fd = openat(AT_FDCWD, path,
			O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	sink.fd = fd;
	return 0;
}

void log_close(void)
{
	if (sink.fd >= 0)
		close(sink.fd);
	sink.fd = -1;
}

int log_fd(void)
{
	return sink.fd;
}

bool log_debug_enabled(void)
{
	return sink.debug;
}

static const char *level_name(enum log_level l)
{
	switch (l) {
	case CELL_LOG_ERROR:
		return "error";
	case CELL_LOG_WARN:
		return "warning";
	case CELL_LOG_INFO:
		return "info";
	case CELL_LOG_DEBUG:
		return "debug";
	}
	return "info";
}

static void write_file_line(enum log_level level, const char *msg)
{
	char ts[64];
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%09ldZ", now.tv_nsec);

	if (sink.json) {
		json_t *o = json_pack("{s:s, s:s, s:s}", "level",
				      level_name(level), "msg", msg, "time", ts);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
		if (s)
			dprintf(sink.fd, "%s\n", s);
		free(s);
		json_decref(o);
	} else {
		dprintf(sink.fd, "%s %s: %s\n", ts, level_name(level), msg);
	}
}

void cell_log(enum log_level level, const char *fmt, ...)
{
	char msg[4096];
	int saved = errno;
	va_list ap;

	if (level == CELL_LOG_DEBUG && !sink.debug)
		return;
	size_t off = 0;
	if (level == CELL_LOG_DEBUG) {
		/* debug lines carry a monotonic clock (ms) and the pid, so the
		   runtime's and the init's steps line up when timing create */
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		off = (size_t)snprintf(msg, sizeof(msg), "[%ld.%03ld %d] ",
				       (long)(t.tv_sec % 1000) * 1000 + t.tv_nsec / 1000000,
				       (t.tv_nsec / 1000) % 1000, (int)getpid());
	}
	va_start(ap, fmt);
	vsnprintf(msg + off, sizeof(msg) - off, fmt, ap);
	va_end(ap);

	if (sink.fd >= 0)
		write_file_line(level, msg);
	/* Engines read the log file; people read stderr.  Errors always reach
	   stderr (one line); the rest only when no log file takes them. */
	if (level == CELL_LOG_ERROR)
		fprintf(stderr, "cell: %s\n", msg);
	else if (sink.fd < 0 || sink.debug)
		fprintf(stderr, "cell: %s: %s\n", level_name(level), msg);
	errno = saved;
}
