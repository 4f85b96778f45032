/* config.json parsing: every error names its JSON path; a full config
 * lands in the structs; mount options; loading from a bundle. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "oci/config.h"
#include "oci/json.h"

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

static const char base_config[] =
	"{\"ociVersion\": \"1.2.0\","
	" \"root\": {\"path\": \"rootfs\"},"
	" \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
	"               \"user\": {\"uid\": 0, \"gid\": 0}},"
	" \"mounts\": [{\"destination\": \"/proc\", \"type\": \"proc\","
	"               \"source\": \"proc\"}],"
	" \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}]}}";

/* Parse base_config with `patch` merged in (objects merge, a null value
 * removes the key as far as the parser is concerned). */
static int parse_patched(const char *patch, struct oci_config **c,
			 struct cell_err *e)
{
	json_error_t jerr;
	json_t *base = json_loads(base_config, 0, &jerr);
	json_t *p = json_loads(patch, 0, &jerr);
	if (!base || !p)
		fail_msg("bad test JSON %s: %s", patch, jerr.text);
	assert_int_equal(json_object_update_recursive(base, p), 0);
	char *text = json_dumps(base, 0);
	int r = oci_config_parse(text, strlen(text), "config.json", c, e);
	free(text);
	json_decref(base);
	json_decref(p);
	return r;
}

#include "test_config_cases.h"

static void test_bad_configs_name_their_path(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct oci_config *c = NULL;
		struct cell_err e;
		char want[1024];
		cell_err_clear(&e);
		snprintf(want, sizeof(want), "config.json: %s", bad_cases[i].msg);
		int r = parse_patched(bad_cases[i].patch, &c, &e);
		if (r != -EINVAL || strncmp(e.msg, want, strlen(want)) != 0)
			fail_msg("case %zu %s:\n  got  %d \"%s\"\n  want \"%s\"",
				 i, bad_cases[i].patch, r, e.msg, want);
		assert_null(c);
		assert_int_equal(e.errnum, EINVAL);
		assert_null(strchr(e.msg, '\n'));
	}
}

static void test_base_config_is_valid(void **state)
{
	(void)state;
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	assert_int_equal(parse_patched("{}", &c, &e), 0);
	assert_non_null(c);
	assert_string_equal(c->oci_version, "1.2.0");
	assert_true(c->has_process);
	assert_false(c->process.has_caps);
	assert_null(c->linux.seccomp);
	assert_false(c->linux.has_resources);
	oci_config_free(c);
}

