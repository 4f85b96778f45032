/* `cell run [OPTIONS] -- COMMAND`: see people.h.
 *
 * Foreground: build the per-container dir and config, container_run, wait,
 * remove both (unless --keep), exit with the command's status.
 *
 * Detached (-d): a monitor process, forked first and in its own session,
 * calls container_run itself, so that the container's init is its child:
 * it reports "running" (or the error) to the caller over a pipe, then waits
 * for the init, records the exit status in the people dir and, with --rm,
 * deletes the container.  The caller prints the name and returns.  The
 * container's stdout and stderr go to <people dir>/log (`cell logs`). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/people.h"
#include "cli/people_image.h"
#include "cli/people_opts.h"
#include "container/container.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/file.h"
#include "util/log.h"
#include "util/syscalls.h"

struct net_ctx {
	const struct people_opts *o;
	const char *root;
	const char *dir;
};

/* Runs in the runtime while the init waits in its new namespaces. */
static int setup_network(pid_t pid, int state_dirfd, void *data,
			 struct cell_err *e)
{
	const struct net_ctx *n = data;
	/* --dry-run: the host side of a network (bridge, veth, nftables,
	   slirp4netns) is not the container's to rehearse */
	if (trace_dry_run()) {
		EXPLAIN("--dry-run: the host side of the network is not set up",
			"--net %s (not set up)", n->o->net_arg);
		return 0;
	}
	struct net_opts no = {
		.mode = n->o->net_arg,
		.publish = n->o->publish,
		.n_publish = n->o->n_publish,
	};
	struct net_result res;
	int r = net_setup(&no, n->root, n->o->name, pid, state_dirfd, &res, e);
	if (r < 0 || !res.ip[0])
		return r;
	return people_hosts_update(n->dir, n->o, res.ip, e);
}

/* The people dir goes; with --image, this process's overlay on its
 * rootfs first (people_dir_remove never crosses a mount). */
static int remove_dir(const struct people_opts *o, const char *dir,
		      struct cell_err *e)
{
	if (o->image)
		people_image_unmount(dir);
	return people_dir_remove(dir, e);
}

/* The exit status when cell itself failed: docker's 125/126/127. */
static int failure_status(const struct cell_err *e)
{
	if (!strncmp(e->msg, "exec", 4) || strstr(e->msg, ": exec")) {
		if (e->errnum == ENOENT)
			return 127;
		if (e->errnum == EACCES || e->errnum == ENOEXEC)
			return 126;
	}
	return PEOPLE_EXIT_ERROR;
}

