/* cgroup: real cgroups on the running kernel (root needed).  Runs on the
 * host (v1 hybrid) and in vmrun (pure v2).  Every test works in its own
 * /cell-test/<pid>-<n> and destroys it in teardown, even after a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/internal.h"

struct fx {
	struct cgroup *cg;
	pid_t child[4];
	int n_child;
	int go[4]; /* write end: tells the child to proceed */
	volatile uint64_t *counter;
};

static int test_no;

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	char path[64];
	snprintf(path, sizeof(path), "/cell-test/%d-%d", (int)getpid(),
		 ++test_no);
	struct cell_err e;
	assert_int_equal(cgroup_new(path, "x", &f->cg, &e), 0);
	if (cgroup_create(f->cg, &e) < 0)
		fail_msg("create: %s", e.msg);
	f->counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(f->counter != MAP_FAILED);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < f->n_child; i++) {
		kill(f->child[i], SIGKILL);
		waitpid(f->child[i], NULL, 0);
		if (f->go[i] >= 0)
			close(f->go[i]);
	}
	struct cell_err e;
	int r = 0;
	if (f->cg->ops->is_frozen(f->cg, &e) == 1)
		f->cg->ops->freeze(f->cg, false, &e);
	r = cgroup_destroy(f->cg, &e);
	if (r < 0)
		fprintf(stderr, "teardown: %s\n", e.msg);
	cgroup_free(f->cg);
	munmap((void *)f->counter, 4096);
	free(f);
	return r;
}

/* Remove /cell-test (non-recursively) once all tests are done. */
static int group_teardown(void **state)
{
	struct cgroup *cg;
	struct cell_err e;
	if (cgroup_new("/cell-test", "x", &cg, &e) == 0) {
		for (size_t i = 0; i < cg->layout->n_v1; i++)
			rmdir(cg->layout->v1[i].dir);
		if (cg->layout->v2_dir)
			rmdir(cg->layout->v2_dir);
		cgroup_free(cg);
	}
	return 0;
}

static char *readf(const char *dir, const char *file)
{
	char *s = NULL;
	struct cell_err e;
	if (!dir || cg_read(dir, file, &s, &e) < 0)
		return NULL;
	size_t n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	return s;
}

static void assert_file(const char *dir, const char *file, const char *want)
{
	char *got = readf(dir, file);
	if (!got)
		fail_msg("cannot read %s/%s", dir, file);
	if (strcmp(got, want) != 0)
		fail_msg("%s/%s: got \"%s\", want \"%s\"", dir, file, got,
			 want);
	free(got);
}

static const char *dir_of(struct fx *f, const char *ctrl, bool *v2)
{
	const char *d = cgroup_controller_dir(f->cg, ctrl, v2);
	if (!d)
		fail_msg("no %s controller", ctrl);
	return d;
}

static void apply_ok(struct fx *f, const struct oci_resources *r, bool update)
{
	struct cell_err e;
	if (cgroup_apply(f->cg, r, update, &e) < 0)
		fail_msg("apply: %s", e.msg);
}

static void apply_fails(struct fx *f, const struct oci_resources *r,
			const char *want)
{
	struct cell_err e;
	cell_err_clear(&e);
	assert_true(cgroup_apply(f->cg, r, true, &e) < 0);
	if (!strstr(e.msg, want))
		fail_msg("error \"%s\" does not contain \"%s\"", e.msg, want);
}

/* A child that waits for "go", then runs `what`:
 * 's' spin incrementing the shared counter, 'p' pause,
 * 'd' try /dev/null then /dev/zero and exit with a bit mask of failures,
 * 'm' touch 8 MiB then pause, 'M' the same with 64 MiB. */
static pid_t spawn(struct fx *f, char what)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(100);
		if (what == 's')
			for (;;)
				(*f->counter)++;
		if (what == 'd') {
			int rc = 0, fd = open("/dev/null", O_RDWR);
			if (fd < 0)
				rc |= 1;
			fd = open("/dev/zero", O_RDONLY);
			if (fd >= 0 || errno != EPERM)
				rc |= 2;
			_exit(rc);
		}
		if (what == 'm' || what == 'M') {
			size_t len = what == 'm' ? 8 << 20 : 64 << 20;
			/* volatile: the compiler may not drop the writes. */
			volatile char *m = mmap(NULL, len,
						PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS,
						-1, 0);
			if (m != MAP_FAILED)
				for (size_t i = 0; i < len; i += 4096)
					m[i] = 1;
		}
		for (;;)
			pause();
	}
	close(p[0]);
	f->child[f->n_child] = pid;
	f->go[f->n_child++] = p[1];
	return pid;
}

