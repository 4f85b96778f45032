/* `cell run [OPTIONS] -- COMMAND`: a container built from flags, on the
 * default root filesystem, for people at a shell. */
#ifndef CELL_CLI_PEOPLE_H
#define CELL_CLI_PEOPLE_H

#include "cli/cli.h"

int people_run(const struct cli_globals *g, int argc, char **argv);

#endif
