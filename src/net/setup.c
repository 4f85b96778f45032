/* net_setup, net_release, net_gc: the container's network from the host
 * side, recorded in the state dir so that delete (or, after a crash, the
 * next run's sweep) undoes it. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/ipam.h"
#include "net/net.h"
#include "net/netlink.h"
#include "net/nft.h"
#include "net/slirp.h"
#include "util/cleanup.h"
#include "util/file.h"

#define LEASE_SUBDIR ".net" /* ids start with [A-Za-z0-9]: never a container */

#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))

static uint32_t fnv1a(uint32_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static uint32_t root_hash(const char *absroot)
{
	return fnv1a(2166136261u, absroot, strlen(absroot));
}

/* The veth's host end: "cell" + 8 hex digits of hash(root, id), so the
 * same id under two roots gets two names. */
static void veth_name(const char *absroot, const char *id, char out[16])
{
	uint32_t h = root_hash(absroot);
	h = fnv1a(h, "/", 1);
	h = fnv1a(h, id, strlen(id));
	snprintf(out, 16, "cell%08x", h);
}

/* The comment on the container's nft rules: "cell:ROOTHASH:ID", cut to
 * nftables' 127 characters (net_gc compares whole comments, so a cut id
 * still matches its own container). */
static void rule_comment(const char *absroot, const char *id, char out[128])
{
	snprintf(out, 128, "cell:%08x:%.113s", root_hash(absroot), id);
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= 16)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      (c == '.' && i > 0)))
			return false;
	}
	return true;
}

int net_state_save(int state_dirfd, json_t *st, struct cell_err *e)
{
	_cleanup_free_ char *s = json_dumps(st, JSON_SORT_KEYS);
	if (!s)
		return cell_err_sys(e, ENOMEM, "%s", NET_STATE_FILE);
	return file_replace_at(state_dirfd, NET_STATE_FILE, s, strlen(s), 0600,
			       e);
}

static int open_netns(pid_t pid, int *out, struct cell_err *e)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	*out = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (*out < 0)
		return cell_err_sys(e, errno, "open %s", path);
	return 0;
}

/* lo up inside the container's namespace. */
static int setup_loopback(struct nl *ctr, struct cell_err *e)
{
	unsigned lo;
	int r = nl_link_index(ctr, "lo", &lo, e);
	if (r == 0)
		r = nl_link_set_up(ctr, lo, e);
	return r;
}

/* The bridge exists, carries the gateway address and is up; concurrent
 * runs may race to make it, and the loser finds it there. */
static int ensure_bridge(struct nl *host, const char *name,
			 const struct ipam_subnet *s, unsigned *ifindex,
			 struct cell_err *e)
{
	int r = nl_bridge_add(host, name, e);
	if (r < 0 && r != -EEXIST)
		return r;
	if ((r = nl_link_index(host, name, ifindex, e)) < 0)
		return r;
	r = nl_addr_add(host, *ifindex, ipam_gateway(s), s->prefix_len, e);
	if (r < 0 && r != -EEXIST)
		return r;
	return nl_link_set_up(host, *ifindex, e);
}

struct bridge_plan {
	const struct net_opts *o;
	const char *bridge, *ifname, *absroot, *id;
	struct ipam_subnet subnet;
	char lease_dir[PATH_MAX];
	int state_dirfd;
	json_t *st;
};

static int setup_bridge(struct bridge_plan *p, int nsfd,
			struct net_result *out, struct cell_err *e)
{
	struct nl host = { 0 }, ctr = { 0 };
	unsigned br, veth, eth;
	struct in_addr ip, gw = ipam_gateway(&p->subnet);
	char vname[16], comment[128];
	int r;

	if ((r = nl_open(&host, e)) < 0)
		return r;
	if ((r = ensure_bridge(&host, p->bridge, &p->subnet, &br, e)) < 0)
		goto out;

	/* Record before acting: release tolerates what was never made. */
	json_object_set_new(p->st, "bridge", json_string(p->bridge));
	json_object_set_new(p->st, "lease_dir", json_string(p->lease_dir));
	if ((r = net_state_save(p->state_dirfd, p->st, e)) < 0)
		goto out;
	if ((r = ipam_lease(p->lease_dir, p->bridge, &p->subnet, p->id, &ip,
			    e)) < 0)
		goto out;
	inet_ntop(AF_INET, &ip, out->ip, sizeof(out->ip));
	inet_ntop(AF_INET, &gw, out->gateway, sizeof(out->gateway));
	out->prefix_len = p->subnet.prefix_len;
	json_object_set_new(p->st, "ip", json_string(out->ip));

