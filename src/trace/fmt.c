/* Words for explanations: flag names and what each namespace keeps to the
 * container.  Pure functions, so the unit tests can hold them to it. */
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/syscalls.h"

struct flag_words {
	uint64_t flag;
	const char *name;
	const char *keeps; /* what a new namespace of this kind gives it */
};

static const struct flag_words clone_words[] = {
	{ CLONE_NEWUSER, "CLONE_NEWUSER", "its own uids and capabilities (root inside is not root outside)" },
	{ CLONE_NEWPID, "CLONE_NEWPID", "its own pid numbers (it sees no host process)" },
	{ CLONE_NEWNS, "CLONE_NEWNS", "its own mount table" },
	{ CLONE_NEWNET, "CLONE_NEWNET", "its own network stack" },
	{ CLONE_NEWIPC, "CLONE_NEWIPC", "its own System V IPC and message queues" },
	{ CLONE_NEWUTS, "CLONE_NEWUTS", "its own hostname" },
	{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP", "its own cgroup root (the host's tree stays hidden)" },
	{ CLONE_NEWTIME, "CLONE_NEWTIME", "its own monotonic and boot clocks" },
	{ CLONE_PIDFD, "CLONE_PIDFD", NULL },
	{ CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP", NULL },
};

static size_t append(char *buf, size_t len, size_t off, const char *sep,
		     const char *word)
{
	int w = snprintf(buf + (off < len ? off : len),
			 off < len ? len - off : 0, "%s%s", off ? sep : "",
			 word);
	return off + (w > 0 ? (size_t)w : 0);
}

size_t trace_fmt_clone_flags(uint64_t flags, char *buf, size_t len)
{
	size_t off = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(clone_words); i++)
		if (flags & clone_words[i].flag)
			off = append(buf, len, off, "|", clone_words[i].name);
	if (!off)
		off = append(buf, len, off, "", "0");
	return off;
}

size_t trace_fmt_ns_purpose(uint64_t flags, char *buf, size_t len)
{
	size_t off = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(clone_words); i++)
		if ((flags & clone_words[i].flag) && clone_words[i].keeps)
			off = append(buf, len, off, "; ", clone_words[i].keeps);
	return off;
}

size_t trace_fmt_caps(uint64_t mask, const char *(*name)(int cap), char *buf,
		      size_t len)
{
	size_t off = 0;
	if (len)
		buf[0] = '\0';
	for (int cap = 0; cap < 64; cap++) {
		if (!(mask & (UINT64_C(1) << cap)))
			continue;
		char num[16];
		const char *n = name ? name(cap) : NULL;
		if (!n) {
			snprintf(num, sizeof(num), "CAP_%d", cap);
			n = num;
		}
		off = append(buf, len, off, ",", n);
	}
	if (!off)
		off = append(buf, len, off, "", "none");
	return off;
}

static char *scratch(void)
{
	static char bufs[4][1024];
	static unsigned int next;
	return bufs[next++ % 4];
}

const char *trace_clone_str(uint64_t flags)
{
	char *b = scratch();
	trace_fmt_clone_flags(flags, b, 1024);
	return b;
}

const char *trace_ns_why(uint64_t flags)
{
	char *b = scratch();
	int n = snprintf(b, 1024, "new namespaces: ");
	trace_fmt_ns_purpose(flags, b + n, 1024 - (size_t)n);
	return b;
}

const char *trace_caps_str(uint64_t mask, const char *(*name)(int cap))
{
	char *b = scratch();
	trace_fmt_caps(mask, name, b, 1024);
	return b;
}

const char *trace_fd_path(int fd)
{
	char *b = scratch();
	char link[32];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, b, 1023);
	if (n < 0)
		snprintf(b, 1024, "fd %d", fd);
	else
		b[n] = '\0';
	return b;
}

static const struct flag_words ms_words[] = {
	{ MS_RDONLY, "MS_RDONLY", NULL },	{ MS_NOSUID, "MS_NOSUID", NULL },
	{ MS_NODEV, "MS_NODEV", NULL },		{ MS_NOEXEC, "MS_NOEXEC", NULL },
	{ MS_BIND, "MS_BIND", NULL },		{ MS_MOVE, "MS_MOVE", NULL },
	{ MS_REC, "MS_REC", NULL },		{ MS_PRIVATE, "MS_PRIVATE", NULL },
	{ MS_SLAVE, "MS_SLAVE", NULL },		{ MS_SHARED, "MS_SHARED", NULL },
	{ MS_UNBINDABLE, "MS_UNBINDABLE", NULL },
};

static const struct flag_words attr_words[] = {
	{ MOUNT_ATTR_RDONLY, "MOUNT_ATTR_RDONLY", NULL },
	{ MOUNT_ATTR_NOSUID, "MOUNT_ATTR_NOSUID", NULL },
	{ MOUNT_ATTR_NODEV, "MOUNT_ATTR_NODEV", NULL },
	{ MOUNT_ATTR_NOEXEC, "MOUNT_ATTR_NOEXEC", NULL },
	{ MOUNT_ATTR_NOATIME, "MOUNT_ATTR_NOATIME", NULL },
	{ MOUNT_ATTR_STRICTATIME, "MOUNT_ATTR_STRICTATIME", NULL },
	{ MOUNT_ATTR_NODIRATIME, "MOUNT_ATTR_NODIRATIME", NULL },
	{ MOUNT_ATTR_IDMAP, "MOUNT_ATTR_IDMAP", NULL },
};

static const char *words_str(const struct flag_words *w, size_t n,
			     uint64_t flags)
{
	char *b = scratch();
	size_t off = 0;
	b[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((flags & w[i].flag) == w[i].flag)
			off = append(b, 1024, off, "|", w[i].name);
	if (!off)
		append(b, 1024, off, "", "0");
	return b;
}

const char *trace_ms_str(unsigned long flags)
{
	return words_str(ms_words, ARRAY_SIZE(ms_words), flags);
}

const char *trace_attr_str(uint64_t attrs)
{
	return words_str(attr_words, ARRAY_SIZE(attr_words), attrs);
}
