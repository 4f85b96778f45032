#include "container/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fd.h"
#include "util/syscalls.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int bind_over_console(int slave, struct cell_err *e)
{
	struct open_how how = {
		.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS |
			   RESOLVE_NO_SYMLINKS,
	};
	_cleanup_close_ int target = sys_openat2(AT_FDCWD, "/dev/console", &how);
	if (target < 0) {
		if (errno == ENOENT)
			return 0; /* no /dev/console in this rootfs */
		return cell_err_sys(e, errno, "open /dev/console");
	}
	_cleanup_close_ int tree =
		sys_open_tree(slave, "", OPEN_TREE_CLONE | AT_EMPTY_PATH |
						 OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return cell_err_sys(e, errno, "clone the pty for /dev/console");
	if (sys_move_mount(tree, "", target, "",
			   MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cell_err_sys(e, errno, "bind the pty over /dev/console");
	return 0;
}

int console_open(const struct oci_process *p, bool bind_console,
		 int *master, int *slave, struct cell_err *e)
{
	/* /dev/pts is the devpts instance mounted for this container; going
	   through /dev/ptmx could follow whatever the rootfs put there. */
	_cleanup_close_ int m =
	    openat(AT_FDCWD, "/dev/pts/ptmx",
		   O_RDWR | O_NOCTTY | O_CLOEXEC | O_NOFOLLOW);
	if (m < 0)
		return cell_err_sys(e, errno, "console: open /dev/pts/ptmx");
	if (unlockpt(m) < 0)
		return cell_err_sys(e, errno, "console: unlockpt");
	_cleanup_close_ int s =
		ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return cell_err_sys(e, errno, "console: TIOCGPTPEER");
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		if (ioctl(s, TIOCSWINSZ, &ws) < 0)
			return cell_err_sys(e, errno, "console: set size");
	}
	if (bind_console) {
		int r = bind_over_console(s, e);
		if (r < 0)
			return r;
	}
	*master = steal_fd(&m);
	*slave = steal_fd(&s);
	return 0;
}

int console_attach(int slave, struct cell_err *e)
{
	if (setsid() < 0 && errno != EPERM)
		return cell_err_sys(e, errno, "console: setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return cell_err_sys(e, errno, "console: set controlling tty");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return cell_err_sys(e, errno, "console: dup2");
	return 0;
}

int console_send_fd(int sock, int fd, const char *name, struct cell_err *e)
{
	ssize_t n = fd_send(sock, name, strlen(name), fd);
	return n < 0 ? cell_err_sys(e, (int)-n, "console socket: send") : 0;
}

int console_connect(const char *path, struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return cell_err_msg(e, ENAMETOOLONG,
				    "--console-socket %s: path too long", path);
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cell_err_sys(e, errno, "--console-socket: socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;
		close(fd);
		return cell_err_sys(e, err, "--console-socket %s", path);
	}
	return fd;
}
