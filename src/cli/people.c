/* `cell run [OPTIONS] -- COMMAND`: see people.h.  (Being built.) */
#include <errno.h>

#include "cli/people.h"

int people_run(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	return cli_usage_error("run", "the `run [OPTIONS] -- COMMAND` form is not built yet");
}
