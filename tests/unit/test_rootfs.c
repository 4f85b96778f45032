/* fs: the container's filesystem view, on the real kernel.
 *
 * Each test builds a small rootfs (busybox) under /tmp, then forks a child
 * that enters a new mount namespace (and, for one test, a user namespace),
 * runs fs_prepare_rootfs / fs_pivot_root / fs_finish_rootfs, checks the
 * result from inside and writes one line per failed check, then "DONE", to
 * the parent over a pipe.  The child's namespace dies with it, so nothing
 * is left mounted; the parent removes the tree.  Needs root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs/fs-internal.h"
#include "fs/fs.h"
#include "util/cleanup.h"
#include "util/file.h"

/* ------------------------------------------------------- child reporting */

struct report {
	int fd;
	int failures;
};

static void __attribute__((format(printf, 3, 4)))
check(struct report *rep, bool ok, const char *fmt, ...)
{
	if (ok)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(rep->fd, buf, (size_t)n) < 0)
		_exit(3);
	rep->failures++;
}

#define CHECK(rep, cond) check(rep, (cond), "%d: %s", __LINE__, #cond)
#define CHECK_OK(rep, r, e)                                                   \
	check(rep, (r) >= 0, "%d: %s: %s", __LINE__, #r, (e)->msg)

typedef void (*child_fn)(struct report *rep, void *arg);

/* Run fn in a child in new namespaces (CLONE_NEWNS, plus CLONE_NEWUSER with
 * an identity map written from here); return its report, malloc'd. */
static char *run_child(child_fn fn, void *arg, bool userns)
{
	int out[2], sync[2], go[2];
	assert_int_equal(pipe2(out, O_CLOEXEC), 0);
	assert_int_equal(pipe2(sync, O_CLOEXEC), 0);
	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct report rep = { .fd = out[1] };
		char c = 0;
		close(out[0]);
		int flags = CLONE_NEWNS | (userns ? CLONE_NEWUSER : 0);
		if (unshare(flags) < 0) {
			check(&rep, false, "unshare: %s", strerror(errno));
			_exit(1);
		}
		if (write(sync[1], "u", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		fn(&rep, arg);
		if (write(out[1], "DONE\n", 5) != 5)
			_exit(3);
		_exit(rep.failures ? 1 : 0);
	}
	close(out[1]);
	char c;
	assert_int_equal(read(sync[0], &c, 1), 1);
	if (userns) {
		char path[64];
		const char *map = "0 0 4294967295\n";
		for (int i = 0; i < 2; i++) {
			snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid,
				 i ? "gid_map" : "uid_map");
			int fd = open(path, O_WRONLY | O_CLOEXEC);
			assert_true(fd >= 0);
			assert_int_equal(write(fd, map, strlen(map)),
					 (ssize_t)strlen(map));
			close(fd);
		}
	}
	assert_int_equal(write(go[1], "g", 1), 1);
	close(sync[0]);
	close(sync[1]);
	close(go[0]);
	close(go[1]);

	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		abort();
	for (;;) {
		if (n + 1 >= cap) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb)
				abort();
			buf = nb;
		}
		ssize_t r = read(out[0], buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	close(out[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return buf;
}

/* The child's report must be exactly "DONE": print it otherwise.  A
 * child that found the kernel lacking says "SKIP: why". */
static void assert_clean_report(char *report)
{
	if (strncmp(report, "SKIP: ", 6) == 0) {
		print_message("%s", report);
		free(report);
		skip();
		return;
	}
	if (strcmp(report, "DONE\n") != 0) {
		print_error("child report:\n%s", report);
		free(report);
		fail();
	}
	free(report);
}

/* ------------------------------------------------------------ the rootfs */

struct fixture {
	char base[64];
	char root[96];
	char data[96];
};

static void put_file(const char *dir, const char *rel, const char *text)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void put_dir(const char *dir, const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void put_link(const char *dir, const char *rel, const char *target)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void copy_busybox(const char *root)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/bin/busybox", root);
	int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
	assert_true(in >= 0);
	int out = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0755);
	assert_true(out >= 0);
	char buf[65536];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	put_link(root, "bin/sh", "busybox");
	put_link(root, "bin/true", "busybox");
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->base, sizeof(f->base), "/tmp/cell-test-rootfs-XXXXXX");
	assert_non_null(mkdtemp(f->base));
	snprintf(f->root, sizeof(f->root), "%s/root", f->base);
	snprintf(f->data, sizeof(f->data), "%s/data", f->base);
	assert_int_equal(mkdir(f->root, 0755), 0);
	assert_int_equal(mkdir(f->data, 0755), 0);
	put_file(f->data, "hello", "hello from the host\n");
	const char *dirs[] = { "bin", "etc", "etc/secretdir", "proc", "dev",
			       "tmp", "sys" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		put_dir(f->root, dirs[i]);
	put_file(f->root, "etc/secretdir/key", "secret\n");
	put_file(f->root, "etc/shadowish", "root:x\n");
	copy_busybox(f->root);
	*state = f;
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
	struct fixture *f = *state;
	/* FTW_MOUNT: never descend into anything still mounted. */
	nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	free(f);
	return 0;
}

/* ---------------------------------------------------------- config build */

#define MAX_MOUNTS 16

struct test_config {
	struct oci_config c;
	struct oci_mount mounts[MAX_MOUNTS];
	char *masked[8];
	char *readonly[8];
	struct oci_device devices[2];
};

static void add_mount(struct test_config *t, const char *dest,
		      const char *type, const char *source,
		      unsigned long flags, const char *data)
{
	assert_true(t->c.n_mounts < MAX_MOUNTS);
	struct oci_mount *m = &t->mounts[t->c.n_mounts++];
	*m = (struct oci_mount){
		.destination = (char *)dest,
		.type = (char *)type,
		.source = (char *)source,
		.flags = flags,
		.data = (char *)data,
	};
	if (type && strcmp(type, "bind") == 0) {
		m->bind = true;
		m->recursive = true;
	}
	t->c.mounts = t->mounts;
}

/* ------------------------------------------------------------ mountinfo */

static bool has_opt(const char *opts, const char *opt)
{
	size_t n = strlen(opt);
	for (const char *p = opts; p && *p;) {
		if (strncmp(p, opt, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static const struct mountinfo_entry *mi_top(const struct mountinfo *mi,
					    const char *mountpoint)
{
	const struct mountinfo_entry *top = NULL;
	for (size_t i = 0; i < mi->n; i++)
		if (strcmp(mi->v[i].mountpoint, mountpoint) == 0)
			top = &mi->v[i];
	return top;
}

static void check_mount(struct report *rep, const struct mountinfo *mi,
			const char *mp, const char *fstype, const char *opts)
{
	const struct mountinfo_entry *m = mi_top(mi, mp);
	check(rep, m != NULL, "no mount at %s", mp);
	if (!m)
		return;
	check(rep, !fstype || strcmp(m->fstype, fstype) == 0,
	      "%s is %s, not %s", mp, m->fstype, fstype);
	_cleanup_free_ char *copy = strdup(opts ? opts : "");
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o;
	     o = strtok_r(NULL, ",", &save))
		check(rep, has_opt(m->options, o) || has_opt(m->superopts, o),
		      "%s: %s lacks %s (%s / %s)", mp, fstype, o, m->options,
		      m->superopts);
}

static void check_dev(struct report *rep, const char *path, unsigned int maj,
		      unsigned int min, mode_t perm)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		check(rep, false, "stat %s: %s", path, strerror(errno));
		return;
	}
	check(rep, S_ISCHR(st.st_mode), "%s is not a char device", path);
	check(rep, major(st.st_rdev) == maj && minor(st.st_rdev) == min,
	      "%s is %u:%u, not %u:%u", path, major(st.st_rdev),
	      minor(st.st_rdev), maj, min);
	check(rep, perm == 0 || (st.st_mode & 07777) == perm,
	      "%s has mode %o, not %o", path, st.st_mode & 07777, perm);
}

static void check_link(struct report *rep, const char *path,
		       const char *target)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	check(rep, n > 0, "readlink %s: %s", path, strerror(errno));
	if (n <= 0)
		return;
	buf[n] = '\0';
	check(rep, strcmp(buf, target) == 0, "%s -> %s, not %s", path, buf,
	      target);
}

static int creat_errno(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0) {
		close(fd);
		unlink(path);
		return 0;
	}
	return errno;
}

/* ---------------------------------------------------------------- tests */

struct full_args {
	const struct fixture *f;
	bool terminal;
	bool cgroup2; /* the host is cgroup v2 only */
};

static void full_child(struct report *rep, void *arg)
{
	const struct full_args *a = arg;
	const struct fixture *f = a->f;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };

	add_mount(&t, "/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL);
	add_mount(&t, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
		  "mode=755,size=65536k");
	add_mount(&t, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620");
	add_mount(&t, "/data", "bind", f->data, MS_RDONLY, NULL);
	add_mount(&t, "/scratch", "tmpfs", "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=1m,mode=700");
	add_mount(&t, "/sys", "sysfs", "sysfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	add_mount(&t, "/sys/fs/cgroup", "cgroup", "cgroup",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	char file_src[128];
	snprintf(file_src, sizeof(file_src), "%s/hello", f->data);
	add_mount(&t, "/etc/resolv.conf", "bind", file_src, MS_RDONLY, NULL);
	t.devices[0] = (struct oci_device){
		.type = 'c', .path = (char *)"/dev/net/tun", .major = 10,
		.minor = 200, .has_file_mode = true, .file_mode = 0620,
		.has_uid = true, .uid = 1000, .has_gid = true, .gid = 1001,
	};
	t.c.linux.devices = t.devices;
	t.c.linux.n_devices = 1;
	/* Some kernels (this CI's) lack kcore and sysrq-trigger: then they
	 * are the "missing, skipped" case. */
	bool have_kcore = access("/proc/kcore", F_OK) == 0;
	bool have_sysrq = access("/proc/sysrq-trigger", F_OK) == 0;
	t.masked[0] = (char *)"/proc/kcore";
	t.masked[1] = (char *)"/proc/timer_list";
	t.masked[2] = (char *)"/proc/acpi";
	t.masked[3] = (char *)"/etc/secretdir";
	t.masked[4] = (char *)"/etc/shadowish";
	t.masked[5] = (char *)"/does/not/exist";
	t.readonly[0] = (char *)"/proc/sys";
	t.readonly[1] = (char *)"/proc/sysrq-trigger";
	t.readonly[2] = (char *)"/not/there";
	t.c.linux.masked_paths = t.masked;
	t.c.linux.readonly_paths = t.readonly;
	t.c.root_readonly = true;
	t.c.has_process = true;
	t.c.process.terminal = a->terminal;

	struct rootfs_state st;
	fs_state_init(&st);
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root,
				  .state = &st };
	int r = fs_prepare_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);
	if (r < 0)
		return;
	r = fs_pivot_root(&ctx, &e);
	CHECK_OK(rep, r, &e);
	if (r < 0)
		return;
	r = fs_finish_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);
	fs_state_release(&st);
	if (r < 0)
		return;

	/* The old root is gone: "/.." is "/", and nothing of the host shows. */
	struct stat root, up;
	CHECK(rep, stat("/", &root) == 0 && stat("/..", &up) == 0);
	CHECK(rep, root.st_ino == up.st_ino && root.st_dev == up.st_dev);
	CHECK(rep, access("/bin/busybox", X_OK) == 0);
	CHECK(rep, access(f->base, F_OK) < 0);

	struct mountinfo mi = { 0 };
	r = mountinfo_read("/proc/self/mountinfo", &mi, &e);
	CHECK_OK(rep, r, &e);
	check_mount(rep, &mi, "/", NULL, "ro");
	check_mount(rep, &mi, "/proc", "proc", "rw,nosuid,nodev,noexec");
	check_mount(rep, &mi, "/dev", "tmpfs", "rw,nosuid,mode=755");
	check_mount(rep, &mi, "/dev/pts", "devpts", "nosuid,noexec,mode=620");
	check_mount(rep, &mi, "/data", NULL, "ro");
	check_mount(rep, &mi, "/scratch", "tmpfs",
		    "rw,nosuid,nodev,size=1024k,mode=700");
	check_mount(rep, &mi, "/sys", "sysfs", "ro,nosuid,nodev,noexec");
	if (a->cgroup2) {
		check_mount(rep, &mi, "/sys/fs/cgroup", "cgroup2", "ro,nosuid");
	} else {
		check_mount(rep, &mi, "/sys/fs/cgroup", "tmpfs", "ro,nosuid");
		check_mount(rep, &mi, "/sys/fs/cgroup/memory", "cgroup",
			    "ro,memory");
		check_mount(rep, &mi, "/sys/fs/cgroup/cpu", "cgroup", "ro,cpu");
	}
	if (have_kcore)
		check_mount(rep, &mi, "/proc/kcore", "devtmpfs", NULL);
	check_mount(rep, &mi, "/proc/timer_list", "devtmpfs", NULL);
	check_mount(rep, &mi, "/proc/acpi", "tmpfs", "ro");
	check_mount(rep, &mi, "/etc/secretdir", "tmpfs", "ro");
	check_mount(rep, &mi, "/proc/sys", "proc", "ro");
	if (have_sysrq)
		check_mount(rep, &mi, "/proc/sysrq-trigger", "proc", "ro");
	CHECK(rep, mi_top(&mi, "/does/not/exist") == NULL);
	CHECK(rep, mi_top(&mi, "/not/there") == NULL);
	for (size_t i = 0; i < mi.n; i++)
		check(rep, strstr(mi.v[i].mountpoint, "cell-test") == NULL,
		      "host path visible: %s", mi.v[i].mountpoint);
	mountinfo_free(&mi);

	check_dev(rep, "/dev/null", 1, 3, 0666);
	check_dev(rep, "/dev/zero", 1, 5, 0666);
	check_dev(rep, "/dev/full", 1, 7, 0666);
	check_dev(rep, "/dev/random", 1, 8, 0666);
	check_dev(rep, "/dev/urandom", 1, 9, 0666);
	check_dev(rep, "/dev/tty", 5, 0, 0666);
	check_dev(rep, "/dev/net/tun", 10, 200, 0620);
	struct stat st_tun;
	CHECK(rep, stat("/dev/net/tun", &st_tun) == 0 &&
			   st_tun.st_uid == 1000 && st_tun.st_gid == 1001);
	check_link(rep, "/dev/ptmx", "pts/ptmx");
	check_link(rep, "/dev/fd", "/proc/self/fd");
	check_link(rep, "/dev/stdin", "/proc/self/fd/0");
	check_link(rep, "/dev/stderr", "/proc/self/fd/2");
	check_link(rep, "/dev/core", "/proc/kcore");

	/* Flags are enforced, not only displayed. */
	CHECK(rep, creat_errno("/newfile") == EROFS);
	CHECK(rep, creat_errno("/data/newfile") == EROFS);
	CHECK(rep, creat_errno("/scratch/newfile") == 0);
	CHECK(rep, creat_errno("/etc/secretdir/x") == EROFS);
	CHECK(rep, access("/etc/secretdir/key", F_OK) < 0);
	CHECK(rep, access("/data/hello", R_OK) == 0);
	/* A file bind: the leaf was created as a file, and is read-only. */
	struct stat sf;
	int fd;
	CHECK(rep, stat("/etc/resolv.conf", &sf) == 0 && S_ISREG(sf.st_mode) &&
			   sf.st_size == 20);
	fd = open("/etc/resolv.conf", O_WRONLY | O_CLOEXEC);
	CHECK(rep, fd < 0 && errno == EROFS);
	CHECK(rep, creat_errno("/proc/sys/kernel/hostname") == EROFS);
	struct statfs sfs;
	CHECK(rep, statfs("/scratch", &sfs) == 0 &&
			   sfs.f_blocks * sfs.f_bsize == 1024 * 1024);
	if (have_kcore)
		check_dev(rep, "/proc/kcore", 1, 3, 0);
	check_dev(rep, "/proc/timer_list", 1, 3, 0);
	check_dev(rep, "/etc/shadowish", 1, 3, 0);
	char c;
	fd = open("/etc/shadowish", O_RDONLY | O_CLOEXEC);
	CHECK(rep, fd >= 0 && read(fd, &c, 1) == 0);
	if (fd >= 0)
		close(fd);

	/* The rootfs runs programs. */
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	CHECK(rep, WIFEXITED(status) && WEXITSTATUS(status) == 0);

	if (!a->terminal)
		return;
	struct stat cons;
	CHECK(rep, lstat("/dev/console", &cons) == 0 && S_ISREG(cons.st_mode));
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(rep, master >= 0);
	if (master < 0)
		return;
	char name[64];
	int unlock = 0;
	CHECK(rep, ioctl(master, TIOCSPTLCK, &unlock) == 0);
	CHECK(rep, ptsname_r(master, name, sizeof(name)) == 0);
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(rep, slave >= 0);
	r = fs_bind_console(-1, slave, &e);
	CHECK_OK(rep, r, &e);
	struct stat pts;
	CHECK(rep, fstat(slave, &pts) == 0 && stat("/dev/console", &cons) == 0 &&
			   S_ISCHR(cons.st_mode) && cons.st_rdev == pts.st_rdev);
	close(slave);
	close(master);
}

