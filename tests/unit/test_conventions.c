/* runc's conventions for values that mean "not set" (src/oci/conventions.c):
 * one test per convention, each with the value an engine really writes.
 * The resources are parsed the way `create` and `update -r` both read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "oci/config.h"
#include "oci/json.h"

/* Parse a linux.resources object. */
static struct oci_resources parse_res(const char *json)
{
	/* oci_json_parse, as create and update do: it reads integers past
	   INT64_MAX, which jansson alone cannot. */
	json_t *o = NULL;
	struct oci_resources r;
	struct cell_err e;
	cell_err_clear(&e);
	if (oci_json_parse(json, strlen(json), "config.json", &o, &e) < 0)
		fail_msg("bad test JSON %s: %s", json, e.msg);
	if (oci_resources_parse(o, "config.json", "linux.resources", &r, &e) < 0)
		fail_msg("%s: %s", json, e.msg);
	json_decref(o);
	return r;
}

/* A whole config with `extra` members added at the top level. */
static struct oci_config *parse_cfg(const char *extra)
{
	char text[4096];
	snprintf(text, sizeof(text),
		 "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
		 " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
		 "   \"user\": {\"uid\": 0, \"gid\": 0}%s},"
		 " \"linux\": {\"namespaces\": [{\"type\": \"pid\"},"
		 "   {\"type\": \"mount\", \"path\": \"\"}]%s}%s}",
		 strstr(extra, "consoleSize") ? ", \"terminal\": true, "
						"\"consoleSize\": {\"height\": 0, "
						"\"width\": 0}"
					      : "",
		 strstr(extra, "cgroupsPath") ? ", \"cgroupsPath\": \"\"" : "",
		 strstr(extra, "hostname") ? ", \"hostname\": \"\", "
					     "\"domainname\": \"\""
					   : "");
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	if (oci_config_parse(text, strlen(text), "config.json", &c, &e) < 0)
		fail_msg("%s: %s", text, e.msg);
	return c;
}

/* --- memory -------------------------------------------------------------- */

static void test_memory_zero_is_unset(void **state)
{
	(void)state;
	/* What Docker writes for `docker run` without --memory. */
	struct oci_resources r = parse_res(
		"{\"memory\": {\"limit\": 0, \"reservation\": 0, \"swap\": 0,"
		" \"kernel\": 0, \"kernelTCP\": 0}}");
	assert_false(r.memory.limit.set);
	assert_false(r.memory.reservation.set);
	assert_false(r.memory.swap.set);
	assert_false(r.memory.kernel.set);
	assert_false(r.memory.kernel_tcp.set);
	oci_resources_free(&r);
}

static void test_memory_minus_one_is_unlimited(void **state)
{
	(void)state;
	struct oci_resources r =
		parse_res("{\"memory\": {\"limit\": -1, \"swap\": -1}}");
	assert_true(r.memory.limit.set);
	assert_int_equal(r.memory.limit.v, -1);
	assert_true(r.memory.swap.set);
	assert_int_equal(r.memory.swap.v, -1);
	oci_resources_free(&r);
}

static void test_swappiness_uint64_minus_one_is_unset(void **state)
{
	(void)state;
	/* Go's *uint64 holding uint64(-1), and a plain -1. */
	struct oci_resources r = parse_res(
		"{\"memory\": {\"swappiness\": 18446744073709551615}}");
	assert_false(r.memory.swappiness.set);
	oci_resources_free(&r);
	r = parse_res("{\"memory\": {\"swappiness\": -1}}");
	assert_false(r.memory.swappiness.set);
	oci_resources_free(&r);
	/* 0 is a real value here: never swap. */
	r = parse_res("{\"memory\": {\"swappiness\": 0}}");
	assert_true(r.memory.swappiness.set);
	assert_int_equal(r.memory.swappiness.v, 0);
	oci_resources_free(&r);
}