	/* The veth is recorded once made: its name is a hash, and a
	   colliding one (EEXIST) belongs to someone else. */
	veth_name(p->absroot, p->id, vname);
	if ((r = nl_veth_add(&host, vname, p->ifname, nsfd, e)) < 0)
		goto out;
	snprintf(out->host_ifname, sizeof(out->host_ifname), "%s", vname);
	json_object_set_new(p->st, "veth", json_string(vname));
	if ((r = net_state_save(p->state_dirfd, p->st, e)) < 0)
		goto out;
	if ((r = nl_link_index(&host, vname, &veth, e)) < 0 ||
	    (r = nl_link_set_master(&host, veth, br, e)) < 0 ||
	    (r = nl_link_set_up(&host, veth, e)) < 0)
		goto out;

	if ((r = nl_open_in_netns(&ctr, nsfd, e)) < 0)
		goto out;
	if ((r = setup_loopback(&ctr, e)) < 0 ||
	    (r = nl_link_index(&ctr, p->ifname, &eth, e)) < 0 ||
	    (r = nl_addr_add(&ctr, eth, ip, p->subnet.prefix_len, e)) < 0 ||
	    (r = nl_link_set_up(&ctr, eth, e)) < 0 ||
	    (r = nl_route_add_default(&ctr, gw, e)) < 0)
		goto out;

	if (p->o->n_publish) {
		rule_comment(p->absroot, p->id, comment);
		json_object_set_new(p->st, "nft_comment", json_string(comment));
		if ((r = net_state_save(p->state_dirfd, p->st, e)) < 0)
			goto out;
		if ((r = nft_publish_add(comment, p->o->publish,
					 p->o->n_publish, ip, e)) < 0)
			goto out;
	}
	if (p->o->masquerade &&
	    (r = nft_masquerade_ensure(p->bridge, &p->subnet, e)) < 0)
		goto out;
	if (p->o->ip_forward &&
	    (r = file_write_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward", "1",
			       e)) < 0)
		goto out;
out:
	nl_close(&ctr);
	nl_close(&host);
	return r;
}

static int setup_slirp(const struct net_opts *o, const char *root,
		       const char *id, pid_t pid, int state_dirfd,
		       struct net_result *out, struct cell_err *e)
{
	_cleanup_free_ char *absroot = realpath(root, NULL);
	_cleanup_free_ char *dir = NULL;
	if (!absroot)
		return cell_err_sys(e, errno, "network: state root %s", root);
	if (asprintf(&dir, "%s/%s", absroot, id) < 0)
		return cell_err_sys(e, ENOMEM, "network");
	_cleanup_json_ json_t *st = json_pack("{s:s, s:s}", "mode", "slirp",
					      "id", id);
	if (!st)
		return cell_err_sys(e, ENOMEM, "network");
	int r = slirp_setup(o, dir, pid, state_dirfd, st, out, e);
	return r < 0 ? cell_err_wrap(e, "network") : 0;
}

int net_setup(const struct net_opts *o, const char *root, const char *id,
	      pid_t pid, int state_dirfd, struct net_result *out,
	      struct cell_err *e)
{
	memset(out, 0, sizeof(*out));
	out->slirp_exit_fd = -1;
	int r = net_mode_parse(o->mode, &out->mode, NULL, e);
	if (r < 0)
		return r;
	if (o->n_publish && out->mode != NET_MODE_BRIDGE &&
	    out->mode != NET_MODE_SLIRP)
		return cell_err_msg(e, EINVAL,
				    "--publish needs --net bridge (or --net slirp)");
	if (out->mode == NET_MODE_BRIDGE && geteuid() != 0)
		return cell_err_msg(e, EPERM, NET_BRIDGE_ROOTLESS_MSG);
	if (out->mode == NET_MODE_HOST || out->mode == NET_MODE_NS)
		return 0;
	if (out->mode == NET_MODE_SLIRP)
		return setup_slirp(o, root, id, pid, state_dirfd, out, e);