static void test_full_rootfs(void **state)
{
	struct statfs sfs;
	assert_int_equal(statfs("/sys/fs/cgroup", &sfs), 0);
	struct full_args a = { .f = *state, .terminal = true,
			       .cgroup2 = sfs.f_type == 0x63677270 };
	assert_clean_report(run_child(full_child, &a, false));
}

/* A hostile image: /mnt -> "/" and /evil -> "../../../tmp".  Mounts aimed
 * through them must land inside the rootfs, never on the host. */
static void attack_child(struct report *rep, void *arg)
{
	const struct fixture *f = arg;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };
	add_mount(&t, "/mnt/cell-attack-x", "tmpfs", "tmpfs", 0, NULL);
	add_mount(&t, "/evil/cell-attack-y", "tmpfs", "tmpfs", 0, NULL);
	add_mount(&t, "/evil/../../cell-attack-z", "bind", f->data, 0, NULL);
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root };
	/* No /dev mount: do not populate the image's /dev for this one. */
	add_mount(&t, "/dev", "bind", "/dev", 0, NULL);
	int r = fs_prepare_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);

	struct mountinfo mi = { 0 };
	r = mountinfo_read("/proc/self/mountinfo", &mi, &e);
	CHECK_OK(rep, r, &e);
	char want[256];
	snprintf(want, sizeof(want), "%s/cell-attack-x", f->root);
	CHECK(rep, mi_top(&mi, want) != NULL);
	snprintf(want, sizeof(want), "%s/tmp/cell-attack-y", f->root);
	CHECK(rep, mi_top(&mi, want) != NULL);
	snprintf(want, sizeof(want), "%s/cell-attack-z", f->root);
	CHECK(rep, mi_top(&mi, want) != NULL);
	CHECK(rep, mi_top(&mi, "/cell-attack-x") == NULL);
	CHECK(rep, mi_top(&mi, "/tmp/cell-attack-y") == NULL);
	mountinfo_free(&mi);
}

