/* --net slirp: user-mode networking by slirp4netns, the rootless way to
 * give a container a network.
 *
 * slirp4netns runs in the caller's namespaces as the caller, joins the
 * init's user and network namespaces only to make tap0 there, and then
 * carries the container's packets through ordinary sockets of its own:
 * outgoing traffic is NAT'd to the caller's network namespace, published
 * ports are sockets it listens on (added through its API socket).
 * --disable-host-loopback keeps the container from reaching the caller's
 * 127.0.0.1 through the gateway 10.0.2.2.
 *
 * Lifetime.  slirp4netns is a grandchild (double fork): reparented away
 * from the runtime, never its zombie, in a session of its own so a
 * terminal's ^C does not reach it.  Three things end it:
 *   - delete: net_release() stops the process recorded in net.json -- by
 *     pid and start time, so a pid reused since is never signalled;
 *   - --exit-fd: it ends when the write end of a pipe closes.  Only the
 *     process that called net_setup holds that end (slirp_exit_fd): the
 *     container's init cannot (it was cloned before the pipe existed and
 *     closes whatever it inherits anyway).  The people's run calls
 *     net_setup in the process that waits for the init -- the foreground
 *     `cell run`, or the detached monitor -- so slirp4netns ends with the
 *     container even when nobody deletes it, or when that process is
 *     killed (the container then goes on without a network);
 *   - net_gc(): before each people's run, every slirp4netns recorded
 *     under the state root whose container's init is gone (a crashed
 *     container whose keeper somehow lives on) is stopped. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/slirp.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "util/syscalls.h"

#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))

#define SLIRP_READY_TIMEOUT_MS 10000
#define SLIRP_STOP_TIMEOUT_MS 2000

/* A process as recorded: a pid alone may name another process later. */
struct proc_id {
	pid_t pid;
	unsigned long long start; /* /proc/<pid>/stat field 22, clock ticks */
};

/* The start time, state and name of `pid` (state, comm may be NULL);
 * -ESRCH when there is none. */
static int proc_stat(pid_t pid, unsigned long long *start, char *state,
		     char comm[16])
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	int err = errno;
	close(fd);
	if (n < 0)
		return err == ESRCH ? -ESRCH : -err;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the
	   last ')'.  Field 3 is the state, field 22 the start time. */
	char *p = strrchr(buf, ')'), *open_paren = strchr(buf, '(');
	if (!p || !open_paren || open_paren > p || p[1] != ' ' || !p[2])
		return -EINVAL;
	if (comm)
		snprintf(comm, 16, "%.*s", (int)(p - open_paren - 1), open_paren + 1);
	p += 2;
	if (state)
		*state = *p;
	for (int field = 3; field < 22; field++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	char *end;
	errno = 0;
	*start = strtoull(p, &end, 10);
	return errno || end == p ? -EINVAL : 0;
}

/* A pidfd for `id` if it is still that process (and named `comm`, when
 * not NULL) and not a zombie, else -1.  The pidfd is taken first, then
 * the start time checked: a match proves the pidfd names the recorded
 * process. */