static void go(struct fx *f, pid_t pid)
{
	for (int i = 0; i < f->n_child; i++)
		if (f->child[i] == pid)
			assert_int_equal(write(f->go[i], "g", 1), 1);
}

static void enter_ok(struct fx *f, pid_t pid)
{
	struct cell_err e;
	if (cgroup_enter(f->cg, pid, &e) < 0)
		fail_msg("enter: %s", e.msg);
}

/* ---------------------------------------------------------------- tests */

static void test_detect_mode(void **state)
{
	struct statfs s;
	assert_int_equal(statfs("/sys/fs/cgroup", &s), 0);
	enum cgroup_mode m = cgroup_detect_mode();
	if (s.f_type == CGROUP2_SUPER_MAGIC)
		assert_int_equal(m, CGROUP_MODE_UNIFIED);
	else if (statfs("/sys/fs/cgroup/unified", &s) == 0 &&
		 s.f_type == CGROUP2_SUPER_MAGIC)
		assert_int_equal(m, CGROUP_MODE_HYBRID);
	else
		assert_int_equal(m, CGROUP_MODE_LEGACY);
	struct fx *f = *state;
	const char *want = m == CGROUP_MODE_UNIFIED  ? "v2"
			   : m == CGROUP_MODE_HYBRID ? "hybrid"
						     : "v1";
	assert_string_equal(f->cg->ops->name, want);
	/* This host mounts cpu and cpuacct apart: each has its own dir. */
	if (m != CGROUP_MODE_UNIFIED && access("/sys/fs/cgroup/cpuacct", F_OK) == 0 &&
	    access("/sys/fs/cgroup/cpu,cpuacct", F_OK) != 0) {
		assert_non_null(strstr(dir_of(f, "cpu", NULL),
				       "/sys/fs/cgroup/cpu/"));
		assert_non_null(strstr(dir_of(f, "cpuacct", NULL),
				       "/sys/fs/cgroup/cpuacct/"));
	}
}

static void test_paths(void **state)
{
	struct cgroup *cg;
	struct cell_err e;
	assert_int_equal(cgroup_new(NULL, "abc", &cg, &e), 0);
	assert_string_equal(cg->path, "/cell-abc");
	cgroup_free(cg);

	assert_true(cgroup_new("/a/../b", "x", &cg, &e) < 0);
	assert_non_null(strstr(e.msg, ".."));
	assert_true(cgroup_new("system.slice:cell:abc", "x", &cg, &e) < 0);
	assert_string_equal(e.msg, "cgroupsPath: system.slice:cell:abc: a "
				   "systemd \"slice:prefix:name\" needs "
				   "--systemd-cgroup");

	/* Relative: below the caller's own cgroup, per hierarchy. */
	assert_int_equal(cgroup_new("rel/x", "x", &cg, &e), 0);
	char *pc = NULL;
	assert_int_equal(cg_read("/proc/self", "cgroup", &pc, &e), 0);
	for (size_t i = 0; i < cg->layout->n_v1; i++) {
		const struct cg_v1_hier *h = &cg->layout->v1[i];
		/* line "N:<controllers>:<path>" */
		char *line = strstr(pc, h->controllers);
		if (!line || line[-1] != ':')
			continue;
		char *p = strchr(line, ':') + 1;
		char own[512];
		snprintf(own, sizeof(own), "%.*s", (int)strcspn(p, "\n"), p);
		char want[1024];
		snprintf(want, sizeof(want), "%s%s/rel/x", h->mount,
			 strcmp(own, "/") == 0 ? "" : own);
		assert_string_equal(h->dir, want);
	}
	free(pc);
	cgroup_free(cg);
}

