/* The people's `cell ps`, `cell stop` and `cell logs`: what `cell run --`
 * started, found by its directory under <root>/.people. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/people.h"
#include "cli/people_list.h"
#include "cli/people_opts.h"
#include "container/container.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/log.h"

int people_entry_load(const char *root, const char *name, struct people_entry *p)
{
	memset(p, 0, sizeof(*p));
	p->exit_code = -1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	_cleanup_free_ char *dir = people_dir_path(root, name);
	if (!dir)
		return -ENOMEM;
	_cleanup_close_ int fd = openat(AT_FDCWD, dir, O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct cell_err e;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (file_read_at(fd, PEOPLE_META, 1 << 20, &text, &len, &e) < 0)
		return -ENOENT;
	json_t *m = json_loads(text, 0, NULL);
	if (!m)
		return -EINVAL;
	p->created = (time_t)json_integer_value(json_object_get(m, "created"));
	p->detached = json_is_true(json_object_get(m, "detached"));
	size_t i, off = 0;
	json_t *a;
	json_array_foreach(json_object_get(m, "command"), i, a) {
		int n = snprintf(p->command + off, sizeof(p->command) - off, "%s%s",
				 i ? " " : "", json_string_value(a));
		if (n < 0 || (size_t)n >= sizeof(p->command) - off)
			break;
		off += (size_t)n;
	}
	json_decref(m);

	_cleanup_free_ char *ex = NULL;
	if (file_read_at(fd, PEOPLE_EXIT, 64, &ex, &len, &e) == 0)
		p->exit_code = atoi(ex);
	json_t *st = NULL;
	if (container_state_of(root, name, &st, &e) == 0) {
		p->pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
		snprintf(p->status, sizeof(p->status), "%s",
			 json_string_value(json_object_get(st, "status")));
		json_decref(st);
	} else {
		snprintf(p->status, sizeof(p->status), "stopped");
	}
	if (strcmp(p->status, "running") && strcmp(p->status, "paused") &&
	    strcmp(p->status, "created"))
		p->pid = 0;
	return 0;
}

int people_entries(const char *root, struct people_entry **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	_cleanup_free_ char *base = NULL;
	if (asprintf(&base, "%s/%s", root, PEOPLE_DIR) < 0)
		return -ENOMEM;
	_cleanup_closedir_ DIR *d = opendir(base);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		struct people_entry *v = realloc(*out, (*n + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		*out = v;
		if (people_entry_load(root, de->d_name, &v[*n]) == 0)
			(*n)++;
	}
	return 0;
}

void people_format_duration(time_t secs, char *buf, size_t len)
{
	if (secs < 60)
		snprintf(buf, len, "%lds", (long)secs);
	else if (secs < 3600)
		snprintf(buf, len, "%ldm%02lds", (long)secs / 60, (long)secs % 60);
	else if (secs < 86400)
		snprintf(buf, len, "%ldh%02ldm", (long)secs / 3600, (long)secs % 3600 / 60);
	else
		snprintf(buf, len, "%ldd%02ldh", (long)secs / 86400, (long)secs % 86400 / 3600);
}

/* ------------------------------------------------------------------ ps */

