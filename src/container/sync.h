/* Parent/child synchronisation over a SOCK_SEQPACKET socketpair: one
 * message a datagram, optionally carrying one fd (SCM_RIGHTS). */
#ifndef CELL_CONTAINER_SYNC_H
#define CELL_CONTAINER_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

enum sync_type {
	SYNC_GO = 1,    /* parent -> child: maps written, cgroup joined */
	SYNC_HOOKS,     /* child -> parent: namespaces ready, run prestart and
			   createRuntime hooks */
	SYNC_HOOKS_DONE, /* parent -> child */
	SYNC_CONSOLE,   /* child -> parent: the pty master (fd attached) */
	SYNC_READY,     /* child -> parent: waiting for start */
	SYNC_START,     /* -> child: exec the process now */
	SYNC_ERROR,     /* child -> parent: setup failed; text says why */
	SYNC_PID,       /* exec child -> parent: its own child carries on
			   (value: that pid) */
};

struct sync_msg {
	uint32_t type;
	int32_t value; /* SYNC_GO: the child's pid as the runtime sees it;
			  SYNC_ERROR: errno */
	char text[CELL_ERR_MAX];
};

/* Send a message; fd >= 0 is passed along. */
int sync_send(int sock, enum sync_type type, int32_t value, const char *text,
	      int fd, struct cell_err *e);

/* Receive one message.  *fd gets a passed fd or -1 (fd may be NULL when
 * none is expected).  A closed peer is -EPIPE. */
int sync_recv(int sock, struct sync_msg *m, int *fd, struct cell_err *e);

/* Receive, expecting `type`; a SYNC_ERROR turns into the child's error. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *m, int *fd,
		struct cell_err *e);

/* Child side: report e to the parent. */
void sync_send_error(int sock, const struct cell_err *e);

#endif
