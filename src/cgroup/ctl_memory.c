/* The memory controller: limit, reservation, swap, swappiness, OOM killer.
 *
 * OCI's memory.swap is v1's memsw: memory PLUS swap.  v1 writes it as is
 * (memory.memsw.limit_in_bytes, which the kernel keeps >= the memory
 * limit); v2 has memory.swap.max for swap alone, so it gets swap - limit. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"
#include "util/log.h"

#define F "linux.resources.memory."

/* 0 ("unset") never reaches here: src/oci/conventions.c. */
static bool given(const struct opt_i64 *v)
{
	return v->set;
}

static int write_i64(const char *dir, const char *file, int64_t v,
		     const char *field, struct cell_err *e)
{
	if (cg_writef(dir, file, e, "%lld", (long long)v) < 0)
		return cell_err_wrap(e, F "%s", field);
	return 0;
}

static int memory_v1(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	const char *d = c->dir;
	bool limit = given(&r->memory.limit);
	bool swap = given(&r->memory.swap);
	int64_t swap_v = r->memory.swap.v;
	int ret;

	/* Unlimited memory without a swap value means unlimited memsw too;
	   an older finite memsw would make the kernel refuse the limit. */
	if (limit && r->memory.limit.v == -1 && !swap &&
	    cg_file_exists(d, "memory.memsw.limit_in_bytes")) {
		swap = true;
		swap_v = -1;
	}

	if (swap && !cg_file_exists(d, "memory.memsw.limit_in_bytes")) {
		log_warn(F "swap is ignored: the kernel does not account swap "
			   "(swapaccount=1 is off)");
		swap = false;
	}
	if (limit && swap) {
		/* The kernel keeps limit <= memsw at every step: raise memsw
		   before the limit, lower the limit before memsw. */
		uint64_t cur = 0;
		if ((ret = cg_read_u64(d, "memory.limit_in_bytes", &cur, e)) < 0)
			return cell_err_wrap(e, F "limit");
		bool memsw_first = swap_v == -1 || (uint64_t)swap_v > cur;
		if (memsw_first &&
		    (ret = write_i64(d, "memory.memsw.limit_in_bytes",
				     swap_v, "swap", e)) < 0)
			return ret;
		if ((ret = write_i64(d, "memory.limit_in_bytes",
				     r->memory.limit.v, "limit", e)) < 0)
			return ret;
		if (!memsw_first &&
		    (ret = write_i64(d, "memory.memsw.limit_in_bytes",
				     swap_v, "swap", e)) < 0)
			return ret;
	} else if (limit) {
		/* EINVAL here: above an earlier memory+swap limit. */
		if ((ret = write_i64(d, "memory.limit_in_bytes",
				     r->memory.limit.v, "limit", e)) < 0)
			return ret;
	} else if (swap) {
		if ((ret = write_i64(d, "memory.memsw.limit_in_bytes",
				     swap_v, "swap", e)) < 0)
			return ret;
	}
	if (given(&r->memory.reservation) &&
	    (ret = write_i64(d, "memory.soft_limit_in_bytes",
			     r->memory.reservation.v, "reservation", e)) < 0)
		return ret;
	if (r->memory.swappiness.set &&
	    (ret = write_i64(d, "memory.swappiness",
			     (int64_t)r->memory.swappiness.v, "swappiness",
			     e)) < 0)
		return ret;
	if (r->memory.has_disable_oom_killer &&
	    (ret = write_i64(d, "memory.oom_control",
			     r->memory.disable_oom_killer ? 1 : 0,
			     "disableOOMKiller", e)) < 0)
		return ret;
	if (r->memory.has_use_hierarchy &&
	    cg_file_exists(d, "memory.use_hierarchy")) {
		struct cell_err we;
		/* Fixed to 1 on modern kernels; a refusal is not fatal. */
		if (write_i64(d, "memory.use_hierarchy",
			      r->memory.use_hierarchy ? 1 : 0, "useHierarchy",
			      &we) < 0)
			log_warn("%s", we.msg);
	}
	return 0;
}