static int redirect_stdin_null(void)
{
	int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = dup2(fd, STDIN_FILENO) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static void record_exit(const char *dir, int code)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d\n", code);
	struct cell_err ignored;
	_cleanup_close_ int fd = openat(AT_FDCWD, dir, O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		file_replace_at(fd, PEOPLE_EXIT, buf, (size_t)n, 0644, &ignored);
}

/* The monitor of a detached container: never returns. */
__attribute__((noreturn)) static void monitor(const struct cli_globals *g,
					      struct people_opts *o,
					      const char *dir,
					      struct create_opts *co, int report)
{
	struct cell_err e;
	int code = 0;
	trace_process("monitor");
	setsid();
	signal(SIGHUP, SIG_IGN);
	_cleanup_free_ char *log = NULL;
	if (asprintf(&log, "%s/%s", dir, PEOPLE_LOG) < 0)
		_exit(PEOPLE_EXIT_ERROR);
	int fd = openat(AT_FDCWD, log,
			O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0 || redirect_stdin_null() < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0) {
		dprintf(report, "%d cannot open %s: %s", EIO, log, strerror(errno));
		_exit(PEOPLE_EXIT_ERROR);
	}
	close(fd);
	/* Nothing of the caller's stays open for as long as the container
	   runs (a shell's pipe, a test harness's fd 3): only stdio and the
	   report pipe. */
	if (report > 3)
		sys_close_range(3, (unsigned)report - 1, 0);
	sys_close_range((unsigned)report + 1, ~0U, 0);

	/* The init is a fork of this process, so ours to wait for. */
	co->detach = true;
	if (container_run(co, &code, &e) < 0) {
		dprintf(report, "%d %s", e.errnum, e.msg);
		_exit(failure_status(&e));
	}
	if (write(report, "R", 1) != 1)
		log_warn("run %s: the caller went away", o->name);
	close(report);
	/* The init is our only child (a short command may be gone already:
	   its state then has no pid to ask for, but it waits here). */
	int status = 0;
	pid_t w;
	while ((w = waitpid(-1, &status, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		code = PEOPLE_EXIT_ERROR;
	else
		code = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
					   : WEXITSTATUS(status);
	record_exit(dir, code);
	if (o->rm) {
		container_delete(g->root, o->name, true, &e);
		remove_dir(o, dir, &e);
	}
	_exit(code);
}

static int run_detached(const struct cli_globals *g, struct people_opts *o,
			const char *dir, struct create_opts *co)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_error("run %s: pipe: %s", o->name, strerror(errno));
		return PEOPLE_EXIT_ERROR;
	}
	fflush(NULL);
	pid_t m = fork();
	if (m < 0) {
		log_error("run %s: fork: %s", o->name, strerror(errno));
		return PEOPLE_EXIT_ERROR;
	}
	if (m == 0) {
		close(p[0]);
		monitor(g, o, dir, co, p[1]);
	}
	close(p[1]);
	char buf[4096];
	size_t n = 0;
	ssize_t got;
	while (n < sizeof(buf) - 1 &&
	       ((got = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0 ||
		(got < 0 && errno == EINTR)))
		n += got > 0 ? (size_t)got : 0;
	close(p[0]);
	buf[n] = '\0';
	if (n == 1 && buf[0] == 'R') {
		printf("%s\n", o->name);
		return 0;
	}
	/* The monitor failed before the container ran: it says why. */
	waitpid(m, NULL, 0);
	char *msg = strchr(buf, ' ');
	log_error("run %s: %s", o->name, msg ? msg + 1 : "the monitor died");
	struct cell_err ignored;
	container_delete(g->root, o->name, true, &ignored);
	remove_dir(o, dir, &ignored);
	struct cell_err e = { .errnum = atoi(buf) };
	snprintf(e.msg, sizeof(e.msg), "%s", msg ? msg + 1 : "");
	return failure_status(&e);
}

int people_run(const struct cli_globals *g, int argc, char **argv)
{
	struct people_opts o;
	struct cell_err e;
	if (people_opts_parse(argc, argv, &o) < 0) {
		people_opts_free(&o);
		return PEOPLE_EXIT_ERROR;
	}
	bool networked = o.net == NET_MODE_BRIDGE || o.net == NET_MODE_SLIRP;
	/* a bridge (netlink) and published ports (nftables): the static
	   build hands the whole run to the full runtime (util/dl.h) */
	if (networked && dl_handoff("--net", &e) < 0) {
		log_error("run %s: %s", o.name, e.msg);
		people_opts_free(&o);
		return PEOPLE_EXIT_ERROR;
	}
	int code = PEOPLE_EXIT_ERROR;
	_cleanup_free_ char *dir = NULL;
	json_t *cfg = NULL;
	struct people_image img = { 0 };
	struct trace_opts to = {
		.mode = (o.trace ? TRACE_TIMING : 0) |
			(o.explain ? TRACE_EXPLAIN : 0) |
			(o.dry_run ? TRACE_DRY_RUN : 0),
		.path = o.trace,
		.command = "run",
	};
	/* cli_main writes it when the command returns */
	if (trace_setup(&to, &e) < 0) {
		log_error("run %s: %s", o.name, e.msg);
		goto out;
	}
	if (o.image && people_image_prepare(g->root, &o, &img, &e) < 0) {
		log_error("run %s: image %s", o.name, e.msg);
		goto out;
	}
	if (networked && net_gc(g->root, &e) < 0)
		log_warn("run: network cleanup: %s", e.msg);
	if (people_dir_create(g->root, &o, &dir, &e) < 0) {
		log_error("run %s: %s", o.name, e.msg);
		goto out;
	}
	if (o.image && people_image_mount(&img, dir, &o, &e) < 0) {
		log_error("run %s: image %s", o.name, e.msg);
		people_dir_remove(dir, &e);
		goto out;
	}
	if (TRACED("people config", people_config_build(&o, dir, &cfg, &e)) < 0) {
		log_error("run %s: %s", o.name, e.msg);
		remove_dir(&o, dir, &e);
		goto out;
	}
	struct net_ctx nc = { .o = &o, .root = g->root, .dir = dir };
	struct create_opts co = {
		.root = g->root,
		.id = o.name,
		.bundle = dir,
		.config = cfg,
		.keep = o.keep,
		.systemd_cgroup = g->systemd_cgroup,
		.on_namespaces = networked ? setup_network : NULL,
		.on_namespaces_data = &nc,
	};
	if (o.detach) {
		code = run_detached(g, &o, dir, &co);
		goto out;
	}
	if (!o.interactive && redirect_stdin_null() < 0) {
		log_error("run %s: /dev/null: %s", o.name, strerror(errno));
		remove_dir(&o, dir, &e);
		goto out;
	}
	if (container_run(&co, &code, &e) < 0) {
		log_error("run %s: %s", o.name, e.msg);
		code = failure_status(&e);
		struct cell_err ignored;
		container_delete(g->root, o.name, true, &ignored);
		remove_dir(&o, dir, &ignored);
		goto out;
	}
	if (!o.keep && remove_dir(&o, dir, &e) < 0)
		log_warn("run %s: %s", o.name, e.msg);
out:
	json_decref(cfg);
	people_opts_free(&o);
	people_image_free(&img);
	return code;
}
