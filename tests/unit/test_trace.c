/* trace: the words of explanations, the cost of being off, and a trace
 * recorded by two processes read back as a viewer would (jansson). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/syscalls.h"

static const char *fake_cap_name(int cap)
{
	return cap == 0 ? "CAP_CHOWN" : cap == 21 ? "CAP_SYS_ADMIN" : NULL;
}

static void test_words(void **state)
{
	(void)state;
	char buf[256];
	trace_fmt_clone_flags(CLONE_NEWUSER | CLONE_NEWPID | CLONE_PIDFD, buf,
			      sizeof(buf));
	assert_string_equal(buf, "CLONE_NEWUSER|CLONE_NEWPID|CLONE_PIDFD");
	trace_fmt_clone_flags(0, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	trace_fmt_ns_purpose(CLONE_NEWNET | CLONE_PIDFD, buf, sizeof(buf));
	assert_string_equal(buf, "its own network stack");
	trace_fmt_caps((1ull << 0) | (1ull << 21) | (1ull << 40),
		       fake_cap_name, buf, sizeof(buf));
	assert_string_equal(buf, "CAP_CHOWN,CAP_SYS_ADMIN,CAP_40");
	trace_fmt_caps(0, fake_cap_name, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	assert_string_equal(trace_ms_str(MS_SLAVE | MS_REC), "MS_REC|MS_SLAVE");
	assert_string_equal(trace_attr_str(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID),
			    "MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID");
	assert_string_equal(trace_attr_str(0), "0");
}

static void test_words_truncate(void **state)
{
	(void)state;
	char small[12];
	memset(small, 'x', sizeof(small));
	size_t n = trace_fmt_clone_flags(CLONE_NEWUSER | CLONE_NEWPID, small,
					 sizeof(small));
	/* snprintf's rule: the full length, a terminated prefix */
	assert_int_equal(n, strlen("CLONE_NEWUSER|CLONE_NEWPID"));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	char none[1] = { 'x' };
	trace_fmt_caps(~0ull, NULL, none, 0);
	assert_int_equal(none[0], 'x');
}

static int evaluated;
static const char *count_eval(void)
{
	evaluated++;
	return "x";
}

static void test_off_costs_nothing(void **state)
{
	(void)state;
	assert_int_equal(trace_mode, 0);
	int slot = TRACE_BEGIN("step");
	assert_int_equal(slot, -1);
	TRACE_END(slot);
	EXPLAIN(count_eval(), "call(%s)", count_eval());
	assert_int_equal(evaluated, 0);
	assert_int_equal(TRACED("x", 7), 7);
	struct cell_err e;
	assert_int_equal(trace_finish(&e), 0); /* nothing set up: nothing */
}

static json_t *load_json(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	if (!doc)
		fail_msg("%s: %s (line %d)", path, err.text, err.line);
	return doc;
}

/* The events of `name` (and ph), in file order. */
static json_t *find(json_t *events, const char *ph, const char *name, size_t nth)
{
	size_t i, k = 0;
	json_t *ev;
	json_array_foreach(events, i, ev) {
		if (strcmp(json_string_value(json_object_get(ev, "ph")), ph) ||
		    strcmp(json_string_value(json_object_get(ev, "name")), name))
			continue;
		if (k++ == nth)
			return ev;
	}
	return NULL;
}

static long long num(json_t *ev, const char *key)
{
	return (long long)json_integer_value(json_object_get(ev, key));
}

