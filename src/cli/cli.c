#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/people.h"
#include "ns/ns.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/dl.h"
#include "util/log.h"

static const struct cli_cmd commands[] = {
	{ "create", cmd_create, "create a container (its init waits for start)", true },
	{ "start", cmd_start, "run the process of a created container", false },
	{ "run", cmd_run, "create + start + wait; or `run [OPTIONS] -- CMD`", true },
	{ "state", cmd_state, "print a container's OCI state JSON", false },
	{ "list", cmd_list, "list containers", false },
	{ "kill", cmd_kill, "send a signal to a container's init (or --all)", false },
	{ "delete", cmd_delete, "delete a stopped container (or --force)", true },
	{ "pause", cmd_pause, "freeze every process of a container", false },
	{ "resume", cmd_resume, "thaw a paused container", false },
	{ "ps", cmd_ps, "list the processes of a container", false },
	{ "exec", cmd_exec, "run a new process in a running container", false },
	{ "update", cmd_update, "change a container's resource limits", true },
	{ "events", cmd_events, "resource usage and OOM events (--stats once)", false },
	{ "spec", cmd_spec, "write a default config.json", false },
	{ "explain", cmd_explain, "the kernel calls that isolate a bundle's container", true },
	{ "features", cmd_features, "print what this runtime supports (JSON)", false },
	{ "stats", people_stats, "live resource usage of running containers", false },
	{ "stop", people_stop, "stop a container (TERM, wait, KILL) and remove it", true },
	{ "logs", people_logs, "the output of a container run with -d", false },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: cell [--root DIR] [--log FILE] [--log-format text|json] "
		   "[--debug]\n"
		   "            [--trace FILE|-] [--explain] COMMAND [ARGS]\n\n"
		   "cell is a lightweight OCI container runtime (a drop-in for runc).\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRun 'cell COMMAND --help' for a command's flags.\n");
}

/* Set by cli_main when the state root is /run/cell because neither
 * --root nor XDG_RUNTIME_DIR gave one.  A caller who is not root and is
 * refused there is then told what to set (asked only on that failure:
 * whether we are rootless costs a read of uid_map). */
static const char *default_root;

int cli_fail(const char *verb, const char *id, const struct cell_err *e)
{
	const char *hint = "";
	if (default_root &&
	    (e->errnum == EACCES || e->errnum == EPERM || e->errnum == EROFS) &&
	    strstr(e->msg, default_root) && !strstr(e->msg, "XDG_RUNTIME_DIR") &&
	    ns_rootless())
		hint = " (not root and XDG_RUNTIME_DIR is not set: set it, or "
		       "give --root)";
	if (id)
		log_error("%s %s: %s%s", verb, id, e->msg, hint);
	else
		log_error("%s: %s%s", verb, e->msg, hint);
	return 1;
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s: %s", verb, msg);
	return 1;
}

/* The kernel's signal names, as kill(1) and runc spell them (glibc's
 * sigabbrev_np is glibc's alone; the static build is musl). */
static const char *const signal_names[] = {
	[SIGHUP] = "HUP",	  [SIGINT] = "INT",	[SIGQUIT] = "QUIT",
	[SIGILL] = "ILL",	  [SIGTRAP] = "TRAP",	[SIGABRT] = "ABRT",
	[SIGBUS] = "BUS",	  [SIGFPE] = "FPE",	[SIGKILL] = "KILL",
	[SIGUSR1] = "USR1",	  [SIGSEGV] = "SEGV",	[SIGUSR2] = "USR2",
	[SIGPIPE] = "PIPE",	  [SIGALRM] = "ALRM",	[SIGTERM] = "TERM",
	[SIGSTKFLT] = "STKFLT",	  [SIGCHLD] = "CHLD",	[SIGCONT] = "CONT",
	[SIGSTOP] = "STOP",	  [SIGTSTP] = "TSTP",	[SIGTTIN] = "TTIN",
	[SIGTTOU] = "TTOU",	  [SIGURG] = "URG",	[SIGXCPU] = "XCPU",
	[SIGXFSZ] = "XFSZ",	  [SIGVTALRM] = "VTALRM", [SIGPROF] = "PROF",
	[SIGWINCH] = "WINCH",	  [SIGIO] = "IO",	[SIGPWR] = "PWR",
	[SIGSYS] = "SYS",
};

/* RTMIN+n and RTMAX-n count from the kernel's 34 and 64, as runc and
 * glibc do (musl's SIGRTMIN is 35: it keeps one more for itself). */
enum { RT_MIN = 34, RT_MAX = 64 };

int cli_parse_signal(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long n = strtol(s, &end, 10);
	if (*end == '\0')
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t sig = 1; sig < ARRAY_SIZE(signal_names); sig++)
		if (signal_names[sig] && !strcasecmp(signal_names[sig], s))
			return (int)sig;
	if (!strncasecmp(s, "RTMIN+", 6) || !strncasecmp(s, "RTMAX-", 6)) {
		n = strtol(s + 6, &end, 10);
		if (*end || n < 0)
			return -1;
		int sig = s[3] == 'I' || s[3] == 'i' ? RT_MIN + (int)n
						     : RT_MAX - (int)n;
		return sig >= RT_MIN && sig <= RT_MAX ? sig : -1;
	}
	return -1;
}