static void test_disable_oom_killer_false_is_unset(void **state)
{
	(void)state;
	struct oci_resources r =
		parse_res("{\"memory\": {\"disableOOMKiller\": false}}");
	assert_false(r.memory.has_disable_oom_killer);
	oci_resources_free(&r);
	r = parse_res("{\"memory\": {\"disableOOMKiller\": true}}");
	assert_true(r.memory.has_disable_oom_killer);
	assert_true(r.memory.disable_oom_killer);
	oci_resources_free(&r);
}

/* --- cpu, cpuset ---------------------------------------------------------- */

static void test_cpu_zero_is_unset(void **state)
{
	(void)state;
	struct oci_resources r = parse_res(
		"{\"cpu\": {\"shares\": 0, \"quota\": 0, \"period\": 0,"
		" \"realtimeRuntime\": 0, \"realtimePeriod\": 0}}");
	assert_false(r.cpu.shares.set);
	assert_false(r.cpu.quota.set);
	assert_false(r.cpu.period.set);
	assert_false(r.cpu.realtime_runtime.set);
	assert_false(r.cpu.realtime_period.set);
	oci_resources_free(&r);
}

static void test_cpu_negative_quota_is_unlimited(void **state)
{
	(void)state;
	struct oci_resources r = parse_res("{\"cpu\": {\"quota\": -7}}");
	assert_true(r.cpu.quota.set);
	assert_int_equal(r.cpu.quota.v, -1);
	oci_resources_free(&r);
}

static void test_cpuset_empty_is_unset(void **state)
{
	(void)state;
	struct oci_resources r =
		parse_res("{\"cpu\": {\"cpus\": \"\", \"mems\": \"\"}}");
	assert_null(r.cpu.cpus);
	assert_null(r.cpu.mems);
	oci_resources_free(&r);
	r = parse_res("{\"cpu\": {\"cpus\": \"0\"}}");
	assert_string_equal(r.cpu.cpus, "0");
	oci_resources_free(&r);
}

/* --- pids ----------------------------------------------------------------- */

static void test_pids_zero_is_unset_negative_is_max(void **state)
{
	(void)state;
	struct oci_resources r = parse_res("{\"pids\": {\"limit\": 0}}");
	assert_false(r.pids_limit.set);
	oci_resources_free(&r);
	r = parse_res("{\"pids\": {\"limit\": -1}}");
	assert_true(r.pids_limit.set);
	assert_int_equal(r.pids_limit.v, -1);
	oci_resources_free(&r);
	r = parse_res("{\"pids\": {\"limit\": -3}}");
	assert_true(r.pids_limit.set);
	assert_int_equal(r.pids_limit.v, -1);
	oci_resources_free(&r);
}

/* --- block I/O, net_cls --------------------------------------------------- */

static void test_blkio_weight_zero_is_unset(void **state)
{
	(void)state;
	/* The value that made every Docker container fail at create. */
	struct oci_resources r = parse_res(
		"{\"blockIO\": {\"weight\": 0, \"leafWeight\": 0,"
		" \"weightDevice\": [{\"major\": 4095, \"minor\": 4095,"
		"   \"weight\": 0, \"leafWeight\": 0},"
		"  {\"major\": 8, \"minor\": 0, \"weight\": 300}]}}");
	assert_false(r.block_io.weight.set);
	assert_false(r.block_io.leaf_weight.set);
	/* A device with neither weight is not written, so not kept. */
	assert_int_equal(r.block_io.n_weight_device, 1);
	assert_int_equal(r.block_io.weight_device[0].major, 8);
	assert_true(r.block_io.weight_device[0].weight.set);
	assert_false(r.block_io.weight_device[0].leaf_weight.set);
	oci_resources_free(&r);
}

static void test_throttle_zero_is_a_value(void **state)
{
	(void)state;
	/* A rate of 0 lifts a device's limit: it is written. */
	struct oci_resources r = parse_res(
		"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8,"
		" \"minor\": 0, \"rate\": 0}]}}");
	assert_int_equal(r.block_io.n_throttle_read_bps, 1);
	assert_int_equal(r.block_io.throttle_read_bps[0].rate, 0);
	oci_resources_free(&r);
}

