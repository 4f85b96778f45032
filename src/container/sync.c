#include "container/sync.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/fd.h"

int sync_send(int sock, enum sync_type type, int32_t value, const char *text,
	      int fd, struct cell_err *e)
{
	struct sync_msg m = { .type = type, .value = value };
	size_t len = offsetof(struct sync_msg, text);
	if (text) {
		size_t n = strnlen(text, sizeof(m.text) - 1);
		memcpy(m.text, text, n);
		len += n + 1;
	}
	ssize_t n = fd_send(sock, &m, len, fd);
	return n < 0 ? cell_err_sys(e, (int)-n, "sync: send") : 0;
}

int sync_recv(int sock, struct sync_msg *m, int *fd, struct cell_err *e)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	ssize_t r;

	if (fd)
		*fd = -1;
	memset(m, 0, offsetof(struct sync_msg, text) + 1);
	do
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cell_err_sys(e, errno, "sync: receive");
	if (r == 0)
		return cell_err_msg(e, EPIPE,
				    "the container's init exited during setup");
	if ((size_t)r < offsetof(struct sync_msg, text))
		return cell_err_msg(e, EPROTO, "sync: short message");
	if ((size_t)r < sizeof(*m))
		((char *)m)[r] = '\0';
	m->text[sizeof(m->text) - 1] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int got;
			memcpy(&got, CMSG_DATA(c), sizeof(int));
			if (fd && *fd < 0)
				*fd = got;
			else
				close(got);
		}
	}
	return 0;
}

int sync_expect(int sock, enum sync_type type, struct sync_msg *m, int *fd,
		struct cell_err *e)
{
	int r = sync_recv(sock, m, fd, e);
	if (r < 0)
		return r;
	if (m->type == SYNC_ERROR)
		return cell_err_msg(e, m->value > 0 ? m->value : EIO, "%s",
				    m->text);
	if (m->type != (uint32_t)type)
		return cell_err_msg(e, EPROTO,
				    "sync: expected message %d, got %u", type,
				    m->type);
	return 0;
}

void sync_send_error(int sock, const struct cell_err *e)
{
	struct cell_err ignored;
	sync_send(sock, SYNC_ERROR, e->errnum, e->msg, -1, &ignored);
}
