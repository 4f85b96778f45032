/* seccomp filters compiled from hand-built struct oci_seccomp values and
 * loaded for real in forked children (the test process stays unfiltered). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sec/sec.h"

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: child check failed: %s " \
				"(errno %d)\n",                         \
				__FILE__, __LINE__, #cond, errno);      \
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

/* The fixture: one scratch directory per test. */
static char scratch[64];

static int setup_scratch(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/cell-test-seccomp-XXXXXX");
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown_scratch(void **state)
{
	(void)state;
	char p[128];
	snprintf(p, sizeof(p), "%s/d", scratch);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/listener.sock", scratch);
	unlink(p);
	return rmdir(scratch);
}

static pid_t start_child(void (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		fn();
		_exit(0);
	}
	return pid;
}

static int wait_child(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void assert_child_ok(void (*fn)(void))
{
	int status = wait_child(start_child(fn));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* In the child: compile and load, or exit 1 saying why. */
static int compile_and_load(const struct oci_seccomp *s)
{
	struct cell_err e = { 0 };
	struct sec_seccomp *f = NULL;
	int fd = -1;
	CHECK_OK(sec_seccomp_compile(s, &f, &e), &e);
	CHECK_OK(sec_seccomp_load(f, &fd, &e), &e);
	sec_seccomp_free(f);
	return fd;
}

/* ---------------------------------------------------- an ERRNO rule */

static char *mkdir_names[] = { "mkdir", "mkdirat",
			       "this_syscall_does_not_exist", NULL };

static void child_mkdir_eperm(void)
{
	struct oci_seccomp_rule rule = { .names = mkdir_names,
					 .action = OCI_SECCOMP_ERRNO };
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = &rule,
				 .n_syscalls = 1 };
	pid_t pid = getpid();
	char d[128];
	snprintf(d, sizeof(d), "%s/d", scratch);

	CHECK(compile_and_load(&s) == -1);
	CHECK(mkdir(d, 0755) == -1 && errno == EPERM);
	CHECK(syscall(SYS_getpid) == pid);
}

static void test_errno_rule_default_allow(void **state)
{
	(void)state;
	assert_child_ok(child_mkdir_eperm);
	char d[128];
	snprintf(d, sizeof(d), "%s/d", scratch);
	assert_int_equal(access(d, F_OK), -1);
}

/* ------------------------------------- default ERRNO with an allow list */

/* Sanitizer runtimes want memory and signal stacks on the way out. */
static char *allow_names[] = { "exit_group", "exit", "write", "getpid",
			       "rt_sigreturn", "newfstatat", "fstat",
			       "mmap", "munmap", "sigaltstack", NULL };

static void child_allowlist(void)
{
	struct oci_seccomp_rule rule = { .names = allow_names,
					 .action = OCI_SECCOMP_ALLOW };
	struct oci_seccomp s = {
		.default_action = OCI_SECCOMP_ERRNO,
		.default_errno_ret = { .set = true, .v = 38 },
		.syscalls = &rule,
		.n_syscalls = 1,
	};
	pid_t pid = getpid();
	CHECK(compile_and_load(&s) == -1);
	CHECK(syscall(SYS_getpid) == pid);
	CHECK(syscall(SYS_getppid) == -1 && errno == ENOSYS);
	CHECK(syscall(SYS_getuid) == -1 && errno == ENOSYS);
	/* Straight out: libc's exit path may want more than the list. */
	syscall(SYS_exit_group, 0);
}

static void test_default_errno_allowlist(void **state)
{
	(void)state;
	assert_child_ok(child_allowlist);
}

/* ------------------------------------------------- argument conditions */

static char *personality_names[] = { "personality", NULL };
static char *open_names[] = { "open", NULL };
static char *openat_names[] = { "openat", NULL };

static void child_arg_conditions(void)
{
	/* personality(0xffffffff) only queries; everything else is blocked. */
	struct oci_seccomp_arg query = { .index = 0, .value = 0xffffffff,
					 .op = OCI_SECCOMP_OP_NE };
	/* Block opens with O_CREAT: MASKED_EQ(mask O_CREAT) == O_CREAT. */
	struct oci_seccomp_arg creat1 = { .index = 1, .value = O_CREAT,
					  .value_two = O_CREAT,
					  .op = OCI_SECCOMP_OP_MASKED_EQ };
	struct oci_seccomp_arg creat2 = creat1;
	creat2.index = 2;
	struct opt_u64 erofs = { .set = true, .v = EROFS };
	struct oci_seccomp_rule rules[] = {
		{ .names = personality_names, .action = OCI_SECCOMP_ERRNO,
		  .args = &query, .n_args = 1 },
		{ .names = open_names, .action = OCI_SECCOMP_ERRNO,
		  .errno_ret = erofs, .args = &creat1, .n_args = 1 },
		{ .names = openat_names, .action = OCI_SECCOMP_ERRNO,
		  .errno_ret = erofs, .args = &creat2, .n_args = 1 },
	};
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = rules,
				 .n_syscalls = 3 };
	CHECK(compile_and_load(&s) == -1);

	CHECK(personality(0xffffffff) >= 0);
	CHECK(personality(PER_LINUX) == -1 && errno == EPERM);
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	close(fd);
	CHECK(open("/dev/null", O_WRONLY | O_CREAT | O_CLOEXEC, 0600) == -1 &&
	      errno == EROFS);
}

static void test_arg_conditions(void **state)
{
	(void)state;
	assert_child_ok(child_arg_conditions);
}

/* Two conditions on index 0 OR together; the one on index 1 ANDs. */
static char *kill_names[] = { "kill", NULL };

static void child_same_index_or(void)
{
	pid_t self = getpid(), parent = getppid();
	struct oci_seccomp_arg args[] = {
		{ .index = 0, .value = (uint64_t)self, .op = OCI_SECCOMP_OP_EQ },
		{ .index = 1, .value = 0, .op = OCI_SECCOMP_OP_EQ },
		{ .index = 0, .value = (uint64_t)parent,
		  .op = OCI_SECCOMP_OP_EQ },
	};
	struct oci_seccomp_rule rule = { .names = kill_names,
					 .action = OCI_SECCOMP_ERRNO,
					 .args = args,
					 .n_args = 3 };
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = &rule,
				 .n_syscalls = 1 };
	CHECK(compile_and_load(&s) == -1);

	CHECK(kill(self, 0) == -1 && errno == EPERM);
	CHECK(kill(parent, 0) == -1 && errno == EPERM);
	CHECK(kill(1, 0) == 0);
	CHECK(kill(self, SIGCONT) == 0);
}

