#include <jansson.h>
#include <stdint.h>
#include <sys/random.h>

#include "cli/cli.h"
#include "util/dl.h"

int main(int argc, char **argv)
{
	/* jansson seeds its hash tables from /dev/urandom (open, read,
	   close) on first use; one getrandom does the same. */
	uint32_t seed = 0;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed) &&
	    seed != 0)
		json_object_seed(seed);
	dl_handoff_init(argv);
	return cli_main(argc, argv);
}
