/* The people's side of the command line: `cell run [OPTIONS] -- COMMAND`
 * builds a container from flags on a default root filesystem (nothing to
 * download), and `ps`, `stats`, `stop`, `logs` manage what it started. */
#ifndef CELL_CLI_PEOPLE_H
#define CELL_CLI_PEOPLE_H

#include "cli/cli.h"
#include "container/container.h"

/* `cell run [OPTIONS] -- COMMAND [ARGS...]`; exits with the command's
 * status, 125 when cell fails, 126/127 when the command cannot run. */
int people_run(const struct cli_globals *g, int argc, char **argv);

/* `cell ps` with no container id: the people's containers (name, pid,
 * status, command, uptime); -a also the stopped ones, --format json. */
int people_ps(const struct cli_globals *g, int argc, char **argv);
/* `cell stats [--no-stream] [--format table|json] [NAME...]`. */
int people_stats(const struct cli_globals *g, int argc, char **argv);
/* `cell stop [-t SECONDS] NAME...`: TERM, wait, KILL, then delete. */
int people_stop(const struct cli_globals *g, int argc, char **argv);
/* `cell logs [-f] NAME`: a detached container's output. */
int people_logs(const struct cli_globals *g, int argc, char **argv);

/* --init: what the container's pid 1 runs instead of execve(path, argv,
 * envp), after the whole confinement (see people_init.c).  Returns the
 * command's exit status, for the caller to _exit() with.  The config
 * carries the annotation "run.cell.init": "true" when asked for. */
#define PEOPLE_INIT_ANNOTATION CELL_INIT_ANNOTATION

#endif