static const char full_config[] =
"{\n"
"  \"ociVersion\": \"1.0.2-dev\",\n"
"  \"root\": {\"path\": \"/var/lib/rootfs\", \"readonly\": true},\n"
"  \"hostname\": \"box\", \"domainname\": \"example.org\",\n"
"  \"process\": {\n"
"    \"terminal\": true, \"consoleSize\": {\"height\": 24, \"width\": 80},\n"
"    \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 18,\n"
"             \"additionalGids\": [5, 6]},\n"
"    \"args\": [\"/bin/sh\", \"-c\", \"true\"],\n"
"    \"env\": [\"PATH=/bin\", \"EMPTY=\"],\n"
"    \"cwd\": \"/work\",\n"
"    \"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"],\n"
"                     \"effective\": [\"CAP_KILL\"], \"inheritable\": [],\n"
"                     \"permitted\": [\"CAP_KILL\", \"CAP_CHECKPOINT_RESTORE\"],\n"
"                     \"ambient\": [\"CAP_NET_RAW\"]},\n"
"    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 4096},\n"
"                {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 9223372036854775807}],\n"
"    \"noNewPrivileges\": true, \"oomScoreAdj\": -500,\n"
"    \"apparmorProfile\": \"cell-default\", \"selinuxLabel\": \"system_u:system_r:container_t:s0\",\n"
"    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_IDLE\", \"priority\": 7},\n"
"    \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": -5, \"priority\": 0}\n"
"  },\n"
"  \"mounts\": [\n"
"    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
"     \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
"    {\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"/srv/data\",\n"
"     \"options\": [\"rbind\", \"ro\", \"rprivate\", \"idmap\"],\n"
"     \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],\n"
"     \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1}]}\n"
"  ],\n"
"  \"hooks\": {\n"
"    \"prestart\": [{\"path\": \"/usr/bin/fix\", \"args\": [\"fix\", \"-v\"],\n"
"                  \"env\": [\"A=B\"], \"timeout\": 5}],\n"
"    \"poststop\": [{\"path\": \"/bin/true\"}, {\"path\": \"/bin/false\"}]\n"
"  },\n"
"  \"annotations\": {\"org.example.key\": \"value\"},\n"
"  \"linux\": {\n"
"    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\", \"path\": \"/var/run/netns/x\"},\n"
"                   {\"type\": \"mount\"}, {\"type\": \"ipc\"}, {\"type\": \"uts\"},\n"
"                   {\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": \"time\"}],\n"
"    \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1},\n"
"                    {\"containerID\": 1, \"hostID\": 100000, \"size\": 65536}],\n"
"    \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],\n"
"    \"timeOffsets\": {\"monotonic\": {\"secs\": -10, \"nanosecs\": 5},\n"
"                    \"boottime\": {\"secs\": 86400}},\n"
"    \"devices\": [{\"type\": \"c\", \"path\": \"/dev/fuse\", \"major\": 10, \"minor\": 229,\n"
"                 \"fileMode\": 438, \"uid\": 0, \"gid\": 0},\n"
"                {\"type\": \"p\", \"path\": \"/dev/fifo\"},\n"
"                {\"type\": \"u\", \"path\": \"/dev/u\", \"major\": 1, \"minor\": 3}],\n"
"    \"cgroupsPath\": \"/cell/box\",\n"
"    \"resources\": {\n"
"      \"devices\": [{\"allow\": false, \"access\": \"rwm\"},\n"
"                  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"mr\"},\n"
"                  {\"allow\": true, \"type\": \"b\", \"major\": 8}],\n"
"      \"memory\": {\"limit\": 536870912, \"reservation\": 268435456, \"swap\": -1,\n"
"                 \"kernel\": 0, \"kernelTCP\": 1, \"swappiness\": 0,\n"
"                 \"disableOOMKiller\": true, \"useHierarchy\": false,\n"
"                 \"checkBeforeUpdate\": true},\n"
"      \"cpu\": {\"shares\": 512, \"quota\": 50000, \"burst\": 1000, \"period\": 100000,\n"
"              \"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000,\n"
"              \"cpus\": \"0-1\", \"mems\": \"0\", \"idle\": 1},\n"
"      \"pids\": {\"limit\": 100},\n"
"      \"blockIO\": {\"weight\": 500, \"leafWeight\": 300,\n"
"                  \"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 600}],\n"
"                  \"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 1048576}],\n"
"                  \"throttleWriteBpsDevice\": [{\"major\": 8, \"minor\": 16, \"rate\": 2}],\n"
"                  \"throttleReadIOPSDevice\": [{\"major\": 8, \"minor\": 32, \"rate\": 3}],\n"
"                  \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 48, \"rate\": 4}]},\n"
"      \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 209715200}],\n"
"      \"network\": {\"classID\": 1048577, \"priorities\": [{\"name\": \"eth0\", \"priority\": 500}]},\n"
"      \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}},\n"
"      \"unified\": {\"memory.high\": \"400M\"}\n"
"    },\n"
"    \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},\n"
"    \"seccomp\": {\n"
"      \"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,\n"
"      \"architectures\": [\"SCMP_ARCH_X86_64\"], \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"],\n"
"      \"listenerPath\": \"/run/notify.sock\", \"listenerMetadata\": \"meta\",\n"
"      \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
"                   {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"},\n"
"                   {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38,\n"
"                    \"args\": [{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},\n"
"                             {\"index\": 1, \"value\": 255, \"valueTwo\": 4, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}]\n"
"    },\n"
"    \"rootfsPropagation\": \"rslave\",\n"
"    \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\", \"/proc/bus\"],\n"
"    \"mountLabel\": \"system_u:object_r:container_file_t:s0\",\n"
"    \"personality\": {\"domain\": \"LINUX32\"},\n"
"    \"intelRdt\": {\"closID\": \"ignored\"}\n"
"  },\n"
"  \"unknownTopLevel\": {\"is\": \"ignored\"}\n"
"}\n";

