/* rtnetlink over libmnl: the few link, address and route operations the
 * container network needs.  Internal to src/net. */
#ifndef CELL_NET_NETLINK_H
#define CELL_NET_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>

#include "util/err.h"

struct mnl_socket;

/* A NETLINK_ROUTE socket bound to one network namespace: the one it was
 * created in, whatever namespace the caller later moves to. */
struct nl {
	struct mnl_socket *sock;
	unsigned seq;
	unsigned portid;
};

int nl_open(struct nl *nl, struct cell_err *e);
/* A socket in the network namespace `nsfd` (an open /proc/PID/ns/net or a
 * bind-mounted one): a short-lived child joins it, makes the socket and
 * hands it back, so this process never leaves its own namespace. */
int nl_open_in_netns(struct nl *nl, int nsfd, struct cell_err *e);
void nl_close(struct nl *nl);

/* -ENODEV when there is no link of that name. */
int nl_link_index(struct nl *nl, const char *name, unsigned *ifindex,
		  struct cell_err *e);
/* -EEXIST when a link of that name exists. */
int nl_bridge_add(struct nl *nl, const char *name, struct cell_err *e);
/* A veth pair: `name` here, `peer` created directly in the namespace
 * `peer_nsfd` (or here when it is -1). */
int nl_veth_add(struct nl *nl, const char *name, const char *peer,
		int peer_nsfd, struct cell_err *e);
int nl_link_del(struct nl *nl, const char *name, struct cell_err *e);
int nl_link_set_up(struct nl *nl, unsigned ifindex, struct cell_err *e);
int nl_link_set_master(struct nl *nl, unsigned ifindex, unsigned master,
		       struct cell_err *e);
/* -EEXIST when the address is already there. */
int nl_addr_add(struct nl *nl, unsigned ifindex, struct in_addr addr,
		unsigned prefix_len, struct cell_err *e);
int nl_route_add_default(struct nl *nl, struct in_addr gateway,
			 struct cell_err *e);

#endif
