/* The cpu controller (shares/weight, CFS quota and period, burst, realtime
 * budget, idle) and the cpuset controller (cpus, mems). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#define F "linux.resources.cpu."

static int cpu_v1(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	const char *d = c->dir;
	int ret;
	if (r->cpu.shares.set &&
	    (ret = cg_writef(d, "cpu.shares", e, "%llu",
			     (unsigned long long)r->cpu.shares.v)) < 0)
		return cell_err_wrap(e, F "shares");
	/* Period first: the quota is checked against it. */
	if (r->cpu.period.set &&
	    (ret = cg_writef(d, "cpu.cfs_period_us", e, "%llu",
			     (unsigned long long)r->cpu.period.v)) < 0)
		return cell_err_wrap(e, F "period");
	if (r->cpu.quota.set &&
	    (ret = cg_writef(d, "cpu.cfs_quota_us", e, "%lld",
			     (long long)r->cpu.quota.v)) < 0)
		return cell_err_wrap(e, F "quota");
	if (r->cpu.burst.set) {
		if (!cg_file_exists(d, "cpu.cfs_burst_us"))
			log_warn(F "burst is ignored: the kernel has no "
				   "cpu.cfs_burst_us");
		else if (cg_writef(d, "cpu.cfs_burst_us", e, "%llu",
				   (unsigned long long)r->cpu.burst.v) < 0)
			return cell_err_wrap(e, F "burst");
	}
	/* The realtime period before the runtime that must fit in it. */
	if (r->cpu.realtime_period.set &&
	    cg_writef(d, "cpu.rt_period_us", e, "%llu",
		      (unsigned long long)r->cpu.realtime_period.v) < 0)
		return cell_err_wrap(e, F "realtimePeriod");
	if (r->cpu.realtime_runtime.set &&
	    cg_writef(d, "cpu.rt_runtime_us", e, "%lld",
		      (long long)r->cpu.realtime_runtime.v) < 0)
		return cell_err_wrap(e, F "realtimeRuntime");
	if (r->cpu.idle.set) {
		if (!cg_file_exists(d, "cpu.idle"))
			log_warn(F "idle is ignored: the kernel has no "
				   "cpu.idle");
		else if (cg_writef(d, "cpu.idle", e, "%lld",
				   (long long)r->cpu.idle.v) < 0)
			return cell_err_wrap(e, F "idle");
	}
	return 0;
}

static int cpu_v2(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	const char *d = c->dir;
	if (r->cpu.shares.set &&
	    cg_writef(d, "cpu.weight", e, "%llu",
		      (unsigned long long)cgroup_shares_to_weight(
			      r->cpu.shares.v)) < 0)
		return cell_err_wrap(e, F "shares");
	bool quota = r->cpu.quota.set;
	bool period = r->cpu.period.set;
	if (quota || period) {
		/* cpu.max is "$QUOTA $PERIOD"; keep the half not given. */
		char q[32] = "max";
		if (quota && r->cpu.quota.v > 0)
			snprintf(q, sizeof(q), "%lld",
				 (long long)r->cpu.quota.v);
		if (!quota) {
			_cleanup_free_ char *cur = NULL;
			if (cg_read(d, "cpu.max", &cur, e) < 0)
				return cell_err_wrap(e, F "period");
			snprintf(q, sizeof(q), "%.*s", (int)strcspn(cur, " \n"),
				 cur);
		}
		int ret = period ? cg_writef(d, "cpu.max", e, "%s %llu", q,
					     (unsigned long long)r->cpu.period.v)
				 : cg_write(d, "cpu.max", q, e);
		if (ret < 0)
			return cell_err_wrap(e, F "%s", quota ? "quota" : "period");
	}
	if (r->cpu.burst.set) {
		if (!cg_file_exists(d, "cpu.max.burst"))
			log_warn(F "burst is ignored: the kernel has no "
				   "cpu.max.burst");
		else if (cg_writef(d, "cpu.max.burst", e, "%llu",
				   (unsigned long long)r->cpu.burst.v) < 0)
			return cell_err_wrap(e, F "burst");
	}
	if (r->cpu.idle.set) {
		if (!cg_file_exists(d, "cpu.idle"))
			log_warn(F "idle is ignored: the kernel has no "
				   "cpu.idle");
		else if (cg_writef(d, "cpu.idle", e, "%lld",
				   (long long)r->cpu.idle.v) < 0)
			return cell_err_wrap(e, F "idle");
	}
	return 0;
}

int cg_apply_cpu(const struct cg_apply_ctx *c, struct cell_err *e)
{
	return c->v2 ? cpu_v2(c, e) : cpu_v1(c, e);
}

/* cpuset.cpus and cpuset.mems have the same names in v1 and v2. */
int cg_apply_cpuset(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	/* mems first: a task needs both, and cpus is the usual one to fail
	   (a cpu outside the parent's set), which reads better last. */
	if (r->cpu.mems && cg_write(c->dir, "cpuset.mems", r->cpu.mems, e) < 0)
		return cell_err_wrap(e, F "mems");
	if (r->cpu.cpus && cg_write(c->dir, "cpuset.cpus", r->cpu.cpus, e) < 0)
		return cell_err_wrap(e, F "cpus");
	return 0;
}
