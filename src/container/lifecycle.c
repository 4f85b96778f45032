/* start, state, list, kill, delete, pause/resume, ps, update, stats. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "container/container.h"
#include "container/hooks.h"
#include "container/internal.h"
#include "container/launch.h"
#include "container/state.h"
#include "fs/fs.h"
#include "net/net.h"
#include "ns/ns.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/log.h"
#include "util/syscalls.h"

static void container_freep(struct container **c)
{
	container_free(*c);
}
#define _cleanup_container_ __attribute__((cleanup(container_freep)))

static void cgroup_freep(struct cgroup **cg)
{
	cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(cgroup_freep)))

/* (The cgroup is the container's: container_free frees it.) */
static int open_cgroup(struct container *c, struct cgroup **out,
		       struct cell_err *e)
{
	return container_cgroup(c, out, e);
}

/* Without a cgroup, the container's processes are those of its pid
 * namespace (all of them, seen from the host's /proc), or the init alone
 * when it shares one with the host. */
static int pidns_pids(struct container *c, pid_t **pids, size_t *n,
		      struct cell_err *e)
{
	const struct oci_config *cfg = NULL;
	bool own = container_config(c, &cfg, e) == 0 &&
		   cfg->linux.namespaces[OCI_NS_PID].enabled;
	ino_t ns = own ? ns_inode(c->pid, "pid") : 0;
	size_t cap = 16;
	*n = 0;
	*pids = malloc(cap * sizeof(**pids));
	if (!*pids)
		return cell_err_sys(e, ENOMEM, "pids");
	_cleanup_closedir_ DIR *d = ns && ns != ns_inode(0, "pid")
					    ? opendir("/proc")
					    : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || ns_inode((pid_t)pid, "pid") != ns)
			continue;
		if (*n == cap) {
			pid_t *more = realloc(*pids, 2 * cap * sizeof(**pids));
			if (!more)
				return cell_err_sys(e, ENOMEM, "pids");
			*pids = more;
			cap *= 2;
		}
		(*pids)[(*n)++] = (pid_t)pid;
	}
	if (*n == 0)
		(*pids)[(*n)++] = c->pid;
	return 0;
}

/* ---------------------------------------------------------------- start */

static int connect_start_socket(int dirfd, struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s",
		 dirfd, START_SOCKET);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cell_err_sys(e, errno, "start socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return cell_err_sys(e, err, "connect to the container's init");
	}
	return fd;
}