static void test_two_processes(void **state)
{
	(void)state;
	char path[] = "/tmp/cell-trace-test.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	struct trace_opts o = { .mode = TRACE_TIMING | TRACE_EXPLAIN,
				.path = path, .command = "run" };
	struct cell_err e;
	assert_int_equal(trace_setup(&o, &e), 0);
	/* a second --trace is refused; adding --explain is not */
	assert_true(trace_setup(&o, &e) < 0);
	assert_non_null(strstr(e.msg, "given twice"));

	int outer = TRACE_BEGINF("outer", "detail %d", 42);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		trace_process("init");
		int s = TRACE_BEGIN("child step");
		EXPLAIN("because", "mount(\"%s\")", "/x");
		usleep(2000);
		TRACE_END(s);
		TRACE_BEGIN("never ends"); /* as before an execve */
		_exit(trace_finish(&e) == 0 ? 0 : 1); /* not the owner: no-op */
	}
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	TRACE_END(outer);

	int saved = dup(STDOUT_FILENO), sink = open("/dev/null", O_WRONLY);
	dup2(sink, STDERR_FILENO); /* the explanation goes to stderr */
	assert_int_equal(trace_finish(&e), 0);
	dup2(saved, STDERR_FILENO);
	close(sink);
	close(saved);
	assert_int_equal(trace_mode, 0);

	json_t *doc = load_json(path);
	json_t *events = json_object_get(doc, "traceEvents");
	json_t *run = find(events, "M", "process_name", 0);
	json_t *init = find(events, "M", "process_name", 1);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(run, "args"), "name")),
			    "cell run");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(init, "args"), "name")),
			    "init");
	assert_int_equal(num(run, "pid"), getpid());
	assert_int_equal(num(init, "pid"), child);

	json_t *o1 = find(events, "X", "outer", 0);
	json_t *c1 = find(events, "X", "child step", 0);
	json_t *whole = find(events, "X", "run", 0);
	assert_non_null(o1);
	assert_non_null(c1);
	assert_non_null(whole);
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(o1, "args"), "detail")),
			    "detail 42");
	assert_int_equal(num(c1, "pid"), child);
	assert_true(num(c1, "dur") >= 2000);
	/* one clock: the child's step lies inside the parent's */
	assert_true(num(o1, "ts") <= num(c1, "ts"));
	assert_true(num(c1, "ts") + num(c1, "dur") <= num(o1, "ts") + num(o1, "dur"));
	assert_true(num(whole, "ts") <= num(o1, "ts"));
	json_t *open_span = find(events, "X", "never ends", 0);
	assert_true(json_is_true(json_object_get(json_object_get(open_span, "args"),
						 "unfinished")));
	json_t *call = find(events, "i", "mount", 0);
	assert_non_null(call);
	json_t *args = json_object_get(call, "args");
	assert_string_equal(json_string_value(json_object_get(args, "call")),
			    "mount(\"/x\")");
	assert_string_equal(json_string_value(json_object_get(args, "why")),
			    "because");
	assert_string_equal(json_string_value(json_object_get(args, "source")),
			    "tests/unit/test_trace.c");
	json_decref(doc);
	unlink(path);
}

static void test_table_and_overflow(void **state)
{
	(void)state;
	char out[] = "/tmp/cell-trace-table.XXXXXX";
	int fd = mkstemp(out);
	assert_true(fd >= 0);
	struct trace_opts o = { .mode = TRACE_TIMING, .path = "-",
				.command = "create" };
	struct cell_err e;
	assert_int_equal(trace_setup(&o, &e), 0);
	int a = TRACE_BEGIN("parse");
	TRACE_END(a);
	int b = TRACE_BEGIN("mounts");
	int c = TRACE_BEGINF("mount", "%s", "/proc");
	TRACE_END(c);
	TRACE_END(b);
	/* far past the buffer: later records are dropped, nothing breaks */
	for (int i = 0; i < 10000; i++)
		EXPLAIN("why", "call%d()", i);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	assert_int_equal(trace_finish(&e), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	char text[4096] = { 0 };
	assert_true(pread(fd, text, sizeof(text) - 1, 0) > 0);
	close(fd);
	unlink(out);
	assert_non_null(strstr(text, "cell trace: create,"));
	assert_non_null(strstr(text, "100.0%  runtime  create\n"));
	assert_non_null(strstr(text, "runtime    parse\n"));
	assert_non_null(strstr(text, "runtime      mount (/proc)\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_words_truncate),
		cmocka_unit_test(test_off_costs_nothing),
		cmocka_unit_test(test_two_processes),
		cmocka_unit_test(test_table_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
