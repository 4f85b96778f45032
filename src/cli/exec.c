/* exec: a process in a running container, from --process FILE or from the
 * container's own process object with the flags applied (as runc does). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "container/container.h"
#include "container/state.h"
#include "oci/json.h"
#include "util/cleanup.h"
#include "util/file.h"

enum { OPT_CONSOLE = 256, OPT_PID_FILE, OPT_PRESERVE, OPT_CWD, OPT_CAP,
       OPT_NNP, OPT_PROCESS, OPT_APPARMOR, OPT_LABEL, OPT_IGNORE_PAUSED,
       OPT_CGROUP, OPT_ADDITIONAL_GIDS };

static int set_user(json_t *proc, const char *spec)
{
	char *end;
	json_t *user = json_object_get(proc, "user");
	if (!json_is_object(user)) {
		user = json_object();
		json_object_set_new(proc, "user", user);
	}
	unsigned long uid = strtoul(spec, &end, 10);
	if (end == spec || (*end && *end != ':'))
		return -1;
	json_object_set_new(user, "uid", json_integer((json_int_t)uid));
	if (*end == ':') {
		const char *g = end + 1;
		unsigned long gid = strtoul(g, &end, 10);
		if (end == g || *end)
			return -1;
		json_object_set_new(user, "gid", json_integer((json_int_t)gid));
	} else {
		json_object_set_new(user, "gid", json_integer(0));
	}
	json_object_del(user, "additionalGids");
	return 0;
}

static void add_cap(json_t *proc, const char *cap)
{
	json_t *caps = json_object_get(proc, "capabilities");
	if (!json_is_object(caps)) {
		caps = json_object();
		json_object_set_new(proc, "capabilities", caps);
	}
	/* exec --cap goes to bounding, effective and permitted — never to
	   inheritable or ambient, which only the config may fill. */
	static const char *const sets[] = { "bounding", "effective", "permitted" };
	for (size_t i = 0; i < 3; i++) {
		json_t *arr = json_object_get(caps, sets[i]);
		if (!json_is_array(arr)) {
			arr = json_array();
			json_object_set_new(caps, sets[i], arr);
		}
		json_array_append_new(arr, json_string(cap));
	}
}

int cmd_exec(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "console-socket", required_argument, NULL, OPT_CONSOLE },
		{ "pid-file", required_argument, NULL, OPT_PID_FILE },
		{ "preserve-fds", required_argument, NULL, OPT_PRESERVE },
		{ "cwd", required_argument, NULL, OPT_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "cap", required_argument, NULL, 'c' },
		{ "no-new-privs", no_argument, NULL, OPT_NNP },
		{ "process", required_argument, NULL, 'p' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "apparmor", required_argument, NULL, OPT_APPARMOR },
		{ "process-label", required_argument, NULL, OPT_LABEL },
		{ "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct exec_opts o = { .root = g->root };
	const char *process_file = NULL, *cwd = NULL, *user = NULL;
	bool tty = false, nnp = false;
	const char *envs[256], *caps[64], *gids[64];
	size_t n_env = 0, n_caps = 0, n_gids = 0;
	int c;

	while ((c = getopt_long(argc, argv, "+e:u:g:c:p:tdh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONSOLE: o.console_socket = optarg; break;
		case OPT_PID_FILE: o.pid_file = optarg; break;
		case OPT_PRESERVE: o.preserve_fds = atoi(optarg); break;
		case OPT_CWD: cwd = optarg; break;
		case 'e':
			if (n_env < 256)
				envs[n_env++] = optarg;
			break;
		case 'u': user = optarg; break;
		case 'g':
			if (n_gids < 64)
				gids[n_gids++] = optarg;
			break;
		case 'c':
			if (n_caps < 64)
				caps[n_caps++] = optarg;
			break;
		case OPT_NNP: nnp = true; break;
		case 'p': process_file = optarg; break;
		case 't': tty = true; break;
		case 'd': o.detach = true; break;
		case OPT_APPARMOR: case OPT_LABEL: case OPT_IGNORE_PAUSED: case OPT_CGROUP:
			break;
		case 'h':
			printf("usage: cell exec [--process FILE] [-t] [--console-socket S] [-d]\n"
			       "       [--pid-file F] [--cwd DIR] [-e K=V] [-u UID[:GID]] [--cap CAP]\n"
			       "       [--no-new-privs] [--preserve-fds N] ID [COMMAND [ARGS...]]\n");
			return 0;
		default:
			return cli_usage_error("exec", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("exec", "expected a container id");
	o.id = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;

	struct cell_err e;
	json_t *proc = NULL;
	if (process_file) {
		_cleanup_free_ char *text = NULL;
		if (file_read_at(AT_FDCWD, process_file, 0, &text, NULL, &e) < 0)
			return cli_fail("exec", o.id, &e);
		if (oci_json_parse(text, strlen(text), process_file, &proc, &e) < 0)
			return cli_fail("exec", o.id, &e);
	} else {
		if (optind >= argc)
			return cli_usage_error("exec", "%s: no command given", o.id);
		if (container_process_json(g->root, o.id, &proc, &o.loaded, &e) < 0)
			return cli_fail("exec", o.id, &e);
		json_t *args = json_array();
		for (int k = optind; k < argc; k++)
			json_array_append_new(args, json_string(argv[k]));
		json_object_set_new(proc, "args", args);
		json_object_set_new(proc, "terminal", json_boolean(tty));
		json_object_del(proc, "consoleSize");
		json_object_set_new(proc, "cwd", json_string(cwd ? cwd : "/"));
		if (!user)
			user = "0:0";
	}
	if (cwd)
		json_object_set_new(proc, "cwd", json_string(cwd));
	if (user && set_user(proc, user) < 0) {
		json_decref(proc);
		container_free(o.loaded);
		return cli_usage_error("exec", "%s: --user: \"%s\" is not UID[:GID]", o.id, user);
	}
	if (n_gids) {
		json_t *u = json_object_get(proc, "user");
		json_t *arr = json_array();
		for (size_t i = 0; i < n_gids; i++)
			json_array_append_new(arr, json_integer(atoll(gids[i])));
		if (json_is_object(u))
			json_object_set_new(u, "additionalGids", arr);
		else
			json_decref(arr);
	}
	if (n_env) {
		json_t *env = json_object_get(proc, "env");
		if (!json_is_array(env)) {
			env = json_array();
			json_object_set_new(proc, "env", env);
		}
		for (size_t i = 0; i < n_env; i++) {
			/* a variable given again replaces the config's */
			size_t klen = strcspn(envs[i], "=");
			size_t k;
			json_t *v;
			json_array_foreach(env, k, v) {
				const char *cur = json_string_value(v);
				if (cur && !strncmp(cur, envs[i], klen) &&
				    cur[klen] == '=') {
					json_array_remove(env, k);
					break;
				}
			}
			json_array_append_new(env, json_string(envs[i]));
		}
	}
	for (size_t i = 0; i < n_caps; i++)
		add_cap(proc, caps[i]);
	if (nnp)
		json_object_set_new(proc, "noNewPrivileges", json_true());

	o.process = proc;
	int code = 0;
	int r = container_exec(&o, &code, &e);
	json_decref(proc);
	if (r < 0)
		return cli_fail("exec", o.id, &e);
	return code;
}
