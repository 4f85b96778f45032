/* The container's console: a pty from the container's own devpts (never a
 * path the container could swap), its master handed to the engine over
 * --console-socket, its slave the process's stdio and controlling tty. */
#ifndef CELL_CONTAINER_CONSOLE_H
#define CELL_CONTAINER_CONSOLE_H

#include <stdbool.h>

#include "oci/config.h"
#include "util/err.h"

/* In the container, after pivot_root: open /dev/pts/ptmx, get the peer
 * with TIOCGPTPEER, size it, and (for the init, not exec) bind it over
 * /dev/console. */
int console_open(const struct oci_process *p, bool bind_console,
		 int *master, int *slave, struct cell_err *e);

/* Make slave the controlling terminal (new session) and stdin/out/err. */
int console_attach(int slave, struct cell_err *e);

/* Send an fd over a unix socket (SCM_RIGHTS), with `name` as the data, the
 * way runc does for --console-socket. */
int console_send_fd(int sock, int fd, const char *name, struct cell_err *e);

/* Connect to a unix socket path (the engine's --console-socket). */
int console_connect(const char *path, struct cell_err *e);

#endif