static char *host_mountinfo(void)
{
	struct cell_err e;
	char *text = NULL;
	size_t len;
	assert_int_equal(file_read_at(AT_FDCWD, "/proc/self/mountinfo", 0,
				      &text, &len, &e),
			 0);
	return text;
}

static void test_symlink_attack(void **state)
{
	struct fixture *f = *state;
	put_link(f->root, "mnt", "/");
	put_link(f->root, "evil", "../../../tmp");
	assert_int_equal(access("/cell-attack-x", F_OK), -1);
	assert_int_equal(access("/tmp/cell-attack-y", F_OK), -1);
	char *before = host_mountinfo();

	assert_clean_report(run_child(attack_child, f, false));

	char *after = host_mountinfo();
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(access("/cell-attack-x", F_OK), -1);
	assert_int_equal(access("/tmp/cell-attack-y", F_OK), -1);
	assert_int_equal(access("/cell-attack-z", F_OK), -1);
	char p[256];
	snprintf(p, sizeof(p), "%s/tmp/cell-attack-y", f->root);
	assert_int_equal(access(p, F_OK), 0);
}

/* procfs must land on a real /proc directory of the image. */
static void proc_link_child(struct report *rep, void *arg)
{
	const struct fixture *f = arg;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };
	add_mount(&t, "/proc", "proc", "proc", 0, NULL);
	add_mount(&t, "/dev", "bind", "/dev", 0, NULL);
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root };
	int r = fs_prepare_rootfs(&ctx, &e);
	check(rep, r == -ELOOP, "proc over a symlink: %d %s", r, e.msg);

	/* And nothing may be mounted into procfs through a detour. */
	struct test_config t2 = { 0 };
	add_mount(&t2, "/proc", "proc", "proc", 0, NULL);
	add_mount(&t2, "/dev", "bind", "/dev", 0, NULL);
	add_mount(&t2, "/detour/sys", "tmpfs", "tmpfs", 0, NULL);
	char root2[128];
	snprintf(root2, sizeof(root2), "%s/../root2", f->root);
	ctx = (struct rootfs_ctx){ .config = &t2.c, .rootfs = root2 };
	r = fs_prepare_rootfs(&ctx, &e);
	check(rep, r == -EPERM, "tmpfs over /proc/sys: %d %s", r, e.msg);
}

