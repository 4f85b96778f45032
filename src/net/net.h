/* Container networking over netlink (libmnl): loopback, veth pairs, a
 * bridge, addresses and routes; published ports through nftables.
 *
 * The people's `cell run --net MODE` calls net_setup() from its
 * create_opts.on_namespaces callback: the init has made its network
 * namespace and waits, and everything is configured from the host side
 * through /proc/<pid>/ns/net.  What was made is recorded in the state dir
 * (NET_STATE_FILE) so that delete's net_release() undoes it.
 *
 * Privileges: CAP_NET_ADMIN in the namespace cell runs in (bridge, veth,
 * nftables) and CAP_SYS_ADMIN to setns into the container's namespace.
 * Rootless, bridge is refused: slirp (user-mode networking by slirp4netns
 * in the caller's namespace, see slirp.c) is how such a container gets a
 * network.
 * Everything happens in the network namespace the caller runs in: run,
 * delete and net_gc must run in the same one. */
#ifndef CELL_NET_NET_H
#define CELL_NET_NET_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

#define NET_DEFAULT_BRIDGE "cell0"
#define NET_DEFAULT_SUBNET "10.89.0.0/24" /* gateway: the first host, .1 */
#define NET_DEFAULT_IFNAME "eth0"

/* The refusal of --net bridge to an ordinary user. */
#define NET_BRIDGE_ROOTLESS_MSG                                              \
	"--net bridge needs root (a bridge and veth pairs on the host); "   \
	"without root use --net slirp"

/* Undo what the people's networking recorded in the container's state dir
 * (NET_STATE_FILE): veth, address lease, published-port rules.  Called by
 * delete for every container; nothing recorded is success. */
#define NET_STATE_FILE "net.json"
int net_release(int state_dirfd, struct cell_err *e);

enum net_mode {
	NET_MODE_NONE,   /* a new netns with only lo, up */
	NET_MODE_HOST,   /* the caller's netns: no network namespace */
	NET_MODE_BRIDGE, /* a new netns, veth to the bridge, address, route */
	NET_MODE_NS,     /* join an existing netns at a path (ns:PATH) */
	NET_MODE_SLIRP,  /* a new netns, tap0 served by slirp4netns: rootless */
};

/* What slirp4netns --configure sets up inside the container. */
#define NET_SLIRP_IP "10.0.2.100"
#define NET_SLIRP_GATEWAY "10.0.2.2"
#define NET_SLIRP_DNS "10.0.2.3"
#define NET_SLIRP_IFNAME "tap0"
#define NET_SLIRP_SOCKET "slirp.sock" /* its API socket, in the state dir */
#define NET_SLIRP_LOG "slirp.log"     /* its output, in the state dir */

/* Parse --net: "none", "host", "bridge", "slirp" or "ns:PATH".  For NET_MODE_NS,
 * *ns_path points into `mode` (the path after "ns:").  NULL mode means
 * bridge.  The CLI uses the mode to build the config's namespaces: a new
 * "network" namespace for none and bridge, one with "path" for ns:PATH,
 * none at all for host. */
int net_mode_parse(const char *mode, enum net_mode *out, const char **ns_path,
		   struct cell_err *e);

/* A published port: -p [IP:]HOSTPORT:CTRPORT[/tcp|udp]. */
struct net_publish {
	struct in_addr host_ip; /* INADDR_ANY (0) = every local address */
	uint16_t host_port;
	uint16_t ctr_port;
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
};

int net_publish_parse(const char *spec, struct net_publish *out,
		      struct cell_err *e);

struct net_opts {
	const char *mode;   /* as net_mode_parse(); NULL = "bridge" */
	const char *bridge; /* NULL = NET_DEFAULT_BRIDGE */
	const char *subnet; /* IPv4 CIDR, NULL = NET_DEFAULT_SUBNET */
	const char *ifname; /* name inside the container, NULL = "eth0" */
	const struct net_publish *publish; /* bridge and slirp modes */
	size_t n_publish;
	/* Opt-ins that change the host namespace's settings (never set in
	   tests): net.ipv4.ip_forward=1 (needed for traffic from other
	   hosts to published ports and for the container to get out), and a
	   masquerade rule for the subnet leaving through other interfaces. */
	bool ip_forward;
	bool masquerade;
};

struct net_result {
	enum net_mode mode;
	char ip[INET_ADDRSTRLEN];      /* bridge: the container's address; else "" */
	char gateway[INET_ADDRSTRLEN]; /* bridge: the bridge's address; else "" */
	unsigned prefix_len;           /* bridge: of the subnet */
	char host_ifname[16];          /* bridge: the veth's host end */
	/* slirp: the write end of slirp4netns's exit pipe (close-on-exec),
	   else -1.  slirp4netns ends when its last copy closes: the caller
	   keeps it open exactly as long as the container should have a
	   network -- the people's run leaves it in the process that waits
	   for the init (the foreground run, the detached monitor), so
	   slirp4netns ends with that process even when no delete comes. */
	int slirp_exit_fd;
};

/* Configure the network of the container `id` (state root `root`, init
 * `pid`, state dir `state_dirfd`).  none: lo up.  bridge: the bridge
 * (created and addressed if missing), an address leased from the subnet,
 * a veth with `ifname` inside, lo and it up, the default route via the
 * gateway, then the published ports.  slirp: slirp4netns started on the
 * init's namespaces (it must be able to open /proc/<pid>/ns/{user,net}),
 * waited for, then one host forward per published port through its API
 * socket (an address-less -p binds 127.0.0.1).  host and ns: nothing to
 * do.  What
 * is made is recorded in NET_STATE_FILE as it is made, so a failure
 * half-way is undone by net_release() (which the caller's delete runs). */
int net_setup(const struct net_opts *o, const char *root, const char *id,
	      pid_t pid, int state_dirfd, struct net_result *out,
	      struct cell_err *e);

/* Sweep what crashed runs left behind under `root`: leases and published
 * port rules of containers whose state dir is gone, and slirp4netns
 * processes whose container's init is gone (normally they end with the
 * run that started them, see slirp_exit_fd; this catches the rest).
 * Call it before each people's run; it takes the same locks as
 * net_setup. */
int net_gc(const char *root, struct cell_err *e);

/* The container's /etc/hosts: localhost lines, "IP hostname" (when ip is
 * NULL or "", hostname goes on 127.0.1.1), then each add_hosts entry
 * "NAME:IP" (--add-host).  add_hosts is NULL-terminated or NULL.  *out is
 * malloc'd. */
int net_hosts_file(const char *hostname, const char *ip,
		   const char *const *add_hosts, char **out, struct cell_err *e);

/* The container's /etc/resolv.conf.  With dns (NULL-terminated, --dns)
 * non-empty: those nameservers.  Else the host's /etc/resolv.conf
 * nameservers (and search/options lines), leaving out loopback ones
 * (127.0.0.53 of systemd-resolved cannot be reached from a container);
 * when none is left, *out = NULL and the caller decides.  *out is
 * malloc'd. */
int net_resolv_conf(const char *const *dns, char **out, struct cell_err *e);
/* The same, reading the host's file from `host_path` (tests). */
int net_resolv_conf_from(const char *host_path, const char *const *dns,
			 char **out, struct cell_err *e);

#endif
