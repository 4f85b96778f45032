/* Capabilities, the user switch, no_new_privs and rlimits, applied for real
 * in forked children (the test process itself stays unconfined) and read
 * back from /proc/self/status and /proc/self/limits. */
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sec/sec.h"

#define CAP_BIT(n) (UINT64_C(1) << (n))
enum { C_CHOWN = 0, C_KILL = 5, C_NET_BIND_SERVICE = 10 };

/* In the child: on failure say where and exit 1; the parent asserts 0. */
#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: child check failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			_exit(1);                                       \
		}                                                       \
	} while (0)
#define CHECK_OK(call, e)                                               \
	do {                                                            \
		if ((call) < 0) {                                       \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__,    \
				__LINE__, #call, (e)->msg);             \
			_exit(1);                                       \
		}                                                       \
	} while (0)

static int run_child(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_child_ok(void (*fn)(void))
{
	int status = run_child(fn);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* The value of "Key:" in /proc/self/status, whitespace runs squeezed to one
 * space and trailing space trimmed. */
static void status_field(const char *key, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/status", "re");
	CHECK(f);
	char line[512];
	size_t klen = strlen(key);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) != 0 || line[klen] != ':')
			continue;
		size_t n = 0;
		for (char *p = line + klen + 1; *p && n + 1 < len; p++) {
			if (*p == ' ' || *p == '\t' || *p == '\n') {
				if (n > 0 && out[n - 1] != ' ')
					out[n++] = ' ';
				continue;
			}
			out[n++] = *p;
		}
		while (n > 0 && out[n - 1] == ' ')
			n--;
		out[n] = '\0';
		break;
	}
	fclose(f);
}

static bool status_is(const char *key, const char *want)
{
	char got[512];
	status_field(key, got, sizeof(got));
	if (strcmp(got, want) == 0)
		return true;
	fprintf(stderr, "%s: got \"%s\", want \"%s\"\n", key, got, want);
	return false;
}

static void child_user_and_caps(void)
{
	struct cell_err e = { 0 };
	gid_t groups[] = { 5, 6 };
	struct oci_process p = {
		.user = { .uid = 1000, .gid = 1000, .additional_gids = groups,
			  .n_additional_gids = 2 },
		.has_caps = true,
		.caps = { .bounding = CAP_BIT(C_CHOWN) | CAP_BIT(C_KILL),
			  .effective = CAP_BIT(C_KILL),
			  .permitted = CAP_BIT(C_KILL) },
	};

	umask(0);
	CHECK_OK(sec_drop_bounding(&p.caps, &e), &e);
	CHECK_OK(sec_switch_user(&p, &e), &e);
	CHECK_OK(sec_apply_caps(&p, &e), &e);

	CHECK(status_is("CapBnd", "0000000000000021"));
	CHECK(status_is("CapEff", "0000000000000020"));
	CHECK(status_is("CapPrm", "0000000000000020"));
	CHECK(status_is("CapInh", "0000000000000000"));
	CHECK(status_is("CapAmb", "0000000000000000"));
	CHECK(status_is("Uid", "1000 1000 1000 1000"));
	CHECK(status_is("Gid", "1000 1000 1000 1000"));
	CHECK(status_is("Groups", "5 6"));
	CHECK(umask(0) == 0022);
}

static void test_user_switch_and_caps(void **state)
{
	(void)state;
	assert_child_ok(child_user_and_caps);
}

static void child_umask_and_no_groups(void)
{
	struct cell_err e = { 0 };
	struct oci_process p = {
		.user = { .uid = 0, .gid = 0, .has_umask = true,
			  .umask = 0077 },
	};
	CHECK(setgroups(1, (gid_t[]){ 7 }) == 0);
	CHECK_OK(sec_switch_user(&p, &e), &e);
	CHECK(status_is("Groups", ""));
	CHECK(umask(0) == 0077);
}

static void test_umask_and_empty_groups(void **state)
{
	(void)state;
	assert_child_ok(child_umask_and_no_groups);
}

static void write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "we");
	CHECK(f);
	CHECK(fputs(data, f) >= 0);
	CHECK(fclose(f) == 0);
}

/* A user namespace whose setgroups is "deny": an empty list is fine, a
 * list is an error that says why. */