int container_start(const char *root, const char *id, struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	int r = container_load(root, id, true, &c, e);
	if (r < 0)
		return r;
	enum container_status s = container_status(c);
	if (s != STATUS_CREATED)
		return cell_err_msg(e, EINVAL,
				    "cannot start a container that is %s",
				    container_status_name(s));
	_cleanup_close_ int conn = connect_start_socket(c->dirfd, e);
	if (conn < 0)
		return conn;
	if (write(conn, "s", 1) != 1)
		return cell_err_sys(e, errno, "signal the container's init");
	unlinkat(c->dirfd, START_SOCKET, 0);

	/* The init holds the connection open until execve closes it
	   (O_CLOEXEC); anything it writes first is why the exec failed. */
	char buf[CELL_ERR_MAX];
	size_t n = 0;
	for (;;) {
		ssize_t got = read(conn, buf + n, sizeof(buf) - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
		if (n == sizeof(buf) - 1)
			break;
	}
	if (n > 0) {
		buf[n] = '\0';
		return cell_err_msg(e, EIO, "%s", buf);
	}

	const struct oci_config *cfg;
	if (container_config(c, &cfg, e) == 0 && cfg->hooks[OCI_HOOK_POSTSTART].n) {
		_cleanup_free_ char *st = container_hook_state(
			cfg, c->id, "running", c->pid, c->bundle);
		hooks_run(cfg, OCI_HOOK_POSTSTART, st, true, e);
	}
	return 0;
}

/* ---------------------------------------------------------- state, list */

int container_state_of(const char *root, const char *id, json_t **out,
		       struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	int r = container_load(root, id, false, &c, e);
	if (r < 0)
		return r;
	json_t *o = container_state_json(c, container_status(c));
	if (!o)
		return cell_err_msg(e, ENOMEM, "state");
	json_object_set_new(o, "rootfs", json_string(c->rootfs ? c->rootfs : ""));
	json_object_set_new(o, "created", json_string(c->created ? c->created : ""));
	json_object_set_new(o, "owner", json_string(""));
	*out = o;
	return 0;
}

int container_list(const char *root, json_t **out, struct cell_err *e)
{
	json_t *arr = json_array();
	_cleanup_closedir_ DIR *d = opendir(root);
	if (!d) {
		if (errno == ENOENT) {
			*out = arr;
			return 0;
		}
		json_decref(arr);
		return cell_err_sys(e, errno, "open %s", root);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		json_t *st = NULL;
		struct cell_err ignored;
		if (container_state_of(root, de->d_name, &st, &ignored) == 0)
			json_array_append_new(arr, st);
	}
	*out = arr;
	return 0;
}

/* ----------------------------------------------------------------- kill */

int container_kill(const char *root, const char *id, int sig, bool all,
		   struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	int r = container_load(root, id, false, &c, e);
	if (r < 0)
		return r;
	enum container_status s = container_status(c);
	/* --all signals what is left in the cgroup even once the init is
	   gone: with a pod's shared PID namespace, containerd's shim kills
	   the init's orphans this way after the init exits (runc does so
	   too, and succeeds when the cgroup is already gone). */
	if (all && s == STATUS_STOPPED) {
		if (c->no_cgroup) /* nothing to look in: as a cgroup gone */
			return 0;
		struct cgroup *cg = NULL;
		if ((r = open_cgroup(c, &cg, e)) < 0)
			return r;
		r = cg->ops->kill_all(cg, sig, e);
		return r == -ENOENT ? 0 : r;
	}
	/* "container not running" is runc's text, and engines match it:
	   containerd's shim takes it for "already exited" (ErrNotFound). */
	if (s == STATUS_STOPPED || s == STATUS_CREATING)
		return cell_err_msg(e, ESRCH, "container not running");
	if (all && c->no_cgroup) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;
		if ((r = pidns_pids(c, &pids, &n, e)) < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig); /* a pid gone meanwhile is fine */
		return 0;
	}
	if (all) {
		struct cgroup *cg = NULL;
		if ((r = open_cgroup(c, &cg, e)) < 0)
			return r;
		return cg->ops->kill_all(cg, sig, e);
	}
	_cleanup_close_ int pidfd = container_pidfd(c);
	if (pidfd == -ENOSYS) {
		/* no pidfds (Linux < 5.3, valgrind): the start time was just
		   checked by container_status, the narrow race remains */
		if (kill(c->pid, sig) < 0)
			return cell_err_sys(e, errno, "signal %d", sig);
		return 0;
	}
	if (pidfd < 0)
		return cell_err_msg(e, ESRCH, "container not running");
	if (sys_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
		return cell_err_sys(e, errno, "signal %d", sig);
	return 0;
}

/* --------------------------------------------------------------- delete */

/* Wait until the init is gone (a pidfd polls readable at exit). */
static void wait_gone(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
		;
}

int container_destroy(struct container *c, struct cgroup *known,
		      struct cell_err *e)
{
	const struct oci_config *cfg = NULL;
	struct cell_err ce;
	int r;

	if (c->config_json && container_config(c, &cfg, &ce) < 0)
		log_warn("delete %s: %s", c->id, ce.msg);

	_cleanup_cgroup_ struct cgroup *mine = NULL;
	struct cgroup *cg = known;
	if (c->no_cgroup) {
		/* nothing of ours to remove */
	} else if (cg || ((c->config_json || c->cgroups_path) &&
			  container_cgroup(c, &cg, &ce) == 0)) {
		/* Whatever the init left in its cgroup (no pid namespace of
		   its own, a process that escaped it) goes with the
		   container.  With its own pid namespace the kernel already
		   killed everything when the init died. */
		bool own_pidns = cfg && cfg->linux.namespaces[OCI_NS_PID].enabled &&
				 !cfg->linux.namespaces[OCI_NS_PID].path &&
				 container_status(c) == STATUS_STOPPED;
		if (!own_pidns) {
			cg->ops->freeze(cg, false, &ce);
			cg->ops->kill_all(cg, SIGKILL, &ce);
		}
		if ((r = cgroup_destroy(cg, e)) < 0)
			return r;
	} else if (!c->config_json) {
		/* crashed before the config was saved: the default path */
		if (cgroup_new(NULL, c->id, &mine, &ce) == 0) {
			mine->ops->kill_all(mine, SIGKILL, &ce);
			cgroup_destroy(mine, &ce);
		}
	}
	if (cfg && c->rootfs && container_in_host_mntns(cfg) &&
	    fs_unmount_under(c->rootfs, &ce) < 0)
		log_warn("delete %s: %s", c->id, ce.msg);
	if (net_release(c->dirfd, &ce) < 0)
		log_warn("delete %s: network: %s", c->id, ce.msg);
	if (cfg && cfg->hooks[OCI_HOOK_POSTSTOP].n) {
		_cleanup_free_ char *st =
			container_hook_state(cfg, c->id, "stopped", 0, c->bundle);
		hooks_run(cfg, OCI_HOOK_POSTSTOP, st, true, &ce);
	}
	return container_remove_dir(c, e);
}

/* A systemd scope (stopped and changed through D-Bus) and a network of
 * cell's own (veth, nftables rules) need libraries only the full runtime
 * loads: in the static build, delete and update of such a container hand
 * the command over once the state is read, before they change anything. */
static int hand_over_if_needed(const struct container *c, struct cell_err *e)
{
	if (!dl_static())
		return 0;
	if (c->systemd_cgroup)
		return dl_handoff("a systemd-managed container", e);
	if (faccessat(c->dirfd, NET_STATE_FILE, F_OK, 0) == 0)
		return dl_handoff("a container with a network", e);
	return 0;
}

int container_hand_over(const char *root, const char *id, struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	if (!dl_static() || container_load(root, id, false, &c, e) < 0)
		return 0; /* the command itself says what is wrong */
	return hand_over_if_needed(c, e);
}

int container_delete(const char *root, const char *id, bool force,
		     struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	int r = container_load(root, id, true, &c, e);
	if (r < 0)
		return r;
	if ((r = hand_over_if_needed(c, e)) < 0)
		return r;
	enum container_status s = container_status(c);
	/* The spec: deleting anything not stopped is an error (runc lets a
	   created container go; the OCI validation suite does not).  An
	   engine kills first or passes --force. */
	if ((s == STATUS_CREATED || s == STATUS_RUNNING || s == STATUS_PAUSED) &&
	    !force)
		return cell_err_msg(e, EBUSY,
				    "cannot delete container %s that is %s (use --force)",
				    id, container_status_name(s));
	if (s == STATUS_CREATING && !force) {
		/* create may still be at work on it */
		return cell_err_msg(e, EBUSY,
				    "container %s is still being created (use --force)",
				    id);
	}
	if (s != STATUS_STOPPED) {
		_cleanup_close_ int pidfd = container_pidfd(c);
		if (s == STATUS_PAUSED) {
			struct cgroup *cg = NULL;
			struct cell_err ce;
			if (open_cgroup(c, &cg, &ce) == 0)
				cg->ops->freeze(cg, false, &ce);
		}
		if (pidfd >= 0) {
			sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
			wait_gone(pidfd, 5000);
		}
	}
	return container_destroy(c, NULL, e);
}

/* ------------------------------------------------- pause, ps, update, stats */

/* The devices every container gets (the runtime-spec's default devices,
 * the pty ones, and mknod of anything) plus linux.devices, allowed after
 * the config's own rules, as engines expect of runc. */
static const struct oci_device_rule default_rules[] = {
	{ true, 'c', -1, -1, "m" },  { true, 'b', -1, -1, "m" },
	{ true, 'c', 1, 3, "rwm" },  { true, 'c', 1, 5, "rwm" },
	{ true, 'c', 1, 7, "rwm" },  { true, 'c', 1, 8, "rwm" },
	{ true, 'c', 1, 9, "rwm" },  { true, 'c', 5, 0, "rwm" },
	{ true, 'c', 5, 1, "rwm" },  { true, 'c', 5, 2, "rwm" },
	{ true, 'c', 136, -1, "rwm" },
};

int container_apply_resources(struct cgroup *cg, const struct oci_config *cfg,
			      const struct oci_resources *res, bool update,
			      bool rootless, struct cell_err *e)
{
	struct oci_resources r = *res;
	/* An update that says nothing of devices leaves them alone.
	   Rootless, device rules are not ours to set (an eBPF program needs
	   privilege) nor needed: the user namespace cannot mknod, and the
	   host's nodes keep the host's permissions. */
	if ((update && r.n_devices == 0) || rootless) {
		r.n_devices = 0;
		return cgroup_apply(cg, &r, update, e);
	}
	size_t n = r.n_devices + ARRAY_SIZE(default_rules) + cfg->linux.n_devices;
	_cleanup_free_ struct oci_device_rule *rules = calloc(n, sizeof(*rules));
	if (!rules)
		return cell_err_sys(e, ENOMEM, "device rules");
	size_t k = 0;
	for (size_t i = 0; i < r.n_devices; i++)
		rules[k++] = r.devices[i];
	for (size_t i = 0; i < ARRAY_SIZE(default_rules); i++)
		rules[k++] = default_rules[i];
	for (size_t i = 0; i < cfg->linux.n_devices; i++) {
		const struct oci_device *d = &cfg->linux.devices[i];
		if (d->type == 'p')
			continue;
		rules[k++] = (struct oci_device_rule){
			.allow = true, .type = d->type == 'b' ? 'b' : 'c',
			.major = d->major, .minor = d->minor, .access = "rwm",
		};
	}
	r.devices = rules;
	r.n_devices = k;
	return cgroup_apply(cg, &r, update, e);
}


static int load_live(const char *root, const char *id, bool lock,
		     struct container **c, struct cgroup **cg,
		     struct cell_err *e)
{
	int r = container_load(root, id, lock, c, e);
	if (r < 0)
		return r;
	enum container_status s = container_status(*c);
	if (s == STATUS_STOPPED || s == STATUS_CREATING)
		return cell_err_msg(e, ESRCH, "container %s is not running", id);
	return open_cgroup(*c, cg, e);
}

int container_pause(const char *root, const char *id, bool pause,
		    struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	struct cgroup *cg = NULL;
	int r = load_live(root, id, true, &c, &cg, e);
	if (r < 0)
		return r;
	enum container_status s = container_status(c);
	if (pause && s != STATUS_RUNNING && s != STATUS_CREATED)
		return cell_err_msg(e, EINVAL, "container %s is %s, not running",
				    id, container_status_name(s));
	if (!pause && s != STATUS_PAUSED)
		return cell_err_msg(e, EINVAL, "container %s is not paused", id);
	return cg->ops->freeze(cg, pause, e);
}

int container_pids(const char *root, const char *id, pid_t **pids, size_t *n,
		   struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	struct cgroup *cg = NULL;
	int r = container_load(root, id, false, &c, e);
	if (r < 0)
		return r;
	enum container_status s = container_status(c);
	if (s == STATUS_STOPPED || s == STATUS_CREATING)
		return cell_err_msg(e, ESRCH, "container %s is not running", id);
	if (c->no_cgroup)
		return pidns_pids(c, pids, n, e);
	if ((r = open_cgroup(c, &cg, e)) < 0)
		return r;
	return cg->ops->pids(cg, pids, n, e);
}

int container_update(const char *root, const char *id, json_t *resources,
		     struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	struct cgroup *cg = NULL;
	int r = load_live(root, id, true, &c, &cg, e);
	if (r < 0)
		return r;
	if ((r = hand_over_if_needed(c, e)) < 0)
		return r;
	struct oci_resources res;
	memset(&res, 0, sizeof(res));
	if ((r = oci_resources_parse(resources, "update", "resources", &res, e)) < 0)
		return r;
	const struct oci_config *cfg;
	if ((r = container_config(c, &cfg, e)) == 0)
		r = container_apply_resources(cg, cfg, &res, true, ns_rootless(), e);
	oci_resources_free(&res);
	if (r < 0)
		return r;
	/* Keep the saved config in step, so later reads see the new limits. */
	json_t *lnx = json_object_get(c->config_json, "linux");
	if (json_is_object(lnx)) {
		json_t *cur = json_object_get(lnx, "resources");
		if (!json_is_object(cur)) {
			cur = json_object();
			json_object_set_new(lnx, "resources", cur);
		}
		json_object_update_recursive(cur, resources);
	}
	c->config_text = NULL; /* the text no longer says what the tree does */
	return container_save(c, e);
}

int container_stats(const char *root, const char *id, json_t **out,
		    struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	struct cgroup *cg = NULL;
	int r = load_live(root, id, false, &c, &cg, e);
	if (r < 0)
		return r;
	return cg->ops->stats(cg, out, e);
}

int container_oom_kills(const char *root, const char *id, uint64_t *out,
			struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	struct cgroup *cg = NULL;
	int r = load_live(root, id, false, &c, &cg, e);
	if (r < 0)
		return r;
	return cg->ops->oom_kills(cg, out, e);
}

int container_oom_fd(const char *root, const char *id, struct cell_err *e)
{
	_cleanup_container_ struct container *c = NULL;
	struct cgroup *cg = NULL;
	int r = load_live(root, id, false, &c, &cg, e);
	if (r < 0)
		return r;
	return cg->ops->oom_fd(cg, e);
}