static void test_full_config_fills_structs(void **state)
{
	(void)state;
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	int r = oci_config_parse(full_config, strlen(full_config),
				 "config.json", &c, &e);
	if (r < 0)
		fail_msg("%s", e.msg);
	assert_non_null(c->json);
	assert_string_equal(c->oci_version, "1.0.2-dev");
	assert_string_equal(c->root_path, "/var/lib/rootfs");
	assert_true(c->root_readonly);
	assert_string_equal(c->hostname, "box");
	assert_string_equal(c->domainname, "example.org");

	/* process */
	const struct oci_process *p = &c->process;
	assert_true(c->has_process);
	assert_true(p->terminal);
	assert_true(p->has_console_size);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 100);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 022);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], 6);
	assert_string_equal(p->args[0], "/bin/sh");
	assert_string_equal(p->args[2], "true");
	assert_null(p->args[3]);
	assert_string_equal(p->env[1], "EMPTY=");
	assert_null(p->env[2]);
	assert_string_equal(p->cwd, "/work");
	assert_true(p->has_caps);
	assert_int_equal(p->caps.bounding, (1ULL << 0) | (1ULL << 21));
	assert_int_equal(p->caps.effective, 1ULL << 5);
	assert_int_equal(p->caps.inheritable, 0);
	assert_int_equal(p->caps.permitted, (1ULL << 5) | (1ULL << 40));
	assert_int_equal(p->caps.ambient, 1ULL << 13);
	assert_int_equal(p->n_rlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 1024);
	assert_int_equal(p->rlimits[0].hard, 4096);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
	assert_int_equal(p->rlimits[1].hard, INT64_MAX);
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_string_equal(p->apparmor_profile, "cell-default");
	assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
	assert_true(p->has_io_priority);
	assert_int_equal(p->io_priority_class, 3);
	assert_int_equal(p->io_priority, 7);
	assert_true(p->has_scheduler);
	assert_int_equal(p->sched_policy, SCHED_BATCH);
	assert_int_equal(p->sched_nice, -5);

	/* mounts */
	assert_int_equal(c->n_mounts, 2);
	const struct oci_mount *m = &c->mounts[0];
	assert_string_equal(m->destination, "/dev");
	assert_string_equal(m->type, "tmpfs");
	assert_int_equal(m->flags, MS_NOSUID | MS_STRICTATIME);
	assert_string_equal(m->data, "mode=755,size=65536k");
	assert_false(m->bind);
	m = &c->mounts[1];
	assert_true(m->bind);
	assert_true(m->recursive);
	assert_true(m->idmap);
	assert_int_equal(m->flags, MS_RDONLY);
	assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
	assert_null(m->data);
	assert_int_equal(m->n_uid_mappings, 1);
	assert_int_equal(m->uid_mappings[0].host_id, 100000);
	assert_int_equal(m->uid_mappings[0].size, 65536);
	assert_int_equal(m->n_gid_mappings, 1);
	assert_int_equal(m->gid_mappings[0].host_id, 200000);

	/* hooks and annotations */
	const struct oci_hook_list *h = &c->hooks[OCI_HOOK_PRESTART];
	assert_int_equal(h->n, 1);
	assert_string_equal(h->hooks[0].path, "/usr/bin/fix");
	assert_string_equal(h->hooks[0].args[1], "-v");
	assert_string_equal(h->hooks[0].env[0], "A=B");
	assert_int_equal(h->hooks[0].timeout, 5);
	assert_int_equal(c->hooks[OCI_HOOK_POSTSTOP].n, 2);
	assert_int_equal(c->hooks[OCI_HOOK_POSTSTOP].hooks[1].timeout, 0);
	assert_null(c->hooks[OCI_HOOK_POSTSTOP].hooks[1].args);
	assert_int_equal(c->hooks[OCI_HOOK_CREATE_RUNTIME].n, 0);
	assert_string_equal(json_string_value(json_object_get(
				    c->annotations, "org.example.key")),
			    "value");

	/* linux */
	const struct oci_linux *l = &c->linux;
	for (int i = 0; i < OCI_NS_COUNT; i++)
		assert_true(l->namespaces[i].enabled);
	assert_string_equal(l->namespaces[OCI_NS_NETWORK].path, "/var/run/netns/x");
	assert_null(l->namespaces[OCI_NS_PID].path);
	assert_int_equal(l->n_uid_mappings, 2);
	assert_int_equal(l->uid_mappings[1].container_id, 1);
	assert_int_equal(l->uid_mappings[1].host_id, 100000);
	assert_int_equal(l->n_gid_mappings, 1);
	assert_true(l->time_monotonic.set);
	assert_int_equal(l->time_monotonic.secs, -10);
	assert_int_equal(l->time_monotonic.nanosecs, 5);
	assert_true(l->time_boottime.set);
	assert_int_equal(l->time_boottime.secs, 86400);
	assert_int_equal(l->n_devices, 3);
	assert_int_equal(l->devices[0].type, 'c');
	assert_int_equal(l->devices[0].major, 10);
	assert_int_equal(l->devices[0].minor, 229);
	assert_true(l->devices[0].has_file_mode);
	assert_int_equal(l->devices[0].file_mode, 0666);
	assert_true(l->devices[0].has_uid);
	assert_int_equal(l->devices[1].type, 'p');
	assert_false(l->devices[1].has_uid);
	assert_int_equal(l->devices[2].type, 'c');
	assert_string_equal(l->cgroups_path, "/cell/box");
	assert_int_equal(l->n_sysctl, 1);
	assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");
	assert_string_equal(l->sysctl[0].value, "1");
	assert_int_equal(l->rootfs_propagation, MS_SLAVE | MS_REC);
	assert_string_equal(l->masked_paths[0], "/proc/kcore");
	assert_null(l->masked_paths[1]);
	assert_string_equal(l->readonly_paths[1], "/proc/bus");
	assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
	assert_true(l->has_personality);
	assert_int_equal(l->personality, PER_LINUX32);

	/* resources */
	assert_true(l->has_resources);
	const struct oci_resources *res = &l->resources;
	assert_int_equal(res->n_devices, 3);
	assert_false(res->devices[0].allow);
	assert_int_equal(res->devices[0].type, 'a');
	assert_int_equal(res->devices[0].major, -1);
	assert_string_equal(res->devices[0].access, "rwm");
	assert_int_equal(res->devices[1].type, 'c');
	assert_int_equal(res->devices[1].minor, 3);
	assert_string_equal(res->devices[1].access, "rm");
	assert_int_equal(res->devices[2].type, 'b');
	assert_int_equal(res->devices[2].minor, -1);
	assert_true(res->memory.limit.set);
	assert_int_equal(res->memory.limit.v, 536870912);
	assert_int_equal(res->memory.reservation.v, 268435456);
	assert_int_equal(res->memory.swap.v, -1);
	assert_false(res->memory.kernel.set); /* 0 is unset (conventions.c) */
	assert_int_equal(res->memory.kernel_tcp.v, 1);
	assert_true(res->memory.swappiness.set);
	assert_int_equal(res->memory.swappiness.v, 0);
	assert_true(res->memory.has_disable_oom_killer);
	assert_true(res->memory.disable_oom_killer);
	assert_true(res->memory.has_use_hierarchy);
	assert_false(res->memory.use_hierarchy);
	assert_true(res->memory.check_before_update);
	assert_int_equal(res->cpu.shares.v, 512);
	assert_int_equal(res->cpu.quota.v, 50000);
	assert_int_equal(res->cpu.burst.v, 1000);
	assert_int_equal(res->cpu.period.v, 100000);
	assert_int_equal(res->cpu.realtime_runtime.v, 950000);
	assert_int_equal(res->cpu.realtime_period.v, 1000000);
	assert_string_equal(res->cpu.cpus, "0-1");
	assert_string_equal(res->cpu.mems, "0");
	assert_int_equal(res->cpu.idle.v, 1);
	assert_true(res->pids_limit.set);
	assert_int_equal(res->pids_limit.v, 100);
	assert_int_equal(res->block_io.weight.v, 500);
	assert_int_equal(res->block_io.leaf_weight.v, 300);
	assert_int_equal(res->block_io.n_weight_device, 1);
	assert_int_equal(res->block_io.weight_device[0].weight.v, 600);
	assert_false(res->block_io.weight_device[0].leaf_weight.set);
	assert_int_equal(res->block_io.throttle_read_bps[0].rate, 1048576);
	assert_int_equal(res->block_io.throttle_write_bps[0].minor, 16);
	assert_int_equal(res->block_io.throttle_read_iops[0].rate, 3);
	assert_int_equal(res->block_io.throttle_write_iops[0].rate, 4);
	assert_int_equal(res->n_hugepage_limits, 1);
	assert_string_equal(res->hugepage_limits[0].page_size, "2MB");
	assert_int_equal(res->hugepage_limits[0].limit, 209715200);
	assert_int_equal(res->network.class_id.v, 1048577);
	assert_string_equal(res->network.priorities[0].name, "eth0");
	assert_int_equal(res->network.priorities[0].priority, 500);
	assert_int_equal(res->n_rdma, 1);
	assert_string_equal(res->rdma[0].device, "mlx5_1");
	assert_int_equal(res->rdma[0].hca_handles.v, 3);
	assert_int_equal(res->rdma[0].hca_objects.v, 10000);
	assert_int_equal(res->n_unified, 1);
	assert_string_equal(res->unified[0].key, "memory.high");
	assert_string_equal(res->unified[0].value, "400M");

	/* seccomp */
	const struct oci_seccomp *s = l->seccomp;
	assert_non_null(s);
	assert_int_equal(s->default_action, OCI_SECCOMP_ERRNO);
	assert_true(s->default_errno_ret.set);
	assert_int_equal(s->default_errno_ret.v, 1);
	assert_string_equal(s->architectures[0], "SCMP_ARCH_X86_64");
	assert_string_equal(s->flags[0], "SECCOMP_FILTER_FLAG_LOG");
	assert_string_equal(s->listener_path, "/run/notify.sock");
	assert_string_equal(s->listener_metadata, "meta");
	assert_int_equal(s->n_syscalls, 3);
	assert_string_equal(s->syscalls[0].names[1], "write");
	assert_int_equal(s->syscalls[0].action, OCI_SECCOMP_ALLOW);
	assert_int_equal(s->syscalls[1].action, OCI_SECCOMP_NOTIFY);
	assert_true(s->syscalls[2].errno_ret.set);
	assert_int_equal(s->syscalls[2].errno_ret.v, 38);
	assert_int_equal(s->syscalls[2].n_args, 2);
	assert_int_equal(s->syscalls[2].args[1].index, 1);
	assert_int_equal(s->syscalls[2].args[1].value, 255);
	assert_int_equal(s->syscalls[2].args[1].value_two, 4);
	assert_int_equal(s->syscalls[2].args[1].op, OCI_SECCOMP_OP_MASKED_EQ);

	oci_config_free(c);
}

