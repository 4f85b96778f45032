/* linux.resources: cgroup limits (also what `update -r FILE` reads). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_internal.h"
#include "util/cleanup.h"

/* The blkio weight range the kernel accepts (CFQ/BFQ). */
#define BLKIO_WEIGHT_MIN 10
#define BLKIO_WEIGHT_MAX 1000

/* Call fn for each element of obj[key] (an array of objects), after
 * allocating *items with n elements of size sz. */
typedef int (*item_fn)(const struct jp *p, json_t *it, const char *path,
		       void *item);

static int parse_items(const struct jp *p, json_t *obj, const char *parent,
		       const char *key, size_t sz, void **items, size_t *n,
		       item_fn fn)
{
	char path[JP_PATH_MAX];
	json_t *a = NULL;
	int r = jp_array(p, obj, parent, key, false, &a);
	size_t cnt = json_array_size(a);
	if (r < 0 || !a || cnt == 0)
		return r;
	jp_key(path, parent, key);
	*items = calloc(cnt, sz);
	if (!*items)
		return jp_oom(p, path);
	for (size_t i = 0; i < cnt; i++) {
		char ipath[JP_PATH_MAX];
		json_t *it = json_array_get(a, i);
		jp_idx(ipath, path, i);
		*n = i + 1;
		if (!json_is_object(it))
			return jp_fail(p, ipath, "expected an object");
		r = fn(p, it, ipath, (char *)*items + i * sz);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_device_rule(const struct jp *p, json_t *it, const char *path,
			     void *item)
{
	struct oci_device_rule *d = item;
	_cleanup_free_ char *type = NULL, *access = NULL;
	char tpath[JP_PATH_MAX], apath[JP_PATH_MAX];
	bool set;
	int r;

	jp_key(tpath, path, "type");
	jp_key(apath, path, "access");
	if ((r = jp_bool(p, it, path, "allow", &d->allow, &set)) < 0)
		return r;
	if (!set) {
		char allow_path[JP_PATH_MAX];
		jp_key(allow_path, path, "allow");
		return jp_fail(p, allow_path, "required but missing");
	}
	if ((r = jp_string(p, it, path, "type", false, &type)) < 0)
		return r;
	if (!type || !*type || strcmp(type, "a") == 0)
		d->type = 'a';
	else if (strcmp(type, "c") == 0 || strcmp(type, "b") == 0)
		d->type = type[0];
	else
		return jp_fail(p, tpath, "unknown device type \"%s\" (a, c or b)",
			       type);
	if ((r = jp_i64(p, it, path, "major", false, -1, INT64_MAX, &d->major,
			&set)) < 0)
		return r;
	if (!set)
		d->major = -1;
	if ((r = jp_i64(p, it, path, "minor", false, -1, INT64_MAX, &d->minor,
			&set)) < 0)
		return r;
	if (!set)
		d->minor = -1;
	if ((r = jp_string(p, it, path, "access", false, &access)) < 0)
		return r;
	if (!access || !*access) {
		strcpy(d->access, "rwm");
		return 0;
	}
	bool seen[3] = { false, false, false };
	for (const char *c = access; *c; c++) {
		const char *at = strchr("rwm", *c);
		if (!at)
			return jp_fail(p, apath,
				       "invalid access \"%s\" (letters r, w, m)",
				       access);
		seen[at - "rwm"] = true;
	}
	size_t k = 0;
	for (int i = 0; i < 3; i++)
		if (seen[i])
			d->access[k++] = "rwm"[i];
	d->access[k] = '\0';
	return 0;
}

static int parse_major_minor(const struct jp *p, json_t *it, const char *path,
			     int64_t *major, int64_t *minor)
{
	int r = jp_i64(p, it, path, "major", true, 0, INT64_MAX, major, NULL);
	if (r < 0)
		return r;
	return jp_i64(p, it, path, "minor", true, 0, INT64_MAX, minor, NULL);
}

/* A blkio weight: 10..1000, or 0 for "unset" (what Docker writes when the
 * user gave none; see conventions.c). */
static int parse_blkio_weight(const struct jp *p, json_t *obj,
			      const char *parent, const char *key,
			      struct opt_u64 *out)
{
	char path[JP_PATH_MAX];
	int64_t v;
	bool set;
	int r = jp_i64(p, obj, parent, key, false, 0, INT64_MAX, &v, &set);
	if (r < 0)
		return r;
	if (set && v != 0 && (v < BLKIO_WEIGHT_MIN || v > BLKIO_WEIGHT_MAX)) {
		jp_key(path, parent, key);
		return jp_fail(p, path,
			       "must be between %d and %d (or 0 for unset)",
			       BLKIO_WEIGHT_MIN, BLKIO_WEIGHT_MAX);
	}
	out->set = set;
	out->v = set ? (uint64_t)v : 0;
	return 0;
}

/* memory.swappiness: 0..100.  Go engines hold it in a *uint64 and write
 * uint64(-1) for "unset"; -1 as such is read the same way. */
static int parse_swappiness(const struct jp *p, json_t *obj,
			    const char *parent, struct opt_u64 *out)
{
	json_t *v = jp_get(obj, "swappiness");
	if (v && json_is_integer(v) && json_integer_value(v) == -1) {
		out->set = true;
		out->v = UINT64_MAX;
		return 0;
	}
	int r = jp_opt_u64(p, obj, parent, "swappiness", UINT64_MAX, out);
	if (r < 0 || !out->set || out->v <= 100 || out->v == UINT64_MAX)
		return r;
	char path[JP_PATH_MAX];
	jp_key(path, parent, "swappiness");
	return jp_fail(p, path, "must be at most 100");
}

static int parse_weight_device(const struct jp *p, json_t *it,
			       const char *path, void *item)
{
	struct oci_weight_device *w = item;
	int r = parse_major_minor(p, it, path, &w->major, &w->minor);
	if (r < 0)
		return r;
	if ((r = parse_blkio_weight(p, it, path, "weight", &w->weight)) < 0)
		return r;
	return parse_blkio_weight(p, it, path, "leafWeight", &w->leaf_weight);
}

static int parse_throttle_device(const struct jp *p, json_t *it,
				 const char *path, void *item)
{
	struct oci_throttle_device *t = item;
	int r = parse_major_minor(p, it, path, &t->major, &t->minor);
	if (r < 0)
		return r;
	return jp_u64(p, it, path, "rate", true, UINT64_MAX, &t->rate, NULL);
}

static int parse_hugepage(const struct jp *p, json_t *it, const char *path,
			  void *item)
{
	struct oci_hugepage_limit *h = item;
	int r = jp_string(p, it, path, "pageSize", true, &h->page_size);
	if (r < 0)
		return r;
	return jp_u64(p, it, path, "limit", true, UINT64_MAX, &h->limit, NULL);
}

static int parse_net_priority(const struct jp *p, json_t *it, const char *path,
			      void *item)
{
	struct oci_net_priority *n = item;
	int r = jp_string(p, it, path, "name", true, &n->name);
	if (r < 0)
		return r;
	return jp_u32(p, it, path, "priority", true, &n->priority, NULL);
}

static int parse_memory(const struct jp *p, json_t *obj, const char *parent,
			struct oci_resources *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "memory", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "memory");
	__typeof__(out->memory) *m = &out->memory;
	bool set;
	if ((r = jp_opt_i64(p, o, path, "limit", &m->limit)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "reservation", &m->reservation)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "swap", &m->swap)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "kernel", &m->kernel)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "kernelTCP", &m->kernel_tcp)) < 0 ||
	    (r = parse_swappiness(p, o, path, &m->swappiness)) < 0 ||
	    (r = jp_bool(p, o, path, "disableOOMKiller", &m->disable_oom_killer,
			 &m->has_disable_oom_killer)) < 0 ||
	    (r = jp_bool(p, o, path, "useHierarchy", &m->use_hierarchy,
			 &m->has_use_hierarchy)) < 0 ||
	    (r = jp_bool(p, o, path, "checkBeforeUpdate",
			 &m->check_before_update, &set)) < 0)
		return r;
	return 0;
}