	_cleanup_close_ int nsfd = -1;
	if ((r = open_netns(pid, &nsfd, e)) < 0)
		return cell_err_wrap(e, "network");
	if (out->mode == NET_MODE_NONE) {
		struct nl ctr = { 0 };
		if ((r = nl_open_in_netns(&ctr, nsfd, e)) == 0) {
			r = setup_loopback(&ctr, e);
			nl_close(&ctr);
		}
		return r < 0 ? cell_err_wrap(e, "network") : 0;
	}

	struct bridge_plan p = {
		.o = o,
		.bridge = o->bridge ? o->bridge : NET_DEFAULT_BRIDGE,
		.ifname = o->ifname ? o->ifname : NET_DEFAULT_IFNAME,
		.id = id,
		.state_dirfd = state_dirfd,
	};
	if (!valid_ifname(p.bridge))
		return cell_err_msg(e, EINVAL, "bridge name \"%s\": want up to 15 of [A-Za-z0-9_.-]",
				    p.bridge);
	if (!valid_ifname(p.ifname))
		return cell_err_msg(e, EINVAL, "interface name \"%s\": want up to 15 of [A-Za-z0-9_.-]",
				    p.ifname);
	if ((r = ipam_parse_subnet(o->subnet ? o->subnet : NET_DEFAULT_SUBNET,
				   &p.subnet, e)) < 0)
		return r;
	_cleanup_free_ char *absroot = realpath(root, NULL);
	if (!absroot)
		return cell_err_sys(e, errno, "network: state root %s", root);
	p.absroot = absroot;
	if (snprintf(p.lease_dir, sizeof(p.lease_dir), "%s/%s", absroot,
		     LEASE_SUBDIR) >= (int)sizeof(p.lease_dir))
		return cell_err_msg(e, ENAMETOOLONG, "network: state root too long");

	_cleanup_json_ json_t *st = json_pack("{s:s, s:s}", "mode", "bridge",
					      "id", id);
	if (!st)
		return cell_err_sys(e, ENOMEM, "network");
	p.st = st;
	r = setup_bridge(&p, nsfd, out, e);
	return r < 0 ? cell_err_wrap(e, "network") : 0;
}

static bool comment_is(const char *comment, void *data)
{
	return !strcmp(comment, data);
}

static int delete_link(const char *name, struct cell_err *e)
{
	struct nl host = { 0 };
	int r = nl_open(&host, e);
	if (r < 0)
		return r;
	r = nl_link_del(&host, name, e);
	nl_close(&host);
	/* The veth dies with the container's namespace: usually gone. */
	return r == -ENODEV ? 0 : r;
}

int net_release(int state_dirfd, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	struct cell_err ce;
	int r = file_read_at(state_dirfd, NET_STATE_FILE, 1u << 20, &buf, NULL,
			     &ce);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		*e = ce;
		return r;
	}
	json_error_t je;
	_cleanup_json_ json_t *st = json_loads(buf, 0, &je);
	if (!st)
		return cell_err_msg(e, EINVAL, "%s: %s", NET_STATE_FILE, je.text);

	const char *comment = json_string_value(json_object_get(st, "nft_comment"));
	const char *veth = json_string_value(json_object_get(st, "veth"));
	const char *bridge = json_string_value(json_object_get(st, "bridge"));
	const char *lease_dir = json_string_value(json_object_get(st, "lease_dir"));
	const char *id = json_string_value(json_object_get(st, "id"));
	int first = 0;
	/* Every step runs whatever the others did: leave as little behind
	   as possible, report the first failure. */
	if (comment && (r = nft_rules_delete(comment_is, (void *)comment, &ce)) < 0)
		first = first ? first : (*e = ce, r);
	if (veth && (r = delete_link(veth, &ce)) < 0)
		first = first ? first : (*e = ce, r);
	if (bridge && lease_dir && id &&
	    (r = ipam_release(lease_dir, bridge, id, &ce)) < 0)
		first = first ? first : (*e = ce, r);
	if ((r = slirp_release(st, state_dirfd, &ce)) < 0)
		first = first ? first : (*e = ce, r);
	if (first == 0 && unlinkat(state_dirfd, NET_STATE_FILE, 0) < 0 &&
	    errno != ENOENT)
		return cell_err_sys(e, errno, "remove %s", NET_STATE_FILE);
	return first;
}

