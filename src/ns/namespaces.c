#include "ns/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/syscalls.h"

int ns_flags_to_create(const struct oci_linux *l)
{
	int flags = 0;
	for (int t = 0; t < OCI_NS_COUNT; t++)
		if (l->namespaces[t].enabled && !l->namespaces[t].path)
			flags |= oci_ns_clone_flag((enum oci_ns_type)t);
	return flags;
}

void ns_close_fds(int fds[OCI_NS_COUNT])
{
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		if (fds[t] >= 0)
			close(fds[t]);
		fds[t] = -1;
	}
}

int ns_open_paths(const struct oci_linux *l, int fds[OCI_NS_COUNT],
		  struct cell_err *e)
{
	for (int t = 0; t < OCI_NS_COUNT; t++)
		fds[t] = -1;
	for (int t = 0; t < OCI_NS_COUNT; t++) {
		const char *path = l->namespaces[t].path;
		if (!l->namespaces[t].enabled || !path)
			continue;
		int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int err = errno;
			ns_close_fds(fds);
			return cell_err_sys(e, err, "linux.namespaces: %s: open %s",
					    oci_ns_name(t), path);
		}
		fds[t] = fd;
		/* NS_GET_NSTYPE tells what the file really is: a plain file
		   or a namespace of another type is refused here, before
		   anything is created. */
		int type = ioctl(fd, NS_GET_NSTYPE);
		if (type < 0 || type != oci_ns_clone_flag(t)) {
			ns_close_fds(fds);
			return cell_err_msg(e, EINVAL,
					    "linux.namespaces: %s: %s is not a %s namespace",
					    oci_ns_name(t), path, oci_ns_name(t));
		}
	}
	return 0;
}

int ns_join(int fds[OCI_NS_COUNT], struct cell_err *e)
{
	static const enum oci_ns_type order[] = {
		OCI_NS_USER, OCI_NS_MOUNT, OCI_NS_NETWORK, OCI_NS_IPC,
		OCI_NS_UTS,  OCI_NS_CGROUP, OCI_NS_TIME,
	};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		enum oci_ns_type t = order[i];
		if (fds[t] < 0)
			continue;
		EXPLAIN("joins an existing namespace given by path in config.json",
			"setns(\"%s\", %s)", trace_fd_path(fds[t]),
			trace_clone_str((uint64_t)oci_ns_clone_flag(t)));
		if (setns(fds[t], oci_ns_clone_flag(t)) < 0)
			return cell_err_sys(e, errno, "join %s namespace",
					    oci_ns_name(t));
		if (t == OCI_NS_USER) {
			/* Be root of the joined namespace (its map must map 0). */
			if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
				return cell_err_sys(e, errno,
						    "become root in the joined user namespace");
		}
	}
	return 0;
}

int ns_enter_pid_for_children(int target_fd, int *saved, struct cell_err *e)
{
	*saved = -1;
	if (target_fd < 0)
		return 0;
	int fd = openat(AT_FDCWD, "/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open /proc/self/ns/pid");
	if (setns(target_fd, CLONE_NEWPID) < 0) {
		int err = errno;
		close(fd);
		return cell_err_sys(e, err, "join pid namespace");
	}
	*saved = fd;
	return 0;
}

int ns_leave_pid_for_children(int saved, struct cell_err *e)
{
	if (saved < 0)
		return 0;
	int r = setns(saved, CLONE_NEWPID);
	int err = errno;
	close(saved);
	if (r < 0)
		return cell_err_sys(e, err, "return to the runtime's pid namespace");
	return 0;
}