static void expect_mount(const char *const *opts, const char *type,
			 unsigned long flags, unsigned long clear,
			 unsigned long prop, bool bind, bool rec,
			 const char *data)
{
	struct oci_mount m = { 0 };
	struct cell_err e;
	m.options = (char **)opts;
	m.type = (char *)type;
	assert_int_equal(oci_mount_parse_options(&m, &e), 0);
	assert_int_equal(m.flags, flags);
	assert_int_equal(m.clear_flags, clear);
	assert_int_equal(m.propagation, prop);
	assert_int_equal(m.bind, bind);
	assert_int_equal(m.recursive, rec);
	if (data)
		assert_string_equal(m.data, data);
	else
		assert_null(m.data);
	free(m.data);
}

static void test_mount_options(void **state)
{
	(void)state;
	expect_mount((const char *const[]){ "ro", "nosuid", "nodev", "noexec",
					    "relatime", NULL },
		     "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
				      MS_RELATIME,
		     0, 0, false, false, NULL);
	expect_mount((const char *const[]){ "rw", "suid", "dev", "exec",
					    "atime", "diratime", "async",
					    "nomand", "norelatime", NULL },
		     NULL, 0,
		     MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME |
			     MS_NODIRATIME | MS_SYNCHRONOUS | MS_MANDLOCK |
			     MS_RELATIME,
		     0, false, false, NULL);
	/* The last word wins. */
	expect_mount((const char *const[]){ "ro", "rw", "noexec", "exec",
					    "exec", "noexec", NULL },
		     NULL, MS_NOEXEC, MS_RDONLY, 0, false, false, NULL);
	expect_mount((const char *const[]){ "noatime", "nodiratime",
					    "strictatime", "sync", "dirsync",
					    "mand", "lazytime", NULL },
		     NULL, MS_NOATIME | MS_NODIRATIME | MS_STRICTATIME |
				   MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK |
				   MS_LAZYTIME,
		     0, 0, false, false, NULL);
	expect_mount((const char *const[]){ "bind", "shared", NULL }, NULL, 0,
		     0, MS_SHARED, true, false, NULL);
	expect_mount((const char *const[]){ "rbind", "rslave", NULL }, "none",
		     0, 0, MS_SLAVE | MS_REC, true, true, NULL);
	expect_mount((const char *const[]){ "runbindable", "private",
					    NULL },
		     NULL, 0, 0, MS_PRIVATE, false, false, NULL);
	expect_mount((const char *const[]){ "rshared", NULL }, "bind", 0, 0,
		     MS_SHARED | MS_REC, true, false, NULL);
	expect_mount((const char *const[]){ "unbindable", NULL }, NULL, 0, 0,
		     MS_UNBINDABLE, false, false, NULL);
	/* Filesystem data keeps its order; runtime-only words disappear. */
	expect_mount((const char *const[]){ "nosuid", "tmpcopyup",
					    "mode=1777", "copy-symlink",
					    "size=64k", "x-systemd.automount",
					    "", "uid=5", NULL },
		     "tmpfs", MS_NOSUID, 0, 0, false, false,
		     "mode=1777,size=64k,uid=5");
	expect_mount((const char *const[]){ "newinstance", "ptmxmode=0666",
					    "gid=5", NULL },
		     "devpts", 0, 0, 0, false, false,
		     "newinstance,ptmxmode=0666,gid=5");
	expect_mount(NULL, NULL, 0, 0, 0, false, false, NULL);

	struct oci_mount m = { 0 };
	struct cell_err e;
	m.options = (char **)(const char *const[]){ "ridmap", "rbind", NULL };
	assert_int_equal(oci_mount_parse_options(&m, &e), 0);
	assert_true(m.idmap);
	assert_true(m.bind);
	/* Parsing again resets the parsed fields. */
	m.options = (char **)(const char *const[]){ "size=1", NULL };
	assert_int_equal(oci_mount_parse_options(&m, &e), 0);
	assert_false(m.idmap);
	assert_false(m.bind);
	assert_string_equal(m.data, "size=1");
	m.options = NULL;
	assert_int_equal(oci_mount_parse_options(&m, &e), 0);
	assert_null(m.data);
}