static int proc_open(const struct proc_id *id, const char *comm)
{
	if (id->pid <= 0)
		return -1;
	int fd = sys_pidfd_open(id->pid, 0);
	if (fd < 0)
		return -1;
	unsigned long long start;
	char state, name[16];
	if (proc_stat(id->pid, &start, &state, name) < 0 || start != id->start ||
	    state == 'Z' || state == 'X' || (comm && strcmp(name, comm))) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool proc_alive(const struct proc_id *id)
{
	int fd = proc_open(id, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool pidfd_wait(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int n;
	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	return n > 0;
}

/* SIGTERM, then SIGKILL: slirp4netns has nothing to flush.  Only a
 * process named slirp4netns: a record is a file, and files can lie. */
static void slirp_stop(const struct proc_id *id)
{
	_cleanup_close_ int fd = proc_open(id, "slirp4netns");
	if (fd < 0)
		return;
	sys_pidfd_send_signal(fd, SIGTERM, NULL, 0);
	if (pidfd_wait(fd, SLIRP_STOP_TIMEOUT_MS))
		return;
	sys_pidfd_send_signal(fd, SIGKILL, NULL, 0);
	pidfd_wait(fd, SLIRP_STOP_TIMEOUT_MS);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

struct spawn_fds {
	int ready_w; /* --ready-fd 3 */
	int exit_r;  /* --exit-fd 4 */
	int log;     /* stdout, stderr */
	int dir;     /* the state dir at fd 5 (long paths), or -1 */
	int report;  /* to the runtime: struct proc_id, then errno on failure */
};

/* The grandchild: its own session, default signals, fds 0-4, exec. */
__attribute__((noreturn)) static void slirp_exec(char *const argv[],
						 struct spawn_fds f)
{
	int err;
	setsid();
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* ignored signals stay ignored across exec (the monitor ignores
	   SIGHUP): not for slirp4netns, which SIGTERM must end */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);

	/* Out of 0-4 first, so that no dup2 below clobbers another. */
	int report = fcntl(f.report, F_DUPFD_CLOEXEC, 10);
	int ready = fcntl(f.ready_w, F_DUPFD, 10);
	int ex = fcntl(f.exit_r, F_DUPFD, 10);
	int log = fcntl(f.log, F_DUPFD, 10);
	int dir = f.dir >= 0 ? fcntl(f.dir, F_DUPFD, 10) : -1;
	if (report < 0)
		_exit(127);
	struct proc_id me = { .pid = getpid() };
	if (proc_stat(me.pid, &me.start, NULL, NULL) < 0 ||
	    write_all(report, &me, sizeof(me)) < 0)
		_exit(127);
	int null = openat(AT_FDCWD, "/dev/null", O_RDONLY);
	if (ready < 0 || ex < 0 || log < 0 || null < 0 || dup2(null, 0) < 0 ||
	    dup2(log, 1) < 0 || dup2(log, 2) < 0 || dup2(ready, 3) < 0 ||
	    dup2(ex, 4) < 0 || (f.dir >= 0 && (dir < 0 || dup2(dir, 5) < 0)))
		goto fail;
	/* Nothing else of the runtime's (the init's sync socket, the state
	   dir, the exit pipe's write end) may live on in slirp4netns; the
	   report pipe closes at exec, which says "started". */
	sys_close_range(f.dir >= 0 ? 6 : 5, ~0U, CLOSE_RANGE_CLOEXEC);
	execvp(argv[0], argv);
fail:
	err = errno;
	write_all(report, &err, sizeof(err));
	_exit(127);
}

/* Fork twice; *me is slirp4netns.  An exec failure is reported here. */
static int slirp_spawn(char *const argv[], struct spawn_fds f,
		       struct proc_id *me, struct cell_err *e)
{
	int rep[2];
	if (pipe2(rep, O_CLOEXEC) < 0)
		return cell_err_sys(e, errno, "pipe");
	f.report = rep[1];
	fflush(NULL);
	pid_t mid = fork();
	if (mid < 0) {
		int err = errno;
		close(rep[0]);
		close(rep[1]);
		return cell_err_sys(e, err, "fork");
	}
	if (mid == 0) {
		close(rep[0]);
		pid_t g = fork();
		if (g == 0)
			slirp_exec(argv, f);
		_exit(g < 0 ? 1 : 0);
	}
	close(rep[1]);
	/* ECHILD: someone reaped it for us; the report says the rest */
	while (waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	_cleanup_close_ int rfd = rep[0];
	if (read_all(rfd, me, sizeof(*me)) != (ssize_t)sizeof(*me))
		return cell_err_msg(e, ECHILD, "slirp4netns: the process did not start");
	int err;
	ssize_t n = read_all(rfd, &err, sizeof(err));
	if (n == (ssize_t)sizeof(err)) {
		if (err == ENOENT)
			return cell_err_msg(e, ENOENT,
					    "slirp4netns not found in PATH: --net slirp needs it "
					    "(Debian: apt-get install slirp4netns)");
		return cell_err_sys(e, err, "exec slirp4netns");
	}
	return 0;
}

/* The last lines slirp4netns wrote, on one line: why it stopped. */
static void log_tail(int state_dirfd, char *out, size_t size)
{
	_cleanup_free_ char *buf = NULL;
	struct cell_err ign;
	out[0] = '\0';
	if (file_read_at(state_dirfd, NET_SLIRP_LOG, 1u << 20, &buf, NULL, &ign) < 0)
		return;
	char *lines[3] = { 0 };
	size_t n = 0;
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (*l) {
			if (n == ARRAY_SIZE(lines)) {
				memmove(lines, lines + 1, sizeof(lines) - sizeof(lines[0]));
				n--;
			}
			lines[n++] = l;
		}
	size_t len = 0;
	for (size_t i = 0; i < n && len < size; i++) {
		int w = snprintf(out + len, size - len, "%s%s", i ? "; " : "", lines[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

/* Until slirp4netns writes to its ready fd; EOF first means it died. */
static int slirp_wait_ready(int ready_r, int state_dirfd, struct cell_err *e)
{
	struct pollfd p = { .fd = ready_r, .events = POLLIN };
	int n;
	while ((n = poll(&p, 1, SLIRP_READY_TIMEOUT_MS)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return cell_err_msg(e, ETIMEDOUT, "slirp4netns: not ready after %d s",
				    SLIRP_READY_TIMEOUT_MS / 1000);
	char c;
	ssize_t got;
	while ((got = read(ready_r, &c, 1)) < 0 && errno == EINTR)
		;
	if (got == 1)
		return 0;
	char why[256];
	log_tail(state_dirfd, why, sizeof(why));
	return cell_err_msg(e, ECHILD, "slirp4netns exited before it was ready%s%s",
			    why[0] ? ": " : "", why);
}

/* One request on a connection of its own, as the API wants. */
static int slirp_api(int state_dirfd, json_t *req, json_t **reply,
		     struct cell_err *e)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "/proc/self/fd/%d/%s",
		 state_dirfd, NET_SLIRP_SOCKET);
	_cleanup_free_ char *text = json_dumps(req, JSON_COMPACT);
	if (!text)
		return cell_err_sys(e, ENOMEM, "slirp4netns API");
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cell_err_sys(e, errno, "socket");
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return cell_err_sys(e, errno, "connect to the slirp4netns API socket");
	/* send, not write: a slirp4netns that went away must not SIGPIPE
	   the runtime */
	if (send(s, text, strlen(text), MSG_NOSIGNAL) != (ssize_t)strlen(text))
		return cell_err_sys(e, errno ? errno : EIO, "slirp4netns API: send");
	shutdown(s, SHUT_WR);
	char buf[4096];
	ssize_t n = read_all(s, buf, sizeof(buf) - 1);
	if (n <= 0)
		return cell_err_msg(e, EPROTO, "slirp4netns API: no reply");
	buf[n] = '\0';
	json_error_t je;
	if (!(*reply = json_loads(buf, 0, &je)))
		return cell_err_msg(e, EPROTO, "slirp4netns API: bad reply: %s", buf);
	return 0;
}

static int slirp_publish(int state_dirfd, const struct net_publish *p,
			 struct cell_err *e)
{
	char ip[INET_ADDRSTRLEN] = "127.0.0.1";
	if (p->host_ip.s_addr != htonl(INADDR_ANY))
		inet_ntop(AF_INET, &p->host_ip, ip, sizeof(ip));
	const char *proto = p->proto == IPPROTO_UDP ? "udp" : "tcp";
	_cleanup_json_ json_t *req = json_pack(
		"{s:s, s:{s:s, s:s, s:i, s:i}}", "execute", "add_hostfwd",
		"arguments", "proto", proto, "host_addr", ip, "host_port",
		(int)p->host_port, "guest_port", (int)p->ctr_port);
	_cleanup_json_ json_t *reply = NULL;
	if (!req)
		return cell_err_sys(e, ENOMEM, "publish");
	int r = slirp_api(state_dirfd, req, &reply, e);
	if (r == 0) {
		json_t *err = json_object_get(reply, "error");
		if (err || !json_object_get(reply, "return")) {
			const char *desc = json_string_value(json_object_get(err, "desc"));
			r = cell_err_msg(e, EADDRINUSE, "%s", desc ? desc : "refused");
		}
	}
	return r < 0 ? cell_err_wrap(e, "publish %s:%u -> %u/%s", ip,
				     p->host_port, p->ctr_port, proto) : 0;
}

static void record_proc(json_t *st, const char *key, const struct proc_id *id)
{
	json_object_set_new(st, key, json_pack("{s:i, s:I}", "pid", (int)id->pid,
					       "start", (json_int_t)id->start));
}

static bool load_proc(json_t *st, const char *key, struct proc_id *id)
{
	json_t *o = json_object_get(st, key);
	json_t *pid = json_object_get(o, "pid"), *start = json_object_get(o, "start");
	if (!json_is_integer(pid) || !json_is_integer(start) ||
	    json_integer_value(pid) <= 0 || json_integer_value(pid) > INT_MAX)
		return false;
	id->pid = (pid_t)json_integer_value(pid);
	id->start = (unsigned long long)json_integer_value(start);
	return true;
}

int slirp_setup(const struct net_opts *o, const char *state_dir, pid_t pid,
		int state_dirfd, json_t *st, struct net_result *out,
		struct cell_err *e)
{
	struct proc_id target = { .pid = pid };
	int r = proc_stat(pid, &target.start, NULL, NULL);
	if (r < 0)
		return cell_err_sys(e, -r, "the container's init %d", (int)pid);

	char real[PATH_MAX], sock[PATH_MAX], pidstr[16];
	struct sockaddr_un a;
	int n = snprintf(real, sizeof(real), "%s/%s", state_dir, NET_SLIRP_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(real))
		return cell_err_msg(e, ENAMETOOLONG, "state dir %s", state_dir);
	bool long_path = (size_t)n >= sizeof(a.sun_path);
	snprintf(sock, sizeof(sock), "%s", real);
	if (long_path)
		/* too long for sun_path: slirp4netns binds it through its
		   own copy of the state dir, at fd 5 */
		snprintf(sock, sizeof(sock), "/proc/self/fd/5/%s", NET_SLIRP_SOCKET);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	char *const argv[] = {
		"slirp4netns", "--configure", "--mtu=65520",
		"--disable-host-loopback", "--api-socket", sock,
		"--ready-fd", "3", "--exit-fd", "4", pidstr, NET_SLIRP_IFNAME,
		NULL,
	};
	/* A socket left by an earlier run of the same id: bind would fail. */
	unlinkat(state_dirfd, NET_SLIRP_SOCKET, 0);

	_cleanup_close_ int log = openat(state_dirfd, NET_SLIRP_LOG,
					 O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
					 0600);
	if (log < 0)
		return cell_err_sys(e, errno, "open %s", NET_SLIRP_LOG);
	int ready[2], ex[2];
	if (pipe2(ready, O_CLOEXEC) < 0)
		return cell_err_sys(e, errno, "pipe");
	if (pipe2(ex, O_CLOEXEC) < 0) {
		int err = errno;
		close(ready[0]);
		close(ready[1]);
		return cell_err_sys(e, err, "pipe");
	}
	_cleanup_close_ int ready_r = ready[0], ex_w = ex[1];
	struct spawn_fds f = { .ready_w = ready[1], .exit_r = ex[0], .log = log,
			       .dir = long_path ? state_dirfd : -1 };
	struct proc_id slirp;
	r = slirp_spawn(argv, f, &slirp, e);
	close(ready[1]);
	close(ex[0]);
	if (r < 0)
		return r;

	/* Recorded before waiting: from here a failure leaves a process
	   that net_release (the caller's delete) must stop. */
	json_object_set_new(st, "api_socket", json_string(real));
	record_proc(st, "slirp4netns", &slirp);
	record_proc(st, "init", &target);
	if ((r = net_state_save(state_dirfd, st, e)) < 0 ||
	    (r = slirp_wait_ready(ready_r, state_dirfd, e)) < 0)
		return r;
	for (size_t i = 0; i < o->n_publish; i++)
		if ((r = slirp_publish(state_dirfd, &o->publish[i], e)) < 0)
			return r;

	snprintf(out->ip, sizeof(out->ip), "%s", NET_SLIRP_IP);
	snprintf(out->gateway, sizeof(out->gateway), "%s", NET_SLIRP_GATEWAY);
	out->prefix_len = 24;
	out->slirp_exit_fd = steal_fd(&ex_w);
	return 0;
}

int slirp_release(json_t *st, int state_dirfd, struct cell_err *e)
{
	struct proc_id slirp;
	if (!load_proc(st, "slirp4netns", &slirp))
		return 0;
	slirp_stop(&slirp);
	if (unlinkat(state_dirfd, NET_SLIRP_SOCKET, 0) < 0 && errno != ENOENT)
		return cell_err_sys(e, errno, "remove %s", NET_SLIRP_SOCKET);
	return 0;
}

/* One container's record: stop its slirp4netns if its init is gone. */
static void gc_one(int rootfd, const char *id)
{
	_cleanup_close_ int dirfd =
		openat(rootfd, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return;
	_cleanup_free_ char *buf = NULL;
	struct cell_err ign;
	if (file_read_at(dirfd, NET_STATE_FILE, 1u << 20, &buf, NULL, &ign) < 0)
		return;
	_cleanup_json_ json_t *st = json_loads(buf, 0, NULL);
	struct proc_id slirp, init;
	if (!st || !load_proc(st, "slirp4netns", &slirp) ||
	    !load_proc(st, "init", &init) || proc_alive(&init))
		return;
	slirp_stop(&slirp);
}

int slirp_gc(int rootfd, struct cell_err *e)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "open the state root");
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cell_err_sys(e, errno, "open the state root");
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			gc_one(rootfd, de->d_name);
	return 0;
}