static void test_create_destroy(void **state)
{
	struct fx *f = *state;
	struct cgroup_layout *l = f->cg->layout;
	struct stat st;
	for (size_t i = 0; i < l->n_v1; i++)
		assert_int_equal(stat(l->v1[i].dir, &st), 0);
	if (l->v2_dir)
		assert_int_equal(stat(l->v2_dir, &st), 0);
	const struct cg_v1_hier *cs = cg_v1_find(f->cg, "cpuset");
	if (cs) {
		char *cpus = readf(cs->dir, "cpuset.cpus");
		assert_non_null(cpus);
		assert_true(cpus[0] != '\0');
		free(cpus);
	}
	/* A sub-cgroup the container made goes too. */
	char sub[1024];
	snprintf(sub, sizeof(sub), "%s/inner",
		 l->v2_dir ? l->v2_dir : l->v1[0].dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	struct cell_err e;
	assert_int_equal(cgroup_create(f->cg, &e), 0); /* idempotent */
	assert_int_equal(cgroup_destroy(f->cg, &e), 0);
	for (size_t i = 0; i < l->n_v1; i++)
		assert_true(stat(l->v1[i].dir, &st) < 0 && errno == ENOENT);
	if (l->v2_dir)
		assert_true(stat(l->v2_dir, &st) < 0 && errno == ENOENT);
	assert_int_equal(cgroup_destroy(f->cg, &e), 0); /* missing is fine */
}

static void test_memory(void **state)
{
	struct fx *f = *state;
	bool v2;
	const char *d = dir_of(f, "memory", &v2);
	struct oci_resources r = { 0 };
	r.memory.limit = (struct opt_i64){ true, 64 << 20 };
	r.memory.reservation = (struct opt_i64){ true, 32 << 20 };
	apply_ok(f, &r, false);
	assert_file(d, v2 ? "memory.max" : "memory.limit_in_bytes", "67108864");
	assert_file(d, v2 ? "memory.low" : "memory.soft_limit_in_bytes",
		    "33554432");

	/* Swap is memory+swap in OCI; raising then lowering both must
	   order the writes so the kernel never sees limit > memsw. */
	const char *swfile = v2 ? "memory.swap.max"
				: "memory.memsw.limit_in_bytes";
	bool accounting = cg_file_exists(d, swfile);
	r.memory.reservation.set = false;
	r.memory.limit.v = 128 << 20;
	r.memory.swap = (struct opt_i64){ true, 256 << 20 };
	apply_ok(f, &r, true);
	if (accounting)
		assert_file(d, swfile, v2 ? "134217728" : "268435456");
	else
		fprintf(stderr, "no swap accounting: swap skipped\n");
	r.memory.limit.v = 16 << 20;
	r.memory.swap.v = 24 << 20;
	apply_ok(f, &r, true);
	assert_file(d, v2 ? "memory.max" : "memory.limit_in_bytes", "16777216");
	if (accounting)
		assert_file(d, swfile, v2 ? "8388608" : "25165824");

	/* Unlimited memory alone lifts the earlier memory+swap limit too
	   (v1 would refuse a limit above memsw). */
	r.memory.limit.v = -1;
	r.memory.swap.set = false;
	apply_ok(f, &r, true);
	assert_file(d, v2 ? "memory.max" : "memory.limit_in_bytes",
		    v2 ? "max" : "9223372036854771712");
	if (accounting)
		assert_file(d, swfile,
			    v2 ? "max" : "9223372036854771712");
	if (!v2) {
		struct oci_resources o = { 0 };
		o.memory.has_disable_oom_killer = true;
		o.memory.disable_oom_killer = true;
		o.memory.swappiness = (struct opt_u64){ true, 10 };
		apply_ok(f, &o, true);
		char *oc = readf(d, "memory.oom_control");
		assert_non_null(strstr(oc, "oom_kill_disable 1"));
		free(oc);
		assert_file(d, "memory.swappiness", "10");
	}
}

/* One of memory and swap changed alone keeps the other's meaning: OCI's
 * swap is memory+swap (v1 memsw; v2 swap.max = swap - limit). */
static void test_memory_one_side(void **state)
{
	struct fx *f = *state;
	bool v2;
	const char *d = dir_of(f, "memory", &v2);
	const char *mfile = v2 ? "memory.max" : "memory.limit_in_bytes";
	const char *swfile = v2 ? "memory.swap.max"
				: "memory.memsw.limit_in_bytes";
	if (!cg_file_exists(d, swfile))
		skip();
	struct oci_resources r = { 0 };
	/* swap == limit: no swap at all, written as 0 on v2 (not "max"). */
	r.memory.limit = (struct opt_i64){ true, 64 << 20 };
	r.memory.swap = (struct opt_i64){ true, 64 << 20 };
	apply_ok(f, &r, false);
	assert_file(d, swfile, v2 ? "0" : "67108864");

	struct oci_resources s = { 0 };
	s.memory.swap = (struct opt_i64){ true, 128 << 20 };
	apply_ok(f, &s, true);
	assert_file(d, mfile, "67108864");
	assert_file(d, swfile, v2 ? "67108864" : "134217728");

	struct oci_resources l = { 0 };
	l.memory.limit = (struct opt_i64){ true, 96 << 20 };
	apply_ok(f, &l, true);
	assert_file(d, mfile, "100663296");
	assert_file(d, swfile, v2 ? "33554432" : "134217728");

	l.memory.limit.v = 256 << 20;
	apply_fails(f, &l, "memory.limit: 268435456 is above the memory+swap "
			   "limit 134217728 in force");
	s.memory.swap.v = 32 << 20;
	apply_fails(f, &s, "memory.swap: 33554432 is less than the memory "
			   "limit 100663296 in force");
	assert_file(d, mfile, "100663296");
	assert_file(d, swfile, v2 ? "33554432" : "134217728");
}

/* An allocation past the limit is killed, and oom_kills counts it (v1
 * memory.oom_control "oom_kill", v2 memory.events). */
static void test_oom_kills(void **state)
{
	struct fx *f = *state;
	bool v2;
	const char *d = dir_of(f, "memory", &v2);
	struct oci_resources r = { 0 };
	r.memory.limit = (struct opt_i64){ true, 16 << 20 };
	if (cg_file_exists(d, v2 ? "memory.swap.max"
				 : "memory.memsw.limit_in_bytes"))
		r.memory.swap = (struct opt_i64){ true, 16 << 20 };
	apply_ok(f, &r, false);
	struct cell_err e;
	uint64_t before = 99, after = 0;
	if (f->cg->ops->oom_kills(f->cg, &before, &e) < 0)
		fail_msg("oom_kills: %s", e.msg);
	assert_int_equal(before, 0);
	pid_t pid = spawn(f, 'M');
	enter_ok(f, pid);
	go(f, pid);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	f->child[--f->n_child] = 0; /* reaped */
	close(f->go[f->n_child]);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	if (f->cg->ops->oom_kills(f->cg, &after, &e) < 0)
		fail_msg("oom_kills: %s", e.msg);
	assert_int_equal(after, 1);
}

static void test_cpu(void **state)
{
	struct fx *f = *state;
	bool v2;
	const char *d = dir_of(f, "cpu", &v2);
	struct oci_resources r = { 0 };
	r.cpu.shares = (struct opt_u64){ true, 512 };
	r.cpu.quota = (struct opt_i64){ true, 50000 };
	r.cpu.period = (struct opt_u64){ true, 100000 };
	apply_ok(f, &r, false);
	if (v2) {
		assert_file(d, "cpu.weight", "20");
		assert_file(d, "cpu.max", "50000 100000");
	} else {
		assert_file(d, "cpu.shares", "512");
		assert_file(d, "cpu.cfs_quota_us", "50000");
		assert_file(d, "cpu.cfs_period_us", "100000");
	}
	r.cpu.quota.v = -1;
	r.cpu.shares.set = false;
	r.cpu.period.v = 200000;
	apply_ok(f, &r, true);
	assert_file(d, v2 ? "cpu.max" : "cpu.cfs_quota_us",
		    v2 ? "max 200000" : "-1");
}

static void test_cpuset(void **state)
{
	struct fx *f = *state;
	const char *d = dir_of(f, "cpuset", NULL);
	struct oci_resources r = { 0 };
	r.cpu.cpus = "0";
	r.cpu.mems = "0";
	apply_ok(f, &r, false);
	assert_file(d, "cpuset.cpus", "0");
	assert_file(d, "cpuset.mems", "0");
}

static void test_pids_limit(void **state)
{
	struct fx *f = *state;
	const char *d = dir_of(f, "pids", NULL);
	struct oci_resources r = { 0 };
	r.pids_limit = (struct opt_i64){ true, 42 };
	apply_ok(f, &r, false);
	assert_file(d, "pids.max", "42");
	r.pids_limit.v = -1;
	apply_ok(f, &r, true);
	assert_file(d, "pids.max", "max");
}

static void test_blkio_weight(void **state)
{
	struct fx *f = *state;
	bool v2;
	const char *d = dir_of(f, "blkio", &v2);
	const char *file = v2 ? (cg_file_exists(d, "io.bfq.weight")
					 ? "io.bfq.weight"
				 : cg_file_exists(d, "io.weight") ? "io.weight"
								  : NULL)
			      : (cg_file_exists(d, "blkio.weight") ? "blkio.weight"
				 : cg_file_exists(d, "blkio.bfq.weight")
					 ? "blkio.bfq.weight"
					 : NULL);
	if (!file) {
		fprintf(stderr, "skip: no blkio/io weight file in %s\n", d);
		skip();
	}
	struct oci_resources r = { 0 };
	r.block_io.weight = (struct opt_u64){ true, 500 };
	apply_ok(f, &r, false);
	char *got = readf(d, file);
	assert_non_null(got);
	/* io.weight converts 500 -> 4950; the bfq files take it as is. */
	assert_non_null(strstr(got, strcmp(file, "io.weight") == 0 ? "4950"
								   : "500"));
	free(got);
}

/* Major:minor of a real block device, from /sys/dev/block. */
static bool some_block_device(int *maj, int *min)
{
	DIR *d = opendir("/sys/dev/block");
	struct dirent *de;
	bool found = false;
	while (d && (de = readdir(d)))
		if (sscanf(de->d_name, "%d:%d", maj, min) == 2) {
			found = true;
			break;
		}
	if (d)
		closedir(d);
	return found;
}

static void test_throttle(void **state)
{
	struct fx *f = *state;
	int maj, min;
	if (!some_block_device(&maj, &min)) {
		fprintf(stderr, "skip: no block device in /sys/dev/block\n");
		skip();
	}
	bool v2;
	const char *d = dir_of(f, "blkio", &v2);
	struct oci_throttle_device t = { maj, min, 1048576 };
	struct oci_resources r = { 0 };
	r.block_io.throttle_read_bps = &t;
	r.block_io.n_throttle_read_bps = 1;
	apply_ok(f, &r, false);
	char want[64];
	snprintf(want, sizeof(want), v2 ? "%d:%d rbps=1048576" : "%d:%d 1048576",
		 maj, min);
	char *got = readf(d, v2 ? "io.max" : "blkio.throttle.read_bps_device");
	assert_non_null(got);
	if (!strstr(got, want))
		fail_msg("got \"%s\", want \"%s\"", got, want);
	free(got);
}

static void test_hugetlb(void **state)
{
	struct fx *f = *state;
	bool v2;
	const char *d = cgroup_controller_dir(f->cg, "hugetlb", &v2);
	const char *file = v2 ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes";
	if (!d || !cg_file_exists(d, file)) {
		fprintf(stderr, "skip: no %s\n", file);
		skip();
	}
	struct oci_hugepage_limit h = { "2MB", 8 << 20 };
	struct oci_resources r = { 0 };
	r.hugepage_limits = &h;
	r.n_hugepage_limits = 1;
	apply_ok(f, &r, false);
	assert_file(d, file, "8388608");
	h.page_size = "3MB";
	apply_fails(f, &r, "page size 3MB is not supported");
}

static void test_conversions(void **state)
{
	assert_int_equal(cgroup_shares_to_weight(0), 0);
	assert_int_equal(cgroup_shares_to_weight(2), 1);
	assert_int_equal(cgroup_shares_to_weight(1024), 39);
	assert_int_equal(cgroup_shares_to_weight(262144), 10000);
	assert_int_equal(cgroup_blkio_to_io_weight(10), 1);
	assert_int_equal(cgroup_blkio_to_io_weight(500), 4950);
	assert_int_equal(cgroup_blkio_to_io_weight(1000), 10000);
	int64_t out;
	struct cell_err e;
	assert_int_equal(cgroup_swap_to_v2(-1, 100, &out, &e), 0);
	assert_int_equal(out, -1);
	assert_int_equal(cgroup_swap_to_v2(300, 100, &out, &e), 0);
	assert_int_equal(out, 200);
	assert_true(cgroup_swap_to_v2(50, 100, &out, &e) < 0);
	assert_non_null(strstr(e.msg, "linux.resources.memory.swap"));
	assert_true(cgroup_swap_to_v2(100, 0, &out, &e) < 0);
	assert_true(cgroup_cpuset_list_valid("0-3,7"));
	assert_true(cgroup_cpuset_list_valid("1"));
	assert_true(cgroup_cpuset_list_valid(""));
	assert_false(cgroup_cpuset_list_valid("0-"));
	assert_false(cgroup_cpuset_list_valid("3-1"));
	assert_false(cgroup_cpuset_list_valid("a"));
	assert_false(cgroup_cpuset_list_valid("1,,2"));
}

static void test_enter(void **state)
{
	struct fx *f = *state;
	pid_t pid = spawn(f, 'p');
	enter_ok(f, pid);
	char want[32];
	snprintf(want, sizeof(want), "%d", (int)pid);
	struct cgroup_layout *l = f->cg->layout;
	for (size_t i = 0; i <= l->n_v1; i++) {
		const char *d = i < l->n_v1 ? l->v1[i].dir : l->v2_dir;
		if (!d)
			continue;
		char *procs = readf(d, "cgroup.procs");
		assert_non_null(procs);
		if (!strstr(procs, want))
			fail_msg("%d not in %s/cgroup.procs", (int)pid, d);
		free(procs);
	}
	char p[64], *pc = NULL;
	struct cell_err e;
	snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	assert_int_equal(cg_read(p, "cgroup", &pc, &e), 0);
	assert_non_null(strstr(pc, f->cg->path));
	free(pc);
	pid_t *pids = NULL;
	size_t n = 0;
	assert_int_equal(f->cg->ops->pids(f->cg, &pids, &n, &e), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], pid);
	free(pids);
}

