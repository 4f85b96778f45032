/* The people's run: flags -> config.json (in memory).  It starts from the
 * default spec (`cell spec`) and changes what the flags ask for, so that
 * everything the engines' form does the people's form does the same way. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/people_opts.h"
#include "oci/config.h"
#include "oci/spec.h"
#include "util/cleanup.h"

/* What docker gives a container: enough to be root in a box (chown,
 * setuid, bind a low port, chroot), nothing that reaches the host. */
static const char *const default_caps[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
	"CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
};

/* The host's top-level directories that a merged-/usr system has as
 * symlinks into /usr; see people_dir.c for the other half. */
const char *const people_usr_links[] = {
	"bin", "sbin", "lib", "lib32", "lib64", "libx32", NULL,
};

static int oom(struct cell_err *e)
{
	return cell_err_msg(e, ENOMEM, "config: out of memory");
}

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (size_t i = 0; a && v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *mount_json(const char *dst, const char *type, const char *src,
			  const char *const *options)
{
	return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", type,
			 "source", src, "options", strv_json(options));
}

/* KEY=VALUE replaces an earlier KEY; "KEY" alone takes the caller's. */
static void env_set(json_t *env, const char *kv)
{
	_cleanup_free_ char *built = NULL;
	if (!strchr(kv, '=')) {
		const char *v = getenv(kv);
		if (!v)
			return;
		if (asprintf(&built, "%s=%s", kv, v) < 0)
			return;
		kv = built;
	}
	size_t klen = (size_t)(strchr(kv, '=') - kv);
	size_t i;
	json_t *it;
	json_array_foreach(env, i, it) {
		const char *s = json_string_value(it);
		if (s && !strncmp(s, kv, klen) && s[klen] == '=') {
			json_array_set_new(env, i, json_string(kv));
			return;
		}
	}
	json_array_append_new(env, json_string(kv));
}

static int build_process(const struct people_opts *o, json_t *proc,
			 struct cell_err *e)
{
	json_object_set_new(proc, "terminal", json_boolean(o->tty));
	json_object_set_new(proc, "args", strv_json((const char *const *)o->cmd));
	json_object_set_new(proc, "cwd", json_string(o->workdir ? o->workdir : "/"));
	json_object_set_new(proc, "user", json_pack("{s:I, s:I}", "uid",
						    (json_int_t)o->uid, "gid",
						    (json_int_t)o->gid));
	json_object_set_new(proc, "noNewPrivileges", json_boolean(o->no_new_privs));
	/* The caller's limits, as any command they run would get. */
	json_object_del(proc, "rlimits");