int people_ps(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool all = false, quiet = false;
	const char *format = "table";
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "af:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'q': quiet = true; break;
		case 'f': format = optarg; break;
		case 'h':
			printf("usage: cell ps [-a] [-q] [--format table|json]\n"
			       "       cell ps [--format table|json] ID [PS ARGS]  (runc's form)\n"
			       "Without an id: the containers `cell run -- CMD` started;\n"
			       "-a also the stopped ones (kept with --keep or -d).\n");
			return 0;
		default:
			return cli_usage_error("ps", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("ps", "unexpected \"%s\"", argv[optind]);
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("ps", "--format: \"%s\" is not table or json", format);
	_cleanup_free_ struct people_entry *v = NULL;
	size_t n;
	int r = people_entries(g->root, &v, &n);
	if (r < 0)
		return cli_usage_error("ps", "%s/%s: %s", g->root, PEOPLE_DIR, strerror(-r));
	time_t now = time(NULL);
	json_t *arr = json_array();
	if (!quiet && !strcmp(format, "table"))
		printf("%-20s %-8s %-12s %-10s %s\n", "NAME", "PID", "STATUS", "UPTIME",
		       "COMMAND");
	for (size_t i = 0; i < n; i++) {
		struct people_entry *p = &v[i];
		bool live = p->pid > 0;
		if (!all && !live)
			continue;
		char status[32], up[32];
		if (!live && p->exit_code >= 0)
			snprintf(status, sizeof(status), "exited(%d)", p->exit_code);
		else
			snprintf(status, sizeof(status), "%s", p->status);
		people_format_duration(now - p->created, up, sizeof(up));
		if (quiet)
			printf("%s\n", p->name);
		else if (!strcmp(format, "json"))
			json_array_append_new(arr, json_pack(
				"{s:s, s:i, s:s, s:s, s:I, s:I}", "name", p->name,
				"pid", (int)p->pid, "status", p->status, "command",
				p->command, "created", (json_int_t)p->created,
				"exitCode", (json_int_t)p->exit_code));
		else
			printf("%-20s %-8d %-12s %-10s %s\n", p->name, (int)p->pid, status,
			       live ? up : "-", p->command);
	}
	if (!quiet && !strcmp(format, "json")) {
		char *s = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
	}
	json_decref(arr);
	return 0;
}

/* ---------------------------------------------------------------- stop */

/* Poll the state until the container stops or ms pass. */
static bool wait_stopped(const char *root, const char *name, int ms)
{
	for (int waited = 0;; waited += 50) {
		json_t *st = NULL;
		struct cell_err e;
		if (container_state_of(root, name, &st, &e) < 0)
			return true; /* gone: the monitor removed it */
		bool stopped = !strcmp(json_string_value(json_object_get(st, "status")),
				       "stopped");
		json_decref(st);
		if (stopped)
			return true;
		if (waited >= ms)
			return false;
		poll(NULL, 0, 50);
	}
}

static int stop_one(const char *root, const char *name, int secs)
{
	struct cell_err e;
	_cleanup_free_ char *dir = people_dir_path(root, name);
	json_t *st = NULL;
	if (container_state_of(root, name, &st, &e) < 0) {
		if (e.errnum == ENOENT && dir && access(dir, F_OK) == 0) {
			/* exited and removed by its monitor, or crashed */
			return people_dir_remove(dir, &e) < 0 ? cli_fail("stop", name, &e) : 0;
		}
		return cli_fail("stop", name, &e);
	}
	json_decref(st);
	if (!wait_stopped(root, name, 0)) {
		if (container_kill(root, name, SIGTERM, false, &e) == 0 &&
		    !wait_stopped(root, name, secs * 1000))
			container_kill(root, name, SIGKILL, true, &e);
		wait_stopped(root, name, 5000);
	}
	if (container_delete(root, name, true, &e) < 0 && e.errnum != ENOENT)
		return cli_fail("stop", name, &e);
	if (dir && people_dir_remove(dir, &e) < 0)
		return cli_fail("stop", name, &e);
	return 0;
}

int people_stop(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long secs = 10;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': {
			char *end;
			secs = strtol(optarg, &end, 10);
			if (*end || end == optarg || secs < 0 || secs > 86400)
				return cli_usage_error("stop", "-t: \"%s\" is not a number of seconds",
						       optarg);
			break;
		}
		case 'h':
			printf("usage: cell stop [-t SECONDS] NAME...\n"
			       "SIGTERM, up to SECONDS (default 10) to exit, then SIGKILL to every\n"
			       "process; then the container and its files are removed.\n");
			return 0;
		default:
			return cli_usage_error("stop", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("stop", "expected a container name");
	/* all of them, before the first is stopped: a handoff runs this
	   whole command again */
	for (int i = optind; i < argc; i++) {
		struct cell_err e;
		if (container_hand_over(g->root, argv[i], &e) < 0)
			return cli_fail("stop", argv[i], &e);
	}
	int rc = 0;
	for (int i = optind; i < argc; i++)
		if (stop_one(g->root, argv[i], (int)secs))
			rc = 1;
	return rc;
}

/* ---------------------------------------------------------------- logs */

static bool copy_available(int fd)
{
	char buf[65536];
	bool any = false;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		any = true;
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
			return any;
	}
	fflush(stdout);
	return any;
}

int people_logs(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool follow = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': follow = true; break;
		case 'h':
			printf("usage: cell logs [-f] NAME\n"
			       "The output (stdout and stderr) of a container run with -d;\n"
			       "-f follows it until the container stops.\n");
			return 0;
		default:
			return cli_usage_error("logs", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("logs", "expected one container name");
	const char *name = argv[optind];
	_cleanup_free_ char *dir = people_dir_path(g->root, name);
	_cleanup_free_ char *path = NULL;
	if (!dir || asprintf(&path, "%s/%s", dir, PEOPLE_LOG) < 0)
		return cli_usage_error("logs", "out of memory");
	_cleanup_close_ int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT && access(dir, F_OK) == 0)
			return cli_usage_error("logs", "%s: no log: it was not run with -d", name);
		if (errno == ENOENT)
			return cli_usage_error("logs", "%s: no such container", name);
		return cli_usage_error("logs", "%s: %s", path, strerror(errno));
	}
	copy_available(fd);
	while (follow) {
		json_t *st = NULL;
		struct cell_err e;
		bool live = container_state_of(g->root, name, &st, &e) == 0 &&
			    strcmp(json_string_value(json_object_get(st, "status")), "stopped");
		json_decref(st);
		if (!copy_available(fd)) {
			if (!live)
				break;
			poll(NULL, 0, 200);
		}
	}
	return 0;
}