static char proc_state(pid_t pid)
{
	char p[64], *s = NULL;
	struct cell_err e;
	snprintf(p, sizeof(p), "/proc/%d", (int)pid);
	if (cg_read(p, "stat", &s, &e) < 0)
		return '?';
	char *rp = strrchr(s, ')');
	char c = rp ? rp[2] : '?';
	free(s);
	return c;
}

static void test_freeze(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	pid_t pid = spawn(f, 's');
	enter_ok(f, pid);
	go(f, pid);
	while (*f->counter == 0)
		usleep(1000);
	assert_int_equal(f->cg->ops->is_frozen(f->cg, &e), 0);
	if (f->cg->ops->freeze(f->cg, true, &e) < 0)
		fail_msg("freeze: %s", e.msg);
	assert_int_equal(f->cg->ops->is_frozen(f->cg, &e), 1);
	char st = proc_state(pid);
	if (st == 'R')
		fail_msg("frozen task is running");
	uint64_t before = *f->counter;
	usleep(100000);
	assert_true(*f->counter == before);

	assert_int_equal(f->cg->ops->freeze(f->cg, false, &e), 0);
	assert_int_equal(f->cg->ops->is_frozen(f->cg, &e), 0);
	usleep(50000);
	assert_true(*f->counter > before);
}

