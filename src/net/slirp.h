/* Inside src/net: --net slirp, for setup.c. */
#ifndef CELL_NET_SLIRP_H
#define CELL_NET_SLIRP_H

#include <jansson.h>
#include <sys/types.h>

#include "net/net.h"

/* Start slirp4netns on the namespaces of `pid` with its API socket and
 * log in the state dir (whose absolute path is `state_dir`), wait until
 * it is ready, add the published ports.  Records what it starts in `st`
 * (saved to NET_STATE_FILE before anything is left to undo). */
int slirp_setup(const struct net_opts *o, const char *state_dir, pid_t pid,
		int state_dirfd, json_t *st, struct net_result *out,
		struct cell_err *e);

/* Stop the slirp4netns recorded in `st` (when it is still the same
 * process), remove its socket.  Nothing recorded is success. */
int slirp_release(json_t *st, int state_dirfd, struct cell_err *e);

/* Stop every slirp4netns recorded under the state root whose container's
 * init is gone. */
int slirp_gc(int rootfd, struct cell_err *e);

/* setup.c: write NET_STATE_FILE. */
int net_state_save(int state_dirfd, json_t *st, struct cell_err *e);

#endif
