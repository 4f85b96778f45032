/* create, start, run (engine form), state, list, kill, delete, pause,
 * resume, ps. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/people.h"
#include "container/container.h"
#include "trace/trace.h"
#include "util/cleanup.h"

enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_PRESERVE, OPT_NO_PIVOT,
       OPT_NO_KEYRING, OPT_KEEP, OPT_NO_SUBREAPER, OPT_FORMAT };

static const struct option create_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, OPT_PID_FILE },
	{ "console-socket", required_argument, NULL, OPT_CONSOLE },
	{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
	{ "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
	{ "no-new-keyring", no_argument, NULL, OPT_NO_KEYRING },
	{ "detach", no_argument, NULL, 'd' },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* Parse create/run flags; returns the index of the id, or -1 on error. */
static int parse_create(const char *verb, int argc, char **argv,
			struct create_opts *o, bool run)
{
	int c;
	while ((c = getopt_long(argc, argv, run ? "b:dh" : "b:h", create_opts,
				NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case OPT_PID_FILE: o->pid_file = optarg; break;
		case OPT_CONSOLE: o->console_socket = optarg; break;
		case OPT_PRESERVE: {
			char *end;
			long n = strtol(optarg, &end, 10);
			if (*end || n < 0 || n > 65536) {
				cli_usage_error(verb, "--preserve-fds: \"%s\" is not a count", optarg);
				return -1;
			}
			o->preserve_fds = (int)n;
			break;
		}
		case OPT_NO_PIVOT: o->no_pivot = true; break;
		case OPT_NO_KEYRING: o->no_new_keyring = true; break;
		case 'd': o->detach = true; break;
		case OPT_KEEP: o->keep = true; break;
		case OPT_NO_SUBREAPER: break;
		case 'h':
			printf("usage: cell %s [--bundle DIR] [--pid-file F] [--console-socket S]\n"
			       "       [--preserve-fds N] [--no-pivot] [--no-new-keyring]%s ID\n",
			       verb, run ? " [--detach] [--keep]" : "");
			if (run)
				printf("       cell run [OPTIONS] -- COMMAND [ARGS...]   (see cell run -- --help)\n");
			exit(0);
		default:
			cli_usage_error(verb, "unknown option %s", argv[optind - 1]);
			return -1;
		}
	}
	if (optind != argc - 1) {
		cli_usage_error(verb, "expected exactly one container id");
		return -1;
	}
	return optind;
}

int cmd_create(const struct cli_globals *g, int argc, char **argv)
{
	struct create_opts o = { .root = g->root,
				 .systemd_cgroup = g->systemd_cgroup };
	struct cell_err e;
	int i = parse_create("create", argc, argv, &o, false);
	if (i < 0)
		return 1;
	o.id = argv[i];
	if (container_create(&o, &e) < 0)
		return cli_fail("create", o.id, &e);
	return 0;
}

int cmd_run(const struct cli_globals *g, int argc, char **argv)
{
	/* The people's form has a command after "--"; the engine's form is
	   `run [flags] ID`.  They never collide. */
	for (int k = 1; k < argc; k++)
		if (!strcmp(argv[k], "--") || !strcmp(argv[k], "--image") ||
		    !strncmp(argv[k], "--image=", 8))
			return people_run(g, argc, argv);

	struct create_opts o = { .root = g->root,
				 .systemd_cgroup = g->systemd_cgroup };
	struct cell_err e;
	int i = parse_create("run", argc, argv, &o, true);
	if (i < 0)
		return 1;
	o.id = argv[i];
	int code = 0;
	if (container_run(&o, &code, &e) < 0)
		return cli_fail("run", o.id, &e);
	return code;
}

/* `cell explain [--dry-run] [BUNDLE]`: run the bundle's container under a
 * fresh id, as `run` would, and list the kernel calls that isolated it;
 * with --dry-run its process never runs.  Nothing is kept. */
int cmd_explain(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct create_opts o = { .root = g->root };
	bool dry = false;
	int c;
	while ((c = getopt_long(argc, argv, "b:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o.bundle = optarg; break;
		case 'n': dry = true; break;
		case 'h':
			printf("usage: cell explain [--dry-run] [--bundle DIR | DIR]\n");
			return 0;
		default:
			return cli_usage_error("explain", "unknown option %s",
					       argv[optind - 1]);
		}
	}
	if (optind < argc && !o.bundle)
		o.bundle = argv[optind++];
	if (optind != argc)
		return cli_usage_error("explain", "expected one bundle directory");
	char id[32];
	snprintf(id, sizeof(id), "explain-%d", (int)getpid());
	o.id = id;
	struct trace_opts to = {
		.mode = TRACE_EXPLAIN | (dry ? TRACE_DRY_RUN : 0),
		.command = "explain",
	};
	struct cell_err e;
	if (trace_setup(&to, &e) < 0)
		return cli_fail("explain", NULL, &e);
	int code = 0;
	if (container_run(&o, &code, &e) < 0)
		return cli_fail("explain", o.bundle ? o.bundle : ".", &e);
	return code;
}

/* Commands that take only ID (and --help). */
static const char *single_id(const char *verb, int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("usage: cell %s ID\n", verb);
			exit(0);
		}
		cli_usage_error(verb, "unknown option %s", argv[optind - 1]);
		return NULL;
	}
	if (optind != argc - 1) {
		cli_usage_error(verb, "expected exactly one container id");
		return NULL;
	}
	return argv[optind];
}

