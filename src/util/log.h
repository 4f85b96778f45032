/* Logging.  Errors and warnings reach stderr; with --log FILE they go to the
 * file too, in --log-format text or json ({"level","msg","time"} lines, as
 * container engines read them).  Debug lines only with --debug. */
#ifndef CELL_UTIL_LOG_H
#define CELL_UTIL_LOG_H

#include <stdbool.h>

enum log_level {
	CELL_LOG_ERROR,
	CELL_LOG_WARN,
	CELL_LOG_INFO,
	CELL_LOG_DEBUG,
};

/* Set once by the CLI; path may be NULL. Returns -errno if the file cannot
 * be opened. */
int log_setup(const char *path, bool json, bool debug);
void log_close(void);
bool log_debug_enabled(void);
/* The --log file's fd (-1 when none): kept open across the init's fd sweep. */
int log_fd(void);

void cell_log(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) cell_log(CELL_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) cell_log(CELL_LOG_WARN, __VA_ARGS__)
#define log_info(...) cell_log(CELL_LOG_INFO, __VA_ARGS__)
#define log_debug(...)                                       \
	do {                                                 \
		if (log_debug_enabled())                     \
			cell_log(CELL_LOG_DEBUG, __VA_ARGS__); \
	} while (0)

#endif
