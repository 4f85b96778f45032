/* Every resource value is checked before anything is written, so an update
 * with one bad value changes nothing.  Errors name the JSON field. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"

#define F "linux.resources."

bool cg_block_device_exists(int64_t major, int64_t minor)
{
	char p[64];
	if (major < 0 || minor < 0)
		return false;
	snprintf(p, sizeof(p), "/sys/dev/block/%lld:%lld", (long long)major,
		 (long long)minor);
	return access(p, F_OK) == 0;
}

static int check_limit(const struct opt_i64 *v, const char *field,
		       struct cell_err *e)
{
	if (v->set && v->v < -1)
		return cell_err_msg(e, EINVAL,
				    F "%s: %lld is invalid (use -1 for "
				      "unlimited)",
				    field, (long long)v->v);
	return 0;
}

static int check_weight(const struct opt_u64 *w, const char *field,
			struct cell_err *e)
{
	if (w->set && (w->v < 10 || w->v > 1000))
		return cell_err_msg(e, EINVAL,
				    F "%s: %llu is out of range (10-1000)",
				    field, (unsigned long long)w->v);
	return 0;
}

/* v1 reads "unlimited" back as a huge page-aligned number. */
#define V1_UNLIMITED (UINT64_C(1) << 62)

static int swap_below_limit(int64_t swap, int64_t limit, struct cell_err *e)
{
	return cell_err_msg(e, EINVAL,
			    F "memory.swap: %lld is less than the memory "
			      "limit %lld in force (swap counts memory+swap)",
			    (long long)swap, (long long)limit);
}

static int limit_above_memsw(int64_t limit, int64_t memsw, struct cell_err *e)
{
	return cell_err_msg(e, EINVAL,
			    F "memory.limit: %lld is above the memory+swap "
			      "limit %lld in force (raise " F "memory.swap "
			      "too)",
			    (long long)limit, (long long)memsw);
}

static int check_memory(struct cgroup *cg, const struct oci_resources *r,
			bool update, struct cell_err *e)
{
	int ret;
	if ((ret = check_limit(&r->memory.limit, "memory.limit", e)) < 0 ||
	    (ret = check_limit(&r->memory.reservation, "memory.reservation",
			       e)) < 0 ||
	    (ret = check_limit(&r->memory.swap, "memory.swap", e)) < 0)
		return ret;
	if (r->memory.swappiness.set && r->memory.swappiness.v > 100)
		return cell_err_msg(e, EINVAL,
				    F "memory.swappiness: %llu is out of "
				      "range (0-100)",
				    (unsigned long long)r->memory.swappiness.v);
	int64_t limit = r->memory.limit.set ? r->memory.limit.v : 0;
	int64_t swap = r->memory.swap.set ? r->memory.swap.v : 0;
	if (limit > 0 && swap > 0 && swap < limit)
		return cell_err_msg(e, EINVAL,
				    F "memory.swap: %lld is less than " F
				      "memory.limit %lld (swap counts "
				      "memory+swap)",
				    (long long)swap, (long long)limit);
	bool v2;
	const char *dir = cgroup_controller_dir(cg, "memory", &v2);
	if (v2 && swap > 0) {
		/* On update the limit in force counts (swap.max = swap -
		   limit); at create the cgroup has none yet. */
		int64_t base = update ? cg_memory_v2_limit(dir, r) : limit;
		if (base <= 0)
			return cell_err_msg(e, EINVAL,
					    F "memory.swap: a swap limit needs "
					      F "memory.limit on cgroup v2");
		if (swap < base)
			return swap_below_limit(swap, base, e);
	}
	if (update && dir && !v2) {
		/* The kernel keeps memory <= memory+swap; say which value is
		   in the way rather than pass on its EINVAL. */
		uint64_t cur = 0;
		struct cell_err ignored;
		if (swap > 0 && limit == 0 &&
		    cg_read_u64(dir, "memory.limit_in_bytes", &cur,
				&ignored) == 0 &&
		    cur < V1_UNLIMITED && (uint64_t)swap < cur)
			return swap_below_limit(swap, (int64_t)cur, e);
		if (limit > 0 && swap == 0 &&
		    cg_file_exists(dir, "memory.memsw.limit_in_bytes") &&
		    cg_read_u64(dir, "memory.memsw.limit_in_bytes", &cur,
				&ignored) == 0 &&
		    cur < V1_UNLIMITED && (uint64_t)limit > cur)
			return limit_above_memsw(limit, (int64_t)cur, e);
	}
	if (update && dir && v2 && limit > 0 && swap == 0) {
		int64_t memsw = cg_memory_v2_memsw(dir);
		if (memsw > 0 && limit > memsw)
			return limit_above_memsw(limit, memsw, e);
	}
	if (update && r->memory.check_before_update && limit > 0 && dir) {
		uint64_t usage = 0;
		struct cell_err ignored;
		if (cg_read_u64(dir, v2 ? "memory.current"
					: "memory.usage_in_bytes",
				&usage, &ignored) == 0 &&
		    (uint64_t)limit < usage)
			return cell_err_msg(
				e, EBUSY,
				F "memory.limit: %lld is below the current "
				  "usage %llu (checkBeforeUpdate)",
				(long long)limit, (unsigned long long)usage);
	}
	return 0;
}

