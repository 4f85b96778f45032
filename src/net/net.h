/* Network links over netlink (libmnl): loopback, veth pairs, bridges. */
#ifndef CELL_NET_NET_H
#define CELL_NET_NET_H
#include "util/err.h"
#endif
