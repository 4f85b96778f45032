/* config.json as typed structs.
 *
 * oci_config_load() parses and validates a bundle's config.json once; the
 * rest of cell reads only these structs.  Errors name the JSON path:
 *   "config.json: process.args: expected an array of strings".
 * Unknown fields are ignored, as the runtime-spec requires. */
#ifndef CELL_OCI_CONFIG_H
#define CELL_OCI_CONFIG_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* An optional number: .set says whether config.json had it. */
struct opt_i64 {
	bool set;
	int64_t v;
};
struct opt_u64 {
	bool set;
	uint64_t v;
};

/* ---------------------------------------------------------------- mounts */

struct oci_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct oci_mount {
	char *destination; /* absolute path inside the container */
	char *type;        /* may be NULL (bind mounts) */
	char *source;      /* may be NULL */
	char **options;    /* as given, NULL-terminated */
	/* Parsed from options: */
	unsigned long flags;       /* MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|
				      MS_NOATIME|MS_RELATIME|MS_STRICTATIME|
				      MS_NODIRATIME|MS_SYNCHRONOUS|MS_DIRSYNC|
				      MS_MANDLOCK|MS_LAZYTIME */
	unsigned long clear_flags; /* flags an option turned off ("rw","suid",
				      "dev","exec","atime",...) */
	unsigned long propagation; /* 0 or one of MS_SHARED|MS_SLAVE|MS_PRIVATE|
				      MS_UNBINDABLE, with MS_REC for r* forms */
	bool bind;                 /* "bind" or "rbind", or type "bind" */
	bool recursive;            /* "rbind" */
	bool idmap;                /* "idmap" or "ridmap" */
	char *data;                /* the remaining options, comma-joined, for
				      the filesystem ("size=64k,mode=755");
				      NULL when none */
	struct oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct oci_idmap *gid_mappings;
	size_t n_gid_mappings;
};

/* --------------------------------------------------------------- process */

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft;
	uint64_t hard;
};

/* Capability sets as bitmasks: bit N is capability N (CAP_CHOWN = 0). */
struct oci_caps {
	uint64_t bounding;
	uint64_t effective;
	uint64_t inheritable;
	uint64_t permitted;
	uint64_t ambient;
};

struct oci_user {
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only; kept for completeness */
};

struct oci_process {
	bool terminal;
	bool has_console_size;
	unsigned int console_height;
	unsigned int console_width;
	char *cwd;   /* absolute */
	char **env;  /* NULL-terminated, "K=V" */
	char **args; /* NULL-terminated, at least one */
	struct oci_user user;
	struct oci_rlimit *rlimits;
	size_t n_rlimits;
	bool has_caps; /* false: no "capabilities" object at all */
	struct oci_caps caps;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
	bool has_io_priority;
	int io_priority_class; /* IOPRIO_CLASS_RT/BE/IDLE */
	int io_priority;
	bool has_scheduler;
	int sched_policy; /* SCHED_* */
	int sched_nice;
	int sched_priority;
};

/* ------------------------------------------------------------------ hooks */

struct oci_hook {
	char *path; /* absolute */
	char **args; /* NULL-terminated; may be NULL */
	char **env;  /* NULL-terminated; may be NULL */
	int timeout; /* seconds; 0 = none (the spec requires > 0 when set) */
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KIND_COUNT
};

struct oci_hook_list {
	struct oci_hook *hooks;
	size_t n;
};

/* ------------------------------------------------------------- namespaces */

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT
};

struct oci_namespace {
	bool enabled; /* listed in linux.namespaces */
	char *path;   /* join this one instead of creating; NULL = create */
};

struct oci_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};

struct oci_device {
	char type; /* 'c', 'b', 'u' (= 'c'), 'p' */
	char *path;
	int64_t major;
	int64_t minor;
	bool has_file_mode;
	mode_t file_mode;
	bool has_uid;
	uid_t uid;
	bool has_gid;
	gid_t gid;
};

/* -------------------------------------------------------------- resources */

struct oci_device_rule {
	bool allow;
	char type;     /* 'a', 'c', 'b' */
	int64_t major; /* -1 = any */
	int64_t minor; /* -1 = any */
	char access[4]; /* subset of "rwm" */
};

struct oci_weight_device {
	int64_t major;
	int64_t minor;
	struct opt_u64 weight;
	struct opt_u64 leaf_weight;
};

