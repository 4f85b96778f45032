/* The names config.json uses for kernel constants, both ways. */
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "oci/config.h"
#include "util/cleanup.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static const struct {
	const char *oci;  /* linux.namespaces[].type */
	const char *proc; /* /proc/<pid>/ns/<proc> */
	int flag;
} namespaces[OCI_NS_COUNT] = {
	[OCI_NS_PID] = { "pid", "pid", CLONE_NEWPID },
	[OCI_NS_NETWORK] = { "network", "net", CLONE_NEWNET },
	[OCI_NS_MOUNT] = { "mount", "mnt", CLONE_NEWNS },
	[OCI_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
	[OCI_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
	[OCI_NS_USER] = { "user", "user", CLONE_NEWUSER },
	[OCI_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
	[OCI_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

const char *oci_ns_name(enum oci_ns_type t)
{
	if ((unsigned)t >= OCI_NS_COUNT)
		return NULL;
	return namespaces[t].oci;
}

int oci_ns_from_name(const char *name)
{
	for (int i = 0; name && i < OCI_NS_COUNT; i++)
		if (strcmp(name, namespaces[i].oci) == 0)
			return i;
	return -1;
}

int oci_ns_clone_flag(enum oci_ns_type t)
{
	if ((unsigned)t >= OCI_NS_COUNT)
		return -1;
	return namespaces[t].flag;
}

const char *oci_ns_proc_name(enum oci_ns_type t)
{
	if ((unsigned)t >= OCI_NS_COUNT)
		return NULL;
	return namespaces[t].proc;
}

int oci_rlimit_from_name(const char *name)
{
	static const struct {
		const char *name;
		int resource;
	} rlimits[] = {
		{ "RLIMIT_AS", RLIMIT_AS },
		{ "RLIMIT_CORE", RLIMIT_CORE },
		{ "RLIMIT_CPU", RLIMIT_CPU },
		{ "RLIMIT_DATA", RLIMIT_DATA },
		{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
		{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
		{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "RLIMIT_NICE", RLIMIT_NICE },
		{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NPROC", RLIMIT_NPROC },
		{ "RLIMIT_RSS", RLIMIT_RSS },
		{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
		{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
		{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
		{ "RLIMIT_STACK", RLIMIT_STACK },
	};
	for (size_t i = 0; name && i < ARRAY_SIZE(rlimits); i++)
		if (strcmp(name, rlimits[i].name) == 0)
			return rlimits[i].resource;
	return -1;
}

/* Indexed by capability number, as in <linux/capability.h>. */
static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int oci_cap_from_name(const char *name)
{
	/* config.json spells capabilities "CAP_SYS_ADMIN".  libcap would also
	 * take "sys_admin", "cap_sys_admin" or a number; the spec form only
	 * is accepted so that a typo cannot turn into another capability. */
	if (!name || strncmp(name, "CAP_", 4) != 0 || !name[4])
		return -1;
	for (const char *c = name + 4; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '_'))
			return -1;
	cap_value_t v;
	if (cap_from_name(name, &v) == 0 && v >= 0 && v < 64)
		return v;
	/* A libcap older than the kernel headers of this build. */
	for (size_t i = 0; i < ARRAY_SIZE(cap_names); i++)
		if (strcmp(name, cap_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *oci_cap_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(cap_names))
		return NULL;
	return cap_names[cap];
}

int oci_seccomp_action_from_name(const char *name)
{
	static const struct {
		const char *name;
		enum oci_seccomp_action action;
	} actions[] = {
		{ "SCMP_ACT_KILL", OCI_SECCOMP_KILL },
		{ "SCMP_ACT_KILL_PROCESS", OCI_SECCOMP_KILL_PROCESS },
		{ "SCMP_ACT_KILL_THREAD", OCI_SECCOMP_KILL_THREAD },
		{ "SCMP_ACT_TRAP", OCI_SECCOMP_TRAP },
		{ "SCMP_ACT_ERRNO", OCI_SECCOMP_ERRNO },
		{ "SCMP_ACT_TRACE", OCI_SECCOMP_TRACE },
		{ "SCMP_ACT_ALLOW", OCI_SECCOMP_ALLOW },
		{ "SCMP_ACT_LOG", OCI_SECCOMP_LOG },
		{ "SCMP_ACT_NOTIFY", OCI_SECCOMP_NOTIFY },
	};
	for (size_t i = 0; name && i < ARRAY_SIZE(actions); i++)
		if (strcmp(name, actions[i].name) == 0)
			return (int)actions[i].action;
	return -1;
}
