/* What engines write when they mean "not set".
 *
 * Docker, Podman, containerd, CRI-O and the kubelet build config.json from
 * Go structs, and many of them fill a field with its zero value when the
 * user asked for nothing: a blockIO weight of 0, cpu shares of 0, a pids
 * limit of 0, an empty cpuset string, an empty hostname.  runc 1.1 copies
 * the spec into its own config, where 0 and "" mean "leave the kernel's
 * value alone", and its cgroup writers skip them.  Engines rely on that:
 * `docker update` sends every field, most of them 0, and expects only the
 * ones the user named to change.
 *
 * cell reads config.json the same way, once, right after parsing: every
 * value below that runc would not act on is turned into "not set", so the
 * validators and writers in src/cgroup, src/ns and src/container only ever
 * see values to apply.  Each rule names the runc 1.1 code it follows
 * (libcontainer/specconv, cgroups/fs and cgroups/fs2). */
#include <stdlib.h>
#include <string.h>

#include "oci/config_internal.h"

/* Numbers that runc treats as unset when 0 (fs: `if r.X != 0`). */
static void zero_is_unset_i64(struct opt_i64 *v)
{
	if (v->set && v->v == 0)
		v->set = false;
}

static void zero_is_unset_u64(struct opt_u64 *v)
{
	if (v->set && v->v == 0)
		v->set = false;
}

/* Strings that runc treats as unset when empty (`if s != ""`). */
static void empty_is_unset(char **s)
{
	if (*s && !**s) {
		free(*s);
		*s = NULL;
	}
}

static void memory_conventions(struct oci_resources *r)
{
	/* limit, reservation, swap: 0 is unset, -1 is unlimited. */
	zero_is_unset_i64(&r->memory.limit);
	zero_is_unset_i64(&r->memory.reservation);
	zero_is_unset_i64(&r->memory.swap);
	/* Kernel memory limits are ignored (with a warning) when given; a 0
	   is no request at all, so no warning either. */
	zero_is_unset_i64(&r->memory.kernel);
	zero_is_unset_i64(&r->memory.kernel_tcp);
	/* Swappiness is a *uint64 in Go: engines that mean "unset" write
	   uint64(-1), which runc skips (`int64(*swappiness) == -1`). */
	if (r->memory.swappiness.set && r->memory.swappiness.v == UINT64_MAX)
		r->memory.swappiness.set = false;
	/* runc writes memory.oom_control only to disable the killer. */
	if (r->memory.has_disable_oom_killer && !r->memory.disable_oom_killer)
		r->memory.has_disable_oom_killer = false;
}

static void cpu_conventions(struct oci_resources *r)
{
	/* shares, quota, period and the realtime budget: 0 is unset. */
	zero_is_unset_u64(&r->cpu.shares);
	zero_is_unset_i64(&r->cpu.quota);
	/* Any negative quota is unlimited: v1's cfs_quota_us takes it so,
	   and fs2 writes "max" for every quota that is not > 0. */
	if (r->cpu.quota.set && r->cpu.quota.v < 0)
		r->cpu.quota.v = -1;
	zero_is_unset_u64(&r->cpu.period);
	zero_is_unset_i64(&r->cpu.realtime_runtime);
	zero_is_unset_u64(&r->cpu.realtime_period);
	/* cpuset: "" inherits the parent's set. */
	empty_is_unset(&r->cpu.cpus);
	empty_is_unset(&r->cpu.mems);
}

static void pids_conventions(struct oci_resources *r)
{
	/* 0 is unset; any negative number is "max" (fs/pids.go). */
	zero_is_unset_i64(&r->pids_limit);
	if (r->pids_limit.set && r->pids_limit.v < 0)
		r->pids_limit.v = -1;
}

static void block_io_conventions(struct oci_resources *r)
{
	/* weight and leafWeight: 0 is unset, for the cgroup and per device. */
	zero_is_unset_u64(&r->block_io.weight);
	zero_is_unset_u64(&r->block_io.leaf_weight);
	size_t kept = 0;
	for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
		struct oci_weight_device *w = &r->block_io.weight_device[i];
		zero_is_unset_u64(&w->weight);
		zero_is_unset_u64(&w->leaf_weight);
		/* A device with neither is not written at all, so it is not
		   checked either. */
		if (w->weight.set || w->leaf_weight.set)
			r->block_io.weight_device[kept++] = *w;
	}
	r->block_io.n_weight_device = kept;
	/* Throttle rates are written as given: 0 lifts a device's limit. */
}

void oci_resources_conventions(struct oci_resources *r)
{
	memory_conventions(r);
	cpu_conventions(r);
	pids_conventions(r);
	block_io_conventions(r);
	/* net_cls: runc writes the class id only when it is not 0. */
	zero_is_unset_u64(&r->network.class_id);
	/* hugepageLimits, rdma, devices and unified are written as given. */
}

void oci_process_conventions(struct oci_process *p)
{
	/* A 0x0 console is no size: runc resizes only when both are set. */
	if (p->has_console_size &&
	    (p->console_height == 0 || p->console_width == 0))
		p->has_console_size = false;
	/* "" is no profile or label. */
	empty_is_unset(&p->apparmor_profile);
	empty_is_unset(&p->selinux_label);
}

void oci_config_conventions(struct oci_config *c)
{
	/* runc sets the host and domain name only when not "". */
	empty_is_unset(&c->hostname);
	empty_is_unset(&c->domainname);
	/* A namespace with path "" is created, not joined. */
	for (int t = 0; t < OCI_NS_COUNT; t++)
		empty_is_unset(&c->linux.namespaces[t].path);
	/* "" is the default cgroup path and no mount label. */
	empty_is_unset(&c->linux.cgroups_path);
	empty_is_unset(&c->linux.mount_label);
}