static void test_same_index_conditions_or(void **state)
{
	(void)state;
	assert_child_ok(child_same_index_or);
}

/* ------------------------------------------------------ KILL_PROCESS */

static char *getppid_names[] = { "getppid", NULL };

static void child_kill_process(void)
{
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	struct oci_seccomp_rule rule = { .names = getppid_names,
					 .action = OCI_SECCOMP_KILL_PROCESS };
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = &rule,
				 .n_syscalls = 1 };
	CHECK(compile_and_load(&s) == -1);
	syscall(SYS_getppid);
	_exit(3);
}

static void test_kill_process_sigsys(void **state)
{
	(void)state;
	int status = wait_child(start_child(child_kill_process));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
}

/* -------------------------------------------- flags and architectures */

static char *flag_names[4];
static char *arch_names[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
			      "SCMP_ARCH_X32", NULL };

static void child_flags_and_archs(void)
{
	struct oci_seccomp_rule rule = { .names = mkdir_names,
					 .action = OCI_SECCOMP_ERRNO };
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .flags = flag_names,
				 .architectures = arch_names,
				 .syscalls = &rule,
				 .n_syscalls = 1 };
	char d[128];
	snprintf(d, sizeof(d), "%s/d", scratch);
	CHECK(compile_and_load(&s) == -1);
	CHECK(mkdir(d, 0755) == -1 && errno == EPERM);
}