int cmd_start(const struct cli_globals *g, int argc, char **argv)
{
	struct cell_err e;
	const char *id = single_id("start", argc, argv);
	if (!id)
		return 1;
	if (container_start(g->root, id, &e) < 0)
		return cli_fail("start", id, &e);
	return 0;
}

static void print_json(json_t *o)
{
	char *s = json_dumps(o, JSON_INDENT(2));
	if (s)
		printf("%s\n", s);
	free(s);
}

int cmd_state(const struct cli_globals *g, int argc, char **argv)
{
	struct cell_err e;
	json_t *st;
	const char *id = single_id("state", argc, argv);
	if (!id)
		return 1;
	if (container_state_of(g->root, id, &st, &e) < 0)
		return cli_fail("state", id, &e);
	print_json(st);
	json_decref(st);
	return 0;
}

/* A state member as text; "" when absent (a container still being
 * created has no bundle or time yet). */
static const char *member_str(json_t *st, const char *key)
{
	const char *s = json_string_value(json_object_get(st, key));
	return s ? s : "";
}

int cmd_list(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = "table";
	bool quiet = false;
	int c;
	while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'q': quiet = true; break;
		case 'h': printf("usage: cell list [--format table|json] [-q]\n"); return 0;
		default: return cli_usage_error("list", "unknown option %s", argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("list", "--format: \"%s\" is not table or json", format);
	struct cell_err e;
	json_t *arr;
	if (container_list(g->root, &arr, &e) < 0)
		return cli_fail("list", NULL, &e);
	size_t i;
	json_t *st;
	if (quiet) {
		json_array_foreach(arr, i, st)
			printf("%s\n", member_str(st, "id"));
	} else if (!strcmp(format, "json")) {
		char *s = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
	} else {
		printf("%-12s %-8s %-10s %-40s %-30s %s\n", "ID", "PID", "STATUS",
		       "BUNDLE", "CREATED", "OWNER");
		json_array_foreach(arr, i, st) {
			printf("%-12s %-8lld %-10s %-40s %-30s %s\n",
			       member_str(st, "id"),
			       json_integer_value(json_object_get(st, "pid")),
			       member_str(st, "status"), member_str(st, "bundle"),
			       member_str(st, "created"),
			       geteuid() == 0 ? "root" : "");
		}
	}
	json_decref(arr);
	return 0;
}

int cmd_kill(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool all = false;
	int c;
	while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'h': printf("usage: cell kill [--all] ID [SIGNAL]\n"); return 0;
		default: return cli_usage_error("kill", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error("kill", "usage: cell kill [--all] ID [SIGNAL]");
	const char *id = argv[optind];
	int sig = SIGTERM;
	if (argc - optind == 2 && (sig = cli_parse_signal(argv[optind + 1])) < 0)
		return cli_usage_error("kill", "%s: unknown signal \"%s\"", id,
				       argv[optind + 1]);
	struct cell_err e;
	if (container_kill(g->root, id, sig, all, &e) < 0)
		return cli_fail("kill", id, &e);
	return 0;
}

int cmd_delete(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool force = false;
	int c;
	while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = true; break;
		case 'h': printf("usage: cell delete [--force] ID\n"); return 0;
		default: return cli_usage_error("delete", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("delete", "expected exactly one container id");
	const char *id = argv[optind];
	struct cell_err e;
	if (container_delete(g->root, id, force, &e) < 0) {
		/* runc: deleting what does not exist with --force succeeds */
		if (force && e.errnum == ENOENT)
			return 0;
		return cli_fail("delete", id, &e);
	}
	return 0;
}

int cmd_pause(const struct cli_globals *g, int argc, char **argv)
{
	struct cell_err e;
	const char *id = single_id("pause", argc, argv);
	if (!id)
		return 1;
	if (container_pause(g->root, id, true, &e) < 0)
		return cli_fail("pause", id, &e);
	return 0;
}

int cmd_resume(const struct cli_globals *g, int argc, char **argv)
{
	struct cell_err e;
	const char *id = single_id("resume", argc, argv);
	if (!id)
		return 1;
	if (container_pause(g->root, id, false, &e) < 0)
		return cli_fail("resume", id, &e);
	return 0;
}

int cmd_ps(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *format = "table";
	int c;
	/* No container id: the people's `cell ps [-a] [--format ...]`. */
	bool has_id = false;
	for (int k = 1; k < argc && !has_id; k++) {
		if (!strcmp(argv[k], "-f") || !strcmp(argv[k], "--format"))
			k++;
		else if (argv[k][0] != '-')
			has_id = true;
	}
	if (!has_id)
		return people_ps(g, argc, argv);
	while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'h': printf("usage: cell ps [--format table|json] ID [PS ARGS]\n"); return 0;
		default: return cli_usage_error("ps", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("ps", "expected a container id");
	const char *id = argv[optind];
	struct cell_err e;
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	if (container_pids(g->root, id, &pids, &n, &e) < 0)
		return cli_fail("ps", id, &e);
	if (!strcmp(format, "json")) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", pids[i]);
		printf("]\n");
		return 0;
	}
	if (strcmp(format, "table"))
		return cli_usage_error("ps", "--format: \"%s\" is not table or json", format);
	/* As runc: run ps(1) with the given arguments (default -ef) and keep
	   the header and the lines whose PID column is one of ours. */
	int pfd[2];
	if (pipe(pfd) < 0)
		return cli_usage_error("ps", "pipe: %s", strerror(errno));
	pid_t child = fork();
	if (child == 0) {
		char *def[] = { "ps", "-ef", NULL };
		char **args = def;
		if (argc - optind > 1) {
			args = calloc((size_t)(argc - optind + 1), sizeof(char *));
			args[0] = "ps";
			for (int k = optind + 1; k < argc; k++)
				args[k - optind] = argv[k];
		}
		dup2(pfd[1], 1);
		close(pfd[0]);
		execvp("ps", args);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	char line[4096];
	int pid_col = -1;
	while (f && fgets(line, sizeof(line), f)) {
		if (pid_col < 0) {
			char copy[4096];
			strcpy(copy, line);
			int col = 0;
			for (char *t = strtok(copy, " \t\n"); t; t = strtok(NULL, " \t\n"), col++)
				if (!strcmp(t, "PID"))
					pid_col = col;
			fputs(line, stdout);
			continue;
		}
		char copy[4096];
		strcpy(copy, line);
		int col = 0;
		for (char *t = strtok(copy, " \t\n"); t; t = strtok(NULL, " \t\n"), col++) {
			if (col != pid_col)
				continue;
			pid_t p = (pid_t)atoi(t);
			for (size_t i = 0; i < n; i++)
				if (pids[i] == p)
					fputs(line, stdout);
			break;
		}
	}
	if (f)
		fclose(f);
	int status;
	waitpid(child, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