int ns_new_time(const struct oci_linux *l, struct cell_err *e)
{
	char buf[128];
	int n = 0;

	EXPLAIN("its own monotonic and boot clocks, offset from the host's",
		"unshare(CLONE_NEWTIME); write timens_offsets \"monotonic %lld, boottime %lld\"; setns(time_for_children)",
		(long long)l->time_monotonic.secs, (long long)l->time_boottime.secs);
	if (unshare(CLONE_NEWTIME) < 0)
		return cell_err_sys(e, errno, "unshare time namespace");
	if (l->time_monotonic.set)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "monotonic %lld %u\n",
			      (long long)l->time_monotonic.secs,
			      l->time_monotonic.nanosecs);
	if (l->time_boottime.set)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "boottime %lld %u\n",
			      (long long)l->time_boottime.secs,
			      l->time_boottime.nanosecs);
	if (n > 0) {
		_cleanup_close_ int fd =
		    openat(AT_FDCWD, "/proc/self/timens_offsets",
			   O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return cell_err_sys(e, errno, "open timens_offsets");
		if (write(fd, buf, (size_t)n) != n)
			return cell_err_sys(e, errno, "linux.timeOffsets: write");
	}
	_cleanup_close_ int fd = openat(
	    AT_FDCWD, "/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open time_for_children");
	if (setns(fd, CLONE_NEWTIME) < 0)
		return cell_err_sys(e, errno, "enter the new time namespace");
	return 0;
}

int ns_loopback_up(struct cell_err *e)
{
	_cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cell_err_sys(e, errno, "loopback: socket");
	struct ifreq ifr = { 0 };
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return cell_err_sys(e, errno, "loopback: get flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	EXPLAIN("a new network namespace has only a loopback, down: it comes up, nothing else exists",
		"ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP)");
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return cell_err_sys(e, errno, "loopback: set up");
	return 0;
}

int ns_set_hostname(const struct oci_config *c, struct cell_err *e)
{
	if (c->hostname)
		EXPLAIN("its own hostname, in its own UTS namespace",
			"sethostname(\"%s\")", c->hostname);
	if (c->domainname)
		EXPLAIN("its own domain name, in its own UTS namespace",
			"setdomainname(\"%s\")", c->domainname);
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return cell_err_sys(e, errno, "hostname %s", c->hostname);
	if (c->domainname &&
	    setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return cell_err_sys(e, errno, "domainname %s", c->domainname);
	return 0;
}

int ns_apply_sysctl(const struct oci_linux *l, struct cell_err *e)
{
	if (l->n_sysctl == 0)
		return 0;
	_cleanup_close_ int sys =
	    openat(AT_FDCWD, "/proc/sys",
		   O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (sys < 0)
		return cell_err_sys(e, errno, "linux.sysctl: open /proc/sys");
	struct statfs sfs;
	if (fstatfs(sys, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC)
		return cell_err_msg(e, EPERM,
				    "linux.sysctl: /proc/sys is not procfs");
	for (size_t i = 0; i < l->n_sysctl; i++) {
		const char *key = l->sysctl[i].key;
		char rel[512];
		size_t k = 0;
		/* "net.ipv4.ip_forward" -> "net/ipv4/ip_forward" */
		for (; key[k] && k < sizeof(rel) - 1; k++)
			rel[k] = key[k] == '.' ? '/' : key[k];
		rel[k] = '\0';
		if (strstr(rel, "..") || rel[0] == '/')
			return cell_err_msg(e, EINVAL, "linux.sysctl: bad key %s",
					    key);
		struct open_how how = {
			.flags = O_WRONLY | O_TRUNC | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
		};
		_cleanup_close_ int fd = sys_openat2(sys, rel, &how);
		if (fd < 0)
			return cell_err_sys(e, errno, "linux.sysctl: %s", key);
		const char *v = l->sysctl[i].value;
		EXPLAIN("a kernel setting that belongs to its own namespaces",
			"write /proc/sys/%s \"%s\"", rel, v);
		if (write(fd, v, strlen(v)) < 0)
			return cell_err_sys(e, errno, "linux.sysctl: %s = %s",
					    key, v);
	}
	return 0;
}

ino_t ns_inode(pid_t pid, const char *proc_name)
{
	char path[64];
	struct stat st;
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, proc_name);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", proc_name);
	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}
