/* Container networking over netlink (libmnl): loopback, veth pairs, a
 * bridge, addresses and routes; published ports through nftables. */
#ifndef CELL_NET_NET_H
#define CELL_NET_NET_H

#include "util/err.h"

/* Undo what the people's networking recorded in the container's state dir
 * (NET_STATE_FILE): veth, address lease, published-port rules.  Called by
 * delete for every container; nothing recorded is success. */
#define NET_STATE_FILE "net.json"
int net_release(int state_dirfd, struct cell_err *e);

#endif
