#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

int file_read_at(int dirfd, const char *path, size_t max, char **out,
		 size_t *len, struct cell_err *e)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s", path);
	return file_read_fd(fd, path, max, out, len, e);
}

int file_read_regular(const char *path, size_t max, char **out, size_t *len,
		      struct cell_err *e)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	_cleanup_close_ int fd =
	    openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return cell_err_sys(e, errno, "stat %s", path);
	if (!S_ISREG(st.st_mode))
		return cell_err_msg(e, EINVAL, "%s is not a regular file", path);
	return file_read_fd(fd, path, max, out, len, e);
}

int file_read_fd(int fd, const char *path, size_t max, char **out,
		 size_t *len, struct cell_err *e)
{
	if (max == 0)
		max = 64u << 20;

	size_t cap = 4096, n = 0;
	_cleanup_free_ char *buf = malloc(cap);
	if (!buf)
		return cell_err_sys(e, ENOMEM, "read %s", path);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= max + 1)
				return cell_err_msg(e, EFBIG,
						    "read %s: larger than %zu bytes",
						    path, max);
			size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb)
				return cell_err_sys(e, ENOMEM, "read %s", path);
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cell_err_sys(e, errno, "read %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_ptr(&buf);
	return 0;
}

int file_write_at(int dirfd, const char *path, const char *data,
		  struct cell_err *e)
{
	_cleanup_close_ int fd =
		openat(dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open %s", path);
	size_t len = strlen(data);
	ssize_t w = write(fd, data, len);
	if (w < 0)
		return cell_err_sys(e, errno, "write %s to %s", data, path);
	if ((size_t)w != len)
		return cell_err_msg(e, EIO, "write %s to %s: short write", data,
				    path);
	return 0;
}

int file_replace_at(int dirfd, const char *path, const char *data,
		    size_t len, mode_t mode, struct cell_err *e)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return cell_err_msg(e, ENAMETOOLONG, "%s: path too long", path);
	_cleanup_close_ int fd = openat(
		dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return cell_err_sys(e, errno, "create %s", tmp);
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			unlinkat(dirfd, tmp, 0);
			return cell_err_sys(e, err, "write %s", tmp);
		}
		off += (size_t)w;
	}
	if (renameat(dirfd, tmp, dirfd, path) < 0) {
		int err = errno;
		unlinkat(dirfd, tmp, 0);
		return cell_err_sys(e, err, "rename %s", tmp);
	}
	return 0;
}

int file_mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *buf = strdup(path);
	if (!buf)
		return -ENOMEM;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
