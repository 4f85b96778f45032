/* Block I/O: v1 blkio (weights, throttles) and v2 io (io.weight or the BFQ
 * scheduler's io.bfq.weight, io.max).  Devices are "major:minor". */
#include <errno.h>
#include <stdio.h>

#include "cgroup/internal.h"
#include "util/log.h"

#define F "linux.resources.blockIO."

/* The first of `files` that exists in dir, or NULL. */
static const char *first_existing(const char *dir, const char *const *files)
{
	for (; *files; files++)
		if (cg_file_exists(dir, *files))
			return *files;
	return NULL;
}

static int write_throttles(const char *dir, const char *file,
			   const char *field,
			   const struct oci_throttle_device *t, size_t n,
			   struct cell_err *e)
{
	for (size_t i = 0; i < n; i++)
		if (cg_writef(dir, file, e, "%lld:%lld %llu",
			      (long long)t[i].major, (long long)t[i].minor,
			      (unsigned long long)t[i].rate) < 0)
			return cell_err_wrap(e, F "%s[%zu]", field, i);
	return 0;
}

static int io_v1(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	const char *d = c->dir;
	/* CFQ's blkio.weight went away with CFQ (5.0); BFQ offers its own. */
	static const char *const weight_files[] = { "blkio.weight",
						    "blkio.bfq.weight", NULL };
	static const char *const wdev_files[] = {
		"blkio.weight_device", "blkio.bfq.weight_device", NULL
	};
	if (r->block_io.weight.set) {
		const char *f = first_existing(d, weight_files);
		if (!f)
			log_warn(F "weight is ignored: no blkio.weight or "
				   "blkio.bfq.weight (no weight-based I/O "
				   "scheduler)");
		else if (cg_writef(d, f, e, "%llu",
				   (unsigned long long)r->block_io.weight.v) < 0)
			return cell_err_wrap(e, F "weight");
	}
	if (r->block_io.leaf_weight.set) {
		if (!cg_file_exists(d, "blkio.leaf_weight"))
			log_warn(F "leafWeight is ignored: the kernel has no "
				   "blkio.leaf_weight");
		else if (cg_writef(d, "blkio.leaf_weight", e, "%llu",
				   (unsigned long long)
					   r->block_io.leaf_weight.v) < 0)
			return cell_err_wrap(e, F "leafWeight");
	}
	for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
		const struct oci_weight_device *w = &r->block_io.weight_device[i];
		if (w->weight.set) {
			const char *f = first_existing(d, wdev_files);
			if (!f)
				log_warn(F "weightDevice[%zu] is ignored: no "
					   "blkio.weight_device",
					 i);
			else if (cg_writef(d, f, e, "%lld:%lld %llu",
					   (long long)w->major,
					   (long long)w->minor,
					   (unsigned long long)w->weight.v) < 0)
				return cell_err_wrap(e, F "weightDevice[%zu]",
						     i);
		}
		if (w->leaf_weight.set) {
			if (!cg_file_exists(d, "blkio.leaf_weight_device"))
				log_warn(F "weightDevice[%zu].leafWeight is "
					   "ignored: no "
					   "blkio.leaf_weight_device",
					 i);
			else if (cg_writef(d, "blkio.leaf_weight_device", e,
					   "%lld:%lld %llu", (long long)w->major,
					   (long long)w->minor,
					   (unsigned long long)
						   w->leaf_weight.v) < 0)
				return cell_err_wrap(
					e, F "weightDevice[%zu].leafWeight", i);
		}
	}
	const struct oci_resources *rr = r;
	int ret;
	if ((ret = write_throttles(d, "blkio.throttle.read_bps_device",
				   "throttleReadBpsDevice",
				   rr->block_io.throttle_read_bps,
				   rr->block_io.n_throttle_read_bps, e)) < 0 ||
	    (ret = write_throttles(d, "blkio.throttle.write_bps_device",
				   "throttleWriteBpsDevice",
				   rr->block_io.throttle_write_bps,
				   rr->block_io.n_throttle_write_bps, e)) < 0 ||
	    (ret = write_throttles(d, "blkio.throttle.read_iops_device",
				   "throttleReadIOPSDevice",
				   rr->block_io.throttle_read_iops,
				   rr->block_io.n_throttle_read_iops, e)) < 0 ||
	    (ret = write_throttles(d, "blkio.throttle.write_iops_device",
				   "throttleWriteIOPSDevice",
				   rr->block_io.throttle_write_iops,
				   rr->block_io.n_throttle_write_iops, e)) < 0)
		return ret;
	return 0;
}