static void test_kill_all(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	pid_t a = spawn(f, 'p'), b = spawn(f, 's');
	enter_ok(f, a);
	enter_ok(f, b);
	go(f, a);
	go(f, b);
	if (f->cg->ops->kill_all(f->cg, SIGKILL, &e) < 0)
		fail_msg("kill_all: %s", e.msg);
	int status;
	assert_int_equal(waitpid(a, &status, 0), a);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(waitpid(b, &status, 0), b);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	f->n_child = 0;
	close(f->go[0]);
	close(f->go[1]);
	pid_t *pids = NULL;
	size_t n = 9;
	assert_int_equal(f->cg->ops->pids(f->cg, &pids, &n, &e), 0);
	assert_int_equal(n, 0);
	free(pids);
}

static void test_stats(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	pid_t pid = spawn(f, 's');
	enter_ok(f, pid);
	go(f, pid);
	usleep(50000);
	json_t *s = NULL;
	if (f->cg->ops->stats(f->cg, &s, &e) < 0)
		fail_msg("stats: %s", e.msg);
	const char *paths[][3] = {
		{ "cpu", "usage", "total" },     { "cpu", "usage", "percpu" },
		{ "cpu", "usage", "kernel" },    { "cpu", "usage", "user" },
		{ "cpu", "throttling", "periods" },
		{ "memory", "usage", "usage" },  { "memory", "usage", "limit" },
		{ "memory", "swap", "usage" },   { "memory", "raw", NULL },
		{ "memory", "cache", NULL },     { "pids", "current", NULL },
		{ "pids", "limit", NULL },
		{ "blkio", "ioServiceBytesRecursive", NULL },
		{ "blkio", "ioServicedRecursive", NULL },
		{ "hugetlb", NULL, NULL },
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		json_t *j = s;
		for (int k = 0; k < 3 && paths[i][k]; k++) {
			j = json_object_get(j, paths[i][k]);
			if (!j)
				fail_msg("stats: no %s.%s.%s", paths[i][0],
					 paths[i][1] ? paths[i][1] : "",
					 paths[i][2] ? paths[i][2] : "");
		}
	}
	json_t *pc = json_object_get(json_object_get(s, "pids"), "current");
	assert_int_equal(json_integer_value(pc), 1);
	json_t *tot = json_object_get(
		json_object_get(json_object_get(s, "cpu"), "usage"), "total");
	assert_true(json_integer_value(tot) > 0);
	json_decref(s);
	uint64_t kills = 99;
	assert_int_equal(f->cg->ops->oom_kills(f->cg, &kills, &e), 0);
	assert_int_equal(kills, 0);
	int fd = f->cg->ops->oom_fd(f->cg, &e);
	if (fd < 0)
		fail_msg("oom_fd: %s", e.msg);
	close(fd);
}

