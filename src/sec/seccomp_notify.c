/* Seccomp user notification: hand the listener fd to the agent at
 * linux.seccomp.listenerPath, as the runtime-spec describes: one message on
 * an AF_UNIX SOCK_STREAM connection carrying the containerProcessState JSON,
 * with the fd attached as SCM_RIGHTS. */
#include "sec/sec.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"

/* {"ociVersion", "fds": ["seccompFd"], "pid", "metadata", "state"} */
static int process_state_json(const char *state_json, const char *metadata,
			      pid_t pid, char **out, struct cell_err *e)
{
	json_error_t jerr;
	json_auto_t *state = json_loads(state_json, 0, &jerr);
	if (!json_is_object(state))
		return cell_err_msg(e, EINVAL, "state is not a JSON object: %s",
				    state ? "wrong type" : jerr.text);

	json_int_t p = pid;
	if (p <= 0) {
		json_t *sp = json_object_get(state, "pid");
		if (!json_is_integer(sp))
			return cell_err_msg(e, EINVAL, "state has no pid");
		p = json_integer_value(sp);
	}
	const char *version =
		json_string_value(json_object_get(state, "ociVersion"));

	json_auto_t *msg = json_pack(
		"{s:s, s:[s], s:I, s:O}", "ociVersion",
		version ? version : "1.0.2", "fds", "seccompFd", "pid", p,
		"state", state);
	if (!msg)
		return cell_err_sys(e, ENOMEM, "containerProcessState");
	if (metadata && *metadata &&
	    json_object_set_new(msg, "metadata", json_string(metadata)) < 0)
		return cell_err_msg(e, EINVAL,
				    "listenerMetadata is not valid UTF-8");
	*out = json_dumps(msg, JSON_COMPACT);
	if (!*out)
		return cell_err_sys(e, ENOMEM, "containerProcessState");
	return 0;
}

static int send_with_fd(int sock, const char *data, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));

	ssize_t n;
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	/* A stream socket may take the JSON in pieces; the fd went with the
	 * first. */
	for (size_t done = (size_t)n; done < len; done += (size_t)n) {
		n = send(sock, data + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n < 0)
			return -errno;
	}
	return 0;
}

int sec_seccomp_listener_connect(const char *listener_path,
				 struct cell_err *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(listener_path) >= sizeof(sa.sun_path))
		return cell_err_msg(e, ENAMETOOLONG,
				    "linux.seccomp.listenerPath: %s: path too "
				    "long for a unix socket",
				    listener_path);
	strcpy(sa.sun_path, listener_path);

	_cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return cell_err_sys(e, errno, "linux.seccomp.listenerPath: socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cell_err_sys(e, errno,
				    "linux.seccomp.listenerPath: connect %s",
				    listener_path);
	return steal_fd(&sock);
}

int sec_seccomp_send_notify_fd_on(int sock, int notify_fd,
				  const char *state_json, const char *metadata,
				  pid_t pid, struct cell_err *e)
{
	_cleanup_free_ char *msg = NULL;
	int r = process_state_json(state_json, metadata, pid, &msg, e);
	if (r < 0)
		return cell_err_wrap(e, "linux.seccomp.listenerPath");
	r = send_with_fd(sock, msg, strlen(msg), notify_fd);
	if (r < 0)
		return cell_err_sys(e, -r, "linux.seccomp.listenerPath: send");
	return 0;
}

int sec_seccomp_send_notify_fd(const char *listener_path, int notify_fd,
			       const char *state_json, const char *metadata,
			       pid_t pid, struct cell_err *e)
{
	_cleanup_close_ int sock = sec_seccomp_listener_connect(listener_path, e);
	if (sock < 0)
		return sock;
	return sec_seccomp_send_notify_fd_on(sock, notify_fd, state_json,
					     metadata, pid, e);
}
