/* Signal names and sizes as the command line reads them. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli/cli.h"

static void test_signals(void **state)
{
	(void)state;
	assert_int_equal(cli_parse_signal("TERM"), SIGTERM);
	assert_int_equal(cli_parse_signal("SIGTERM"), SIGTERM);
	assert_int_equal(cli_parse_signal("sigterm"), SIGTERM);
	assert_int_equal(cli_parse_signal("15"), SIGTERM);
	assert_int_equal(cli_parse_signal("KILL"), SIGKILL);
	assert_int_equal(cli_parse_signal("9"), SIGKILL);
	assert_int_equal(cli_parse_signal("HUP"), SIGHUP);
	assert_int_equal(cli_parse_signal("SIGUSR1"), SIGUSR1);
	assert_int_equal(cli_parse_signal("WINCH"), SIGWINCH);
	assert_int_equal(cli_parse_signal("RTMIN+2"), 36);
	assert_int_equal(cli_parse_signal("SIGRTMAX-1"), 63);
	assert_int_equal(cli_parse_signal("FOO"), -1);
	assert_int_equal(cli_parse_signal(""), -1);
	assert_int_equal(cli_parse_signal("0"), -1);
	assert_int_equal(cli_parse_signal("-9"), -1);
	assert_int_equal(cli_parse_signal("65"), -1);
	assert_int_equal(cli_parse_signal("RTMIN+99"), -1);
	assert_int_equal(cli_parse_signal(NULL), -1);
}

static void test_sizes(void **state)
{
	(void)state;
	long long v;
	assert_int_equal(cli_parse_size("1024", &v), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(cli_parse_size("64m", &v), 0);
	assert_int_equal(v, 64LL << 20);
	assert_int_equal(cli_parse_size("64M", &v), 0);
	assert_int_equal(v, 64LL << 20);
	assert_int_equal(cli_parse_size("1g", &v), 0);
	assert_int_equal(v, 1LL << 30);
	assert_int_equal(cli_parse_size("1gb", &v), 0);
	assert_int_equal(v, 1LL << 30);
	assert_int_equal(cli_parse_size("2KiB", &v), 0);
	assert_int_equal(v, 2048);
	assert_int_equal(cli_parse_size("1.5k", &v), 0);
	assert_int_equal(v, 1536);
	assert_int_equal(cli_parse_size("-1", &v), 0);
	assert_int_equal(v, -1);
	assert_true(cli_parse_size("12q", &v) < 0);
	assert_true(cli_parse_size("", &v) < 0);
	assert_true(cli_parse_size("m", &v) < 0);
	assert_true(cli_parse_size("-5", &v) < 0);
	assert_true(cli_parse_size("1mm", &v) < 0);
	assert_true(cli_parse_size("99999999t", &v) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
