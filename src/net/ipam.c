/* The lease file is "ADDRESS OWNER" lines.  Every reader and writer holds
 * an exclusive flock on a separate lock file, and the lease file is
 * replaced by rename: the lock never rides on an inode that a rename
 * swaps away, and a crash mid-write leaves the old file whole. */
#include "net/ipam.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/file.h"

int ipam_parse_subnet(const char *cidr, struct ipam_subnet *out,
		      struct cell_err *e)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(cidr, '/');
	if (!slash || (size_t)(slash - cidr) >= INET_ADDRSTRLEN)
		return cell_err_msg(e, EINVAL, "subnet \"%s\": want A.B.C.D/N",
				    cidr);
	memcpy(buf, cidr, (size_t)(slash - cidr));
	buf[slash - cidr] = '\0';
	char *end;
	errno = 0;
	unsigned long n = strtoul(slash + 1, &end, 10);
	if (inet_pton(AF_INET, buf, &out->net) != 1 || errno || *end ||
	    end == slash + 1)
		return cell_err_msg(e, EINVAL, "subnet \"%s\": want A.B.C.D/N",
				    cidr);
	if (n < 8 || n > 30)
		return cell_err_msg(e, EINVAL,
				    "subnet \"%s\": prefix length must be 8 to 30",
				    cidr);
	out->prefix_len = (unsigned)n;
	uint32_t mask = ~0u << (32 - n);
	out->net.s_addr &= htonl(mask);
	return 0;
}

struct in_addr ipam_gateway(const struct ipam_subnet *s)
{
	return (struct in_addr){ .s_addr = htonl(ntohl(s->net.s_addr) + 1) };
}

struct lease {
	struct in_addr addr;
	char *owner;
};

struct leases {
	struct lease *v;
	size_t n;
};

static void leases_free(struct leases *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].owner);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int leases_push(struct leases *l, struct in_addr a, const char *owner)
{
	struct lease *nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	l->v = nv;
	char *o = strdup(owner);
	if (!o)
		return -ENOMEM;
	l->v[l->n++] = (struct lease){ .addr = a, .owner = o };
	return 0;
}

/* Open (creating) DIR and take DIR/BRIDGE.lock; returns the directory fd
 * and the lock fd. */
static int ipam_lock(const char *dir, const char *bridge, int *dirfd,
		     int *lockfd, struct cell_err *e)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return cell_err_sys(e, errno, "create %s", dir);
	_cleanup_close_ int d =
	    openat(AT_FDCWD, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (d < 0)
		return cell_err_sys(e, errno, "open %s", dir);
	char name[PATH_MAX];
	snprintf(name, sizeof(name), "%s.lock", bridge);
	_cleanup_close_ int l =
		openat(d, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (l < 0)
		return cell_err_sys(e, errno, "open %s/%s", dir, name);
	while (flock(l, LOCK_EX) < 0)
		if (errno != EINTR)
			return cell_err_sys(e, errno, "lock %s/%s", dir, name);
	*dirfd = steal_fd(&d);
	*lockfd = steal_fd(&l);
	return 0;
}

static int leases_read(int dirfd, const char *bridge, struct leases *l,
		       struct cell_err *e)
{
	char name[PATH_MAX];
	snprintf(name, sizeof(name), "%s.leases", bridge);
	_cleanup_free_ char *buf = NULL;
	struct cell_err ign;
	int r = file_read_at(dirfd, name, 16u << 20, &buf, NULL, &ign);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		*e = ign;
		return r;
	}
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		struct in_addr a;
		if (!sp)
			continue;
		*sp = '\0';
		if (inet_pton(AF_INET, line, &a) != 1 || !sp[1])
			continue; /* not ours: skip rather than fail every run */
		if (leases_push(l, a, sp + 1) < 0)
			return cell_err_sys(e, ENOMEM, "read leases");
	}
	return 0;
}

static int leases_write(int dirfd, const char *bridge, const struct leases *l,
			struct cell_err *e)
{
	char name[PATH_MAX];
	snprintf(name, sizeof(name), "%s.leases", bridge);
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&out, &len);
	if (!f)
		return cell_err_sys(e, errno, "write leases");
	for (size_t i = 0; i < l->n; i++) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &l->v[i].addr, a, sizeof(a));
		fprintf(f, "%s %s\n", a, l->v[i].owner);
	}
	if (fclose(f) != 0) {
		f = NULL;
		return cell_err_sys(e, errno, "write leases");
	}
	f = NULL;
	return file_replace_at(dirfd, name, out ? out : "", len, 0600, e);
}

int ipam_lease(const char *dir, const char *bridge,
	       const struct ipam_subnet *s, const char *owner,
	       struct in_addr *out, struct cell_err *e)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	int r = ipam_lock(dir, bridge, &dirfd, &lockfd, e);
	if (r < 0)
		return r;
	struct leases l = { 0 };
	if ((r = leases_read(dirfd, bridge, &l, e)) < 0)
		goto out;

	uint32_t first = ntohl(s->net.s_addr) + 2; /* .1 is the gateway */
	uint32_t last = ntohl(s->net.s_addr) + (1u << (32 - s->prefix_len)) - 2;
	uint32_t pick = 0;
	for (uint32_t h = first; h <= last && !pick; h++) {
		bool used = false;
		for (size_t i = 0; i < l.n && !used; i++)
			used = ntohl(l.v[i].addr.s_addr) == h;
		if (!used)
			pick = h;
	}
	if (!pick) {
		char a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &s->net, a, sizeof(a));
		r = cell_err_msg(e, ENOSPC, "no free address left in %s/%u",
				 a, s->prefix_len);
		goto out;
	}
	out->s_addr = htonl(pick);
	if ((r = leases_push(&l, *out, owner)) < 0) {
		r = cell_err_sys(e, -r, "lease");
		goto out;
	}
	r = leases_write(dirfd, bridge, &l, e);
out:
	leases_free(&l);
	return r;
}

int ipam_sweep(const char *dir, const char *bridge,
	       bool (*alive)(const char *owner, void *data),
	       void (*gone)(const char *owner, void *data), void *data,
	       struct cell_err *e)
{
	_cleanup_close_ int dirfd = -1, lockfd = -1;
	int r = ipam_lock(dir, bridge, &dirfd, &lockfd, e);
	if (r < 0)
		return r;
	struct leases l = { 0 };
	if ((r = leases_read(dirfd, bridge, &l, e)) < 0)
		goto out;
	size_t kept = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (alive(l.v[i].owner, data)) {
			l.v[kept++] = l.v[i];
			continue;
		}
		if (gone)
			gone(l.v[i].owner, data);
		free(l.v[i].owner);
	}
	if (kept != l.n) {
		l.n = kept;
		r = leases_write(dirfd, bridge, &l, e);
	}
out:
	leases_free(&l);
	return r;
}

static bool not_owner(const char *owner, void *data)
{
	return strcmp(owner, data) != 0;
}

int ipam_release(const char *dir, const char *bridge, const char *owner,
		 struct cell_err *e)
{
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return 0;
	return ipam_sweep(dir, bridge, not_owner, NULL, (void *)owner, e);
}