static void expect_parse_error(const char *text, const char *prefix)
{
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	assert_int_equal(oci_config_parse(text, strlen(text), "config.json",
					  &c, &e),
			 -EINVAL);
	assert_null(c);
	if (strncmp(e.msg, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", want prefix \"%s\"", e.msg, prefix);
}

static void test_invalid_json(void **state)
{
	(void)state;
	expect_parse_error("{\n  \"ociVersion\": \"1.2.0\",\n    x\n}",
			   "config.json: line 3 column 5: ");
	expect_parse_error("", "config.json: line ");
	expect_parse_error("[]", "config.json: expected a JSON object");
	expect_parse_error("\"x\"", "config.json: line ");
	expect_parse_error("{\"a\": \"\\u0000\"}", "config.json: line ");
	/* A repeated key would let the second silently win. */
	expect_parse_error("{\"ociVersion\": \"1.2.0\", \"ociVersion\": \"1.2.0\"}",
			   "config.json: line 1 ");
	/* Control characters from the input never reach the message. */
	expect_parse_error("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
			   " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
			   " \"capabilities\": {\"bounding\": [\"CAP_\\nX\\u001b[2J\"]}}}",
			   "config.json: process.capabilities.bounding[0]: "
			   "unknown capability \"CAP_?X?[2J\"");
	expect_parse_error("{\"a\": \"\x01\"}", "config.json: line 1 ");
	struct oci_config *c = NULL;
	struct cell_err e;
	assert_int_equal(oci_config_parse("{\"a\": \"\x01\"}", 8, "config.json", &c, &e), -EINVAL);
	for (const char *ch = e.msg; *ch; ch++)
		assert_true((unsigned char)*ch >= 0x20);
	/* Above UINT64_MAX the number is refused. */
	expect_parse_error("{\"ociVersion\": \"1.2.0\", \"x\": 18446744073709551616}",
			   "config.json: line 1 ");
	/* A NUL escape stays an error, also next to a big number. */
	expect_parse_error("{\"ociVersion\": \"1.2.0\", \"x\": 18446744073709551615,"
			   " \"y\": \"\\u000018446744073709551615\"}",
			   "config.json: line 1 ");
}

/* RLIM_INFINITY as Docker and Podman write it for "--ulimit x=-1". */
static void test_integers_above_int64(void **state)
{
	(void)state;
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	assert_int_equal(parse_patched("{}", &c, &e), 0);
	oci_config_free(c);

	static const char text[] =
		"{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		" \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
		" \"env\": [\"X=18446744073709551615\"],"
		" \"rlimits\": [{\"type\": \"RLIMIT_MEMLOCK\","
		" \"soft\": 18446744073709551615, \"hard\": 18446744073709551615},"
		" {\"type\": \"RLIMIT_CORE\", \"soft\": 9223372036854775808, \"hard\": 9223372036854775807}]},"
		" \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		" \"syscalls\": [{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\","
		" \"args\": [{\"index\": 1, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_EQ\"}]}]}}}";
	assert_int_equal(oci_config_parse(text, strlen(text), "config.json", &c, &e), 0);
	assert_true(c->process.rlimits[0].soft == UINT64_MAX);
	assert_true(c->process.rlimits[0].hard == UINT64_MAX);
	assert_true(c->process.rlimits[1].soft == (uint64_t)INT64_MAX + 1);
	assert_true(c->process.rlimits[1].hard == (uint64_t)INT64_MAX);
	assert_string_equal(c->process.env[0], "X=18446744073709551615");
	assert_true(c->linux.seccomp->syscalls[0].args[0].value == UINT64_MAX);
	oci_config_free(c);

	static const char *const bad[][2] = {
		{ "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		  " \"linux\": {\"resources\": {\"memory\": {\"limit\": 9223372036854775808}}}}",
		  "config.json: linux.resources.memory.limit: must be at most 9223372036854775807" },
		{ "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		  " \"hostname\": 18446744073709551615}",
		  "config.json: hostname: expected a string" },
		{ "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		  " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
		  " \"user\": {\"uid\": 18446744073709551615, \"gid\": 0}}}",
		  "config.json: process.user.uid: must be at most 4294967295" },
		{ "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		  " \"annotations\": {\"a\": 18446744073709551615}}",
		  "config.json: annotations.a: expected a string" },
		{ "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"},"
		  " \"process\": {\"args\": [\"sh\", 18446744073709551615], \"cwd\": \"/\"}}",
		  "config.json: process.args: expected an array of strings" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_parse_error(bad[i][0], bad[i][1]);
}

static void test_deep_and_huge_input(void **state)
{
	(void)state;
	/* Nesting far past jansson's depth limit must be an error, not a
	 * stack overflow. */
	size_t depth = 200000;
	char *deep = malloc(depth * 2 + 1);
	assert_non_null(deep);
	memset(deep, '[', depth);
	memset(deep + depth, ']', depth);
	deep[depth * 2] = '\0';
	expect_parse_error(deep, "config.json: line 1 column ");
	free(deep);

	/* A deep value where an unknown field sits is accepted (ignored). */
	depth = 1000;
	size_t n = 0;
	char *text = malloc(depth * 2 + 256);
	assert_non_null(text);
	n += sprintf(text, "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"}, \"x\": ");
	memset(text + n, '[', depth);
	n += depth;
	memset(text + n, ']', depth);
	n += depth;
	strcpy(text + n, "}");
	struct oci_config *c = NULL;
	struct cell_err e;
	assert_int_equal(oci_config_parse(text, strlen(text), "config.json", &c, &e), 0);
	oci_config_free(c);
	free(text);

	/* Many entries: 100000 env variables. */
	json_error_t jerr;
	json_t *doc = json_loads(base_config, 0, &jerr);
	json_t *env = json_array();
	for (int i = 0; i < 100000; i++) {
		char kv[32];
		snprintf(kv, sizeof(kv), "V%d=%d", i, i);
		json_array_append_new(env, json_string(kv));
	}
	json_object_set_new(json_object_get(doc, "process"), "env", env);
	char *big = json_dumps(doc, 0);
	json_decref(doc);
	c = NULL;
	assert_int_equal(oci_config_parse(big, strlen(big), "config.json", &c, &e), 0);
	assert_string_equal(c->process.env[99999], "V99999=99999");
	assert_null(c->process.env[100000]);
	oci_config_free(c);
	free(big);
}

static void test_load_from_bundle(void **state)
{
	(void)state;
	struct oci_config *c = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	assert_int_equal(oci_config_load("/nonexistent-bundle", &c, &e), -ENOENT);
	assert_string_equal(e.msg, "config.json: open /nonexistent-bundle/config.json: "
				   "No such file or directory");
	assert_null(c);

	char dir[] = "/tmp/cell-test-config-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(full_config, f);
	fclose(f);
	assert_int_equal(oci_config_load(dir, &c, &e), 0);
	assert_string_equal(c->hostname, "box");
	oci_config_free(c);

	/* An error inside the file names config.json and the JSON path. */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": 1}}", f);
	fclose(f);
	c = NULL;
	assert_int_equal(oci_config_load(dir, &c, &e), -EINVAL);
	assert_string_equal(e.msg, "config.json: root.path: expected a string");

	unlink(path);
	rmdir(dir);
}

