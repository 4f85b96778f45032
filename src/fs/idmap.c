/* idmapped mounts need a user namespace that carries the mount's mappings.
 * There is no way to make one without a process in it: fork a child into a
 * new user namespace, write its maps from here, keep a handle on
 * /proc/<child>/ns/user, and let the child go. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/file.h"

static int write_map(pid_t pid, const char *file, const struct oci_idmap *v,
		     size_t n, struct cell_err *e)
{
	/* The kernel takes at most 340 lines of "u32 u32 u32\n". */
	if (n == 0 || n > 340)
		return cell_err_msg(e, EINVAL,
				    "idmapped mount needs 1 to 340 %s entries, got %zu",
				    file, n);
	size_t cap = n * 36 + 1;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return cell_err_sys(e, ENOMEM, "write %s", file);
	size_t off = 0;
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%u %u %u\n",
					v[i].container_id, v[i].host_id,
					v[i].size);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return file_write_at(AT_FDCWD, path, buf, e);
}

int fs_idmap_userns_fd(const struct oci_mount *m, struct cell_err *e)
{
	int sync[2];
	if (pipe2(sync, O_CLOEXEC) < 0)
		return cell_err_sys(e, errno, "pipe");

	struct cell_clone_args args = {
		.flags = CLONE_NEWUSER,
		.exit_signal = SIGCHLD,
	};
	pid_t pid = sys_clone3(&args);
	if (pid < 0) {
		int err = errno;
		close(sync[0]);
		close(sync[1]);
		return cell_err_sys(e, err, "clone a user namespace for idmap");
	}
	if (pid == 0) {
		/* Child: hold the namespace until the parent closes its end. */
		char c;
		close(sync[1]);
		while (read(sync[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(sync[0]);

	int fd = -1;
	int r = write_map(pid, "uid_map", m->uid_mappings, m->n_uid_mappings, e);
	if (r == 0)
		r = write_map(pid, "gid_map", m->gid_mappings,
			      m->n_gid_mappings, e);
	if (r == 0) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = cell_err_sys(e, errno, "open %s", path);
	}
	close(sync[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0)
		return cell_err_wrap(e, "idmapped mount at %s", m->destination);
	return fd;
}