static int parse_cpu(const struct jp *p, json_t *obj, const char *parent,
		     struct oci_resources *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "cpu", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "cpu");
	__typeof__(out->cpu) *c = &out->cpu;
	if ((r = jp_opt_u64(p, o, path, "shares", UINT64_MAX, &c->shares)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "quota", &c->quota)) < 0 ||
	    (r = jp_opt_u64(p, o, path, "burst", UINT64_MAX, &c->burst)) < 0 ||
	    (r = jp_opt_u64(p, o, path, "period", UINT64_MAX, &c->period)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "realtimeRuntime",
			    &c->realtime_runtime)) < 0 ||
	    (r = jp_opt_u64(p, o, path, "realtimePeriod", UINT64_MAX,
			    &c->realtime_period)) < 0 ||
	    (r = jp_string(p, o, path, "cpus", false, &c->cpus)) < 0 ||
	    (r = jp_string(p, o, path, "mems", false, &c->mems)) < 0 ||
	    (r = jp_opt_i64(p, o, path, "idle", &c->idle)) < 0)
		return r;
	return 0;
}

static int parse_block_io(const struct jp *p, json_t *obj, const char *parent,
			  struct oci_resources *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "blockIO", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "blockIO");
	__typeof__(out->block_io) *b = &out->block_io;
	if ((r = parse_blkio_weight(p, o, path, "weight", &b->weight)) < 0 ||
	    (r = parse_blkio_weight(p, o, path, "leafWeight",
				    &b->leaf_weight)) < 0 ||
	    (r = parse_items(p, o, path, "weightDevice",
			     sizeof(*b->weight_device),
			     (void **)&b->weight_device, &b->n_weight_device,
			     parse_weight_device)) < 0 ||
	    (r = parse_items(p, o, path, "throttleReadBpsDevice",
			     sizeof(*b->throttle_read_bps),
			     (void **)&b->throttle_read_bps,
			     &b->n_throttle_read_bps, parse_throttle_device)) < 0 ||
	    (r = parse_items(p, o, path, "throttleWriteBpsDevice",
			     sizeof(*b->throttle_write_bps),
			     (void **)&b->throttle_write_bps,
			     &b->n_throttle_write_bps, parse_throttle_device)) < 0 ||
	    (r = parse_items(p, o, path, "throttleReadIOPSDevice",
			     sizeof(*b->throttle_read_iops),
			     (void **)&b->throttle_read_iops,
			     &b->n_throttle_read_iops, parse_throttle_device)) < 0 ||
	    (r = parse_items(p, o, path, "throttleWriteIOPSDevice",
			     sizeof(*b->throttle_write_iops),
			     (void **)&b->throttle_write_iops,
			     &b->n_throttle_write_iops, parse_throttle_device)) < 0)
		return r;
	return 0;
}

