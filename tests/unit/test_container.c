/* Container ids and the status of a process by pid and start time. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "container/state.h"

static void test_valid_ids(void **state)
{
	(void)state;
	static const char *const ok[] = { "a", "abc", "A1", "0x", "a_b", "a.b",
					  "a+b", "a-b", "web-1.2_x+y" };
	struct cell_err e;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(container_validate_id(ok[i], &e), 0);
	char *max = malloc(1025);
	memset(max, 'a', 1024);
	max[1024] = '\0';
	assert_int_equal(container_validate_id(max, &e), 0);
	free(max);
}

static void test_invalid_ids(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "../x", "a/b", ".hidden", "-a",
					   "_a", "a b", "a\nb", "a:b", "..",
					   "/abs", "a*", "é" };
	struct cell_err e;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(container_validate_id(bad[i], &e), -EINVAL);
		assert_non_null(strstr(e.msg, "id"));
		assert_null(strchr(e.msg, '\n'));
	}
	assert_int_equal(container_validate_id(NULL, &e), -EINVAL);
	char *big = malloc(1026);
	memset(big, 'a', 1025);
	big[1025] = '\0';
	assert_int_equal(container_validate_id(big, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "1024"));
	free(big);
}

/* A pid's start time tells a live process from a reused pid. */
static void test_start_time(void **state)
{
	(void)state;
	uint64_t a, b;
	char st;
	assert_int_equal(proc_start_time(getpid(), &a, &st), 0);
	assert_int_equal(proc_start_time(getpid(), &b, NULL), 0);
	assert_true(a == b);
	assert_true(st == 'R' || st == 'S');

	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	uint64_t c;
	/* a zombie still has its start time, and state Z */
	usleep(100000);
	assert_int_equal(proc_start_time(pid, &c, &st), 0);
	assert_int_equal(st, 'Z');
	assert_true(c >= a);
	waitpid(pid, NULL, 0);
	assert_true(proc_start_time(pid, &c, &st) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_ids),
		cmocka_unit_test(test_invalid_ids),
		cmocka_unit_test(test_start_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