static void test_resources_parse_standalone(void **state)
{
	(void)state;
	json_error_t jerr;
	struct cell_err e;
	struct oci_resources r = { 0 };
	/* What `update -r FILE` reads: runc's field names. */
	json_t *o = json_loads("{\"memory\": {\"limit\": 1048576, \"swap\": 2097152},"
			       " \"cpu\": {\"shares\": 100, \"quota\": -1},"
			       " \"pids\": {\"limit\": 10},"
			       " \"blockIO\": {\"weight\": 100}}",
			       0, &jerr);
	assert_non_null(o);
	assert_int_equal(oci_resources_parse(o, "update.json", "", &r, &e), 0);
	assert_int_equal(r.memory.limit.v, 1048576);
	assert_int_equal(r.memory.swap.v, 2097152);
	assert_false(r.memory.reservation.set);
	assert_int_equal(r.cpu.quota.v, -1);
	assert_int_equal(r.pids_limit.v, 10);
	assert_int_equal(r.block_io.weight.v, 100);
	oci_resources_free(&r);
	json_decref(o);

	o = json_loads("{\"memory\": {\"limit\": \"lots\"}}", 0, &jerr);
	memset(&r, 0, sizeof(r));
	assert_int_equal(oci_resources_parse(o, "update.json", "", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "update.json: memory.limit: expected an integer");
	assert_false(r.memory.limit.set);
	assert_int_equal(oci_resources_parse(o, "config.json", "linux.resources", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "config.json: linux.resources.memory.limit: expected an integer");
	json_decref(o);

	/* With oci_json_parse, RLIM_INFINITY-sized numbers come through. */
	static const char upd[] = "{\"memory\": {\"limit\": -1}, \"cpu\": {\"period\": 18446744073709551615}}";
	assert_int_equal(oci_json_parse(upd, strlen(upd), "update.json", &o, &e), 0);
	assert_int_equal(oci_resources_parse(o, "update.json", "", &r, &e), 0);
	assert_true(r.cpu.period.v == UINT64_MAX);
	assert_int_equal(r.memory.limit.v, -1);
	oci_resources_free(&r);
	json_decref(o);
	assert_int_equal(oci_json_parse("{,", 2, "update.json", &o, &e), -EINVAL);
	assert_int_equal(strncmp(e.msg, "update.json: line 1 column ", 27), 0);

	o = json_string("x");
	assert_int_equal(oci_resources_parse(o, "update.json", "", &r, &e), -EINVAL);
	assert_string_equal(e.msg, "update.json: expected an object");
	json_decref(o);
}

static void test_process_parse_standalone(void **state)
{
	(void)state;
	json_error_t jerr;
	struct cell_err e;
	struct oci_process p = { 0 };
	json_t *o = json_loads("{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/tmp\","
			       " \"env\": [\"A=1\"], \"user\": {\"uid\": 5, \"gid\": 6},"
			       " \"capabilities\": {\"bounding\": [\"CAP_SYS_ADMIN\"]}}",
			       0, &jerr);
	assert_non_null(o);
	assert_int_equal(oci_process_parse(o, "process.json", "", &p, &e), 0);
	assert_string_equal(p.args[1], "-l");
	assert_int_equal(p.user.uid, 5);
	assert_int_equal(p.caps.bounding, 1ULL << 21);
	oci_process_free(&p);
	json_decref(o);

	o = json_loads("{\"args\": [\"ls\"], \"cwd\": \"tmp\"}", 0, &jerr);
	assert_int_equal(oci_process_parse(o, "process.json", "", &p, &e), -EINVAL);
	assert_string_equal(e.msg, "process.json: cwd: must be an absolute path");
	assert_null(p.args);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_configs_name_their_path),
		cmocka_unit_test(test_base_config_is_valid),
		cmocka_unit_test(test_full_config_fills_structs),
		cmocka_unit_test(test_mount_options),
		cmocka_unit_test(test_invalid_json),
		cmocka_unit_test(test_integers_above_int64),
		cmocka_unit_test(test_deep_and_huge_input),
		cmocka_unit_test(test_load_from_bundle),
		cmocka_unit_test(test_resources_parse_standalone),
		cmocka_unit_test(test_process_parse_standalone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
