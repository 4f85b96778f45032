/* User namespace id maps, written by the runtime for the container's init
 * before the init continues (the kernel lets a process's map be written
 * once, by a process with privilege over the parent namespace). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns/ns.h"
#include "trace/trace.h"
#include "util/cleanup.h"

int ns_format_idmap(const struct oci_idmap *m, size_t n, char *buf,
		    size_t len)
{
	size_t off = 0;
	if (n == 0 || n > 340)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (m[i].size == 0 ||
		    (uint64_t)m[i].container_id + m[i].size > 1ull << 32 ||
		    (uint64_t)m[i].host_id + m[i].size > 1ull << 32)
			return -EINVAL;
		int w = snprintf(buf + off, len - off, "%u %u %u\n",
				 m[i].container_id, m[i].host_id, m[i].size);
		if (w < 0 || (size_t)w >= len - off)
			return -ENOSPC;
		off += (size_t)w;
	}
	return (int)off;
}

/* /proc/<pid> as a directory fd, refusing anything that is not procfs. */
static int open_proc_pid(pid_t pid, struct cell_err *e)
{
	char path[32];
	snprintf(path, sizeof(path), "/proc/%d", pid);
	int fd = openat(AT_FDCWD, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s", path);
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return cell_err_msg(e, EPERM, "%s is not on procfs", path);
	}
	return fd;
}

static int write_map_file(int procfd, const char *name, const char *data,
			  struct cell_err *e)
{
	_cleanup_close_ int fd = openat(procfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s", name);
	size_t len = strlen(data);
	EXPLAIN(!strcmp(name, "setgroups")
			? "an unprivileged map needs setgroups denied first (CVE-2014-8989)"
			: "ids inside the user namespace map to these host ids: its root is an ordinary user outside",
		"write %s \"%.*s\"", trace_fd_path(fd),
		(int)strcspn(data, "\n"), data);
	if (write(fd, data, len) != (ssize_t)len)
		return cell_err_sys(e, errno, "write %s", name);
	return 0;
}

/* newuidmap PID C H S ... : for an unprivileged caller with /etc/subuid. */
static int run_newidmap(const char *tool, pid_t pid, const struct oci_idmap *m,
			size_t n, struct cell_err *e)
{
	char *argv[3 + 3 * 340 + 1];
	char nums[3 * 340 + 1][12];
	size_t a = 0, k = 0;

	argv[a++] = (char *)tool;
	snprintf(nums[k], sizeof(nums[k]), "%d", pid);
	argv[a++] = nums[k++];
	for (size_t i = 0; i < n && i < 340; i++) {
		snprintf(nums[k], sizeof(nums[k]), "%u", m[i].container_id);
		argv[a++] = nums[k++];
		snprintf(nums[k], sizeof(nums[k]), "%u", m[i].host_id);
		argv[a++] = nums[k++];
		snprintf(nums[k], sizeof(nums[k]), "%u", m[i].size);
		argv[a++] = nums[k++];
	}
	argv[a] = NULL;

	EXPLAIN("setuid helper: maps the ranges /etc/subuid and /etc/subgid grant this user",
		"%s %d (%zu ranges)", tool, (int)pid, n);
	pid_t child = fork();
	if (child < 0)
		return cell_err_sys(e, errno, "fork %s", tool);
	if (child == 0) {
		execvp(tool, argv);
		_exit(127);
	}
	int status;
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cell_err_sys(e, errno, "wait %s", tool);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cell_err_msg(e, EPERM, "%s failed (status %d)%s", tool,
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1,
				    WIFEXITED(status) && WEXITSTATUS(status) == 127
					    ? ": not installed (apt-get install uidmap)"
					    : "");
	return 0;
}

bool ns_in_user_namespace(void)
{
	char buf[128] = "";
	int fd = openat(AT_FDCWD, "/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	unsigned long inside, outside, count;
	return sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3 ||
	       inside != 0 || outside != 0 || count != 4294967295UL;
}

bool ns_rootless(void)
{
	return geteuid() != 0 || ns_in_user_namespace();
}

/* An unprivileged caller may map only itself, once, without newuidmap. */
static bool maps_only_self(const struct oci_idmap *m, size_t n, unsigned id)
{
	return n == 1 && m[0].size == 1 && m[0].host_id == id;
}

int ns_write_idmaps(pid_t pid, const struct oci_linux *l, struct cell_err *e)
{
	char buf[340 * 36];
	_cleanup_close_ int procfd = open_proc_pid(pid, e);
	if (procfd < 0)
		return procfd;
	bool root = geteuid() == 0;

	if (l->n_uid_mappings) {
		if (root || maps_only_self(l->uid_mappings, l->n_uid_mappings,
					   geteuid())) {
			if (ns_format_idmap(l->uid_mappings, l->n_uid_mappings,
					    buf, sizeof(buf)) < 0)
				return cell_err_msg(e, EINVAL,
						    "linux.uidMappings: invalid mapping");
			int r = write_map_file(procfd, "uid_map", buf, e);
			if (r < 0)
				return cell_err_wrap(e, "linux.uidMappings");
		} else {
			int r = run_newidmap("newuidmap", pid, l->uid_mappings,
					     l->n_uid_mappings, e);
			if (r < 0)
				return cell_err_wrap(e, "linux.uidMappings");
		}
	}
	if (l->n_gid_mappings) {
		if (root || maps_only_self(l->gid_mappings, l->n_gid_mappings,
					   getegid())) {
			/* Without privilege, the kernel takes a gid map only
			   once setgroups is denied (CVE-2014-8989). */
			if (!root) {
				int r = write_map_file(procfd, "setgroups",
						       "deny", e);
				if (r < 0)
					return r;
			}
			if (ns_format_idmap(l->gid_mappings, l->n_gid_mappings,
					    buf, sizeof(buf)) < 0)
				return cell_err_msg(e, EINVAL,
						    "linux.gidMappings: invalid mapping");
			int r = write_map_file(procfd, "gid_map", buf, e);
			if (r < 0)
				return cell_err_wrap(e, "linux.gidMappings");
		} else {
			int r = run_newidmap("newgidmap", pid, l->gid_mappings,
					     l->n_gid_mappings, e);
			if (r < 0)
				return cell_err_wrap(e, "linux.gidMappings");
		}
	}
	return 0;
}