static void child_setgroups_denied(void)
{
	struct cell_err e = { 0 };
	CHECK(unshare(CLONE_NEWUSER) == 0);
	write_file("/proc/self/setgroups", "deny");
	write_file("/proc/self/uid_map", "0 0 1");
	write_file("/proc/self/gid_map", "0 0 1");

	struct oci_process p = { .user = { .uid = 0, .gid = 0 } };
	CHECK_OK(sec_switch_user(&p, &e), &e);

	gid_t groups[] = { 0 };
	p.user.additional_gids = groups;
	p.user.n_additional_gids = 1;
	CHECK(sec_switch_user(&p, &e) == -EPERM);
	CHECK(strcmp(e.msg, "process.user.additionalGids: setgroups is "
			    "denied in this user namespace "
			    "(/proc/self/setgroups is \"deny\"): Operation "
			    "not permitted") == 0);
}

static void test_setgroups_denied_in_userns(void **state)
{
	(void)state;
	assert_child_ok(child_setgroups_denied);
}

static void child_ambient(void)
{
	struct cell_err e = { 0 };
	uint64_t nbs = CAP_BIT(C_NET_BIND_SERVICE);
	struct oci_process p = {
		.user = { .uid = 1000, .gid = 1000 },
		.has_caps = true,
		.caps = { .bounding = nbs | CAP_BIT(C_KILL),
			  .effective = nbs,
			  .permitted = nbs,
			  .inheritable = nbs,
			  .ambient = nbs },
	};
	CHECK_OK(sec_drop_bounding(&p.caps, &e), &e);
	CHECK_OK(sec_switch_user(&p, &e), &e);
	CHECK_OK(sec_apply_caps(&p, &e), &e);
	CHECK(status_is("CapBnd", "0000000000000420"));
	CHECK(status_is("CapEff", "0000000000000400"));
	CHECK(status_is("CapPrm", "0000000000000400"));
	CHECK(status_is("CapInh", "0000000000000400"));
	CHECK(status_is("CapAmb", "0000000000000400"));
}

static void test_ambient_raise(void **state)
{
	(void)state;
	assert_child_ok(child_ambient);
}

static void child_ambient_without_inheritable(void)
{
	struct cell_err e = { 0 };
	struct oci_process p = {
		.user = { .uid = 1000, .gid = 1000 },
		.has_caps = true,
		.caps = { .bounding = CAP_BIT(C_KILL),
			  .effective = CAP_BIT(C_KILL),
			  .permitted = CAP_BIT(C_KILL),
			  .ambient = CAP_BIT(C_KILL) },
	};
	CHECK_OK(sec_switch_user(&p, &e), &e);
	/* as runc: a warning, and the capability is not ambient */
	CHECK_OK(sec_apply_caps(&p, &e), &e);
	CHECK(status_is("CapAmb", "0000000000000000"));
}

static void test_ambient_without_inheritable(void **state)
{
	(void)state;
	assert_child_ok(child_ambient_without_inheritable);
}

static void child_effective_not_permitted(void)
{
	struct cell_err e = { 0 };
	struct oci_process p = {
		.has_caps = true,
		.caps = { .effective = CAP_BIT(C_KILL) },
	};
	CHECK(sec_apply_caps(&p, &e) == -EINVAL);
	CHECK(strstr(e.msg, "process.capabilities.effective: CAP_KILL"));
}

static void test_effective_not_permitted(void **state)
{
	(void)state;
	assert_child_ok(child_effective_not_permitted);
}

static void child_no_caps_object(void)
{
	struct cell_err e = { 0 };
	struct oci_process p = { .has_caps = false };
	CHECK_OK(sec_apply_caps(&p, &e), &e);
	CHECK(status_is("CapEff", "0000000000000000"));
	CHECK(status_is("CapPrm", "0000000000000000"));
	CHECK(status_is("CapInh", "0000000000000000"));
	CHECK(status_is("CapAmb", "0000000000000000"));
}

static void test_no_caps_object_empties_sets(void **state)
{
	(void)state;
	assert_child_ok(child_no_caps_object);
}

static void child_no_new_privs(void)
{
	struct cell_err e = { 0 };
	CHECK(status_is("NoNewPrivs", "0"));
	CHECK_OK(sec_set_no_new_privs(&e), &e);
	CHECK(status_is("NoNewPrivs", "1"));
}

static void test_no_new_privs(void **state)
{
	(void)state;
	assert_child_ok(child_no_new_privs);
}

