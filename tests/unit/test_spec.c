/* `cell spec`: the default config parses with cell's own parser and says
 * what runc's does, plus the default seccomp profile. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "oci/config.h"
#include "oci/spec.h"

static struct oci_config *parse_default(bool rootless, json_t **doc)
{
	json_t *spec = oci_spec_default(rootless);
	assert_non_null(spec);
	char *text = json_dumps(spec, JSON_INDENT(2));
	assert_non_null(text);
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	if (oci_config_parse(text, strlen(text), "config.json", &c, &e) < 0)
		fail_msg("default spec does not parse: %s", e.msg);
	free(text);
	if (doc)
		*doc = spec;
	else
		json_decref(spec);
	return c;
}

static const struct oci_mount *find_mount(const struct oci_config *c,
					  const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (strcmp(c->mounts[i].destination, dest) == 0)
			return &c->mounts[i];
	return NULL;
}

static bool rule_allows(const struct oci_seccomp *s, const char *name)
{
	for (size_t i = 0; i < s->n_syscalls; i++) {
		if (s->syscalls[i].action != OCI_SECCOMP_ALLOW)
			continue;
		for (char **n = s->syscalls[i].names; *n; n++)
			if (strcmp(*n, name) == 0)
				return true;
	}
	return false;
}

static void test_default_spec(void **state)
{
	(void)state;
	struct oci_config *c = parse_default(false, NULL);

	assert_string_equal(c->oci_version, "1.2.0");
	assert_string_equal(c->root_path, "rootfs");
	assert_true(c->root_readonly);
	assert_string_equal(c->hostname, "cell");

	const struct oci_process *p = &c->process;
	assert_true(c->has_process);
	assert_true(p->terminal);
	assert_string_equal(p->args[0], "sh");
	assert_null(p->args[1]);
	assert_string_equal(p->cwd, "/");
	assert_string_equal(p->env[1], "TERM=xterm");
	assert_int_equal(strncmp(p->env[0], "PATH=", 5), 0);
	assert_int_equal(p->user.uid, 0);
	uint64_t caps = (1ULL << 29) | (1ULL << 5) | (1ULL << 10);
	assert_int_equal(p->caps.bounding, caps);
	assert_int_equal(p->caps.effective, caps);
	assert_int_equal(p->caps.permitted, caps);
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->caps.ambient, 0);
	assert_int_equal(p->n_rlimits, 1);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 1024);
	assert_true(p->no_new_privileges);

	assert_int_equal(c->n_mounts, 7);
	const struct oci_mount *m = find_mount(c, "/dev");
	assert_non_null(m);
	assert_int_equal(m->flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(m->data, "mode=755,size=65536k");
	m = find_mount(c, "/dev/pts");
	assert_string_equal(m->data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	assert_int_equal(m->flags, MS_NOSUID | MS_NOEXEC);
	m = find_mount(c, "/dev/shm");
	assert_string_equal(m->source, "shm");
	m = find_mount(c, "/dev/mqueue");
	assert_string_equal(m->type, "mqueue");
	m = find_mount(c, "/sys");
	assert_string_equal(m->type, "sysfs");
	assert_int_equal(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	m = find_mount(c, "/sys/fs/cgroup");
	assert_string_equal(m->type, "cgroup");
	assert_int_equal(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV |
					   MS_RELATIME | MS_RDONLY);
	assert_non_null(find_mount(c, "/proc"));

	const struct oci_linux *l = &c->linux;
	assert_true(l->namespaces[OCI_NS_PID].enabled);
	assert_true(l->namespaces[OCI_NS_NETWORK].enabled);
	assert_true(l->namespaces[OCI_NS_IPC].enabled);
	assert_true(l->namespaces[OCI_NS_UTS].enabled);
	assert_true(l->namespaces[OCI_NS_MOUNT].enabled);
	assert_true(l->namespaces[OCI_NS_CGROUP].enabled);
	assert_false(l->namespaces[OCI_NS_USER].enabled);
	assert_false(l->namespaces[OCI_NS_TIME].enabled);
	assert_int_equal(l->n_uid_mappings, 0);
	assert_true(l->has_resources);
	assert_int_equal(l->resources.n_devices, 1);
	assert_false(l->resources.devices[0].allow);
	assert_int_equal(l->resources.devices[0].type, 'a');
	assert_string_equal(l->resources.devices[0].access, "rwm");
	assert_string_equal(l->masked_paths[0], "/proc/acpi");
	assert_string_equal(l->readonly_paths[4], "/proc/sysrq-trigger");
	assert_null(l->readonly_paths[5]);
	oci_config_free(c);
}

static void test_default_seccomp(void **state)
{
	(void)state;
	struct oci_config *c = parse_default(false, NULL);
	const struct oci_seccomp *s = c->linux.seccomp;
	assert_non_null(s);
	assert_int_equal(s->default_action, OCI_SECCOMP_ERRNO);
	assert_true(s->default_errno_ret.set);
	assert_int_equal(s->default_errno_ret.v, EPERM);
#if defined(__x86_64__)
	assert_string_equal(s->architectures[0], "SCMP_ARCH_X86_64");
	assert_string_equal(s->architectures[1], "SCMP_ARCH_X86");
	assert_string_equal(s->architectures[2], "SCMP_ARCH_X32");
#endif
	static const char *const needed[] = {
		"read", "write", "openat", "close", "execve", "mmap", "brk",
		"futex", "exit_group", "rt_sigaction", "socket", "connect",
		"epoll_wait", "getdents64", "statx", "wait4", "pipe2",
		"capget", "prctl", "getrandom", "rseq", "clock_nanosleep",
	};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
		if (!rule_allows(s, needed[i]))
			fail_msg("%s is not allowed", needed[i]);
	static const char *const denied[] = {
		"mount", "umount2", "unshare", "setns", "keyctl", "add_key",
		"request_key", "bpf", "ptrace", "kexec_load",
		"kexec_file_load", "init_module", "finit_module",
		"delete_module", "reboot", "swapon", "swapoff", "pivot_root",
		"open_by_handle_at", "perf_event_open", "userfaultfd", "acct",
		"settimeofday", "clock_settime", "iopl", "ioperm",
		"lookup_dcookie", "quotactl", "vm86", "name_to_handle_at",
		"fsopen", "open_tree", "move_mount", "io_uring_setup",
		"clone3", "syslog", "uselib",
	};
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (rule_allows(s, denied[i]) &&
		    strcmp(denied[i], "clone3") != 0)
			fail_msg("%s is allowed", denied[i]);
	/* clone is allowed only without namespace flags; clone3 says ENOSYS
	 * so that libc falls back to clone. */
	bool clone_ok = false, clone3_enosys = false;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct oci_seccomp_rule *r = &s->syscalls[i];
		if (strcmp(r->names[0], "clone") == 0) {
			assert_int_equal(r->n_args, 1);
			assert_int_equal(r->args[0].op, OCI_SECCOMP_OP_MASKED_EQ);
			assert_int_equal(r->args[0].value, 0);
			assert_int_equal(r->args[0].value_two & 0x10000000, 0x10000000);
			clone_ok = true;
		}
		if (strcmp(r->names[0], "clone3") == 0) {
			assert_int_equal(r->action, OCI_SECCOMP_ERRNO);
			assert_int_equal(r->errno_ret.v, ENOSYS);
			clone3_enosys = true;
		}
	}
	assert_true(clone_ok);
	assert_true(clone3_enosys);
	oci_config_free(c);
}