static int check_cpu(struct cgroup *cg, const struct oci_resources *r,
		     struct cell_err *e)
{
	if (r->cpu.quota.set && r->cpu.quota.v > 0 && r->cpu.quota.v < 1000)
		return cell_err_msg(e, EINVAL,
				    F "cpu.quota: %lld is out of range (at "
				      "least 1000 microseconds, or -1)",
				    (long long)r->cpu.quota.v);
	if (r->cpu.period.set && r->cpu.period.v != 0 &&
	    (r->cpu.period.v < 1000 || r->cpu.period.v > 1000000))
		return cell_err_msg(e, EINVAL,
				    F "cpu.period: %llu is out of range "
				      "(1000-1000000)",
				    (unsigned long long)r->cpu.period.v);
	if (r->cpu.idle.set && r->cpu.idle.v != 0 && r->cpu.idle.v != 1)
		return cell_err_msg(e, EINVAL,
				    F "cpu.idle: %lld is invalid (0 or 1)",
				    (long long)r->cpu.idle.v);
	if (r->cpu.cpus && !cgroup_cpuset_list_valid(r->cpu.cpus))
		return cell_err_msg(e, EINVAL,
				    F "cpu.cpus: \"%s\" is not a cpu list "
				      "(like 0-3,7)",
				    r->cpu.cpus);
	if (r->cpu.mems && !cgroup_cpuset_list_valid(r->cpu.mems))
		return cell_err_msg(e, EINVAL,
				    F "cpu.mems: \"%s\" is not a node list "
				      "(like 0-1)",
				    r->cpu.mems);
	bool v2 = false;
	cgroup_controller_dir(cg, "cpu", &v2);
	if (v2 && ((r->cpu.realtime_runtime.set && r->cpu.realtime_runtime.v) ||
		   (r->cpu.realtime_period.set && r->cpu.realtime_period.v)))
		return cell_err_msg(e, ENOTSUP,
				    F "cpu.realtimeRuntime: realtime "
				      "scheduling limits are not supported on "
				      "cgroup v2");
	return 0;
}

static int check_devices(const char *field,
			 const struct oci_throttle_device *d, size_t n,
			 struct cell_err *e)
{
	for (size_t i = 0; i < n; i++)
		if (!cg_block_device_exists(d[i].major, d[i].minor))
			return cell_err_msg(e, ENODEV,
					    F "blockIO.%s[%zu]: %lld:%lld is "
					      "not a block device",
					    field, i, (long long)d[i].major,
					    (long long)d[i].minor);
	return 0;
}

static int check_block_io(const struct oci_resources *r, struct cell_err *e)
{
	int ret;
	if ((ret = check_weight(&r->block_io.weight, "blockIO.weight", e)) < 0 ||
	    (ret = check_weight(&r->block_io.leaf_weight,
				"blockIO.leafWeight", e)) < 0)
		return ret;
	for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
		const struct oci_weight_device *w = &r->block_io.weight_device[i];
		char field[64];
		snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
		if (!cg_block_device_exists(w->major, w->minor))
			return cell_err_msg(e, ENODEV,
					    F "%s: %lld:%lld is not a block "
					      "device",
					    field, (long long)w->major,
					    (long long)w->minor);
		char wf[80], lf[80];
		snprintf(wf, sizeof(wf), "%s.weight", field);
		snprintf(lf, sizeof(lf), "%s.leafWeight", field);
		if ((ret = check_weight(&w->weight, wf, e)) < 0 ||
		    (ret = check_weight(&w->leaf_weight, lf, e)) < 0)
			return ret;
	}
	const struct {
		const char *name;
		const struct oci_throttle_device *d;
		size_t n;
	} t[] = {
		{ "throttleReadBpsDevice", r->block_io.throttle_read_bps,
		  r->block_io.n_throttle_read_bps },
		{ "throttleWriteBpsDevice", r->block_io.throttle_write_bps,
		  r->block_io.n_throttle_write_bps },
		{ "throttleReadIOPSDevice", r->block_io.throttle_read_iops,
		  r->block_io.n_throttle_read_iops },
		{ "throttleWriteIOPSDevice", r->block_io.throttle_write_iops,
		  r->block_io.n_throttle_write_iops },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if ((ret = check_devices(t[i].name, t[i].d, t[i].n, e)) < 0)
			return ret;
	return 0;
}