static void test_net_cls_zero_is_unset(void **state)
{
	(void)state;
	struct oci_resources r = parse_res("{\"network\": {\"classID\": 0}}");
	assert_false(r.network.class_id.set);
	oci_resources_free(&r);
}

static void test_null_and_empty_arrays_are_unset(void **state)
{
	(void)state;
	/* What `docker update` sends: every member, most of them null or
	   empty. */
	struct oci_resources r = parse_res(
		"{\"devices\": null, \"memory\": null, \"cpu\": {\"cpus\": \"\","
		" \"shares\": null}, \"pids\": null, \"blockIO\": {\"weight\": null,"
		" \"weightDevice\": [], \"throttleReadBpsDevice\": null},"
		" \"hugepageLimits\": [], \"network\": null, \"rdma\": {},"
		" \"unified\": null}");
	assert_int_equal(r.n_devices, 0);
	assert_false(r.memory.limit.set);
	assert_false(r.cpu.shares.set);
	assert_null(r.cpu.cpus);
	assert_false(r.pids_limit.set);
	assert_false(r.block_io.weight.set);
	assert_int_equal(r.block_io.n_weight_device, 0);
	assert_int_equal(r.block_io.n_throttle_read_bps, 0);
	assert_int_equal(r.n_hugepage_limits, 0);
	assert_int_equal(r.n_rdma, 0);
	assert_int_equal(r.n_unified, 0);
	oci_resources_free(&r);
}

static void test_out_of_range_still_refused(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"blockIO\": {\"weight\": 5}}",
		"{\"blockIO\": {\"weight\": 1001}}",
		"{\"memory\": {\"swappiness\": 101}}",
		"{\"memory\": {\"swappiness\": -2}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *o = json_loads(bad[i], 0, NULL);
		struct oci_resources r;
		struct cell_err e;
		cell_err_clear(&e);
		if (oci_resources_parse(o, "config.json", "linux.resources", &r,
					&e) == 0)
			fail_msg("%s was accepted", bad[i]);
		assert_non_null(strstr(e.msg, "linux.resources."));
		json_decref(o);
	}
}

/* --- process and linux ---------------------------------------------------- */

static void test_empty_strings_are_unset(void **state)
{
	(void)state;
	struct oci_config *c = parse_cfg("hostname cgroupsPath");
	assert_null(c->hostname);
	assert_null(c->domainname);
	assert_null(c->linux.cgroups_path);
	/* {"type": "mount", "path": ""}: create it, join nothing. */
	assert_true(c->linux.namespaces[OCI_NS_MOUNT].enabled);
	assert_null(c->linux.namespaces[OCI_NS_MOUNT].path);
	oci_config_free(c);
}

static void test_console_size_zero_is_unset(void **state)
{
	(void)state;
	struct oci_config *c = parse_cfg("consoleSize");
	assert_true(c->process.terminal);
	assert_false(c->process.has_console_size);
	oci_config_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_zero_is_unset),
		cmocka_unit_test(test_memory_minus_one_is_unlimited),
		cmocka_unit_test(test_swappiness_uint64_minus_one_is_unset),
		cmocka_unit_test(test_disable_oom_killer_false_is_unset),
		cmocka_unit_test(test_cpu_zero_is_unset),
		cmocka_unit_test(test_cpu_negative_quota_is_unlimited),
		cmocka_unit_test(test_cpuset_empty_is_unset),
		cmocka_unit_test(test_pids_zero_is_unset_negative_is_max),
		cmocka_unit_test(test_blkio_weight_zero_is_unset),
		cmocka_unit_test(test_throttle_zero_is_a_value),
		cmocka_unit_test(test_net_cls_zero_is_unset),
		cmocka_unit_test(test_null_and_empty_arrays_are_unset),
		cmocka_unit_test(test_out_of_range_still_refused),
		cmocka_unit_test(test_empty_strings_are_unset),
		cmocka_unit_test(test_console_size_zero_is_unset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