static void test_invalid(void **state)
{
	struct fx *f = *state;
	struct oci_resources r = { 0 };
	r.block_io.weight = (struct opt_u64){ true, 5 };
	apply_fails(f, &r, "linux.resources.blockIO.weight: 5 is out of range "
			   "(10-1000)");
	r = (struct oci_resources){ 0 };
	r.memory.limit = (struct opt_i64){ true, -5 };
	apply_fails(f, &r, "linux.resources.memory.limit: -5 is invalid");
	r = (struct oci_resources){ 0 };
	r.cpu.cpus = "0-";
	apply_fails(f, &r, "linux.resources.cpu.cpus");
	struct oci_throttle_device t = { 4095, 4095, 10 };
	r = (struct oci_resources){ 0 };
	r.block_io.throttle_write_iops = &t;
	r.block_io.n_throttle_write_iops = 1;
	apply_fails(f, &r, "linux.resources.blockIO.throttleWriteIOPSDevice[0]: "
			   "4095:4095 is not a block device");
	struct oci_kv kv = { "no.such.file", "1" };
	r = (struct oci_resources){ 0 };
	r.unified = &kv;
	r.n_unified = 1;
	apply_fails(f, &r, f->cg->mode == CGROUP_MODE_UNIFIED
				   ? "no such cgroup file"
				   : "linux.resources.unified: needs cgroup v2");

	/* Validation comes first: a bad value leaves the good ones unset. */
	bool v2;
	const char *d = dir_of(f, "pids", &v2);
	r = (struct oci_resources){ 0 };
	r.pids_limit = (struct opt_i64){ true, 77 };
	r.block_io.weight = (struct opt_u64){ true, 5000 };
	apply_fails(f, &r, "blockIO.weight: 5000 is out of range");
	assert_file(d, "pids.max", "max");

	r = (struct oci_resources){ 0 };
	r.cpu.realtime_runtime = (struct opt_i64){ true, 1000 };
	dir_of(f, "cpu", &v2);
	if (v2)
		apply_fails(f, &r, "not supported on cgroup v2");
}