static bool page_size_valid(const char *s)
{
	if (!s || !isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s))
		s++;
	return strcmp(s, "KB") == 0 || strcmp(s, "MB") == 0 ||
	       strcmp(s, "GB") == 0;
}

static int check_hugetlb(struct cgroup *cg, const struct oci_resources *r,
			 struct cell_err *e)
{
	if (r->n_hugepage_limits == 0)
		return 0;
	bool v2;
	const char *dir = cgroup_controller_dir(cg, "hugetlb", &v2);
	for (size_t i = 0; i < r->n_hugepage_limits; i++) {
		const char *ps = r->hugepage_limits[i].page_size;
		if (!page_size_valid(ps))
			return cell_err_msg(e, EINVAL,
					    F "hugepageLimits[%zu].pageSize: "
					      "\"%s\" is not a size like 2MB",
					    i, ps ? ps : "");
		if (!dir)
			return cell_err_msg(e, ENOTSUP,
					    F "hugepageLimits: the hugetlb "
					      "controller is not available");
		char file[64];
		snprintf(file, sizeof(file), "hugetlb.%s.%s", ps,
			 v2 ? "max" : "limit_in_bytes");
		if (!cg_file_exists(dir, file))
			return cell_err_msg(e, ENOTSUP,
					    F "hugepageLimits[%zu]: page size "
					      "%s is not supported by the host",
					    i, ps);
	}
	return 0;
}

static int check_unified(struct cgroup *cg, const struct oci_resources *r,
			 struct cell_err *e)
{
	const char *dir = cgroup_v2_dir(cg);
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *k = r->unified[i].key;
		if (!k || !*k || strchr(k, '/') || k[0] == '.')
			return cell_err_msg(e, EINVAL,
					    F "unified: \"%s\" is not a cgroup "
					      "file name",
					    k ? k : "");
		bool exists = dir && cg_file_exists(dir, k);
		if (cg->mode == CGROUP_MODE_LEGACY ||
		    (cg->mode == CGROUP_MODE_HYBRID && !exists))
			return cell_err_msg(e, ENOTSUP,
					    F "unified: needs cgroup v2 (%s)",
					    k);
		if (!exists)
			return cell_err_msg(e, ENOENT,
					    F "unified.%s: no such cgroup file "
					      "(is its controller enabled?)",
					    k);
	}
	return 0;
}

static int check_misc(struct cgroup *cg, const struct oci_resources *r,
		      struct cell_err *e)
{
	for (size_t i = 0; i < r->n_rdma; i++) {
		if (!r->rdma[i].device || !*r->rdma[i].device)
			return cell_err_msg(e, EINVAL,
					    F "rdma: empty device name");
		if (!cgroup_controller_dir(cg, "rdma", NULL))
			return cell_err_msg(e, ENOTSUP,
					    F "rdma: the rdma controller is "
					      "not available");
	}
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct oci_device_rule *d = &r->devices[i];
		if (d->type != 'a' && d->type != 'b' && d->type != 'c')
			return cell_err_msg(e, EINVAL,
					    F "devices[%zu].type: '%c' is not "
					      "a, b or c",
					    i, d->type);
		if (d->access[strspn(d->access, "rwm")] != '\0')
			return cell_err_msg(e, EINVAL,
					    F "devices[%zu].access: \"%s\" is "
					      "not a subset of rwm",
					    i, d->access);
	}
	return 0;
}

int cg_validate_resources(struct cgroup *cg, const struct oci_resources *r,
			  bool update, struct cell_err *e)
{
	int ret;
	if ((ret = check_memory(cg, r, update, e)) < 0 ||
	    (ret = check_cpu(cg, r, e)) < 0 ||
	    (ret = check_block_io(r, e)) < 0 ||
	    (ret = check_hugetlb(cg, r, e)) < 0 ||
	    (ret = check_unified(cg, r, e)) < 0 ||
	    (ret = check_misc(cg, r, e)) < 0)
		return ret;
	return 0;
}