static int write_max(const char *dir, const char *file, int64_t v,
		     const char *field, struct cell_err *e)
{
	int ret = v < 0 ? cg_write(dir, file, "max", e)
			: cg_writef(dir, file, e, "%lld", (long long)v);
	return ret < 0 ? cell_err_wrap(e, F "%s", field) : 0;
}

/* A v2 limit file as a number: 0 for "max" or unreadable. */
static int64_t read_finite(const char *dir, const char *file)
{
	uint64_t v = UINT64_MAX;
	struct cell_err ignored;
	if (!dir || cg_read_u64(dir, file, &v, &ignored) < 0 || v > INT64_MAX)
		return 0;
	return (int64_t)v;
}

int64_t cg_memory_v2_limit(const char *dir, const struct oci_resources *r)
{
	if (given(&r->memory.limit))
		return r->memory.limit.v;
	return read_finite(dir, "memory.max");
}

int64_t cg_memory_v2_memsw(const char *dir)
{
	int64_t mem = read_finite(dir, "memory.max");
	int64_t swap = -1;
	if (dir && cg_file_exists(dir, "memory.swap.max")) {
		_cleanup_free_ char *s = NULL;
		struct cell_err ignored;
		if (cg_read(dir, "memory.swap.max", &s, &ignored) == 0 &&
		    strncmp(s, "max", 3) != 0)
			swap = read_finite(dir, "memory.swap.max");
	}
	return mem > 0 && swap >= 0 ? mem + swap : 0;
}

static int memory_v2(const struct cg_apply_ctx *c, struct cell_err *e)
{
	const struct oci_resources *r = c->r;
	const char *d = c->dir;
	int ret;
	int64_t limit = given(&r->memory.limit) ? r->memory.limit.v : 0;
	/* swap.max is swap alone, so `update --memory-swap` without
	   --memory needs the limit already in force (as runc, which keeps
	   the whole config). */
	int64_t swap_base = cg_memory_v2_limit(d, r);
	/* ...and `update --memory` alone keeps memory+swap where it was, as
	   v1's memsw does: read before memory.max changes. */
	int64_t memsw = c->update ? cg_memory_v2_memsw(d) : 0;

	if (limit && (ret = write_max(d, "memory.max", limit, "limit", e)) < 0)
		return ret;
	/* swap == limit gives swap.max 0 (no swap at all): "set" is not
	   "non-zero". */
	bool set_swap = false;
	int64_t swap_v2 = 0;
	if (given(&r->memory.swap)) {
		if ((ret = cgroup_swap_to_v2(r->memory.swap.v, swap_base,
					     &swap_v2, e)) < 0)
			return ret;
		set_swap = true;
	} else if (limit == -1) {
		/* Unlimited memory and no swap given: unlimited swap too, as
		   v1's memsw would be. */
		swap_v2 = -1;
		set_swap = true;
	} else if (limit > 0 && memsw > 0) {
		/* validate.c refused limit > memsw. */
		swap_v2 = memsw - limit;
		set_swap = true;
	}
	if (set_swap) {
		if (!cg_file_exists(d, "memory.swap.max")) {
			if (swap_v2 != 0)
				log_warn(F "swap is ignored: the kernel has no "
					   "memory.swap.max (swap accounting "
					   "off)");
		} else if ((ret = write_max(d, "memory.swap.max", swap_v2,
					    "swap", e)) < 0) {
			return ret;
		}
	}
	if (given(&r->memory.reservation) &&
	    (ret = write_max(d, "memory.low", r->memory.reservation.v,
			     "reservation", e)) < 0)
		return ret;
	if (r->memory.swappiness.set)
		log_warn(F "swappiness is ignored: cgroup v2 has no "
			   "per-cgroup swappiness");
	if (r->memory.has_disable_oom_killer && r->memory.disable_oom_killer)
		log_warn(F "disableOOMKiller is ignored: cgroup v2 cannot "
			   "disable the OOM killer");
	return 0;
}

int cg_apply_memory(const struct cg_apply_ctx *c, struct cell_err *e)
{
	return c->v2 ? memory_v2(c, e) : memory_v1(c, e);
}
