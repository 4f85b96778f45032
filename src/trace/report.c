/* What a trace turns into at the end of a command: Chrome trace-event
 * JSON (Perfetto, chrome://tracing), a table for `--trace -`, and the
 * explanation for --explain. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace/internal.h"
#include "trace/trace.h"
#include "util/cleanup.h"

static const char *process_name(const struct trace_rec *recs, size_t n,
				pid_t pid)
{
	const char *name = NULL;
	for (size_t i = 0; i < n; i++)
		if (recs[i].kind == TRACE_REC_PROCESS && recs[i].pid == pid)
			name = recs[i].name; /* the last one given wins */
	return name ? name : "cell";
}

/* A short name for a track: "runtime", "init", "exec", "monitor". */
static void track_label(const struct trace_rec *recs, size_t n, pid_t pid,
			char *buf, size_t len)
{
	const char *name = process_name(recs, n, pid);
	if (pid == trace_st.owner || !strncmp(name, "cell ", 5))
		name = "runtime";
	snprintf(buf, len, "%.*s", (int)strcspn(name, " "), name);
}

/* Spans still open (a process killed or exec'd inside one) end now, and
 * say so. */
static uint64_t span_dur(const struct trace_rec *r, uint64_t now)
{
	if (r->dur != TRACE_OPEN)
		return r->dur;
	return now > r->ts ? now - r->ts : 0;
}

static json_t *event_json(const struct trace_rec *r, uint64_t now)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I}", "name", r->name,
			      "cat", r->kind == TRACE_REC_SPAN ? "step" : "kernel",
			      "ts", (json_int_t)r->ts, "pid", (json_int_t)r->pid,
			      "tid", (json_int_t)r->pid);
	if (!o)
		return NULL;
	json_t *args = json_object();
	if (r->kind == TRACE_REC_SPAN) {
		json_object_set_new(o, "ph", json_string("X"));
		json_object_set_new(o, "dur", json_integer((json_int_t)span_dur(r, now)));
		if (r->detail[0])
			json_object_set_new(args, "detail", json_string(r->detail));
		if (r->dur == TRACE_OPEN)
			json_object_set_new(args, "unfinished", json_true());
	} else {
		/* an instant on its process's track */
		json_object_set_new(o, "ph", json_string("i"));
		json_object_set_new(o, "s", json_string("t"));
		json_object_set_new(args, "call", json_string(r->detail));
		json_object_set_new(args, "why", json_string(r->why));
		json_object_set_new(args, "source", json_string(r->file));
	}
	json_object_set_new(o, "args", args);
	return o;
}

static int write_json(int fd, const struct trace_rec *recs, size_t n,
		      uint64_t now, struct cell_err *e)
{
	json_t *events = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct trace_rec *r = &recs[i];
		json_t *o;
		if (r->kind == TRACE_REC_PROCESS) {
			o = json_pack("{s:s, s:s, s:I, s:I, s:{s:s}}", "name",
				      "process_name", "ph", "M", "pid",
				      (json_int_t)r->pid, "tid",
				      (json_int_t)r->pid, "args", "name",
				      r->name);
		} else {
			o = event_json(r, now);
		}
		if (o)
			json_array_append_new(events, o);
	}
	json_t *doc = json_pack("{s:o, s:s, s:{s:s, s:s}}", "traceEvents",
				events, "displayTimeUnit", "ms", "otherData",
				"command", trace_st.command, "clock",
				"CLOCK_MONOTONIC, microseconds");
	_cleanup_free_ char *text = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
	json_decref(doc);
	if (!text)
		return cell_err_msg(e, ENOMEM, "--trace: JSON");
	size_t len = strlen(text), off = 0;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return cell_err_sys(e, errno, "--trace %s", trace_st.path);
		}
		off += (size_t)w;
	}
	if (write(fd, "\n", 1) != 1)
		return cell_err_sys(e, errno, "--trace %s", trace_st.path);
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct trace_rec *x = *(const struct trace_rec *const *)a;
	const struct trace_rec *y = *(const struct trace_rec *const *)b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	/* the same start: the enclosing one first */
	return (x->depth > y->depth) - (x->depth < y->depth);
}

