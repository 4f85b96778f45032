/* `cell spec`: the default config.json, the same content `runc spec`
 * writes (hostname "cell"), plus a default seccomp profile. */
#include "oci/spec.h"

#include <string.h>
#include <unistd.h>

#include "oci/spec_seccomp.h"
#include "util/cleanup.h"

static json_t *strings(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

#define STRINGS(...)                                                     \
	strings((const char *const[]){ __VA_ARGS__ },                    \
		sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(char *))

static json_t *default_process(void)
{
	static const char *const caps[] = {
		"CAP_AUDIT_WRITE",
		"CAP_KILL",
		"CAP_NET_BIND_SERVICE",
	};
	return json_pack(
		"{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o},"
		" s:[{s:s, s:i, s:i}], s:b}",
		"terminal", 1,
		"user", "uid", 0, "gid", 0,
		"args", STRINGS("sh"),
		"env",
		STRINGS("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:"
			"/usr/bin:/sbin:/bin",
			"TERM=xterm"),
		"cwd", "/",
		"capabilities",
		"bounding", strings(caps, ARRAY_SIZE(caps)),
		"effective", strings(caps, ARRAY_SIZE(caps)),
		"permitted", strings(caps, ARRAY_SIZE(caps)),
		"rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
		"noNewPrivileges", 1);
}

static json_t *mount(const char *dest, const char *type, const char *src,
		     json_t *options)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type",
			      type, "source", src);
	if (m && options)
		json_object_set_new(m, "options", options);
	else
		json_decref(options);
	return m;
}

static json_t *default_mounts(bool rootless)
{
	json_t *a = json_array();
	json_t *devpts_opts =
		rootless ? STRINGS("nosuid", "noexec", "newinstance",
				   "ptmxmode=0666", "mode=0620")
			 : STRINGS("nosuid", "noexec", "newinstance",
				   "ptmxmode=0666", "mode=0620", "gid=5");

	json_array_append_new(a, mount("/proc", "proc", "proc", NULL));
	json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs",
				       STRINGS("nosuid", "strictatime",
					       "mode=755", "size=65536k")));
	json_array_append_new(a, mount("/dev/pts", "devpts", "devpts",
				       devpts_opts));
	json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm",
				       STRINGS("nosuid", "noexec", "nodev",
					       "mode=1777", "size=65536k")));
	json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue",
				       STRINGS("nosuid", "noexec", "nodev")));
	if (rootless) {
		/* A user namespace cannot mount a sysfs for a network
		 * namespace it does not own: bind the host's, read-only. */
		json_array_append_new(a, mount("/sys", "none", "/sys",
					       STRINGS("rbind", "nosuid",
						       "noexec", "nodev",
						       "ro")));
	} else {
		json_array_append_new(a, mount("/sys", "sysfs", "sysfs",
					       STRINGS("nosuid", "noexec",
						       "nodev", "ro")));
		json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup",
					       "cgroup",
					       STRINGS("nosuid", "noexec",
						       "nodev", "relatime",
						       "ro")));
	}
	return a;
}

static json_t *default_linux(bool rootless)
{
	json_t *ns = json_array();
	const char *const types[] = { "pid", "network", "ipc",
				      "uts", "mount",   "cgroup" };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (rootless && strcmp(types[i], "network") == 0)
			continue;
		json_array_append_new(ns, json_pack("{s:s}", "type", types[i]));
	}

	json_t *l = json_pack(
		"{s:o, s:o, s:o}",
		"namespaces", ns,
		"maskedPaths",
		STRINGS("/proc/acpi", "/proc/asound", "/proc/kcore",
			"/proc/keys", "/proc/latency_stats", "/proc/timer_list",
			"/proc/timer_stats", "/proc/sched_debug",
			"/sys/firmware", "/proc/scsi",
			"/sys/devices/virtual/powercap"),
		"readonlyPaths",
		STRINGS("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
			"/proc/sysrq-trigger"));
	if (!l)
		return NULL;

	if (rootless) {
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
		json_object_set_new(l, "uidMappings",
				    json_pack("[{s:I, s:i, s:i}]",
					      "hostID", (json_int_t)getuid(),
					      "containerID", 0, "size", 1));
		json_object_set_new(l, "gidMappings",
				    json_pack("[{s:I, s:i, s:i}]",
					      "hostID", (json_int_t)getgid(),
					      "containerID", 0, "size", 1));
	} else {
		json_object_set_new(l, "resources",
				    json_pack("{s:[{s:b, s:s}]}", "devices",
					      "allow", 0, "access", "rwm"));
	}
	json_object_set_new(l, "seccomp", oci_spec_default_seccomp());
	return l;
}

json_t *oci_spec_default(bool rootless)
{
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
			 "ociVersion", "1.2.0",
			 "process", default_process(),
			 "root", "path", "rootfs", "readonly", 1,
			 "hostname", "cell",
			 "mounts", default_mounts(rootless),
			 "linux", default_linux(rootless));
}
