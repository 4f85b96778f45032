/* Statistics in the shape of runc's `events --stats` "data" object, read
 * from v1 or v2 files per controller.  Values the host cannot give are 0. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"

/* jansson integers are signed 64-bit; "unlimited" (2^64-1) saturates. */
static json_t *jnum(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static uint64_t rd(const char *dir, const char *file)
{
	uint64_t v = 0;
	struct cell_err ignored;
	if (!dir || cg_read_u64(dir, file, &v, &ignored) < 0)
		return 0;
	return v;
}

static uint64_t rdk(const char *dir, const char *file, const char *key)
{
	uint64_t v = 0;
	struct cell_err ignored;
	if (!dir || cg_read_keyed(dir, file, key, &v, &ignored) < 0)
		return 0;
	return v;
}

/* "key value" lines into a JSON object. */
static json_t *keyed_object(const char *dir, const char *file)
{
	json_t *o = json_object();
	_cleanup_free_ char *s = NULL;
	struct cell_err ignored;
	if (!dir || cg_read(dir, file, &s, &ignored) < 0)
		return o;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		json_object_set_new(o, line, jnum(strtoull(sp + 1, NULL, 10)));
	}
	return o;
}

static json_t *cpu_stats(const struct cgroup *cg)
{
	bool v2;
	const char *cpu = cgroup_controller_dir(cg, "cpu", &v2);
	json_t *usage = json_object(), *thr = json_object();
	json_t *percpu = json_array();
	if (v2 || cg->mode == CGROUP_MODE_UNIFIED) {
		/* cpu.stat's usage lines are core (there without the cpu
		   controller); the throttling lines need it. */
		const char *d = cpu ? cpu : cgroup_v2_dir(cg);
		json_object_set_new(usage, "total",
				    jnum(rdk(d, "cpu.stat", "usage_usec") * 1000));
		json_object_set_new(usage, "kernel",
				    jnum(rdk(d, "cpu.stat", "system_usec") * 1000));
		json_object_set_new(usage, "user",
				    jnum(rdk(d, "cpu.stat", "user_usec") * 1000));
		json_object_set_new(thr, "periods",
				    jnum(rdk(d, "cpu.stat", "nr_periods")));
		json_object_set_new(thr, "throttledPeriods",
				    jnum(rdk(d, "cpu.stat", "nr_throttled")));
		json_object_set_new(
			thr, "throttledTime",
			jnum(rdk(d, "cpu.stat", "throttled_usec") * 1000));
	} else {
		const char *acct = cgroup_controller_dir(cg, "cpuacct", NULL);
		json_object_set_new(usage, "total", jnum(rd(acct, "cpuacct.usage")));
		_cleanup_free_ char *pc = NULL;
		struct cell_err ignored;
		if (acct && cg_read(acct, "cpuacct.usage_percpu", &pc,
				    &ignored) == 0)
			for (char *p = pc, *end;; p = end) {
				unsigned long long v = strtoull(p, &end, 10);
				if (end == p)
					break;
				json_array_append_new(percpu, jnum(v));
			}
		/* cpuacct.stat counts USER_HZ ticks; runc reports ns. */
		uint64_t hz = (uint64_t)sysconf(_SC_CLK_TCK);
		if (!hz)
			hz = 100;
		json_object_set_new(usage, "kernel",
				    jnum(rdk(acct, "cpuacct.stat", "system") *
					 (1000000000ull / hz)));
		json_object_set_new(usage, "user",
				    jnum(rdk(acct, "cpuacct.stat", "user") *
					 (1000000000ull / hz)));
		json_object_set_new(thr, "periods",
				    jnum(rdk(cpu, "cpu.stat", "nr_periods")));
		json_object_set_new(thr, "throttledPeriods",
				    jnum(rdk(cpu, "cpu.stat", "nr_throttled")));
		json_object_set_new(thr, "throttledTime",
				    jnum(rdk(cpu, "cpu.stat", "throttled_time")));
	}
	json_object_set_new(usage, "percpu", percpu);
	json_t *o = json_object();
	json_object_set_new(o, "usage", usage);
	json_object_set_new(o, "throttling", thr);
	return o;
}

static json_t *mem_entry(uint64_t limit, uint64_t usage, uint64_t max,
			 uint64_t failcnt)
{
	json_t *o = json_object();
	json_object_set_new(o, "limit", jnum(limit));
	json_object_set_new(o, "usage", jnum(usage));
	json_object_set_new(o, "max", jnum(max));
	json_object_set_new(o, "failcnt", jnum(failcnt));
	return o;
}

