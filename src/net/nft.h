/* Published ports as nftables DNAT rules in cell's own table, `ip cell`,
 * every rule tagged with a comment naming its owner.  Internal to
 * src/net. */
#ifndef CELL_NET_NFT_H
#define CELL_NET_NFT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/ipam.h"
#include "net/net.h"
#include "util/err.h"

#define NFT_TABLE "cell"

/* DNAT each published port to ctr:port, in prerouting (traffic from
 * elsewhere) and output (traffic from this namespace), all tagged
 * `comment` in one atomic batch. */
int nft_publish_add(const char *comment, const struct net_publish *p,
		    size_t n, struct in_addr ctr, struct cell_err *e);
/* Masquerade the subnet leaving through anything but the bridge (once per
 * bridge, tagged "cell-bridge:NAME"). */
int nft_masquerade_ensure(const char *bridge, const struct ipam_subnet *s,
			  struct cell_err *e);
/* Delete every rule of the table whose comment `match` accepts; no table
 * is success.  Tolerates a rule another run removed meanwhile. */
int nft_rules_delete(bool (*match)(const char *comment, void *data),
		     void *data, struct cell_err *e);

#endif
