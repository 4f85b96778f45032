/* The systemd driver's pure parts: slice expansion, cgroupsPath parsing
 * and the org.systemd.property.* value syntax.  What systemd does with
 * them is tested in the VM (tests/systemd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "cgroup/internal.h"
#include "cgroup/sdbus.h"

static void expands(const char *slice, const char *want)
{
	char *got = NULL;
	struct cell_err e;
	assert_int_equal(cg_systemd_expand_slice(slice, &got, &e), 0);
	assert_string_equal(got, want);
	free(got);
}

static void refused(const char *slice)
{
	char *got = NULL;
	struct cell_err e;
	assert_true(cg_systemd_expand_slice(slice, &got, &e) < 0);
	assert_null(got);
	assert_non_null(strstr(e.msg, "is not a slice name"));
}

static void test_expand_slice(void **state)
{
	expands("system.slice", "/system.slice");
	expands("-.slice", "");
	expands("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice");
	expands("kubepods-burstable-pod12ab.slice",
		"/kubepods.slice/kubepods-burstable.slice/"
		"kubepods-burstable-pod12ab.slice");
	refused("");
	refused(".slice");
	refused("system");
	refused("a--b.slice");
	refused("-a.slice");
	refused("a-.slice");
	refused("a/b.slice");
	refused("system.scope");
}

/* cgroupsPath errors come before any bus is needed. */
static void path_refused(const char *path, const char *msg)
{
	struct cgroup *cg = NULL;
	struct cell_err e;
	assert_true(cgroup_new_systemd(path, "abc", NULL, &cg, &e) < 0);
	assert_null(cg);
	if (!strstr(e.msg, msg))
		fail_msg("\"%s\": got \"%s\"", path, e.msg);
}

static void test_cgroups_path(void **state)
{
	path_refused("/abc", "expected \"slice:prefix:name\"");
	path_refused("system.slice:abc", "expected \"slice:prefix:name\"");
	path_refused("a:b:c:d", "expected \"slice:prefix:name\"");
	path_refused("system:p:n", "is not a slice name");
	path_refused("system.slice:p:x/y", "plain name");
	path_refused("system.slice:p:kube.slice", "plain name");
	if (access("/run/systemd/system", F_OK) != 0) {
		/* This host: no systemd, one clear line. */
		path_refused("system.slice:p:n", "does not run systemd");
		path_refused(NULL, "does not run systemd");
	}
}

static int check(const char *json, struct cell_err *e)
{
	json_t *a = json_loads(json, 0, NULL);
	assert_non_null(a);
	int r = sd_props_annotations(NULL, NULL, a, e);
	json_decref(a);
	return r;
}

static void test_annotations(void **state)
{
	struct cell_err e;
	assert_int_equal(check("{\"org.systemd.property.TimeoutStopSec\": "
			       "\"uint64 7\", "
			       "\"org.systemd.property.CollectMode\": "
			       "\"'inactive-or-failed'\", "
			       "\"org.systemd.property.CPUAccounting\": "
			       "\"true\", "
			       "\"org.systemd.property.Environment\": "
			       "\"['A=1', \\\"B=2\\\"]\", "
			       "\"org.systemd.property.Nice\": \"@i -5\", "
			       "\"org.systemd.property.RuntimeMaxSec\": "
			       "\"1.5\", "
			       "\"other\": 1}",
			       &e),
			 0);
	assert_true(check("{\"org.systemd.property.TimeoutStopSec\": "
			  "\"seven\"}",
			  &e) < 0);
	assert_non_null(strstr(e.msg, "org.systemd.property.TimeoutStopSec"));
	assert_true(check("{\"org.systemd.property.X1\": \"true\"}", &e) < 0);
	assert_non_null(strstr(e.msg, "not a systemd property name"));
	assert_true(check("{\"org.systemd.property.Nice\": 5}", &e) < 0);
	assert_true(check("{\"org.systemd.property.Foo\": \"uint32 -1\"}",
			  &e) < 0);
	assert_true(check("{\"org.systemd.property.Foo\": \"uint32 "
			  "4294967296\"}",
			  &e) < 0);
	assert_true(check("{\"org.systemd.property.Foo\": \"'open\"}", &e) < 0);
	assert_true(check("{\"org.systemd.property.Foo\": \"['a' 'b']\"}",
			  &e) < 0);
	assert_true(check("{\"org.systemd.property.Foo\": \"@b 1\"}", &e) < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand_slice),
		cmocka_unit_test(test_cgroups_path),
		cmocka_unit_test(test_annotations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