static json_t *v1_mem_entry(const char *d, const char *prefix)
{
	char l[96], u[96], m[96], f[96];
	snprintf(l, sizeof(l), "%s.limit_in_bytes", prefix);
	snprintf(u, sizeof(u), "%s.usage_in_bytes", prefix);
	snprintf(m, sizeof(m), "%s.max_usage_in_bytes", prefix);
	snprintf(f, sizeof(f), "%s.failcnt", prefix);
	return mem_entry(rd(d, l), rd(d, u), rd(d, m), rd(d, f));
}

static json_t *memory_stats(const struct cgroup *cg)
{
	bool v2;
	const char *d = cgroup_controller_dir(cg, "memory", &v2);
	json_t *o = json_object();
	json_t *raw = keyed_object(d, "memory.stat");
	if (!v2) {
		json_object_set_new(o, "cache", jnum(rdk(d, "memory.stat",
							 "cache")));
		json_object_set_new(o, "usage", v1_mem_entry(d, "memory"));
		json_object_set_new(o, "swap", v1_mem_entry(d, "memory.memsw"));
		json_object_set_new(o, "kernel", v1_mem_entry(d, "memory.kmem"));
		json_object_set_new(o, "kernelTCP",
				    v1_mem_entry(d, "memory.kmem.tcp"));
	} else {
		uint64_t usage = rd(d, "memory.current");
		uint64_t limit = d && cg_file_exists(d, "memory.max")
					 ? rd(d, "memory.max")
					 : UINT64_MAX;
		json_object_set_new(o, "cache", jnum(rdk(d, "memory.stat",
							 "file")));
		json_object_set_new(o, "usage",
				    mem_entry(limit, usage, rd(d, "memory.peak"),
					      rdk(d, "memory.events", "max")));
		/* As runc: v2 swap is reported v1-style, memory + swap. */
		uint64_t su = rd(d, "memory.swap.current");
		uint64_t sl = d && cg_file_exists(d, "memory.swap.max")
				      ? rd(d, "memory.swap.max")
				      : UINT64_MAX;
		if (sl != UINT64_MAX && limit != UINT64_MAX)
			sl += limit;
		json_object_set_new(o, "swap",
				    mem_entry(sl, su + usage, 0,
					      rdk(d, "memory.swap.events",
						  "max")));
		json_object_set_new(o, "kernel", mem_entry(0, 0, 0, 0));
	}
	json_object_set_new(o, "raw", raw);
	return o;
}

static json_t *pids_stats(const struct cgroup *cg)
{
	const char *d = cgroup_controller_dir(cg, "pids", NULL);
	json_t *o = json_object();
	uint64_t limit = rd(d, "pids.max");
	json_object_set_new(o, "current", jnum(rd(d, "pids.current")));
	json_object_set_new(o, "limit", jnum(limit == UINT64_MAX ? 0 : limit));
	return o;
}

static void blk_add(json_t *arr, unsigned maj, unsigned min, const char *op,
		    uint64_t v)
{
	json_t *o = json_object();
	json_object_set_new(o, "major", json_integer(maj));
	json_object_set_new(o, "minor", json_integer(min));
	json_object_set_new(o, "op", json_string(op));
	json_object_set_new(o, "value", jnum(v));
	json_array_append_new(arr, o);
}

/* v1: "maj:min Op value" lines (and a "Total N" line to skip). */
static json_t *v1_blk_list(const char *d, const char *const *files)
{
	json_t *arr = json_array();
	_cleanup_free_ char *s = NULL;
	struct cell_err ignored;
	for (; d && *files; files++)
		if (cg_read(d, *files, &s, &ignored) == 0)
			break;
	if (!s)
		return arr;
	char *save = NULL;
	for (char *line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char op[16];
		unsigned long long v;
		if (sscanf(line, "%u:%u %15s %llu", &maj, &min, op, &v) == 4)
			blk_add(arr, maj, min, op, v);
	}
	return arr;
}

