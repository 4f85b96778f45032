/* The value conversions between OCI (v1-shaped) resources and cgroup v2
 * files, as runc and crun do them so engines see the same numbers. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgroup.h"

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0; /* unset */
	/* cpu.shares accepts 2..262144 (the kernel clamps); map that range
	   linearly onto cpu.weight 1..10000. */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0; /* unset */
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + ((weight - 10) * 9999) / 990;
}

int cgroup_swap_to_v2(int64_t swap, int64_t limit, int64_t *out,
		      struct cell_err *e)
{
	/* OCI's swap is v1's memsw: memory plus swap.  v2 limits swap alone. */
	if (swap == -1) {
		*out = -1;
		return 0;
	}
	if (swap == 0) {
		*out = 0;
		return 0;
	}
	if (swap < -1)
		return cell_err_msg(e, EINVAL,
				    "linux.resources.memory.swap: %lld is "
				    "invalid (use -1 for unlimited)",
				    (long long)swap);
	if (limit <= 0)
		return cell_err_msg(e, EINVAL,
				    "linux.resources.memory.swap: a swap limit "
				    "needs linux.resources.memory.limit");
	if (swap < limit)
		return cell_err_msg(e, EINVAL,
				    "linux.resources.memory.swap: %lld is less "
				    "than linux.resources.memory.limit %lld "
				    "(swap counts memory+swap)",
				    (long long)swap, (long long)limit);
	*out = swap - limit;
	return 0;
}

/* "0-3,7,9-10": comma-separated numbers or ascending ranges. */
bool cgroup_cpuset_list_valid(const char *list)
{
	const char *p = list;
	if (*p == '\0' || strcmp(p, "\n") == 0)
		return true;
	for (;;) {
		if (!isdigit((unsigned char)*p))
			return false;
		char *end;
		unsigned long a = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			unsigned long b = strtoul(p, &end, 10);
			if (b < a)
				return false;
			p = end;
		}
		if (*p == '\0' || (*p == '\n' && p[1] == '\0'))
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}
