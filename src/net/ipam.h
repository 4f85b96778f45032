/* IPv4 address leases on a bridge's subnet, shared by concurrent runs
 * through a lock file.  Internal to src/net. */
#ifndef CELL_NET_IPAM_H
#define CELL_NET_IPAM_H

#include <netinet/in.h>
#include <stdbool.h>

#include "util/err.h"

struct ipam_subnet {
	struct in_addr net; /* network address, host bits zero */
	unsigned prefix_len;
};

/* "A.B.C.D/N" with N in 8..30 (room for a gateway and one host). */
int ipam_parse_subnet(const char *cidr, struct ipam_subnet *out,
		      struct cell_err *e);
/* The gateway: the subnet's first host. */
struct in_addr ipam_gateway(const struct ipam_subnet *s);

/* Lease the lowest free host address (not the gateway) of `s` for
 * `owner`, recorded in DIR/BRIDGE.leases under DIR/BRIDGE.lock. */
int ipam_lease(const char *dir, const char *bridge,
	       const struct ipam_subnet *s, const char *owner,
	       struct in_addr *out, struct cell_err *e);
/* Drop every lease of `owner` (none is success). */
int ipam_release(const char *dir, const char *bridge, const char *owner,
		 struct cell_err *e);
/* Drop the leases whose owner `alive` says is gone; `gone` (may be NULL)
 * is told about each. */
int ipam_sweep(const char *dir, const char *bridge,
	       bool (*alive)(const char *owner, void *data),
	       void (*gone)(const char *owner, void *data), void *data,
	       struct cell_err *e);

#endif