static void test_unified(void **state)
{
	struct fx *f = *state;
	const char *d = cgroup_v2_dir(f->cg);
	if (f->cg->mode != CGROUP_MODE_UNIFIED) {
		/* Hybrid: a core v2 file in the v2 node is written there. */
		struct oci_kv kv = { "cgroup.max.descendants", "5" };
		struct oci_resources r = { .unified = &kv, .n_unified = 1 };
		if (!d)
			skip();
		apply_ok(f, &r, false);
		assert_file(d, "cgroup.max.descendants", "5");
		return;
	}
	struct oci_kv kv = { "memory.high", "50000000" };
	struct oci_resources r = { .unified = &kv, .n_unified = 1 };
	apply_ok(f, &r, false);
	assert_file(d, "memory.high", "49999872"); /* page-rounded */
}

static void test_check_before_update(void **state)
{
	struct fx *f = *state;
	pid_t pid = spawn(f, 'm');
	enter_ok(f, pid);
	go(f, pid);
	usleep(200000);
	bool v2;
	const char *d = dir_of(f, "memory", &v2);
	char *u = readf(d, v2 ? "memory.current" : "memory.usage_in_bytes");
	assert_non_null(u);
	assert_true(strtoull(u, NULL, 10) > (4 << 20));
	free(u);
	struct oci_resources r = { 0 };
	r.memory.limit = (struct opt_i64){ true, 1 << 20 };
	r.memory.check_before_update = true;
	apply_fails(f, &r, "linux.resources.memory.limit: 1048576 is below the "
			   "current usage");
}