	json_t *env = json_array();
	if (!env)
		return oom(e);
	json_object_set_new(proc, "env", env);
	env_set(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	_cleanup_free_ char *host = NULL, *home = NULL;
	if (asprintf(&host, "HOSTNAME=%s", o->hostname ? o->hostname : o->name) < 0 ||
	    asprintf(&home, "HOME=%s", o->uid == 0 ? "/root" : "/") < 0)
		return oom(e);
	env_set(env, host);
	env_set(env, home);
	if (o->tty)
		env_set(env, "TERM=xterm");
	for (size_t i = 0; i < o->env.n; i++)
		env_set(env, o->env.v[i]);

	/* --cap-drop first, then --cap-add: "--cap-drop ALL --cap-add X"
	   leaves X alone. */
	bool all_dropped = false, all_added = false;
	for (size_t i = 0; i < o->cap_drop.n; i++)
		all_dropped |= !strcmp(o->cap_drop.v[i], "ALL");
	for (size_t i = 0; i < o->cap_add.n; i++)
		all_added |= !strcmp(o->cap_add.v[i], "ALL");
	json_t *caps = json_array();
	if (!caps)
		return oom(e);
	for (int c = 0; c < 64; c++) {
		const char *name = oci_cap_name(c);
		if (!name)
			break;
		bool on = false;
		for (size_t i = 0; !all_dropped && i < ARRAY_SIZE(default_caps); i++)
			on |= !strcmp(default_caps[i], name);
		for (size_t i = 0; on && i < o->cap_drop.n; i++)
			on &= !!strcmp(o->cap_drop.v[i], name);
		for (size_t i = 0; !on && i < o->cap_add.n; i++)
			on |= !strcmp(o->cap_add.v[i], name);
		if (all_added || on)
			json_array_append_new(caps, json_string(name));
	}
	json_object_set_new(proc, "capabilities",
			    json_pack("{s:O, s:O, s:O}", "bounding", caps,
				      "effective", caps, "permitted", caps));
	json_decref(caps);
	return 0;
}

static void drop_mount(json_t *mounts, const char *dst)
{
	for (size_t i = 0; i < json_array_size(mounts);) {
		const char *d = json_string_value(
			json_object_get(json_array_get(mounts, i), "destination"));
		if (d && !strcmp(d, dst))
			json_array_remove(mounts, i);
		else
			i++;
	}
}

static json_t *find_mount(json_t *mounts, const char *dst)
{
	size_t i;
	json_t *m;
	json_array_foreach(mounts, i, m) {
		const char *d = json_string_value(json_object_get(m, "destination"));
		if (d && !strcmp(d, dst))
			return m;
	}
	return NULL;
}

static int build_mounts(const struct people_opts *o, const char *dir,
			json_t *mounts, struct cell_err *e)
{
	static const char *const ro_bind[] = { "rbind", "ro", "nosuid", "nodev", NULL };
	static const char *const tmp_opts[] = { "nosuid", "nodev", "mode=1777", NULL };

	if (o->userns != USERNS_HOST) {
		/* A cgroup v1 hierarchy cannot be mounted from a user
		   namespace; the container sees no /sys/fs/cgroup. */
		drop_mount(mounts, "/sys/fs/cgroup");
		if (o->userns_count < 6) {
			/* devpts' gid=5 (tty) is not mapped: leave it out */
			json_t *pts = find_mount(mounts, "/dev/pts");
			json_t *opts = json_object_get(pts, "options");
			for (size_t i = 0; i < json_array_size(opts);)
				if (!strcmp(json_string_value(json_array_get(opts, i)), "gid=5"))
					json_array_remove(opts, i);
				else
					i++;
		}
	}

	if (!o->rootfs) {
		json_array_append_new(mounts, mount_json("/usr", "bind", "/usr", ro_bind));
		for (const char *const *l = people_usr_links; *l; l++) {
			char host[64], dst[64];
			struct stat st;
			snprintf(host, sizeof(host), "/%s", *l);
			if (lstat(host, &st) < 0 || !S_ISDIR(st.st_mode))
				continue; /* a symlink (made in the rootfs) or absent */
			snprintf(dst, sizeof(dst), "/%s", *l);
			json_array_append_new(mounts, mount_json(dst, "bind", host, ro_bind));
		}
		static const char *const run_opts[] = { "nosuid", "nodev", "mode=755", NULL };
		static const char *const root_opts[] = { "nosuid", "nodev", "mode=700", NULL };
		json_array_append_new(mounts, mount_json("/tmp", "tmpfs", "tmpfs", tmp_opts));
		json_array_append_new(mounts, mount_json("/var/tmp", "tmpfs", "tmpfs", tmp_opts));
		json_array_append_new(mounts, mount_json("/run", "tmpfs", "tmpfs", run_opts));
		json_array_append_new(mounts, mount_json("/root", "tmpfs", "tmpfs", root_opts));
	} else {
		/* The user's root keeps its own /etc; only the files a
		   container's identity needs are bound over it, and only
		   where it has them (nothing is created in their tree). */
		static const char *const etc[] = { "hosts", "hostname", "resolv.conf" };
		for (size_t i = 0; i < ARRAY_SIZE(etc); i++) {
			char in_root[4096], src[4096], dst[64];
			struct stat st;
			snprintf(in_root, sizeof(in_root), "%s/etc/%s", o->rootfs, etc[i]);
			if (lstat(in_root, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			snprintf(src, sizeof(src), "%s/etc/%s", dir, etc[i]);
			snprintf(dst, sizeof(dst), "/etc/%s", etc[i]);
			static const char *const file_opts[] = { "bind", "ro", "nosuid", "nodev", NULL };
			json_array_append_new(mounts, mount_json(dst, "bind", src, file_opts));
		}
	}

	for (size_t i = 0; i < o->n_volumes; i++) {
		const struct people_volume *v = &o->volumes[i];
		const char *opts[] = { "rbind", v->ro ? "ro" : "rw", NULL };
		json_array_append_new(mounts, mount_json(v->dst, "bind", v->src, opts));
	}
	for (size_t i = 0; i < o->tmpfs.n; i++) {
		_cleanup_free_ char *path = strdup(o->tmpfs.v[i]);
		if (!path)
			return oom(e);
		char *extra = strchr(path, ':');
		if (extra)
			*extra++ = '\0';
		json_t *opts = strv_json(tmp_opts);
		for (char *t = extra ? strtok(extra, ",") : NULL; t; t = strtok(NULL, ","))
			json_array_append_new(opts, json_string(t));
		json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:o}",
							"destination", path, "type", "tmpfs",
							"source", "tmpfs", "options", opts));
	}
	return 0;
}

static json_t *throttles_json(const struct people_throttles *t)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < t->n; i++)
		json_array_append_new(a, json_pack("{s:I, s:I, s:I}",
						   "major", (json_int_t)t->v[i].major,
						   "minor", (json_int_t)t->v[i].minor,
						   "rate", (json_int_t)t->v[i].rate));
	return a;
}

