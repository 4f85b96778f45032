/* process.rlimits: setrlimit() for each entry, before the capability drop
 * (raising a hard limit needs CAP_SYS_RESOURCE, which the drop may take). */
#include "sec/sec.h"

#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>

#include "trace/trace.h"
#include "util/cleanup.h"

static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",
	[RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",
	[RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",
	[RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",
	[RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
	[RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",
	[RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE",
	[RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
	[RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static const char *rlimit_name(int resource, char *buf, size_t len)
{
	if (resource >= 0 && (size_t)resource < ARRAY_SIZE(rlimit_names) &&
	    rlimit_names[resource])
		return rlimit_names[resource];
	snprintf(buf, len, "rlimit %d", resource);
	return buf;
}

static int apply_one(const struct oci_rlimit *r, struct cell_err *e)
{
	char buf[32];
	const char *name = rlimit_name(r->resource, buf, sizeof(buf));
	/* uint64 max is RLIM_INFINITY on every 64-bit ABI and on 32-bit
	 * ABIs with rlim64; clamp so a 32-bit rlim_t still means "unlimited". */
	struct rlimit rl = {
		.rlim_cur = r->soft >= (uint64_t)RLIM_INFINITY
				    ? RLIM_INFINITY
				    : (rlim_t)r->soft,
		.rlim_max = r->hard >= (uint64_t)RLIM_INFINITY
				    ? RLIM_INFINITY
				    : (rlim_t)r->hard,
	};

	if (rl.rlim_cur > rl.rlim_max)
		return cell_err_msg(e, EINVAL,
				    "%s: soft limit %llu exceeds hard limit %llu",
				    name, (unsigned long long)r->soft,
				    (unsigned long long)r->hard);
	EXPLAIN("a per-process resource limit the kernel enforces",
		"setrlimit(%s, soft %llu, hard %llu)", name,
		(unsigned long long)r->soft, (unsigned long long)r->hard);
	if (setrlimit((int)r->resource, &rl) == 0)
		return 0;

	int err = errno;
	struct rlimit cur;
	if (err == EPERM &&
	    getrlimit((int)r->resource, &cur) == 0 &&
	    rl.rlim_max > cur.rlim_max)
		return cell_err_sys(e, err,
				    "%s: cannot raise the hard limit to %llu",
				    name, (unsigned long long)r->hard);
	return cell_err_sys(e, err, "%s: setrlimit(soft %llu, hard %llu)",
			    name, (unsigned long long)r->soft,
			    (unsigned long long)r->hard);
}

int sec_apply_rlimits(const struct oci_process *p, struct cell_err *e)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		int r = apply_one(&p->rlimits[i], e);
		if (r < 0)
			return cell_err_wrap(e, "process.rlimits");
	}
	return 0;
}