/* "Max open files            1024                 4096                 files" */
static bool limits_are(const char *name, const char *soft, const char *hard)
{
	FILE *f = fopen("/proc/self/limits", "re");
	CHECK(f);
	char line[256];
	bool ok = false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, strlen(name)) != 0)
			continue;
		char s[32], h[32];
		ok = sscanf(line + strlen(name), "%31s %31s", s, h) == 2 &&
		     strcmp(s, soft) == 0 && strcmp(h, hard) == 0;
		if (!ok)
			fprintf(stderr, "%s", line);
	}
	fclose(f);
	return ok;
}

static void child_rlimits(void)
{
	struct cell_err e = { 0 };
	struct rlimit cur;
	CHECK(getrlimit(RLIMIT_NOFILE, &cur) == 0);
	CHECK(cur.rlim_max >= 4096);
	struct oci_rlimit rl[] = {
		{ .resource = RLIMIT_NOFILE, .soft = 1024, .hard = 4096 },
		{ .resource = RLIMIT_CORE, .soft = 0, .hard = 0 },
	};
	struct oci_process p = { .rlimits = rl, .n_rlimits = 2 };
	CHECK_OK(sec_apply_rlimits(&p, &e), &e);
	CHECK(limits_are("Max open files", "1024", "4096"));
	CHECK(limits_are("Max core file size", "0", "0"));
}

static void test_rlimits_applied(void **state)
{
	(void)state;
	assert_child_ok(child_rlimits);
}

/* Past fs.nr_open even CAP_SYS_RESOURCE cannot raise RLIMIT_NOFILE, so the
 * EPERM comes whatever this host grants. */
static void child_rlimit_eperm(void)
{
	struct cell_err e = { 0 };
	unsigned long long nr_open = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	CHECK(f && fscanf(f, "%llu", &nr_open) == 1);
	fclose(f);
	struct oci_rlimit rl = { .resource = RLIMIT_NOFILE, .soft = 1024,
				 .hard = nr_open + 1 };
	struct oci_process p = { .rlimits = &rl, .n_rlimits = 1 };
	CHECK(sec_apply_rlimits(&p, &e) == -EPERM);
	char want[256];
	snprintf(want, sizeof(want),
		 "process.rlimits: RLIMIT_NOFILE: cannot raise the hard limit "
		 "to %llu: Operation not permitted",
		 nr_open + 1);
	if (strcmp(e.msg, want) != 0)
		fprintf(stderr, "got: %s\n", e.msg);
	CHECK(strcmp(e.msg, want) == 0);
}

static void test_rlimit_eperm_message(void **state)
{
	(void)state;
	assert_child_ok(child_rlimit_eperm);
}

static void test_rlimit_soft_above_hard(void **state)
{
	(void)state;
	struct cell_err e = { 0 };
	struct oci_rlimit rl = { .resource = RLIMIT_NOFILE, .soft = 20,
				 .hard = 10 };
	struct oci_process p = { .rlimits = &rl, .n_rlimits = 1 };
	assert_int_equal(sec_apply_rlimits(&p, &e), -EINVAL);
	assert_string_equal(e.msg, "process.rlimits: RLIMIT_NOFILE: soft "
				   "limit 20 exceeds hard limit 10");
}

static void test_known_caps(void **state)
{
	(void)state;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	assert_non_null(f);
	int last = -1;
	assert_int_equal(fscanf(f, "%d", &last), 1);
	fclose(f);

	const char *const *caps = sec_known_caps();
	int n = 0;
	while (caps[n])
		n++;
	assert_int_equal(n, last + 1);
	assert_string_equal(caps[0], "CAP_CHOWN");
	assert_string_equal(caps[21], "CAP_SYS_ADMIN");
	if (last >= 40)
		assert_string_equal(caps[40], "CAP_CHECKPOINT_RESTORE");
	assert_ptr_equal(sec_known_caps(), caps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_switch_and_caps),
		cmocka_unit_test(test_umask_and_empty_groups),
		cmocka_unit_test(test_setgroups_denied_in_userns),
		cmocka_unit_test(test_ambient_raise),
		cmocka_unit_test(test_ambient_without_inheritable),
		cmocka_unit_test(test_effective_not_permitted),
		cmocka_unit_test(test_no_caps_object_empties_sets),
		cmocka_unit_test(test_no_new_privs),
		cmocka_unit_test(test_rlimits_applied),
		cmocka_unit_test(test_rlimit_eperm_message),
		cmocka_unit_test(test_rlimit_soft_above_hard),
		cmocka_unit_test(test_known_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