static void test_default_spec_rootless(void **state)
{
	(void)state;
	json_t *doc = NULL;
	struct oci_config *c = parse_default(true, &doc);
	const struct oci_linux *l = &c->linux;

	assert_true(l->namespaces[OCI_NS_USER].enabled);
	assert_false(l->namespaces[OCI_NS_NETWORK].enabled);
	assert_true(l->namespaces[OCI_NS_PID].enabled);
	assert_int_equal(l->n_uid_mappings, 1);
	assert_int_equal(l->uid_mappings[0].container_id, 0);
	assert_int_equal(l->uid_mappings[0].host_id, getuid());
	assert_int_equal(l->uid_mappings[0].size, 1);
	assert_int_equal(l->n_gid_mappings, 1);
	assert_int_equal(l->gid_mappings[0].host_id, getgid());
	assert_false(l->has_resources);
	assert_null(json_object_get(json_object_get(doc, "linux"), "resources"));

	assert_null(find_mount(c, "/sys/fs/cgroup"));
	const struct oci_mount *m = find_mount(c, "/sys");
	assert_non_null(m);
	assert_true(m->bind);
	assert_true(m->recursive);
	assert_string_equal(m->source, "/sys");
	assert_int_equal(m->flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY);
	m = find_mount(c, "/dev/pts");
	assert_null(strstr(m->data, "gid=5"));
	assert_non_null(c->linux.seccomp);
	oci_config_free(c);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_spec),
		cmocka_unit_test(test_default_seccomp),
		cmocka_unit_test(test_default_spec_rootless),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