struct oci_throttle_device {
	int64_t major;
	int64_t minor;
	uint64_t rate;
};

struct oci_hugepage_limit {
	char *page_size; /* "2MB", "1GB" */
	uint64_t limit;
};

struct oci_net_priority {
	char *name;
	uint32_t priority;
};

struct oci_rdma_limit {
	char *device;
	struct opt_u64 hca_handles;
	struct opt_u64 hca_objects;
};

struct oci_kv {
	char *key;
	char *value;
};

struct oci_resources {
	struct oci_device_rule *devices;
	size_t n_devices;

	struct {
		struct opt_i64 limit; /* -1 = unlimited */
		struct opt_i64 reservation;
		struct opt_i64 swap; /* v1 semantics: memory+swap; -1 unlimited */
		struct opt_i64 kernel;
		struct opt_i64 kernel_tcp;
		struct opt_u64 swappiness;
		bool has_disable_oom_killer;
		bool disable_oom_killer;
		bool has_use_hierarchy;
		bool use_hierarchy;
		bool check_before_update;
	} memory;

	struct {
		struct opt_u64 shares;
		struct opt_i64 quota; /* -1 = unlimited */
		struct opt_u64 burst;
		struct opt_u64 period;
		struct opt_i64 realtime_runtime;
		struct opt_u64 realtime_period;
		char *cpus; /* cpuset list, NULL when not set */
		char *mems;
		struct opt_i64 idle;
	} cpu;

	struct opt_i64 pids_limit; /* -1 or 0 = unlimited */

	struct {
		struct opt_u64 weight;      /* 10..1000 */
		struct opt_u64 leaf_weight; /* 10..1000 */
		struct oci_weight_device *weight_device;
		size_t n_weight_device;
		struct oci_throttle_device *throttle_read_bps;
		size_t n_throttle_read_bps;
		struct oci_throttle_device *throttle_write_bps;
		size_t n_throttle_write_bps;
		struct oci_throttle_device *throttle_read_iops;
		size_t n_throttle_read_iops;
		struct oci_throttle_device *throttle_write_iops;
		size_t n_throttle_write_iops;
	} block_io;

	struct oci_hugepage_limit *hugepage_limits;
	size_t n_hugepage_limits;

	struct {
		struct opt_u64 class_id;
		struct oci_net_priority *priorities;
		size_t n_priorities;
	} network;

	struct oci_rdma_limit *rdma;
	size_t n_rdma;

	struct oci_kv *unified; /* raw cgroup v2 "file": "value" */
	size_t n_unified;
};

/* ---------------------------------------------------------------- seccomp */

enum oci_seccomp_action {
	OCI_SECCOMP_KILL, /* SCMP_ACT_KILL == KILL_THREAD */
	OCI_SECCOMP_KILL_PROCESS,
	OCI_SECCOMP_KILL_THREAD,
	OCI_SECCOMP_TRAP,
	OCI_SECCOMP_ERRNO,
	OCI_SECCOMP_TRACE,
	OCI_SECCOMP_ALLOW,
	OCI_SECCOMP_LOG,
	OCI_SECCOMP_NOTIFY,
};

enum oci_seccomp_op {
	OCI_SECCOMP_OP_NE,
	OCI_SECCOMP_OP_LT,
	OCI_SECCOMP_OP_LE,
	OCI_SECCOMP_OP_EQ,
	OCI_SECCOMP_OP_GE,
	OCI_SECCOMP_OP_GT,
	OCI_SECCOMP_OP_MASKED_EQ,
};

struct oci_seccomp_arg {
	unsigned int index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum oci_seccomp_op op;
};

struct oci_seccomp_rule {
	char **names; /* NULL-terminated */
	enum oci_seccomp_action action;
	struct opt_u64 errno_ret;
	struct oci_seccomp_arg *args;
	size_t n_args;
};

struct oci_seccomp {
	enum oci_seccomp_action default_action;
	struct opt_u64 default_errno_ret;
	char **architectures; /* "SCMP_ARCH_X86_64", ...; NULL-terminated */
	char **flags;         /* "SECCOMP_FILTER_FLAG_TSYNC", ... */
	char *listener_path;
	char *listener_metadata;
	struct oci_seccomp_rule *syscalls;
	size_t n_syscalls;
};