static void test_proc_symlink_refused(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(rmdir(strcat(strcpy((char[128]){ 0 }, f->root),
				      "/proc")),
			 0);
	put_link(f->root, "proc", "/tmp");
	put_dir(f->base, "root2");
	put_dir(f->base, "root2/proc");
	put_link(f->base, "root2/detour", "/proc");
	assert_clean_report(run_child(proc_link_child, f, false));
}

/* In a user namespace: devices are the host's nodes bind-mounted, sysfs
 * falls back to the host's /sys, masks use the host's /dev/null. */
static void userns_child(struct report *rep, void *arg)
{
	const struct fixture *f = arg;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };
	add_mount(&t, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	add_mount(&t, "/data", "bind", f->data, MS_RDONLY, NULL);
	add_mount(&t, "/sys", "sysfs", "sysfs",
		  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	t.masked[0] = (char *)"/etc/shadowish";
	t.c.linux.masked_paths = t.masked;
	t.c.root_readonly = true;

	struct rootfs_state st;
	fs_state_init(&st);
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root,
				  .userns = true, .state = &st };
	int r = fs_prepare_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);

	/* No /proc in this rootfs: look at the mounts before the pivot. */
	struct mountinfo mi = { 0 };
	CHECK_OK(rep, mountinfo_read("/proc/self/mountinfo", &mi, &e), &e);
	char p[256];
	/* Bind-mounted, not mknod'ed. */
	snprintf(p, sizeof(p), "%s/dev/null", f->root);
	check_mount(rep, &mi, p, "devtmpfs", NULL);
	snprintf(p, sizeof(p), "%s/dev/zero", f->root);
	check_mount(rep, &mi, p, "devtmpfs", NULL);
	/* The host's /sys, rbound (a fresh sysfs has no submounts). */
	snprintf(p, sizeof(p), "%s/sys", f->root);
	check_mount(rep, &mi, p, "sysfs", "ro,nosuid,nodev,noexec");
	snprintf(p, sizeof(p), "%s/sys/fs/cgroup", f->root);
	check_mount(rep, &mi, p, NULL, NULL);
	mountinfo_free(&mi);
	if (r == 0)
		r = fs_pivot_root(&ctx, &e);
	if (r == 0)
		r = fs_finish_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);
	fs_state_release(&st);
	if (r < 0)
		return;

	check_dev(rep, "/dev/null", 1, 3, 0);
	check_dev(rep, "/dev/zero", 1, 5, 0);
	check_dev(rep, "/dev/tty", 5, 0, 0);
	check_dev(rep, "/etc/shadowish", 1, 3, 0);
	check_link(rep, "/dev/ptmx", "pts/ptmx");
	CHECK(rep, access("/sys/kernel", F_OK) == 0);
	CHECK(rep, creat_errno("/newfile") == EROFS);
	CHECK(rep, creat_errno("/data/newfile") == EROFS);
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	CHECK(rep, fd >= 0 && write(fd, "x", 1) == 1);
	if (fd >= 0)
		close(fd);
}