static int io_max(const char *d, const char *key, const char *field,
		  const struct oci_throttle_device *t, size_t n,
		  struct cell_err *e)
{
	/* io.max takes any subset of its keys per line; the rest stay. */
	for (size_t i = 0; i < n; i++)
		if (cg_writef(d, "io.max", e, "%lld:%lld %s=%llu",
			      (long long)t[i].major, (long long)t[i].minor, key,
			      (unsigned long long)t[i].rate) < 0)
			return cell_err_wrap(e, F "%s[%zu]", field, i);
	return 0;
}

static int io_v2(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	const char *d = c->dir;
	/* BFQ's io.bfq.weight takes blkio's 1..1000 scale as is; the generic
	   io.weight is 1..10000 and needs converting. */
	bool bfq = cg_file_exists(d, "io.bfq.weight");
	bool generic = cg_file_exists(d, "io.weight");
	if (r->block_io.weight.set) {
		int ret;
		if (bfq)
			ret = cg_writef(d, "io.bfq.weight", e, "%llu",
					(unsigned long long)r->block_io.weight.v);
		else if (generic)
			ret = cg_writef(d, "io.weight", e, "default %llu",
					(unsigned long long)cgroup_blkio_to_io_weight(
						r->block_io.weight.v));
		else {
			log_warn(F "weight is ignored: no io.weight or "
				   "io.bfq.weight");
			ret = 0;
		}
		if (ret < 0)
			return cell_err_wrap(e, F "weight");
	}
	if (r->block_io.leaf_weight.set)
		log_warn(F "leafWeight is ignored on cgroup v2");
	for (size_t i = 0; i < r->block_io.n_weight_device; i++) {
		const struct oci_weight_device *w = &r->block_io.weight_device[i];
		if (!w->weight.set)
			continue;
		int ret = 0;
		if (bfq)
			ret = cg_writef(d, "io.bfq.weight", e, "%lld:%lld %llu",
					(long long)w->major, (long long)w->minor,
					(unsigned long long)w->weight.v);
		else if (generic)
			ret = cg_writef(d, "io.weight", e, "%lld:%lld %llu",
					(long long)w->major, (long long)w->minor,
					(unsigned long long)cgroup_blkio_to_io_weight(
						w->weight.v));
		else
			log_warn(F "weightDevice[%zu] is ignored: no io.weight",
				 i);
		if (ret < 0)
			return cell_err_wrap(e, F "weightDevice[%zu]", i);
	}
	int ret;
	if ((ret = io_max(d, "rbps", "throttleReadBpsDevice",
			  r->block_io.throttle_read_bps,
			  r->block_io.n_throttle_read_bps, e)) < 0 ||
	    (ret = io_max(d, "wbps", "throttleWriteBpsDevice",
			  r->block_io.throttle_write_bps,
			  r->block_io.n_throttle_write_bps, e)) < 0 ||
	    (ret = io_max(d, "riops", "throttleReadIOPSDevice",
			  r->block_io.throttle_read_iops,
			  r->block_io.n_throttle_read_iops, e)) < 0 ||
	    (ret = io_max(d, "wiops", "throttleWriteIOPSDevice",
			  r->block_io.throttle_write_iops,
			  r->block_io.n_throttle_write_iops, e)) < 0)
		return ret;
	return 0;
}

int cg_apply_io(const struct cg_apply_ctx *c, struct cell_err *e)
{
	return c->v2 ? io_v2(c, e) : io_v1(c, e);
}
