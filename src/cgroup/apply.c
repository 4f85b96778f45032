/* Writing linux.resources: validate everything, then hand each controller's
 * part to its writer with the directory and version that controller has on
 * this host.  linux.resources.unified goes last so it can override. */
#include <errno.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/log.h"

static bool want_cpu(const struct oci_resources *r)
{
	return r->cpu.shares.set || r->cpu.quota.set || r->cpu.period.set ||
	       r->cpu.burst.set || r->cpu.realtime_runtime.set ||
	       r->cpu.realtime_period.set || r->cpu.idle.set;
}

static bool want_cpuset(const struct oci_resources *r)
{
	return r->cpu.cpus || r->cpu.mems;
}

static bool want_memory(const struct oci_resources *r)
{
	return r->memory.limit.set || r->memory.reservation.set ||
	       r->memory.swap.set || r->memory.swappiness.set ||
	       r->memory.has_disable_oom_killer || r->memory.has_use_hierarchy;
}

static bool want_pids(const struct oci_resources *r)
{
	return r->pids_limit.set;
}

static bool want_io(const struct oci_resources *r)
{
	return r->block_io.weight.set || r->block_io.leaf_weight.set ||
	       r->block_io.n_weight_device || r->block_io.n_throttle_read_bps ||
	       r->block_io.n_throttle_write_bps ||
	       r->block_io.n_throttle_read_iops ||
	       r->block_io.n_throttle_write_iops;
}

static bool want_hugetlb(const struct oci_resources *r)
{
	return r->n_hugepage_limits > 0;
}

static bool want_net_cls(const struct oci_resources *r)
{
	return r->network.class_id.set;
}

static bool want_net_prio(const struct oci_resources *r)
{
	return r->network.n_priorities > 0;
}

static bool want_rdma(const struct oci_resources *r)
{
	return r->n_rdma > 0;
}

static bool want_devices(const struct oci_resources *r)
{
	return r->n_devices > 0;
}

static const struct controller {
	const char *name;
	const char *field; /* under linux.resources, for messages */
	bool (*wanted)(const struct oci_resources *r);
	int (*apply)(const struct cg_apply_ctx *c, struct cell_err *e);
	bool optional; /* missing controller: warn, not fail */
} controllers[] = {
	{ "devices", "devices", want_devices, cg_apply_devices, false },
	{ "cpuset", "cpu.cpus", want_cpuset, cg_apply_cpuset, false },
	{ "cpu", "cpu", want_cpu, cg_apply_cpu, false },
	{ "memory", "memory", want_memory, cg_apply_memory, false },
	{ "pids", "pids", want_pids, cg_apply_pids, false },
	{ "blkio", "blockIO", want_io, cg_apply_io, false },
	{ "hugetlb", "hugepageLimits", want_hugetlb, cg_apply_hugetlb, false },
	{ "net_cls", "network.classID", want_net_cls, cg_apply_net_cls, true },
	{ "net_prio", "network.priorities", want_net_prio, cg_apply_net_prio,
	  true },
	{ "rdma", "rdma", want_rdma, cg_apply_rdma, false },
};

static int apply_unified(struct cgroup *cg, const struct oci_resources *r,
			 struct cell_err *e)
{
	const char *dir = cgroup_v2_dir(cg);
	for (size_t i = 0; i < r->n_unified; i++) {
		int ret = cg_write(dir, r->unified[i].key, r->unified[i].value,
				   e);
		if (ret < 0)
			return cell_err_wrap(e, "linux.resources.unified.%s",
					     r->unified[i].key);
	}
	return 0;
}

int cg_apply_resources(struct cgroup *cg, const struct oci_resources *r,
		       bool update, struct cell_err *e)
{
	int ret = cg_validate_resources(cg, r, update, e);
	if (ret < 0)
		return ret;

	/* Kernel memory limits were removed from the kernel (5.16 for v1
	   kmem, never in v2); engines still send them. */
	if (r->memory.kernel.set)
		log_warn("linux.resources.memory.kernel is ignored: kernel "
			 "memory limits are not supported");
	if (r->memory.kernel_tcp.set)
		log_warn("linux.resources.memory.kernelTCP is ignored: kernel "
			 "memory limits are not supported");

	for (size_t i = 0; i < sizeof(controllers) / sizeof(controllers[0]);
	     i++) {
		const struct controller *c = &controllers[i];
		if (!c->wanted(r))
			continue;
		bool v2 = false;
		const char *dir = cgroup_controller_dir(cg, c->name, &v2);
		if (!dir) {
			if (c->optional) {
				log_warn("linux.resources.%s is ignored: the %s "
					 "controller is not available%s",
					 c->field, c->name,
					 cg->mode == CGROUP_MODE_UNIFIED
						 ? " on cgroup v2"
						 : "");
				continue;
			}
			return cell_err_msg(e, ENOTSUP,
					    "linux.resources.%s: the %s "
					    "controller is not available on "
					    "this host",
					    c->field, c->name);
		}
		struct cg_apply_ctx ctx = {
			.cg = cg, .r = r, .update = update, .dir = dir, .v2 = v2,
		};
		ret = c->apply(&ctx, e);
		if (ret < 0)
			return ret;
	}
	return apply_unified(cg, r, e);
}