int cli_parse_size(const char *s, long long *out)
{
	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "-1")) {
		*out = -1;
		return 0;
	}
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -EINVAL;
	long long mult = 1;
	if (*end) {
		switch (*end | 0x20) {
		case 'b': mult = 1; break;
		case 'k': mult = 1LL << 10; break;
		case 'm': mult = 1LL << 20; break;
		case 'g': mult = 1LL << 30; break;
		case 't': mult = 1LL << 40; break;
		default: return -EINVAL;
		}
		end++;
		/* "64m", "64mb", "64MiB" */
		if ((*end | 0x20) == 'i')
			end++;
		if (mult > 1 && (*end | 0x20) == 'b')
			end++;
		if (*end)
			return -EINVAL;
	}
	double bytes = v * (double)mult;
	if (bytes > 9.2e18)
		return -EINVAL;
	*out = (long long)bytes;
	return 0;
}

/* The state root when --root is not given, as runc chooses it: /run/cell
 * for root; $XDG_RUNTIME_DIR/cell for anyone else, and for root inside a
 * user namespace unless $USER is "root" -- rootless Podman calls the
 * runtime as root in its user namespace with the user's XDG_RUNTIME_DIR
 * and USER, while `sudo` keeps real root on /run/cell. */
static const char *default_state_root(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || !*xdg)
		return "/run/cell";
	if (geteuid() == 0) {
		const char *user = getenv("USER");
		if (!ns_in_user_namespace() || (user && !strcmp(user, "root")))
			return "/run/cell";
	}
	snprintf(buf, len, "%s/cell", xdg);
	return buf;
}

int cli_main(int argc, char **argv)
{
	struct cli_globals g = { .root = "/run/cell", .log_format = "text" };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-format", required_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "trace", required_argument, NULL, 't' },
		{ "explain", no_argument, NULL, 'x' },
		{ "systemd-cgroup", no_argument, NULL, 's' },
		{ "criu", required_argument, NULL, 'c' },
		{ "rootless", required_argument, NULL, 'R' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	/* A closed stdout/stderr must not make the runtime write into a file
	   it opens later as fd 1 or 2. */
	signal(SIGPIPE, SIG_IGN);
	static char xdg_root[4096];
	g.root = NULL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		switch (c) {
		case 'r': g.root = optarg; break;
		case 'l': g.log = optarg; break;
		case 'f': g.log_format = optarg; break;
		case 'd': g.debug = true; break;
		case 't': g.trace = optarg; break;
		case 'x': g.explain = true; break;
		case 's': g.systemd_cgroup = true; break;
		case 'c': case 'R': break; /* accepted for runc compatibility */
		case 'v':
			printf("cell version %s\nspec: 1.2.0\n", CELL_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, "cell: unknown global option %s (see cell --help)\n",
				argv[optind - 1]);
			return 1;
		}
	}
	if (!g.root) {
		g.root = default_state_root(xdg_root, sizeof(xdg_root));
		const char *xdg = getenv("XDG_RUNTIME_DIR");
		if (!xdg || !*xdg)
			default_root = g.root;
	}
	if (strcmp(g.log_format, "text") && strcmp(g.log_format, "json")) {
		fprintf(stderr, "cell: --log-format: \"%s\" is not text or json\n",
			g.log_format);
		return 1;
	}
	if (log_setup(g.log, !strcmp(g.log_format, "json"), g.debug) < 0) {
		fprintf(stderr, "cell: --log %s: %s\n", g.log, strerror(errno));
		return 1;
	}
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name))
			continue;
		struct cell_err e;
		if (g.systemd_cgroup && commands[i].systemd_bus &&
		    dl_handoff("--systemd-cgroup", &e) < 0) {
			log_error("%s: %s", name, e.msg);
			return 1;
		}
		optind++;
		int sub_argc = argc - optind + 1;
		char **sub_argv = argv + optind - 1;
		optind = 0; /* restart getopt for the subcommand */
		struct trace_opts to = {
			.mode = (g.trace ? TRACE_TIMING : 0) |
				(g.explain ? TRACE_EXPLAIN : 0),
			.path = g.trace,
			.command = name,
		};
		if (trace_setup(&to, &e) < 0) {
			log_error("%s: %s", name, e.msg);
			return 1;
		}
		int r = commands[i].run(&g, sub_argc, sub_argv);
		/* also after a failure: where it failed is worth seeing */
		if (trace_finish(&e) < 0)
			log_error("%s: %s", name, e.msg);
		log_close();
		return r;
	}
	fprintf(stderr, "cell: unknown command \"%s\" (see cell --help)\n", name);
	return 1;
}
