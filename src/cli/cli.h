/* The command line: runc's surface for engines, plus the people's
 * `cell run [OPTIONS] -- COMMAND`.  Each subcommand parses its flags and
 * calls the container library; errors are printed once, here. */
#ifndef CELL_CLI_CLI_H
#define CELL_CLI_CLI_H

#include <stdbool.h>

#include "util/err.h"

/* The global flags, parsed before the subcommand. */
struct cli_globals {
	const char *root;
	const char *log;
	const char *log_format;
	bool debug;
	bool systemd_cgroup;
	const char *trace; /* --trace FILE|- */
	bool explain;      /* --explain */
};

struct cli_cmd {
	const char *name;
	int (*run)(const struct cli_globals *g, int argc, char **argv);
	const char *summary;
	/* with --systemd-cgroup it may talk to systemd (D-Bus): the static
	   build hands it to the full runtime before it starts */
	bool systemd_bus;
};

int cli_main(int argc, char **argv);

/* Print "cell: <verb> [<id>]: <e->msg>" (and to --log); returns 1. */
int cli_fail(const char *verb, const char *id, const struct cell_err *e);
/* A usage error: "cell: <verb>: <msg>", exit status 2... runc uses 1. */
int cli_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "TERM", "SIGTERM", "15", "RTMIN+2" -> signal number, or -1. */
int cli_parse_signal(const char *s);
/* "64m", "1g", "1024" -> bytes; -1 for "-1"; -EINVAL on junk. */
int cli_parse_size(const char *s, long long *out);

int cmd_create(const struct cli_globals *g, int argc, char **argv);
int cmd_start(const struct cli_globals *g, int argc, char **argv);
int cmd_run(const struct cli_globals *g, int argc, char **argv);
int cmd_state(const struct cli_globals *g, int argc, char **argv);
int cmd_list(const struct cli_globals *g, int argc, char **argv);
int cmd_kill(const struct cli_globals *g, int argc, char **argv);
int cmd_delete(const struct cli_globals *g, int argc, char **argv);
int cmd_pause(const struct cli_globals *g, int argc, char **argv);
int cmd_resume(const struct cli_globals *g, int argc, char **argv);
int cmd_ps(const struct cli_globals *g, int argc, char **argv);
int cmd_exec(const struct cli_globals *g, int argc, char **argv);
int cmd_spec(const struct cli_globals *g, int argc, char **argv);
int cmd_features(const struct cli_globals *g, int argc, char **argv);
int cmd_update(const struct cli_globals *g, int argc, char **argv);
int cmd_events(const struct cli_globals *g, int argc, char **argv);
int cmd_explain(const struct cli_globals *g, int argc, char **argv);

#endif