static void test_userns_rootfs(void **state)
{
	assert_clean_report(run_child(userns_child, *state, true));
}

static void no_pivot_child(struct report *rep, void *arg)
{
	const struct fixture *f = arg;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };
	add_mount(&t, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root,
				  .no_pivot = true };
	int r = fs_prepare_rootfs(&ctx, &e);
	if (r == 0)
		r = fs_pivot_root(&ctx, &e);
	if (r == 0)
		r = fs_finish_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);
	CHECK(rep, access("/bin/busybox", X_OK) == 0);
	check_dev(rep, "/dev/null", 1, 3, 0666);
}

/* idmap: on-disk uid 0 shows as 1000 through the mount, and only there. */
static void idmap_child(struct report *rep, void *arg)
{
	const struct fixture *f = arg;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };
	add_mount(&t, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	add_mount(&t, "/data", "bind", f->data, 0, NULL);
	add_mount(&t, "/idmapped", "bind", f->data, 0, NULL);
	struct oci_idmap idmap = { .container_id = 0, .host_id = 1000,
				   .size = 65536 };
	struct oci_mount *im = &t.mounts[t.c.n_mounts - 1];
	im->idmap = true;
	im->uid_mappings = im->gid_mappings = &idmap;
	im->n_uid_mappings = im->n_gid_mappings = 1;
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root };
	int r = fs_prepare_rootfs(&ctx, &e);
	if (r == -EINVAL && strstr(e.msg, "not supported")) {
		dprintf(rep->fd, "SKIP: %s\n", e.msg);
		_exit(0);
	}
	if (r == 0)
		r = fs_pivot_root(&ctx, &e);
	CHECK_OK(rep, r, &e);
	struct stat st;
	CHECK(rep, stat("/idmapped/hello", &st) == 0 && st.st_uid == 1000 &&
			   st.st_gid == 1000);
	CHECK(rep, stat("/data/hello", &st) == 0 && st.st_uid == 0);
}