/* ------------------------------------------------------------------ linux */

struct oci_linux {
	struct oci_namespace namespaces[OCI_NS_COUNT];
	struct oci_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct oci_idmap *gid_mappings;
	size_t n_gid_mappings;
	struct oci_time_offset time_monotonic;
	struct oci_time_offset time_boottime;
	struct oci_device *devices;
	size_t n_devices;
	char *cgroups_path; /* NULL when not set */
	bool has_resources;
	struct oci_resources resources;
	struct oci_kv *sysctl;
	size_t n_sysctl;
	struct oci_seccomp *seccomp; /* NULL when not set */
	unsigned long rootfs_propagation; /* 0 = default (rslave); else
					     MS_SHARED|MS_SLAVE|MS_PRIVATE|
					     MS_UNBINDABLE, | MS_REC */
	char **masked_paths;   /* NULL-terminated; may be NULL */
	char **readonly_paths; /* NULL-terminated; may be NULL */
	char *mount_label;
	bool has_personality;
	unsigned long personality; /* PER_LINUX or PER_LINUX32 */
};

/* ----------------------------------------------------------------- config */

struct oci_config {
	char *oci_version;
	char *root_path; /* as in config.json (may be relative to the bundle) */
	bool root_readonly;
	struct oci_mount *mounts;
	size_t n_mounts;
	bool has_process; /* create needs it; a config without is valid JSON */
	struct oci_process process;
	char *hostname;   /* NULL when not set */
	char *domainname; /* NULL when not set */
	struct oci_hook_list hooks[OCI_HOOK_KIND_COUNT];
	json_t *annotations; /* object, owned; NULL when absent */
	struct oci_linux linux;
	json_t *json; /* the whole document as parsed, owned */
	char *text;   /* and as read (NUL-terminated), owned: the state
			 saves it as is instead of dumping `json` again */
};

/* Parse config.json text.  `origin` names the document in errors
 * ("config.json").  On failure *out is untouched and e says
 * "config.json: <json.path>: <why>". */
int oci_config_parse(const char *text, size_t len, const char *origin,
		     struct oci_config **out, struct cell_err *e);

/* The same from a tree oci_json_parse() made (the state's saved copy):
 * no text in between.  Takes its own reference to root. */
int oci_config_from_json(json_t *root, const char *origin,
			 struct oci_config **out, struct cell_err *e);
/* Only what exec reads of a running container's config: linux and
 * annotations (no root, mounts, process, hooks). */
int oci_config_from_json_for_exec(json_t *root, const char *origin,
				  struct oci_config **out, struct cell_err *e);

/* Read and parse <bundle>/config.json. */
int oci_config_load(const char *bundle, struct oci_config **out,
		    struct cell_err *e);

void oci_config_free(struct oci_config *c);

/* Parse a linux.resources object (also what `update -r` reads).  `path`
 * is the JSON path used in errors ("linux.resources" or "resources"). */
int oci_resources_parse(json_t *obj, const char *origin, const char *path,
			struct oci_resources *out, struct cell_err *e);
void oci_resources_free(struct oci_resources *r);

/* Parse a process object (also what `exec --process` reads). */
int oci_process_parse(json_t *obj, const char *origin, const char *path,
		      struct oci_process *out, struct cell_err *e);
void oci_process_free(struct oci_process *p);

/* Mount options -> flags, propagation and data (used by config parsing and
 * by the CLI's --volume/--tmpfs).  Fills the parsed fields of m. */
int oci_mount_parse_options(struct oci_mount *m, struct cell_err *e);

/* Names.  Each returns -1 / NULL when unknown. */
const char *oci_ns_name(enum oci_ns_type t); /* "pid", "network", ... */
int oci_ns_from_name(const char *name);
int oci_ns_clone_flag(enum oci_ns_type t); /* CLONE_NEWPID, ... */
const char *oci_ns_proc_name(enum oci_ns_type t); /* "pid","net","mnt",.. */
int oci_rlimit_from_name(const char *name); /* "RLIMIT_NOFILE" */
int oci_cap_from_name(const char *name);    /* "CAP_SYS_ADMIN" -> 21 */
const char *oci_cap_name(int cap);          /* 21 -> "CAP_SYS_ADMIN" */
int oci_seccomp_action_from_name(const char *name);

#endif