struct gc_ctx {
	int rootfd;
	const char *absroot;
	char prefix[32];
	char **live; /* the comments of the containers still there */
	size_t n_live;
};

static bool gc_alive(const char *id, void *data)
{
	struct gc_ctx *g = data;
	return faccessat(g->rootfd, id, F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
	       errno != ENOENT;
}

static void gc_gone(const char *id, void *data)
{
	struct gc_ctx *g = data;
	char name[16];
	struct cell_err ign;
	veth_name(g->absroot, id, name);
	delete_link(name, &ign);
}

static bool gc_orphan_rule(const char *comment, void *data)
{
	struct gc_ctx *g = data;
	if (strncmp(comment, g->prefix, strlen(g->prefix)))
		return false; /* another root's, or not a container's */
	for (size_t i = 0; i < g->n_live; i++)
		if (!strcmp(comment, g->live[i]))
			return false;
	return true;
}

static int gc_collect_live(struct gc_ctx *g, struct cell_err *e)
{
	/* A listing that fails must not read as "no container left": every
	   rule of the root would go. */
	_cleanup_closedir_ DIR *d = opendir(g->absroot);
	if (!d)
		return cell_err_sys(e, errno, "list %s", g->absroot);
	struct dirent *de;
	while ((errno = 0, de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char **nv = realloc(g->live, (g->n_live + 1) * sizeof(*nv));
		if (!nv)
			return cell_err_sys(e, ENOMEM, "net gc");
		g->live = nv;
		if (!(g->live[g->n_live] = malloc(128)))
			return cell_err_sys(e, ENOMEM, "net gc");
		rule_comment(g->absroot, de->d_name, g->live[g->n_live++]);
	}
	if (errno)
		return cell_err_sys(e, errno, "list %s", g->absroot);
	return 0;
}

static int gc_leases(struct gc_ctx *g, struct cell_err *e)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", g->absroot, LEASE_SUBDIR);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : cell_err_sys(e, errno, "open %s", dir);
	struct dirent *de;
	int first = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n <= 7 || strcmp(de->d_name + n - 7, ".leases"))
			continue;
		char bridge[NAME_MAX + 1];
		snprintf(bridge, sizeof(bridge), "%.*s", (int)(n - 7), de->d_name);
		struct cell_err ce;
		int r = ipam_sweep(dir, bridge, gc_alive, gc_gone, g, &ce);
		if (r < 0 && !first) {
			*e = ce;
			first = r;
		}
	}
	return first;
}

int net_gc(const char *root, struct cell_err *e)
{
	_cleanup_free_ char *absroot = realpath(root, NULL);
	if (!absroot)
		return errno == ENOENT ? 0 : cell_err_sys(e, errno, "net gc: %s", root);
	_cleanup_close_ int rootfd =
	    openat(AT_FDCWD, absroot, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cell_err_sys(e, errno, "net gc: open %s", absroot);
	struct gc_ctx g = { .rootfd = rootfd, .absroot = absroot };
	snprintf(g.prefix, sizeof(g.prefix), "cell:%08x:", root_hash(absroot));

	int r = slirp_gc(rootfd, e);
	/* Leases and port rules are the bridge's, and every bridge run
	   leases under LEASE_SUBDIR: without it there is nothing to sweep
	   (and no need to load libnftables, or to be root). */
	if (faccessat(rootfd, LEASE_SUBDIR, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
		return r < 0 ? cell_err_wrap(e, "net gc") : 0;
	struct cell_err ce;
	int r1 = gc_leases(&g, &ce);
	if (r1 < 0 && r == 0) {
		*e = ce;
		r = r1;
	}
	int r2 = gc_collect_live(&g, &ce);
	if (r2 == 0)
		r2 = nft_rules_delete(gc_orphan_rule, &g, &ce);
	if (r2 < 0 && r == 0) {
		*e = ce;
		r = r2;
	}
	for (size_t i = 0; i < g.n_live; i++)
		free(g.live[i]);
	free(g.live);
	return r < 0 ? cell_err_wrap(e, "net gc") : 0;
}