static int parse_network(const struct jp *p, json_t *obj, const char *parent,
			 struct oci_resources *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "network", false, &o);
	if (r < 0 || !o)
		return r;
	jp_key(path, parent, "network");
	if ((r = jp_opt_u64(p, o, path, "classID", UINT32_MAX,
			    &out->network.class_id)) < 0)
		return r;
	return parse_items(p, o, path, "priorities",
			   sizeof(*out->network.priorities),
			   (void **)&out->network.priorities,
			   &out->network.n_priorities, parse_net_priority);
}

static int parse_rdma(const struct jp *p, json_t *obj, const char *parent,
		      struct oci_resources *out)
{
	char path[JP_PATH_MAX];
	json_t *o = NULL;
	int r = jp_object(p, obj, parent, "rdma", false, &o);
	size_t n = json_object_size(o);
	if (r < 0 || !o || n == 0)
		return r;
	jp_key(path, parent, "rdma");
	out->rdma = calloc(n, sizeof(*out->rdma));
	if (!out->rdma)
		return jp_oom(p, path);
	const char *dev;
	json_t *v;
	json_object_foreach(o, dev, v) {
		char dpath[JP_PATH_MAX];
		struct oci_rdma_limit *l = &out->rdma[out->n_rdma++];
		jp_key(dpath, path, dev);
		l->device = strdup(dev);
		if (!l->device)
			return jp_oom(p, dpath);
		if (!json_is_object(v))
			return jp_fail(p, dpath, "expected an object");
		if ((r = jp_opt_u64(p, v, dpath, "hcaHandles", UINT32_MAX,
				    &l->hca_handles)) < 0 ||
		    (r = jp_opt_u64(p, v, dpath, "hcaObjects", UINT32_MAX,
				    &l->hca_objects)) < 0)
			return r;
	}
	return 0;
}

int oci_parse_resources(const struct jp *p, json_t *obj, const char *path,
			struct oci_resources *out)
{
	char ppath[JP_PATH_MAX];
	json_t *o = NULL;
	int r;

	if (!json_is_object(obj))
		return jp_fail(p, path, "expected an object");
	if ((r = parse_items(p, obj, path, "devices", sizeof(*out->devices),
			     (void **)&out->devices, &out->n_devices,
			     parse_device_rule)) < 0 ||
	    (r = parse_memory(p, obj, path, out)) < 0 ||
	    (r = parse_cpu(p, obj, path, out)) < 0 ||
	    (r = jp_object(p, obj, path, "pids", false, &o)) < 0)
		return r;
	if (o) {
		jp_key(ppath, path, "pids");
		if ((r = jp_opt_i64(p, o, ppath, "limit", &out->pids_limit)) < 0)
			return r;
	}
	if ((r = parse_block_io(p, obj, path, out)) < 0 ||
	    (r = parse_items(p, obj, path, "hugepageLimits",
			     sizeof(*out->hugepage_limits),
			     (void **)&out->hugepage_limits,
			     &out->n_hugepage_limits, parse_hugepage)) < 0 ||
	    (r = parse_network(p, obj, path, out)) < 0 ||
	    (r = parse_rdma(p, obj, path, out)) < 0 ||
	    (r = jp_kv(p, obj, path, "unified", &out->unified,
		       &out->n_unified)) < 0)
		return r;
	oci_resources_conventions(out);
	return 0;
}

int oci_resources_parse(json_t *obj, const char *origin, const char *path,
			struct oci_resources *out, struct cell_err *e)
{
	struct jp p = { .origin = origin ? origin : "resources", .e = e };
	struct oci_resources tmp = { 0 };
	int r = oci_parse_resources(&p, obj, path ? path : "", &tmp);
	if (r < 0) {
		oci_resources_free(&tmp);
		return r;
	}
	*out = tmp;
	return 0;
}

void oci_resources_free(struct oci_resources *r)
{
	if (!r)
		return;
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_device);
	free(r->block_io.throttle_read_bps);
	free(r->block_io.throttle_write_bps);
	free(r->block_io.throttle_read_iops);
	free(r->block_io.throttle_write_iops);
	for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; r->network.priorities && i < r->network.n_priorities;
	     i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	jp_kv_free(r->unified, r->n_unified);
	memset(r, 0, sizeof(*r));
}
