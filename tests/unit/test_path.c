/* util/path: lexical cleaning, and resolution inside a hostile root.
 *
 * Each resolution test builds a temporary tree
 *     <tmp>/root/...       the "container's" root, full of nasty symlinks
 *     <tmp>/outside/secret what must never be reached or written
 * and checks every walk either stays inside root or fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/path.h"

struct tree {
	char base[64];
	char root[96];
	char outside[96];
	int rootfd;
};

static void xsymlink(const char *target, const struct tree *t,
		     const char *name)
{
	assert_int_equal(symlinkat(target, t->rootfd, name), 0);
}

static int setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	snprintf(t->base, sizeof(t->base), "/tmp/cell-test-path-XXXXXX");
	assert_non_null(mkdtemp(t->base));
	snprintf(t->root, sizeof(t->root), "%s/root", t->base);
	snprintf(t->outside, sizeof(t->outside), "%s/outside", t->base);
	assert_int_equal(mkdir(t->root, 0755), 0);
	assert_int_equal(mkdir(t->outside, 0755), 0);
	char secret[128];
	snprintf(secret, sizeof(secret), "%s/secret", t->outside);
	int fd = open(secret, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	t->rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(t->rootfd >= 0);

	assert_int_equal(mkdirat(t->rootfd, "etc", 0755), 0);
	fd = openat(t->rootfd, "etc/file", O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	close(fd);
	xsymlink("/", t, "toroot");
	xsymlink("../../..", t, "up");
	xsymlink("/etc", t, "abs");
	xsymlink("loop2", t, "loop1");
	xsymlink("loop1", t, "loop2");
	xsymlink("../outside", t, "escape");
	xsymlink(t->outside, t, "hostabs");
	xsymlink("/proc/self/root", t, "procroot");
	*state = t;
	return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int teardown(void **state)
{
	struct tree *t = *state;
	close(t->rootfd);
	nftw(t->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return 0;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;
	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static bool host_exists(const struct tree *t, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", t->base, rel);
	struct stat st;
	return lstat(p, &st) == 0;
}

static void test_clean(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
		{ "", "/" },
		{ "/", "/" },
		{ "a", "/a" },
		{ "a//b/./c/../d", "/a/b/d" },
		{ "/../../x", "/x" },
		{ "..", "/" },
		{ "/a/b/../../..", "/" },
		{ "/a/", "/a" },
		{ "./././", "/" },
		{ "/proc/self/../1", "/proc/1" },
		{ "a/...", "/a/..." },
		{ "//dev///pts//", "/dev/pts" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *c = path_clean(cases[i][0]);
		assert_non_null(c);
		assert_string_equal(c, cases[i][1]);
		free(c);
	}
}

static void test_join(void **state)
{
	(void)state;
	static const char *const cases[][3] = {
		{ "/a", "b", "/a/b" },
		{ "/a/", "/b", "/a/b" },
		{ "/", "dev", "/dev" },
		{ "/run//", "//x/y", "/run/x/y" },
		{ "rel", "x", "rel/x" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *j = path_join(cases[i][0], cases[i][1]);
		assert_non_null(j);
		assert_string_equal(j, cases[i][2]);
		free(j);
	}
}

static void test_symlinks_stay_inside(void **state)
{
	struct tree *t = *state;
	struct cell_err e;

	const char *to_root[] = { "toroot", "toroot/..", "up", "/..",
				  "../../..", "up/toroot/up", "/" };
	for (size_t i = 0; i < sizeof(to_root) / sizeof(to_root[0]); i++) {
		int fd = path_open_in_root(t->rootfd, to_root[i],
					   O_PATH | O_DIRECTORY, &e);
		if (fd < 0)
			fail_msg("%s: %s", to_root[i], e.msg);
		assert_true(same_file(fd, t->rootfd));
		close(fd);
	}

	/* An absolute link means the root's /etc, not the host's. */
	int fd = path_open_in_root(t->rootfd, "abs/file", O_RDONLY, &e);
	assert_true(fd >= 0);
	int direct = openat(t->rootfd, "etc/file", O_RDONLY);
	assert_true(same_file(fd, direct));
	close(fd);
	close(direct);

	/* Everything that would climb out to <tmp>/outside finds nothing. */
	const char *escapes[] = { "../outside/secret", "up/outside/secret",
				  "escape/secret", "hostabs/secret",
				  "toroot/../../outside/secret" };
	for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
		fd = path_open_in_root(t->rootfd, escapes[i], O_RDONLY, &e);
		assert_int_equal(fd, -ENOENT);
		assert_int_equal(e.errnum, ENOENT);
		assert_non_null(strstr(e.msg, escapes[i]));
	}
}

