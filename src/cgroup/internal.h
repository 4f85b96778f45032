/* Private to src/cgroup: the layout of a cgroup across hierarchies, the
 * file helpers every backend uses, and the per-controller resource writers.
 *
 * A controller is written by exactly one function per cgroup version
 * (ctl_cpu.c, ctl_memory.c, ...).  apply.c picks the version per controller,
 * not per host: in hybrid mode most controllers are v1 but some (hugetlb on
 * some hosts) exist only in the v2 node. */
#ifndef CELL_CGROUP_INTERNAL_H
#define CELL_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"
#include "util/mountinfo.h"

#define CGROUP_MNT "/sys/fs/cgroup"

/* One mounted v1 hierarchy (one or more controllers, e.g. "cpu,cpuacct"). */
struct cg_v1_hier {
	char *controllers; /* comma-separated, as the kernel lists them */
	char *mount;       /* mount point */
	char *dir;         /* this cgroup's directory in it */
};

struct cgroup_layout {
	struct cg_v1_hier *v1;
	size_t n_v1;
	char *v2_mount; /* NULL on legacy */
	char *v2_dir;   /* NULL on legacy */
	bool default_path; /* cgroupsPath was not given */
	struct mountinfo mounts; /* the mount table it was read from; empty
				    when it came from a saved state */
};

extern const struct cgroup_ops cgroup_v1_ops;     /* legacy and hybrid */
extern const struct cgroup_ops cgroup_v1_hybrid_ops;
extern const struct cgroup_ops cgroup_v2_ops;

/* ---------------------------------------------------------- layout.c */

/* The v1 hierarchy that holds `controller`, or NULL. */
const struct cg_v1_hier *cg_v1_find(const struct cgroup *cg,
				    const char *controller);
/* Is `controller` enabled-able in the v2 node (listed in the parent's
 * cgroup.controllers)? */
bool cg_v2_has_controller(const struct cgroup *cg, const char *controller);

/* ----------------------------------------------------------- files.c */

char *cg_path(const char *dir, const char *file); /* malloc'd, NULL on OOM */
/* What writing `file` does for the container, for --explain. */
const char *cg_file_purpose(const char *file);
bool cg_file_exists(const char *dir, const char *file);
int cg_write(const char *dir, const char *file, const char *value,
	     struct cell_err *e);
int cg_writef(const char *dir, const char *file, struct cell_err *e,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same through *fd, opened on first use (*fd < 0) and kept for the
 * next writes to that file (the caller closes it): for files written many
 * times in a row, such as v1 devices.allow, one rule a write. */
int cg_write_keep(int *fd, const char *dir, const char *file,
		  const char *value, struct cell_err *e);
int cg_read(const char *dir, const char *file, char **out,
	    struct cell_err *e);
/* A single number; "max" reads as UINT64_MAX. */
int cg_read_u64(const char *dir, const char *file, uint64_t *out,
		struct cell_err *e);
/* "key value" lines (memory.stat, cpu.stat, memory.events): the value of
 * `key`.  -ENOENT when the key is absent. */
int cg_read_keyed(const char *dir, const char *file, const char *key,
		  uint64_t *out, struct cell_err *e);
/* mkdir -p of `dir`, which lies below `mount` (the part of dir up to and
 * including mount must exist). */
int cg_mkdir_p(const char *mount, const char *dir, struct cell_err *e);
/* rmdir the directory and any sub-cgroups, leaf first, retrying on EBUSY
 * for about a second.  Missing is success. */
int cg_rmdir_tree(const char *dir, struct cell_err *e);
/* Every pid in dir/cgroup.procs and in the sub-cgroups below. */
int cg_read_pids(const char *dir, pid_t **pids, size_t *n,
		 struct cell_err *e);
/* Signal every pid below dir once.  Vanished pids are not an error. */
int cg_signal_pids(const char *dir, int sig, size_t *n_signalled,
		   struct cell_err *e);
void cg_sleep_ms(unsigned int ms);

/* -------------------------------------------------------------- v2.c */

/* mkdir the v2 node and enable, in every ancestor's cgroup.subtree_control,
 * the controllers the v2 side offers (used by hybrid too). */
int cg_v2_create_node(const struct cgroup *cg, struct cell_err *e);
int cg_v2_freeze_dir(const char *dir, bool frozen, struct cell_err *e);
int cg_v2_is_frozen_dir(const char *dir, struct cell_err *e);

/* ----------------------------------------------------------- apply.c */

/* Each controller writer: the dir of its files, the resources, update. */
struct cg_apply_ctx {
	struct cgroup *cg;
	const struct oci_resources *r;
	bool update;
	const char *dir; /* the controller's directory */
	bool v2;
};

/* Check every value before anything is written. */
int cg_validate_resources(struct cgroup *cg, const struct oci_resources *r,
			  bool update, struct cell_err *e);
/* Does /sys/dev/block/<major>:<minor> exist? */
bool cg_block_device_exists(int64_t major, int64_t minor);
/* Validate, then write every controller (shared by all backends). */
int cg_apply_resources(struct cgroup *cg, const struct oci_resources *r,
		       bool update, struct cell_err *e);

int cg_apply_cpu(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_cpuset(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_memory(const struct cg_apply_ctx *c, struct cell_err *e);
/* v2: the memory limit a swap value is measured against: the one in `r`,
 * else the one in force in dir's memory.max (0 = none). */
int64_t cg_memory_v2_limit(const char *dir, const struct oci_resources *r);
/* v2: memory.max + memory.swap.max in force (OCI's memory+swap), or 0
 * when either is unlimited. */
int64_t cg_memory_v2_memsw(const char *dir);
int cg_apply_pids(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_io(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_hugetlb(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_net_cls(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_net_prio(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_rdma(const struct cg_apply_ctx *c, struct cell_err *e);
int cg_apply_devices(const struct cg_apply_ctx *c, struct cell_err *e);

/* Page size as written in file names: "2MB" for "2MB", from
 * /sys/kernel/mm/hugepages "hugepages-2048kB".  Returns NULL-terminated
 * malloc'd list. */
char **cg_hugepage_sizes(void);

/* ------------------------------------------------------ devices_bpf.c */

/* Load a BPF_PROG_TYPE_CGROUP_DEVICE program for the rules and attach it
 * to the v2 directory, replacing a program cell attached earlier. */
int cg_devices_bpf_apply(const char *v2_dir,
			 const struct oci_device_rule *rules, size_t n,
			 struct cell_err *e);

/* ----------------------------------------------------------- stats.c */

int cg_stats(struct cgroup *cg, json_t **out, struct cell_err *e);

/* ---------------------------------------------------------- systemd.c */

void cg_systemd_free(struct cg_systemd *s);
/* "a-b.slice" -> "/a.slice/a-b.slice" ("-.slice" -> ""). */
int cg_systemd_expand_slice(const char *slice, char **out,
			    struct cell_err *e);

/* -------------------------------------------------------------- oom.c */

int cg_oom_fd(struct cgroup *cg, struct cell_err *e);
int cg_oom_kills(struct cgroup *cg, uint64_t *out, struct cell_err *e);

#endif