static json_t *blkio_stats(const struct cgroup *cg)
{
	bool v2;
	const char *d = cgroup_controller_dir(cg, "blkio", &v2);
	json_t *o = json_object();
	if (!v2) {
		static const char *const bytes[] = {
			"blkio.io_service_bytes_recursive",
			"blkio.throttle.io_service_bytes_recursive", NULL
		};
		static const char *const ios[] = {
			"blkio.io_serviced_recursive",
			"blkio.throttle.io_serviced_recursive", NULL
		};
		json_object_set_new(o, "ioServiceBytesRecursive",
				    v1_blk_list(d, bytes));
		json_object_set_new(o, "ioServicedRecursive",
				    v1_blk_list(d, ios));
		return o;
	}
	json_t *b = json_array(), *n = json_array();
	_cleanup_free_ char *s = NULL;
	struct cell_err ignored;
	if (d && cg_read(d, "io.stat", &s, &ignored) == 0) {
		char *save = NULL;
		for (char *line = strtok_r(s, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			unsigned maj, min;
			if (sscanf(line, "%u:%u", &maj, &min) != 2)
				continue;
			char *kv = strchr(line, ' ');
			for (char *t = kv ? kv + 1 : NULL; t && *t;) {
				char *sp = strchr(t, ' ');
				if (sp)
					*sp = '\0';
				char *eq = strchr(t, '=');
				if (eq) {
					*eq = '\0';
					uint64_t v = strtoull(eq + 1, NULL, 10);
					if (!strcmp(t, "rbytes"))
						blk_add(b, maj, min, "Read", v);
					else if (!strcmp(t, "wbytes"))
						blk_add(b, maj, min, "Write", v);
					else if (!strcmp(t, "rios"))
						blk_add(n, maj, min, "Read", v);
					else if (!strcmp(t, "wios"))
						blk_add(n, maj, min, "Write", v);
				}
				t = sp ? sp + 1 : NULL;
			}
		}
	}
	json_object_set_new(o, "ioServiceBytesRecursive", b);
	json_object_set_new(o, "ioServicedRecursive", n);
	return o;
}

char **cg_hugepage_sizes(void)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/kernel/mm/hugepages");
	char **v = calloc(1, sizeof(*v));
	size_t n = 0;
	if (!d || !v)
		return v;
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned long kb;
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		char buf[32];
		/* The kernel names files by the largest whole unit. */
		if (kb >= 1024 * 1024 && kb % (1024 * 1024) == 0)
			snprintf(buf, sizeof(buf), "%luGB", kb / (1024 * 1024));
		else if (kb >= 1024 && kb % 1024 == 0)
			snprintf(buf, sizeof(buf), "%luMB", kb / 1024);
		else
			snprintf(buf, sizeof(buf), "%luKB", kb);
		char **nv = realloc(v, (n + 2) * sizeof(*nv));
		if (!nv)
			break;
		v = nv;
		v[n] = strdup(buf);
		if (v[n])
			n++;
		v[n] = NULL;
	}
	return v;
}

static json_t *hugetlb_stats(const struct cgroup *cg)
{
	bool v2;
	const char *d = cgroup_controller_dir(cg, "hugetlb", &v2);
	json_t *o = json_object();
	_cleanup_strv_ char **sizes = cg_hugepage_sizes();
	for (char **s = sizes; d && s && *s; s++) {
		char f1[96], f2[96], f3[96];
		json_t *e = json_object();
		if (v2) {
			snprintf(f1, sizeof(f1), "hugetlb.%s.current", *s);
			snprintf(f3, sizeof(f3), "hugetlb.%s.events", *s);
			json_object_set_new(e, "usage", jnum(rd(d, f1)));
			/* v2 keeps no maximum usage. */
			json_object_set_new(e, "max", jnum(0));
			json_object_set_new(e, "failcnt", jnum(rdk(d, f3, "max")));
		} else {
			snprintf(f1, sizeof(f1), "hugetlb.%s.usage_in_bytes", *s);
			snprintf(f2, sizeof(f2), "hugetlb.%s.max_usage_in_bytes",
				 *s);
			snprintf(f3, sizeof(f3), "hugetlb.%s.failcnt", *s);
			json_object_set_new(e, "usage", jnum(rd(d, f1)));
			json_object_set_new(e, "max", jnum(rd(d, f2)));
			json_object_set_new(e, "failcnt", jnum(rd(d, f3)));
		}
		json_object_set_new(o, *s, e);
	}
	return o;
}

int cg_stats(struct cgroup *cg, json_t **out, struct cell_err *e)
{
	json_t *o = json_object();
	if (!o)
		return cell_err_sys(e, ENOMEM, "cgroup stats");
	json_object_set_new(o, "cpu", cpu_stats(cg));
	json_object_set_new(o, "memory", memory_stats(cg));
	json_object_set_new(o, "pids", pids_stats(cg));
	json_object_set_new(o, "blkio", blkio_stats(cg));
	json_object_set_new(o, "hugetlb", hugetlb_stats(cg));
	*out = o;
	return 0;
}
