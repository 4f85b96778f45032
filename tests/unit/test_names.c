/* The names config.json uses for namespaces, rlimits, capabilities and
 * seccomp actions. */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "oci/config.h"

static void test_namespaces(void **state)
{
	(void)state;
	static const struct {
		enum oci_ns_type t;
		const char *name, *proc;
		int flag;
	} want[] = {
		{ OCI_NS_PID, "pid", "pid", CLONE_NEWPID },
		{ OCI_NS_NETWORK, "network", "net", CLONE_NEWNET },
		{ OCI_NS_MOUNT, "mount", "mnt", CLONE_NEWNS },
		{ OCI_NS_IPC, "ipc", "ipc", CLONE_NEWIPC },
		{ OCI_NS_UTS, "uts", "uts", CLONE_NEWUTS },
		{ OCI_NS_USER, "user", "user", CLONE_NEWUSER },
		{ OCI_NS_CGROUP, "cgroup", "cgroup", CLONE_NEWCGROUP },
		{ OCI_NS_TIME, "time", "time", 0x80 },
	};
	int all = 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(oci_ns_name(want[i].t), want[i].name);
		assert_int_equal(oci_ns_from_name(want[i].name), want[i].t);
		assert_string_equal(oci_ns_proc_name(want[i].t), want[i].proc);
		assert_int_equal(oci_ns_clone_flag(want[i].t), want[i].flag);
		assert_int_equal(all & want[i].flag, 0);
		all |= want[i].flag;
	}
	assert_int_equal(oci_ns_from_name("net"), -1);
	assert_int_equal(oci_ns_from_name("mnt"), -1);
	assert_int_equal(oci_ns_from_name("PID"), -1);
	assert_int_equal(oci_ns_from_name(""), -1);
	assert_int_equal(oci_ns_from_name(NULL), -1);
	assert_null(oci_ns_name(OCI_NS_COUNT));
	assert_null(oci_ns_proc_name((enum oci_ns_type)-1));
	assert_int_equal(oci_ns_clone_flag(OCI_NS_COUNT), -1);
}

static void test_rlimits(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int resource;
	} want[] = {
		{ "RLIMIT_AS", RLIMIT_AS },
		{ "RLIMIT_CORE", RLIMIT_CORE },
		{ "RLIMIT_CPU", RLIMIT_CPU },
		{ "RLIMIT_DATA", RLIMIT_DATA },
		{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
		{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
		{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "RLIMIT_NICE", RLIMIT_NICE },
		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NPROC", RLIMIT_NPROC },
		{ "RLIMIT_RSS", RLIMIT_RSS },
		{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
		{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
		{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
		{ "RLIMIT_STACK", RLIMIT_STACK },
	};
	/* Every resource the kernel has is named. */
	assert_int_equal(sizeof(want) / sizeof(want[0]), RLIMIT_NLIMITS);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(oci_rlimit_from_name(want[i].name),
				 want[i].resource);
	assert_int_equal(oci_rlimit_from_name("NOFILE"), -1);
	assert_int_equal(oci_rlimit_from_name("rlimit_nofile"), -1);
	assert_int_equal(oci_rlimit_from_name("RLIMIT_NLIMITS"), -1);
	assert_int_equal(oci_rlimit_from_name(NULL), -1);
}

static void test_capabilities(void **state)
{
	(void)state;
	assert_int_equal(oci_cap_from_name("CAP_CHOWN"), 0);
	assert_int_equal(oci_cap_from_name("CAP_KILL"), 5);
	assert_int_equal(oci_cap_from_name("CAP_NET_BIND_SERVICE"), 10);
	assert_int_equal(oci_cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(oci_cap_from_name("CAP_AUDIT_WRITE"), 29);
	assert_int_equal(oci_cap_from_name("CAP_BPF"), 39);
	assert_int_equal(oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_string_equal(oci_cap_name(21), "CAP_SYS_ADMIN");
	assert_string_equal(oci_cap_name(0), "CAP_CHOWN");
	/* Every name round-trips. */
	for (int i = 0; oci_cap_name(i); i++)
		assert_int_equal(oci_cap_from_name(oci_cap_name(i)), i);
	assert_non_null(oci_cap_name(40));
	assert_null(oci_cap_name(-1));
	assert_null(oci_cap_name(64));

	/* Only the spec's spelling: libcap's other forms are refused. */
	assert_int_equal(oci_cap_from_name("cap_sys_admin"), -1);
	assert_int_equal(oci_cap_from_name("CAP_sys_admin"), -1);
	assert_int_equal(oci_cap_from_name("SYS_ADMIN"), -1);
	assert_int_equal(oci_cap_from_name("sys_admin"), -1);
	assert_int_equal(oci_cap_from_name("21"), -1);
	assert_int_equal(oci_cap_from_name("CAP_21"), -1);
	assert_int_equal(oci_cap_from_name("CAP_"), -1);
	assert_int_equal(oci_cap_from_name("CAP_FOO"), -1);
	assert_int_equal(oci_cap_from_name("CAP_SYS_ADMIN "), -1);
	assert_int_equal(oci_cap_from_name("CAP_SYS_ADMIN,CAP_KILL"), -1);
	assert_int_equal(oci_cap_from_name("CAP_ALL"), -1);
	assert_int_equal(oci_cap_from_name(""), -1);
	assert_int_equal(oci_cap_from_name(NULL), -1);
}

static void test_seccomp_actions(void **state)
{
	(void)state;
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_KILL"), OCI_SECCOMP_KILL);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_KILL_PROCESS"), OCI_SECCOMP_KILL_PROCESS);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_KILL_THREAD"), OCI_SECCOMP_KILL_THREAD);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_TRAP"), OCI_SECCOMP_TRAP);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_ERRNO"), OCI_SECCOMP_ERRNO);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_TRACE"), OCI_SECCOMP_TRACE);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_ALLOW"), OCI_SECCOMP_ALLOW);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_LOG"), OCI_SECCOMP_LOG);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_NOTIFY"), OCI_SECCOMP_NOTIFY);
	assert_int_equal(oci_seccomp_action_from_name("SCMP_ACT_allow"), -1);
	assert_int_equal(oci_seccomp_action_from_name("ALLOW"), -1);
	assert_int_equal(oci_seccomp_action_from_name(""), -1);
	assert_int_equal(oci_seccomp_action_from_name(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_namespaces),
		cmocka_unit_test(test_rlimits),
		cmocka_unit_test(test_capabilities),
		cmocka_unit_test(test_seccomp_actions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
