/* What each cgroup file cell writes does for the container, in plain
 * words, for --explain (see src/trace). */
#include <string.h>

#include "cgroup/internal.h"
#include "util/cleanup.h"

const char *cg_file_purpose(const char *file)
{
	/* longest prefix first where two share a start */
	static const struct {
		const char *prefix, *why;
	} purposes[] = {
		{ "memory.swap", "caps swap: past it the container's memory cannot go to swap" },
		{ "memory.memsw", "caps memory plus swap" },
		{ "memory", "caps its memory: past the limit the kernel reclaims, then kills inside this cgroup only" },
		{ "cpuset", "the CPUs and memory nodes it may run on" },
		{ "cpu", "its share of CPU time: a weight, or a hard quota per period" },
		{ "pids.max", "caps how many processes it may have: a fork bomb stops here" },
		{ "devices.deny", "no device node may be opened or made..." },
		{ "devices.allow", "...but these (the device cgroup checks every open and mknod)" },
		{ "blkio", "its share of disk bandwidth" },
		{ "io.", "its share of disk bandwidth" },
		{ "hugetlb", "caps its huge pages" },
		{ "rdma", "caps its RDMA resources" },
		{ "net_cls", "tags its packets for the host's traffic control" },
		{ "net_prio", "the priority of its packets per interface" },
		{ "tasks", "moves a process into the cgroup: the limits now apply to it" },
		{ "cgroup.procs", "moves a process into the cgroup: the limits now apply to it" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(purposes); i++)
		if (!strncmp(file, purposes[i].prefix, strlen(purposes[i].prefix)))
			return purposes[i].why;
	return "a cgroup setting of the container";
}