static void test_flags_and_archs_accepted(void **state)
{
	(void)state;
	size_t n = 0;
	flag_names[n++] = "SECCOMP_FILTER_FLAG_TSYNC";
	flag_names[n++] = "SECCOMP_FILTER_FLAG_LOG";
	for (const char *const *f = sec_seccomp_flags(); *f; f++)
		if (strcmp(*f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			flag_names[n++] = "SECCOMP_FILTER_FLAG_SPEC_ALLOW";
	flag_names[n] = NULL;
	assert_child_ok(child_flags_and_archs);
}

/* -------------------------------------------- compile-time rejections */

static void assert_compile_fails(const struct oci_seccomp *s, const char *msg)
{
	struct cell_err e = { 0 };
	struct sec_seccomp *f = NULL;
	assert_int_equal(sec_seccomp_compile(s, &f, &e), -EINVAL);
	assert_null(f);
	assert_string_equal(e.msg, msg);
}

static void test_compile_rejects(void **state)
{
	(void)state;
	struct oci_seccomp s = { .default_action = (enum oci_seccomp_action)99 };
	assert_compile_fails(&s, "linux.seccomp.defaultAction: unknown "
				 "action 99");

	struct oci_seccomp_rule rule = { .names = mkdir_names,
					 .action = (enum oci_seccomp_action)42 };
	s = (struct oci_seccomp){ .default_action = OCI_SECCOMP_ALLOW,
				  .syscalls = &rule,
				  .n_syscalls = 1 };
	assert_compile_fails(&s, "linux.seccomp.syscalls[0]: unknown action 42");

	char *bad_arch[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_VAX", NULL };
	s = (struct oci_seccomp){ .default_action = OCI_SECCOMP_ALLOW,
				  .architectures = bad_arch };
	assert_compile_fails(&s, "linux.seccomp.architectures: unknown "
				 "architecture \"SCMP_ARCH_VAX\"");

	char *bad_flag[] = { "SECCOMP_FILTER_FLAG_BOGUS", NULL };
	s = (struct oci_seccomp){ .default_action = OCI_SECCOMP_ALLOW,
				  .flags = bad_flag };
	assert_compile_fails(&s, "linux.seccomp.flags: unknown flag "
				 "\"SECCOMP_FILTER_FLAG_BOGUS\"");

	struct oci_seccomp_arg bad_index = { .index = 6 };
	rule = (struct oci_seccomp_rule){ .names = mkdir_names,
					  .action = OCI_SECCOMP_ERRNO,
					  .args = &bad_index,
					  .n_args = 1 };
	s = (struct oci_seccomp){ .default_action = OCI_SECCOMP_ALLOW,
				  .syscalls = &rule,
				  .n_syscalls = 1 };
	assert_compile_fails(&s, "linux.seccomp.syscalls[0]: args[0]: index 6 "
				 "is out of range (0..5)");

	rule = (struct oci_seccomp_rule){ .names = mkdir_names,
					  .action = OCI_SECCOMP_ERRNO,
					  .errno_ret = { true, 70000 } };
	assert_compile_fails(&s, "linux.seccomp.syscalls[0]: errnoRet 70000 is "
				 "out of range (0..65535)");
}

static void test_compile_skips_unknown_and_default(void **state)
{
	(void)state;
	static char *only_unknown[] = { "no_such_syscall_at_all", NULL };
	static char *getpid_names[] = { "getpid", NULL };
	struct oci_seccomp_rule rules[] = {
		{ .names = only_unknown, .action = OCI_SECCOMP_ERRNO },
		/* Same as the default: libseccomp would refuse it. */
		{ .names = getpid_names, .action = OCI_SECCOMP_ALLOW },
	};
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = rules,
				 .n_syscalls = 2 };
	struct cell_err e = { 0 };
	struct sec_seccomp *f = NULL;
	assert_int_equal(sec_seccomp_compile(&s, &f, &e), 0);
	assert_non_null(f);
	sec_seccomp_free(f);
}

/* ------------------------------------------------------------ features */

static bool has(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

static void test_features(void **state)
{
	(void)state;
	const char *const *actions = sec_seccomp_actions();
	assert_true(has(actions, "SCMP_ACT_ALLOW"));
	assert_true(has(actions, "SCMP_ACT_ERRNO"));
	assert_true(has(actions, "SCMP_ACT_KILL"));
	assert_true(has(actions, "SCMP_ACT_KILL_PROCESS"));
	assert_true(has(actions, "SCMP_ACT_LOG"));
	assert_int_equal(has(actions, "SCMP_ACT_NOTIFY"),
			 seccomp_api_get() >= 5);
	const char *const *ops = sec_seccomp_operators();
	size_t n = 0;
	while (ops[n])
		n++;
	assert_int_equal(n, 7);
	assert_true(has(ops, "SCMP_CMP_MASKED_EQ"));
	assert_true(has(sec_seccomp_archs(), "SCMP_ARCH_X86_64"));
	assert_true(has(sec_seccomp_archs(), "SCMP_ARCH_AARCH64"));
	assert_true(has(sec_seccomp_flags(), "SECCOMP_FILTER_FLAG_TSYNC"));
	assert_true(has(sec_seccomp_flags(), "SECCOMP_FILTER_FLAG_LOG"));
}

/* --------------------------------------------------------------- NOTIFY */

#define STATE_JSON                                                       \
	"{\"ociVersion\":\"1.0.2\",\"id\":\"t1\",\"status\":\"creating\"," \
	"\"pid\":1,\"bundle\":\"/b\"}"

static char listener[128];

static void child_notify(void)
{
	struct cell_err e = { 0 };
	struct oci_seccomp_rule rule = { .names = mkdir_names,
					 .action = OCI_SECCOMP_NOTIFY };
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = &rule,
				 .n_syscalls = 1 };
	char d[128];
	snprintf(d, sizeof(d), "%s/d", scratch);

	int fd = compile_and_load(&s);
	CHECK(fd >= 0);
	CHECK_OK(sec_seccomp_send_notify_fd(listener, fd, STATE_JSON, "meta=1",
					    getpid(), &e),
		 &e);
	close(fd);
	/* Blocks until the test answers through the notify fd. */
	CHECK(mkdir(d, 0755) == -1 && errno == EXDEV);
}

/* Read the one message: the fd comes with the first bytes, the rest of the
 * JSON until the runtime closes the connection. */
static int recv_state(int conn, char *buf, size_t len)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.b,
			     .msg_controllen = sizeof(u.b) };
	ssize_t n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
	assert_true(n > 0);
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	size_t got = (size_t)n;
	while ((n = read(conn, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return fd;
}

static void test_notify(void **state)
{
	(void)state;
	if (seccomp_api_get() < 5)
		skip();
	snprintf(listener, sizeof(listener), "%s/listener.sock", scratch);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, listener);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);

	pid_t pid = start_child(child_notify);

	struct pollfd pfd = { .fd = ls, .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1) {
		kill(pid, SIGKILL);
		wait_child(pid);
		fail_msg("the child never connected to the listener");
	}
	int conn = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	assert_true(conn >= 0);
	char buf[4096];
	int nfd = recv_state(conn, buf, sizeof(buf));
	close(conn);
	close(ls);

	json_error_t jerr;
	json_t *msg = json_loads(buf, 0, &jerr);
	assert_non_null(msg);
	assert_string_equal(json_string_value(json_object_get(msg, "ociVersion")),
			    "1.0.2");
	json_t *fds = json_object_get(msg, "fds");
	assert_int_equal(json_array_size(fds), 1);
	assert_string_equal(json_string_value(json_array_get(fds, 0)),
			    "seccompFd");
	assert_int_equal(json_integer_value(json_object_get(msg, "pid")), pid);
	assert_string_equal(json_string_value(json_object_get(msg, "metadata")),
			    "meta=1");
	json_t *st = json_object_get(msg, "state");
	assert_string_equal(json_string_value(json_object_get(st, "id")), "t1");
	json_decref(msg);

	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	assert_int_equal(seccomp_notify_alloc(&req, &resp), 0);
	assert_int_equal(seccomp_notify_receive(nfd, req), 0);
	assert_int_equal(req->pid, pid);
	assert_true(req->data.nr == __NR_mkdir || req->data.nr == __NR_mkdirat);
	resp->id = req->id;
	resp->val = 0;
	resp->error = -EXDEV;
	resp->flags = 0;
	assert_int_equal(seccomp_notify_respond(nfd, resp), 0);
	seccomp_notify_free(req, resp);
	close(nfd);

	int status = wait_child(pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* ------------------------------------------ the program cache, poisoned */

/* A cache entry for key "P" holding the allow-all program: what an
 * attacker would plant.  Made by the cache itself, in dir a. */
static char cache_a[96], cache_b[96], cache_file[64];
static char *cache_mkdir_names[] = { "mkdir", "mkdirat", NULL };

static int setup_cache(void **state)
{
	(void)state;
	snprintf(cache_a, sizeof(cache_a), "/tmp/cell-test-cache-a-XXXXXX");
	snprintf(cache_b, sizeof(cache_b), "/tmp/cell-test-cache-b-XXXXXX");
	if (!mkdtemp(cache_a) || !mkdtemp(cache_b))
		return -1;
	return 0;
}

static int teardown_cache(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", cache_a, cache_b);
	return system(cmd) == 0 ? 0 : -1;
}

static void plant_poison(void)
{
	struct oci_seccomp allow = { .default_action = OCI_SECCOMP_ALLOW };
	struct cell_err e = { 0 };
	struct sec_seccomp *f = NULL;
	assert_int_equal(sec_seccomp_compile_cached(&allow, "P", cache_a, &f, &e), 0);
	sec_seccomp_free(f);
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cd '%s' && ls | head -1", cache_a);
	FILE *ls = popen(cmd, "r");
	assert_non_null(ls);
	assert_non_null(fgets(cache_file, sizeof(cache_file), ls));
	pclose(ls);
	cache_file[strcspn(cache_file, "\n")] = '\0';
	snprintf(cmd, sizeof(cmd), "cp '%s/%s' '%s/%s'", cache_a, cache_file,
		 cache_b, cache_file);
	assert_int_equal(system(cmd), 0);
}

/* In a child: the profile "P" (mkdir -> EPERM) through the cache in dir
 * b.  Exit 0 if the real program ran, 2 if the planted one did. */
static void child_cached_profile(void)
{
	struct oci_seccomp_rule rule = { .names = cache_mkdir_names,
					 .action = OCI_SECCOMP_ERRNO };
	struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
				 .syscalls = &rule,
				 .n_syscalls = 1 };
	struct cell_err e = { 0 };
	struct sec_seccomp *f = NULL;
	int fd = -1;
	CHECK_OK(sec_seccomp_compile_cached(&s, "P", cache_b, &f, &e), &e);
	CHECK_OK(sec_seccomp_load(f, &fd, &e), &e);
	char d[160];
	snprintf(d, sizeof(d), "%s/probe", cache_a);
	if (mkdir(d, 0700) == 0) {
		rmdir(d);
		_exit(2);
	}
	CHECK(errno == EPERM);
}

static int cached_run(void)
{
	int status = wait_child(start_child(child_cached_profile));
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_cache_poison(void **state)
{
	(void)state;
	char path[192];
	plant_poison();
	snprintf(path, sizeof(path), "%s/%s", cache_b, cache_file);

	/* The test can tell: a root-owned 0600 entry in a 0700 dir is used. */
	assert_int_equal(chmod(cache_b, 0700), 0);
	assert_int_equal(cached_run(), 2);

	/* Written by someone else: ignored. */
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(cached_run(), 0);
	/* Group or world writable: ignored. */
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, 0622), 0);
	assert_int_equal(cached_run(), 0);
	assert_int_equal(chmod(path, 0600), 0);
	/* The dir open to others: ignored (and not rewritten either). */
	assert_int_equal(chmod(cache_b, 0755), 0);
	assert_int_equal(cached_run(), 0);
	assert_int_equal(chmod(cache_b, 0700), 0);
	/* The dir owned by someone else: ignored. */
	assert_int_equal(chown(cache_b, 65534, 0), 0);
	assert_int_equal(cached_run(), 0);
	assert_int_equal(chown(cache_b, 0, 0), 0);

	/* A symlink to the planted file, or a hard link to it: ignored. */
	char target[192];
	snprintf(target, sizeof(target), "%s/%s", cache_a, cache_file);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(cached_run(), 0);
	unlink(path);
	assert_int_equal(link(target, path), 0);
	assert_int_equal(cached_run(), 0);
	unlink(path);
	/* The cache dir itself a symlink to a trusted-looking dir: ignored. */
	char linkdir[128];
	snprintf(linkdir, sizeof(linkdir), "%s/lnk", cache_b);
	assert_int_equal(chmod(cache_a, 0700), 0);
	assert_int_equal(symlink(cache_a, linkdir), 0);
	{
		struct oci_seccomp_rule rule = { .names = cache_mkdir_names,
						 .action = OCI_SECCOMP_ERRNO };
		struct oci_seccomp s = { .default_action = OCI_SECCOMP_ALLOW,
					 .syscalls = &rule, .n_syscalls = 1 };
		struct cell_err e = { 0 };
		struct sec_seccomp *f = NULL;
		assert_int_equal(sec_seccomp_compile_cached(&s, "P", linkdir, &f, &e), 0);
		sec_seccomp_free(f);
	}
	/* ... and nothing was written through it either: still one file. */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test $(ls '%s' | wc -l) -eq 1", cache_a);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errno_rule_default_allow,
						setup_scratch, teardown_scratch),
		cmocka_unit_test(test_default_errno_allowlist),
		cmocka_unit_test(test_arg_conditions),
		cmocka_unit_test(test_same_index_conditions_or),
		cmocka_unit_test(test_kill_process_sigsys),
		cmocka_unit_test_setup_teardown(test_flags_and_archs_accepted,
						setup_scratch, teardown_scratch),
		cmocka_unit_test(test_compile_rejects),
		cmocka_unit_test(test_compile_skips_unknown_and_default),
		cmocka_unit_test(test_features),
		cmocka_unit_test_setup_teardown(test_notify, setup_scratch,
						teardown_scratch),
		cmocka_unit_test_setup_teardown(test_cache_poison, setup_cache,
						teardown_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