static void test_loops_and_magic_links(void **state)
{
	struct tree *t = *state;
	struct cell_err e;

	assert_int_equal(path_open_in_root(t->rootfd, "loop1", O_PATH, &e),
			 -ELOOP);
	assert_int_equal(path_open_in_root(t->rootfd, "loop2/x", O_PATH, &e),
			 -ELOOP);
	/* A link to /proc/... is taken inside the root, which has no proc. */
	assert_int_equal(path_open_in_root(t->rootfd, "procroot", O_PATH, &e),
			 -ENOENT);

	/* With a real procfs below the root, magic links are refused: here
	 * the root is the host's "/" and fd N points outside it. */
	int host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(host_root >= 0);
	int secret = openat(t->rootfd, "../outside", O_PATH | O_DIRECTORY);
	assert_true(secret >= 0);
	char magic[64];
	snprintf(magic, sizeof(magic), "/proc/self/fd/%d/secret", secret);
	assert_int_equal(path_open_in_root(host_root, magic, O_RDONLY, &e),
			 -ELOOP);
	assert_int_equal(path_open_in_root(host_root, "/proc/self/root/etc",
					   O_PATH, &e),
			 -ELOOP);
	close(secret);
	close(host_root);
}

static void test_mkdirs_inside(void **state)
{
	struct tree *t = *state;
	struct cell_err e;
	struct stat st;

	int fd = path_mkdirs_in_root(t->rootfd, "/toroot/a/b", false, &e);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fstatat(t->rootfd, "a/b", &st, 0), 0);
	assert_true(S_ISDIR(st.st_mode));

	fd = path_mkdirs_in_root(t->rootfd, "up/../c/d/", false, &e);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fstatat(t->rootfd, "c/d", &st, 0), 0);

	/* Through an absolute link: lands in the root's /etc. */
	fd = path_mkdirs_in_root(t->rootfd, "/abs/sub/leaf", true, &e);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
	assert_int_equal(fstatat(t->rootfd, "etc/sub/leaf", &st, 0), 0);

	/* Existing paths come back as they are. */
	fd = path_mkdirs_in_root(t->rootfd, "/etc/file", true, &e);
	assert_true(fd >= 0);
	close(fd);

	/* A regular file in the middle is an error, not replaced. */
	assert_int_equal(path_mkdirs_in_root(t->rootfd, "/etc/file/x", false,
					     &e),
			 -ENOTDIR);
	assert_int_equal(path_mkdirs_in_root(t->rootfd, "/etc/file", false,
					     &e),
			 -ENOTDIR);
	assert_int_equal(path_mkdirs_in_root(t->rootfd, "/loop1/x", false, &e),
			 -ELOOP);
}

static void test_mkdirs_never_outside(void **state)
{
	struct tree *t = *state;
	struct cell_err e;

	/* Dangling links whose targets would be outside: mkdir must neither
	 * follow them out nor create their targets on the host. */
	const char *attacks[] = { "/escape/d", "/hostabs/d", "/up/outside/d",
				  "../outside/d2", "/toroot/../../outside/d3" };
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		int fd = path_mkdirs_in_root(t->rootfd, attacks[i], false, &e);
		/* Success is allowed only inside the root: checked below. */
		if (fd >= 0)
			close(fd);
	}
	assert_false(host_exists(t, "outside/d"));
	assert_false(host_exists(t, "outside/d2"));
	assert_false(host_exists(t, "outside/d3"));
	assert_false(host_exists(t, "d"));
	assert_false(host_exists(t, "d2"));
	/* The lexically clean ones did land inside. */
	assert_true(host_exists(t, "root/outside/d2"));
	assert_true(host_exists(t, "root/outside/d3"));

	/* Files too. */
	int fd = path_mkdirs_in_root(t->rootfd, "/escape/f", true, &e);
	if (fd >= 0)
		close(fd);
	assert_false(host_exists(t, "outside/f"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_join),
		cmocka_unit_test_setup_teardown(test_symlinks_stay_inside,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_loops_and_magic_links,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mkdirs_never_outside,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
