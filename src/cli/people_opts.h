/* The people's `cell run [OPTIONS] -- COMMAND`: its options, parsed and
 * validated before anything is made, and what they turn into (a config
 * json and a per-container directory). */
#ifndef CELL_CLI_PEOPLE_OPTS_H
#define CELL_CLI_PEOPLE_OPTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/net.h"
#include "util/err.h"

/* The people's run failed before the container ran (docker's 125). */
#define PEOPLE_EXIT_ERROR 125

/* A growable list of strings pointing into argv (or owned by opts). */
struct strlist {
	const char **v;
	size_t n;
};

struct people_volume {
	const char *src; /* absolute host path */
	const char *dst; /* absolute container path */
	bool ro;
};

struct people_throttle {
	int64_t major, minor;
	uint64_t rate;
};

struct people_throttles {
	struct people_throttle *v;
	size_t n;
};

enum people_seccomp { SECCOMP_DEFAULT, SECCOMP_UNCONFINED, SECCOMP_FILE };
enum people_userns { USERNS_HOST, USERNS_AUTO, USERNS_MAP };

struct people_opts {
	const char *name;     /* --name, or a generated one */
	const char *hostname; /* NULL = the name */
	const char *workdir;
	const char *rootfs; /* --rootfs DIR, absolute */
	const char *image;  /* --image FILE */
	struct strlist env;
	bool has_user;
	uint32_t uid, gid;
	struct people_volume *volumes;
	size_t n_volumes;
	struct strlist tmpfs;
	bool read_only, tty, interactive, detach, rm, keep, init;
	bool no_new_privs;
	const char *trace;     /* --trace FILE|- */
	bool explain, dry_run; /* --explain, --dry-run */

	/* resources: -1 = not set */
	int64_t memory, memory_swap, cpu_shares, pids_limit, blkio_weight;
	int64_t cpu_quota; /* from --cpus, with period 100000 */
	const char *cpuset_cpus;
	struct people_throttles read_bps, write_bps, read_iops, write_iops;

	struct strlist cap_add, cap_drop; /* "CAP_X" (owned) or "ALL" */
	enum people_seccomp seccomp;
	json_t *seccomp_profile; /* SECCOMP_FILE */

	enum people_userns userns;
	bool userns_given; /* --userns on the command line */
	/* map container 0..count-1 to host uid userns_host.., gid .._gid.. */
	uint32_t userns_host, userns_host_gid, userns_count;

	bool has_time_offset;
	int64_t time_offset;

	enum net_mode net;
	const char *net_arg;  /* as given, for net_setup */
	const char *net_path; /* ns:PATH */
	struct net_publish *publish;
	size_t n_publish;
	struct strlist dns, add_host;

	char **cmd; /* after "--"; NULL-terminated, into argv */
	char name_buf[16];
};

/* Parse `run ... -- CMD`; on a bad flag prints one line and returns -1.
 * Exits 0 for --help. */
int people_opts_parse(int argc, char **argv, struct people_opts *o);
void people_opts_free(struct people_opts *o);
void people_usage(FILE *f);

/* The per-container directory <root>/.people/<name>: it is the bundle,
 * holds the default rootfs (empty mount points and the symlinks of a
 * merged /usr), the generated /etc files, meta.json and, detached, the
 * log.  container_list skips names starting with '.'. */
#define PEOPLE_DIR ".people"
#define PEOPLE_META "meta.json"
#define PEOPLE_LOG "log"
#define PEOPLE_EXIT "exit"

/* bin, sbin, lib, lib32, lib64, libx32: symlinks into usr/ on a merged-/usr
 * host (made in the default rootfs), read-only binds otherwise. */
extern const char *const people_usr_links[];

/* path = <root>/.people/<name>; malloc'd. */
char *people_dir_path(const char *root, const char *name);
/* Make the directory and everything the config refers to in it. */
int people_dir_create(const char *root, const struct people_opts *o,
		      char **dir_out, struct cell_err *e);
/* Rewrite its /etc/hosts with the container's address (bridge). */
int people_hosts_update(const char *dir, const struct people_opts *o,
			const char *ip, struct cell_err *e);
/* rm -r, never following symlinks nor crossing into mounts. */
int people_dir_remove(const char *dir, struct cell_err *e);
/* meta.json: name, command, created (unix seconds), detached. */
int people_meta_write(const char *dir, const struct people_opts *o,
		      struct cell_err *e);

/* The config json for container_run, from oci_spec_default(false). */
int people_config_build(const struct people_opts *o, const char *dir,
			json_t **out, struct cell_err *e);

#endif