static void write_table(FILE *out, const struct trace_rec *recs, size_t n,
			uint64_t now)
{
	size_t ns = 0;
	const struct trace_rec **spans = calloc(n ? n : 1, sizeof(*spans));
	if (!spans)
		return;
	uint64_t t0 = UINT64_MAX, t1 = 0;
	for (size_t i = 0; i < n; i++) {
		if (recs[i].kind != TRACE_REC_SPAN)
			continue;
		spans[ns++] = &recs[i];
		uint64_t end = recs[i].ts + span_dur(&recs[i], now);
		if (recs[i].ts < t0)
			t0 = recs[i].ts;
		if (end > t1)
			t1 = end;
	}
	/* only the command's own span: nothing was done */
	if (ns < 2) {
		free(spans);
		return;
	}
	qsort(spans, ns, sizeof(*spans), by_start);
	double total = ns && t1 > t0 ? (double)(t1 - t0) : 1.0;
	fprintf(out, "cell trace: %s, %.3f ms from the first step to the last\n",
		trace_st.command, ns ? (double)(t1 - t0) / 1000.0 : 0.0);
	fprintf(out, "%10s %9s %6s  %-8s %s\n", "start ms", "µs", "share",
		"process", "step");
	for (size_t i = 0; i < ns; i++) {
		const struct trace_rec *r = spans[i];
		uint64_t d = span_dur(r, now);
		int depth = r->depth < 16 ? (int)r->depth : 16;
		char proc[16];
		track_label(recs, n, r->pid, proc, sizeof(proc));
		fprintf(out, "%10.3f %9llu %5.1f%%  %-8s %*s%s%s%s%s\n",
			(double)(r->ts - t0) / 1000.0, (unsigned long long)d,
			100.0 * (double)d / total, proc, 2 * depth, "",
			r->name, r->detail[0] ? " (" : "", r->detail,
			r->detail[0] ? ")" : "");
	}
	free(spans);
}

/* Everything up to the container's execve: the calls after it (poststart
 * hooks, teardown) do not isolate anything. */
static size_t explain_end(const struct trace_rec *recs, size_t n)
{
	size_t end = n;
	for (size_t i = 0; i < n; i++)
		if (recs[i].kind == TRACE_REC_EXPLAIN &&
		    !strncmp(recs[i].name, "execve", 6))
			end = i + 1;
	return end;
}

static void write_explain(FILE *out, const struct trace_rec *recs, size_t n)
{
	size_t end = explain_end(recs, n), k = 0, calls = 0;
	for (size_t i = 0; i < end; i++)
		calls += recs[i].kind == TRACE_REC_EXPLAIN;
	/* a command that failed before any call: its error line says it all */
	if (!calls)
		return;
	fprintf(out, "cell explain: the kernel calls that isolate this container, in order%s\n",
		trace_dry_run() ? " (--dry-run: built, never run, then removed)" : "");
	for (size_t i = 0; i < end; i++) {
		const struct trace_rec *r = &recs[i];
		if (r->kind != TRACE_REC_EXPLAIN)
			continue;
		char proc[16];
		track_label(recs, n, r->pid, proc, sizeof(proc));
		fprintf(out, "%3zu  %-8s %s\n", ++k, proc, r->detail);
		fprintf(out, "               %s\n", r->why);
		fprintf(out, "               %s\n", r->file);
	}
}

int trace_report(const struct trace_rec *recs, size_t n, uint64_t now,
		 struct cell_err *e)
{
	int r = 0;
	/* Without a process of its own to run, the explanation is the
	   command's output; else the container's output has stdout. */
	FILE *report = trace_dry_run() ? stdout : stderr;
	if (trace_st.mode & TRACE_EXPLAIN) {
		write_explain(report, recs, n);
		fflush(report);
	}
	if (!(trace_st.mode & TRACE_TIMING))
		return 0;
	if (trace_st.fd >= 0) {
		if (ftruncate(trace_st.fd, 0) == 0)
			lseek(trace_st.fd, 0, SEEK_SET);
		r = write_json(trace_st.fd, recs, n, now, e);
	} else {
		write_table(report, recs, n, now);
		fflush(report);
	}
	return r;
}
