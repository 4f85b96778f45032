/* The small controllers: pids, hugetlb, net_cls, net_prio, rdma, and the
 * device access list (v1 devices.allow/deny; v2 goes to devices_bpf.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"

#define F "linux.resources."

int cg_apply_pids(const struct cg_apply_ctx *c, struct cell_err *e)
{
	int64_t v = c->r->pids_limit.v;
	/* -1 is unlimited (src/oci/conventions.c made every negative -1). */
	int ret = v < 0 ? cg_write(c->dir, "pids.max", "max", e)
			 : cg_writef(c->dir, "pids.max", e, "%lld",
				     (long long)v);
	return ret < 0 ? cell_err_wrap(e, F "pids.limit") : 0;
}

int cg_apply_hugetlb(const struct cg_apply_ctx *c, struct cell_err *e)
{
	for (size_t i = 0; i < c->r->n_hugepage_limits; i++) {
		const struct oci_hugepage_limit *h = &c->r->hugepage_limits[i];
		char file[64];
		snprintf(file, sizeof(file), "hugetlb.%s.%s", h->page_size,
			 c->v2 ? "max" : "limit_in_bytes");
		if (cg_writef(c->dir, file, e, "%llu",
			      (unsigned long long)h->limit) < 0)
			return cell_err_wrap(e, F "hugepageLimits[%zu] (%s)", i,
					     h->page_size);
	}
	return 0;
}

int cg_apply_net_cls(const struct cg_apply_ctx *c, struct cell_err *e)
{
	if (cg_writef(c->dir, "net_cls.classid", e, "%llu",
		      (unsigned long long)c->r->network.class_id.v) < 0)
		return cell_err_wrap(e, F "network.classID");
	return 0;
}

int cg_apply_net_prio(const struct cg_apply_ctx *c, struct cell_err *e)
{
	for (size_t i = 0; i < c->r->network.n_priorities; i++) {
		const struct oci_net_priority *p = &c->r->network.priorities[i];
		if (cg_writef(c->dir, "net_prio.ifpriomap", e, "%s %u", p->name,
			      p->priority) < 0)
			return cell_err_wrap(e, F "network.priorities[%zu]", i);
	}
	return 0;
}

int cg_apply_rdma(const struct cg_apply_ctx *c, struct cell_err *e)
{
	for (size_t i = 0; i < c->r->n_rdma; i++) {
		const struct oci_rdma_limit *l = &c->r->rdma[i];
		char line[256];
		int n = snprintf(line, sizeof(line), "%s", l->device);
		if (l->hca_handles.set)
			n += snprintf(line + n, sizeof(line) - (size_t)n,
				      " hca_handle=%llu",
				      (unsigned long long)l->hca_handles.v);
		if (l->hca_objects.set && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n,
				 " hca_object=%llu",
				 (unsigned long long)l->hca_objects.v);
		if (cg_write(c->dir, "rdma.max", line, e) < 0)
			return cell_err_wrap(e, F "rdma.%s", l->device);
	}
	return 0;
}

static void device_number(char *buf, size_t len, int64_t n)
{
	if (n < 0)
		snprintf(buf, len, "*");
	else
		snprintf(buf, len, "%lld", (long long)n);
}

static int devices_v1(const struct cg_apply_ctx *c, struct cell_err *e)
{
	/* devices.deny and devices.allow, each opened once for every rule */
	_cleanup_close_ int deny = -1, allow = -1;
	/* Start from nothing, then the rules in order: later rules override
	   earlier ones the way the OCI spec reads. */
	if (cg_write_keep(&deny, c->dir, "devices.deny", "a", e) < 0)
		return cell_err_wrap(e, F "devices");
	for (size_t i = 0; i < c->r->n_devices; i++) {
		const struct oci_device_rule *d = &c->r->devices[i];
		char rule[80], maj[24], min[24];
		device_number(maj, sizeof(maj), d->major);
		device_number(min, sizeof(min), d->minor);
		const char *access = d->access[0] ? d->access : "rwm";
		if (d->type == 'a' && d->major < 0 && d->minor < 0)
			snprintf(rule, sizeof(rule), "a");
		else
			snprintf(rule, sizeof(rule), "%c %s:%s %s", d->type,
				 maj, min, access);
		int ret = d->allow ? cg_write_keep(&allow, c->dir,
						   "devices.allow", rule, e)
				   : cg_write_keep(&deny, c->dir,
						   "devices.deny", rule, e);
		if (ret < 0)
			return cell_err_wrap(e, F "devices[%zu]", i);
	}
	return 0;
}

int cg_apply_devices(const struct cg_apply_ctx *c, struct cell_err *e)
{
	if (!c->v2)
		return devices_v1(c, e);
	int ret = cg_devices_bpf_apply(c->dir, c->r->devices, c->r->n_devices,
				       e);
	return ret < 0 ? cell_err_wrap(e, F "devices") : 0;
}
