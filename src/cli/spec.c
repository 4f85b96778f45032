/* spec and features: what a config looks like, what cell supports. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "oci/spec.h"
#include "sec/sec.h"
#include "util/cleanup.h"
#include "util/file.h"

int cmd_spec(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	(void)g;
	while ((c = getopt_long(argc, argv, "b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b': bundle = optarg; break;
		case 'r': rootless = true; break;
		case 'h': printf("usage: cell spec [--bundle DIR] [--rootless]\n"); return 0;
		default: return cli_usage_error("spec", "unknown option %s", argv[optind - 1]);
		}
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (access(path, F_OK) == 0)
		return cli_usage_error("spec", "%s exists: remove it first", path);
	json_t *spec = oci_spec_default(rootless);
	char *text = json_dumps(spec, JSON_INDENT(2));
	json_decref(spec);
	struct cell_err e;
	int r = text ? file_replace_at(AT_FDCWD, path, text, strlen(text), 0644, &e)
		     : cell_err_msg(&e, ENOMEM, "spec");
	free(text);
	if (r < 0)
		return cli_fail("spec", NULL, &e);
	return 0;
}

static json_t *strv_json(const char *const *v)
{
	json_t *a = json_array();
	for (; v && *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

int cmd_features(const struct cli_globals *g, int argc, char **argv)
{
	(void)g;
	(void)argc;
	(void)argv;
	static const char *const hooks[] = { "prestart", "createRuntime",
		"createContainer", "startContainer", "poststart", "poststop", NULL };
	static const char *const mount_opts[] = {
		"async", "atime", "bind", "defaults", "dev", "diratime", "dirsync",
		"exec", "lazytime", "mand", "noatime", "nodev", "nodiratime",
		"noexec", "nolazytime", "nomand", "norelatime", "nostrictatime",
		"nosuid", "private", "rbind", "relatime", "remount", "ro",
		"rprivate", "rshared", "rslave", "runbindable", "rw", "shared",
		"slave", "strictatime", "suid", "sync", "unbindable", NULL };
	static const char *const namespaces[] = { "cgroup", "ipc", "mount",
		"network", "pid", "time", "user", "uts", NULL };

	json_t *f = json_object();
	json_object_set_new(f, "ociVersionMin", json_string("1.0.0"));
	json_object_set_new(f, "ociVersionMax", json_string("1.2.0"));
	json_object_set_new(f, "hooks", strv_json(hooks));
	json_object_set_new(f, "mountOptions", strv_json(mount_opts));

	json_t *lnx = json_object();
	json_object_set_new(lnx, "namespaces", strv_json(namespaces));
	json_object_set_new(lnx, "capabilities", strv_json(sec_known_caps()));
	json_object_set_new(lnx, "cgroup",
			    json_pack("{s:b, s:b, s:b, s:b, s:b}", "v1", 1, "v2", 1,
				      "systemd", 1, "systemdUser", 1, "rdma", 1));
	json_t *sc = json_object();
	json_object_set_new(sc, "enabled", json_true());
	json_object_set_new(sc, "actions", strv_json(sec_seccomp_actions()));
	json_object_set_new(sc, "operators", strv_json(sec_seccomp_operators()));
	json_object_set_new(sc, "archs", strv_json(sec_seccomp_archs()));
	json_object_set_new(sc, "knownFlags", strv_json(sec_seccomp_flags()));
	json_object_set_new(sc, "supportedFlags", strv_json(sec_seccomp_flags()));
	json_object_set_new(lnx, "seccomp", sc);
	json_object_set_new(lnx, "apparmor", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(lnx, "selinux", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(lnx, "intelRdt", json_pack("{s:b}", "enabled", 0));
	json_object_set_new(lnx, "mountExtensions",
			    json_pack("{s:{s:b}}", "idmap", "enabled", 0));
	json_object_set_new(f, "linux", lnx);
	json_object_set_new(f, "annotations",
			    json_pack("{s:s}", "org.opencontainers.runtime-spec.features.cell.version",
				      CELL_VERSION));
	char *s = json_dumps(f, JSON_INDENT(2));
	printf("%s\n", s);
	free(s);
	json_decref(f);
	return 0;
}
