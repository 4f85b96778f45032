/* Shared between the files of src/trace: the buffer's layout. */
#ifndef CELL_TRACE_INTERNAL_H
#define CELL_TRACE_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/err.h"

enum trace_rec_kind {
	TRACE_REC_FREE = 0, /* reserved, not written yet (or never) */
	TRACE_REC_SPAN,
	TRACE_REC_EXPLAIN,
	TRACE_REC_PROCESS, /* a process's track name */
};

#define TRACE_OPEN UINT64_MAX /* dur of a span that has not ended */

/* One fixed-size record: a fork that dies mid-way leaves at worst one
 * record unwritten (kind stays FREE, so the reader skips it). */
struct trace_rec {
	uint32_t kind; /* written last (release), read first (acquire) */
	int32_t pid;   /* as the host sees it */
	uint64_t ts;   /* µs, the host's CLOCK_MONOTONIC */
	uint64_t dur;  /* µs, spans only */
	uint32_t depth; /* spans open in this process when it began */
	char name[40];
	char detail[768];
	char why[200];
	char file[48];
};

struct trace_buf {
	uint32_t next; /* slots handed out so far (atomic) */
	uint32_t cap;
	struct trace_rec rec[];
};

/* This process's view of the tracing set-up. */
struct trace_state {
	struct trace_buf *buf; /* the shared mapping, NULL when off */
	size_t map_len;
	int fd;         /* the --trace FILE, open in the owner only */
	pid_t owner;    /* the process that set up (and writes) */
	pid_t self;     /* our pid as the host sees it */
	int64_t offset; /* µs this process's monotonic clock runs ahead */
	unsigned int mode;
	int command_span; /* the slot of the whole command's span */
	uint32_t depth;   /* spans open in this process now */
	const char *path;
	const char *command;
};

extern struct trace_state trace_st;

/* Write the trace file or table, and the explanation (report.c). */
int trace_report(const struct trace_rec *recs, size_t n, uint64_t now,
		 struct cell_err *e);

#endif