static void test_devices(void **state)
{
	struct fx *f = *state;
	struct oci_device_rule rules[] = {
		{ false, 'a', -1, -1, "rwm" },
		{ true, 'c', 1, 3, "rwm" }, /* /dev/null */
		{ true, 'c', 1, 5, "rwm" }, /* /dev/zero ... */
		{ false, 'c', 1, 5, "r" },  /* ... but not for reading */
	};
	struct oci_resources r = { .devices = rules, .n_devices = 4 };
	apply_ok(f, &r, false);
	/* Apply twice: an update replaces cell's eBPF program. */
	apply_ok(f, &r, true);
	bool v2;
	const char *d = dir_of(f, "devices", &v2);
	if (v2) {
		int cgfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(cgfd >= 0);
		uint32_t ids[8];
		union bpf_attr a;
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)cgfd;
		a.query.attach_type = BPF_CGROUP_DEVICE;
		a.query.prog_ids = (uint64_t)(uintptr_t)ids;
		a.query.prog_cnt = 8;
		assert_int_equal(syscall(SYS_bpf, BPF_PROG_QUERY, &a, sizeof(a)),
				 0);
		close(cgfd);
		assert_int_equal(a.query.prog_cnt, 1);
	}
	pid_t pid = spawn(f, 'd');
	enter_ok(f, pid);
	go(f, pid);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	f->n_child = 0;
	close(f->go[0]);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("device access wrong (mask %d: 1 = /dev/null denied, "
			 "2 = /dev/zero read allowed)",
			 WEXITSTATUS(status));
}

static void test_clone_fd(void **state)
{
	struct fx *f = *state;
	int fd = f->cg->ops->clone_fd(f->cg);
	/* unified and hybrid: the v2 node, for CLONE_INTO_CGROUP */
	if (f->cg->mode == CGROUP_MODE_LEGACY)
		assert_int_equal(fd, -1);
	else
		assert_true(fd >= 0);
}

/* A forked child joins every v1 hierarchy itself through the tasks fds. */
static void test_join_self(void **state)
{
	struct fx *f = *state;
	int fds[CGROUP_MAX_JOIN_FDS];
	size_t n = 0;
	struct cell_err e;
	assert_int_equal(f->cg->ops->join_fds(f->cg, fds, CGROUP_MAX_JOIN_FDS,
					      &n, &e), 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(cgroup_join_self(fds, n, &e) == 0 ? 0 : 1);
	cgroup_close_fds(fds, n);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (f->cg->mode == CGROUP_MODE_UNIFIED)
		assert_int_equal(n, 0);
	else
		assert_true(n > 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_cgroup needs root\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		T(test_detect_mode),  T(test_paths),      T(test_create_destroy),
		T(test_memory),       T(test_memory_one_side), T(test_oom_kills),
		T(test_cpu),          T(test_cpuset),
		T(test_pids_limit),   T(test_blkio_weight), T(test_throttle),
		T(test_hugetlb),      T(test_conversions), T(test_enter),
		T(test_freeze),       T(test_kill_all),   T(test_stats),
		T(test_invalid),      T(test_unified),
		T(test_check_before_update), T(test_devices), T(test_clone_fd),
		T(test_join_self),
	};
	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