static void build_resources(const struct people_opts *o, json_t *res)
{
	if (o->memory >= 0) {
		/* No swap unless asked: a limit that holds, as people expect
		   of "64m".  v1 swap is memory + swap, as the flag. */
		int64_t swap = o->memory_swap == -2 ? o->memory : o->memory_swap;
		json_object_set_new(res, "memory", json_pack("{s:I, s:I}",
							     "limit", (json_int_t)o->memory,
							     "swap", (json_int_t)swap));
	}
	json_t *cpu = json_object();
	if (o->cpu_shares >= 0)
		json_object_set_new(cpu, "shares", json_integer(o->cpu_shares));
	if (o->cpu_quota >= 0) {
		json_object_set_new(cpu, "quota", json_integer(o->cpu_quota));
		json_object_set_new(cpu, "period", json_integer(100000));
	}
	if (o->cpuset_cpus)
		json_object_set_new(cpu, "cpus", json_string(o->cpuset_cpus));
	if (json_object_size(cpu))
		json_object_set(res, "cpu", cpu);
	json_decref(cpu);
	if (o->pids_limit != -1)
		json_object_set_new(res, "pids", json_pack("{s:I}", "limit",
							   (json_int_t)o->pids_limit));
	json_t *bio = json_object();
	if (o->blkio_weight >= 0)
		json_object_set_new(bio, "weight", json_integer(o->blkio_weight));
	if (o->read_bps.n)
		json_object_set_new(bio, "throttleReadBpsDevice", throttles_json(&o->read_bps));
	if (o->write_bps.n)
		json_object_set_new(bio, "throttleWriteBpsDevice", throttles_json(&o->write_bps));
	if (o->read_iops.n)
		json_object_set_new(bio, "throttleReadIOPSDevice", throttles_json(&o->read_iops));
	if (o->write_iops.n)
		json_object_set_new(bio, "throttleWriteIOPSDevice", throttles_json(&o->write_iops));
	if (json_object_size(bio))
		json_object_set(res, "blockIO", bio);
	json_decref(bio);
}

static void set_namespace(json_t *nss, const char *type, const char *path,
			  bool present)
{
	for (size_t i = 0; i < json_array_size(nss);) {
		const char *t = json_string_value(
			json_object_get(json_array_get(nss, i), "type"));
		if (t && !strcmp(t, type))
			json_array_remove(nss, i);
		else
			i++;
	}
	if (!present)
		return;
	json_t *ns = json_pack("{s:s}", "type", type);
	if (path)
		json_object_set_new(ns, "path", json_string(path));
	json_array_append_new(nss, ns);
}

static int build_linux(const struct people_opts *o, json_t *lnx,
		       struct cell_err *e)
{
	json_t *nss = json_object_get(lnx, "namespaces");
	if (!nss)
		return oom(e);
	set_namespace(nss, "network", o->net_path, o->net != NET_MODE_HOST);
	if (o->userns != USERNS_HOST) {
		set_namespace(nss, "user", NULL, true);
		json_object_set_new(lnx, "uidMappings",
				    json_pack("[{s:i, s:I, s:I}]", "containerID", 0,
					      "hostID", (json_int_t)o->userns_host,
					      "size", (json_int_t)o->userns_count));
		json_object_set_new(lnx, "gidMappings",
				    json_pack("[{s:i, s:I, s:I}]", "containerID", 0,
					      "hostID", (json_int_t)o->userns_host_gid,
					      "size", (json_int_t)o->userns_count));
	}
	if (o->has_time_offset) {
		set_namespace(nss, "time", NULL, true);
		json_t *off = json_pack("{s:I, s:i}", "secs", (json_int_t)o->time_offset,
					"nanosecs", 0);
		json_object_set_new(lnx, "timeOffsets",
				    json_pack("{s:O, s:O}", "monotonic", off,
					      "boottime", off));
		json_decref(off);
	}

	json_t *res = json_object_get(lnx, "resources");
	if (!res) {
		res = json_object();
		json_object_set_new(lnx, "resources", res);
	}
	build_resources(o, res);

	if (o->seccomp == SECCOMP_UNCONFINED)
		json_object_del(lnx, "seccomp");
	else if (o->seccomp == SECCOMP_FILE)
		json_object_set(lnx, "seccomp", o->seccomp_profile);
	return 0;
}

int people_config_build(const struct people_opts *o, const char *dir,
			json_t **out, struct cell_err *e)
{
	json_t *cfg = oci_spec_default(false);
	if (!cfg)
		return oom(e);
	int r;
	json_t *proc = json_object_get(cfg, "process");
	json_t *lnx = json_object_get(cfg, "linux");
	json_t *mounts = json_object_get(cfg, "mounts");
	if (!proc || !lnx || !mounts) {
		json_decref(cfg);
		return oom(e);
	}
	if ((r = build_process(o, proc, e)) < 0 ||
	    (r = build_mounts(o, dir, mounts, e)) < 0 ||
	    (r = build_linux(o, lnx, e)) < 0) {
		json_decref(cfg);
		return r;
	}
	json_object_set_new(cfg, "hostname",
			    json_string(o->hostname ? o->hostname : o->name));
	json_object_set_new(cfg, "root",
			    json_pack("{s:s, s:b}", "path", o->rootfs ? o->rootfs : "rootfs",
				      "readonly", !o->rootfs || o->read_only));
	json_t *ann = json_pack("{s:s}", "run.cell.people", o->name);
	if (o->init)
		json_object_set_new(ann, "run.cell.init", json_string("true"));
	json_object_set_new(cfg, "annotations", ann);
	*out = cfg;
	return 0;
}