static void test_idmap_mount(void **state)
{
	assert_clean_report(run_child(idmap_child, *state, false));
}

static void test_no_pivot(void **state)
{
	assert_clean_report(run_child(no_pivot_child, *state, false));
}

/* rootfsPropagation "rshared": pivot_root refuses a shared root, so the
 * rootfs becomes shared only after it. */
static void shared_child(struct report *rep, void *arg)
{
	const struct fixture *f = arg;
	struct test_config t = { 0 };
	struct cell_err e = { 0 };
	add_mount(&t, "/proc", "proc", "proc", 0, NULL);
	add_mount(&t, "/dev", "tmpfs", "tmpfs", MS_NOSUID, "mode=755");
	add_mount(&t, "/shared", "tmpfs", "tmpfs", 0, NULL);
	t.mounts[2].propagation = MS_PRIVATE;
	t.c.linux.rootfs_propagation = MS_SHARED | MS_REC;
	struct rootfs_ctx ctx = { .config = &t.c, .rootfs = f->root };
	int r = fs_prepare_rootfs(&ctx, &e);
	if (r == 0)
		r = fs_pivot_root(&ctx, &e);
	if (r == 0)
		r = fs_finish_rootfs(&ctx, &e);
	CHECK_OK(rep, r, &e);
	if (r < 0)
		return;
	struct mountinfo mi = { 0 };
	CHECK_OK(rep, mountinfo_read("/proc/self/mountinfo", &mi, &e), &e);
	const struct mountinfo_entry *root = mi_top(&mi, "/");
	const struct mountinfo_entry *priv = mi_top(&mi, "/shared");
	CHECK(rep, root && strstr(root->optional, "shared:"));
	CHECK(rep, priv && !strstr(priv->optional, "shared:"));
	mountinfo_free(&mi);
}

static void test_shared_propagation(void **state)
{
	assert_clean_report(run_child(shared_child, *state, false));
}

int main(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "test_rootfs needs root; skipped\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_rootfs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_symlink_attack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proc_symlink_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_userns_rootfs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_idmap_mount, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_pivot, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_shared_propagation, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
