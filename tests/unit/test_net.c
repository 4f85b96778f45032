/* net: the real kernel, never the host's network.  main() moves the whole
 * test into a fresh network namespace (unshare(CLONE_NEWNET)) before any
 * test runs: the bridges, veths, addresses and nftables rules made here
 * live and die with it.  "Containers" are forked children that unshare a
 * network namespace of their own.  Files go under a mkdtemp state root,
 * removed in teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net/ipam.h"
#include "net/net.h"
#include "net/netlink.h"
#include "util/file.h"

#define BRIDGE "tcell0"
#define SUBNET "10.123.0.0/24"
#define GATEWAY "10.123.0.1"
#define OUTSIDE "192.0.2.1" /* on the test namespace's lo: reached by route */

struct fx {
	char root[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/cell-net-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	*state = f;
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(p);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static int state_dir(struct fx *f, const char *id)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", f->root, id);
	assert_int_equal(mkdir(p, 0700), 0);
	int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void remove_state_dir(struct fx *f, const char *id)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", f->root, id);
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *run_out(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	static char buf[16384];
	size_t n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static char *nft_table(void)
{
	return run_out("/usr/sbin/nft list table ip cell 2>/dev/null");
}

static char *leases(struct fx *f)
{
	static char *buf;
	char p[128];
	struct cell_err e;
	free(buf);
	buf = NULL;
	snprintf(p, sizeof(p), "%s/.net/" BRIDGE ".leases", f->root);
	if (file_read_at(AT_FDCWD, p, 0, &buf, NULL, &e) < 0)
		buf = strdup("");
	return buf;
}

/* ---- the strings ---- */

static void test_parse(void **state)
{
	(void)state;
	struct cell_err e;
	enum net_mode m;
	const char *path;
	assert_int_equal(net_mode_parse(NULL, &m, &path, &e), 0);
	assert_int_equal(m, NET_MODE_BRIDGE);
	assert_int_equal(net_mode_parse("none", &m, &path, &e), 0);
	assert_int_equal(m, NET_MODE_NONE);
	assert_int_equal(net_mode_parse("host", &m, &path, &e), 0);
	assert_int_equal(m, NET_MODE_HOST);
	assert_int_equal(net_mode_parse("ns:/run/netns/x", &m, &path, &e), 0);
	assert_int_equal(m, NET_MODE_NS);
	assert_string_equal(path, "/run/netns/x");
	assert_int_equal(net_mode_parse("ns:", &m, &path, &e), -EINVAL);
	assert_int_equal(net_mode_parse("bridged", &m, &path, &e), -EINVAL);

	struct net_publish p;
	assert_int_equal(net_publish_parse("8080:80", &p, &e), 0);
	assert_int_equal(p.host_port, 8080);
	assert_int_equal(p.ctr_port, 80);
	assert_int_equal(p.proto, IPPROTO_TCP);
	assert_int_equal(p.host_ip.s_addr, INADDR_ANY);
	assert_int_equal(net_publish_parse("127.0.0.1:53:5353/udp", &p, &e), 0);
	assert_int_equal(p.host_ip.s_addr, htonl(INADDR_LOOPBACK));
	assert_int_equal(p.proto, IPPROTO_UDP);
	assert_int_equal(p.ctr_port, 5353);
	const char *bad[] = { "80", "0:80", "70000:80", "a:80", "1:2/sctp",
			      "1.2.3:1:2", ":80", "80:" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(net_publish_parse(bad[i], &p, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "--publish"));

	struct ipam_subnet s;
	assert_int_equal(ipam_parse_subnet("10.1.2.77/24", &s, &e), 0);
	assert_int_equal(s.net.s_addr, inet_addr("10.1.2.0"));
	assert_int_equal(ipam_gateway(&s).s_addr, inet_addr("10.1.2.1"));
	assert_int_equal(ipam_parse_subnet("10.1.2.0/31", &s, &e), -EINVAL);
	assert_int_equal(ipam_parse_subnet("10.1.2.0", &s, &e), -EINVAL);
}

static void test_hosts_file(void **state)
{
	(void)state;
	struct cell_err e;
	char *out = NULL;
	const char *add[] = { "db:10.0.0.5", "v6=fd00::1", NULL };
	assert_int_equal(net_hosts_file("box", "10.89.0.2", add, &out, &e), 0);
	assert_non_null(strstr(out, "127.0.0.1\tlocalhost\n"));
	assert_non_null(strstr(out, "10.89.0.2\tbox\n"));
	assert_non_null(strstr(out, "10.0.0.5\tdb\n"));
	assert_non_null(strstr(out, "fd00::1\tv6\n"));
	free(out);
	out = NULL;
	assert_int_equal(net_hosts_file("box", NULL, NULL, &out, &e), 0);
	assert_non_null(strstr(out, "127.0.1.1\tbox\n"));
	free(out);
	out = NULL;
	const char *bad[] = { "db:notanip", NULL };
	assert_int_equal(net_hosts_file("box", NULL, bad, &out, &e), -EINVAL);
	assert_null(out);
	assert_int_equal(net_hosts_file("a b", NULL, NULL, &out, &e), -EINVAL);
}

static void test_resolv_conf(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	char path[128], *out = NULL;
	snprintf(path, sizeof(path), "%s/resolv.conf", f->root);

	const char *host = "# host\nnameserver 127.0.0.53\nnameserver 9.9.9.9\n"
			   "search example.org\noptions edns0\n";
	assert_int_equal(file_replace_at(AT_FDCWD, path, host, strlen(host),
					 0644, &e), 0);
	assert_int_equal(net_resolv_conf_from(path, NULL, &out, &e), 0);
	assert_string_equal(out, "nameserver 9.9.9.9\nsearch example.org\n"
				 "options edns0\n");
	free(out);

	const char *dns[] = { "1.1.1.1", NULL };
	assert_int_equal(net_resolv_conf_from(path, dns, &out, &e), 0);
	assert_string_equal(out, "nameserver 1.1.1.1\nsearch example.org\n"
				 "options edns0\n");
	free(out);

	/* systemd-resolved only: nothing usable, the caller decides. */
	const char *stub = "nameserver 127.0.0.53\noptions edns0 trust-ad\n";
	assert_int_equal(file_replace_at(AT_FDCWD, path, stub, strlen(stub),
					 0644, &e), 0);
	out = (char *)"x";
	assert_int_equal(net_resolv_conf_from(path, NULL, &out, &e), 0);
	assert_null(out);
	const char *bad[] = { "dns.example", NULL };
	assert_int_equal(net_resolv_conf_from(path, bad, &out, &e), -EINVAL);
	unlink(path);
}

/* ---- leases ---- */

static void test_leases_concurrent(void **state)
{
	struct fx *f = *state;
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/.net", f->root);
	struct ipam_subnet s;
	struct cell_err e;
	assert_int_equal(ipam_parse_subnet(SUBNET, &s, &e), 0);

	enum { N = 20 };
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t kids[N];
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			char owner[16];
			struct in_addr a = { 0 };
			snprintf(owner, sizeof(owner), "c%d", i);
			if (ipam_lease(dir, BRIDGE, &s, owner, &a, &e) < 0)
				a.s_addr = 0;
			_exit(write(fds[1], &a, sizeof(a)) == sizeof(a) ? 0 : 1);
		}
	}
	close(fds[1]);
	struct in_addr got[N];
	for (int i = 0; i < N; i++) {
		assert_int_equal(read(fds[0], &got[i], sizeof(got[i])),
				 sizeof(got[i]));
		assert_int_not_equal(got[i].s_addr, 0);
		uint32_t h = ntohl(got[i].s_addr) & 0xff;
		assert_true(h >= 2 && h <= N + 1); /* lowest first, not .1 */
		for (int j = 0; j < i; j++)
			assert_int_not_equal(got[i].s_addr, got[j].s_addr);
	}
	close(fds[0]);
	for (int i = 0; i < N; i++) {
		int st;
		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}

	/* Releasing c5 frees its address for the next lease. */
	char *l = leases(f), *at = strstr(l, " c5\n"), c5[INET_ADDRSTRLEN];
	assert_non_null(at);
	while (at > l && at[-1] != '\n')
		at--;
	assert_int_equal(sscanf(at, "%15s", c5), 1);
	assert_int_equal(ipam_release(dir, BRIDGE, "c5", &e), 0);
	assert_null(strstr(leases(f), " c5\n"));
	struct in_addr a;
	char again[INET_ADDRSTRLEN];
	assert_int_equal(ipam_lease(dir, BRIDGE, &s, "again", &a, &e), 0);
	assert_string_equal(inet_ntop(AF_INET, &a, again, sizeof(again)), c5);
	for (int i = 0; i < N; i++) {
		char owner[16];
		snprintf(owner, sizeof(owner), "c%d", i);
		assert_int_equal(ipam_release(dir, BRIDGE, owner, &e), 0);
	}
	assert_int_equal(ipam_release(dir, BRIDGE, "again", &e), 0);
	assert_string_equal(leases(f), "");
}

/* ---- links ---- */

static bool link_up(const char *name)
{
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	bool up = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	close(s);
	return up;
}

static void test_bridge(void **state)
{
	(void)state;
	struct nl nl = { 0 };
	struct cell_err e;
	unsigned idx;
	assert_int_equal(nl_open(&nl, &e), 0);
	assert_int_equal(nl_link_index(&nl, "tbr-x", &idx, &e), -ENODEV);
	assert_int_equal(nl_bridge_add(&nl, "tbr-x", &e), 0);
	assert_int_equal(nl_bridge_add(&nl, "tbr-x", &e), -EEXIST);
	assert_int_equal(nl_link_index(&nl, "tbr-x", &idx, &e), 0);
	assert_int_equal(idx, if_nametoindex("tbr-x"));
	struct in_addr a = { inet_addr("10.124.0.1") };
	assert_int_equal(nl_addr_add(&nl, idx, a, 24, &e), 0);
	assert_int_equal(nl_addr_add(&nl, idx, a, 24, &e), -EEXIST);
	assert_false(link_up("tbr-x"));
	assert_int_equal(nl_link_set_up(&nl, idx, &e), 0);
	assert_true(link_up("tbr-x"));
	assert_non_null(strstr(run_out("/usr/sbin/ip -4 addr show dev tbr-x"),
			       "inet 10.124.0.1/24 brd 10.124.0.255"));
	assert_int_equal(nl_link_del(&nl, "tbr-x", &e), 0);
	assert_int_equal(if_nametoindex("tbr-x"), 0);
	assert_int_equal(nl_link_del(&nl, "tbr-x", &e), -ENODEV);
	nl_close(&nl);
}

/* A "container": a child in its own network namespace that listens on
 * `port`, says 'R', serves "hi" to one connection, then reports whether
 * eth0 is there and whether OUTSIDE:9090 (reachable only through the
 * default route) answers. */
struct ctr {
	pid_t pid;
	int rep; /* the child's reports */
};

static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, ms);
}

static void ctr_body(int rep, uint16_t port)
{
	if (unshare(CLONE_NEWNET) < 0)
		_exit(10);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(l, 4) < 0)
		_exit(11);
	if (write(rep, "R", 1) != 1)
		_exit(12);
	if (wait_readable(l, 20000) <= 0)
		_exit(13);
	int c = accept(l, NULL, NULL);
	if (c < 0 || write(c, "hi", 2) != 2)
		_exit(14);
	close(c);
	char eth = if_nametoindex("eth0") ? 'E' : 'e';
	int o = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in out = { .sin_family = AF_INET,
				   .sin_port = htons(9090),
				   .sin_addr.s_addr = inet_addr(OUTSIDE) };
	char res = connect(o, (struct sockaddr *)&out, sizeof(out)) == 0 ? 'O'
									 : 'F';
	char msg[2] = { eth, res };
	_exit(write(rep, msg, 2) == 2 ? 0 : 15);
}

static void ctr_start(struct ctr *c, uint16_t port)
{
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		close(p[0]);
		ctr_body(p[1], port);
	}
	close(p[1]);
	c->rep = p[0];
	char r;
	assert_int_equal(read(c->rep, &r, 1), 1);
	assert_int_equal(r, 'R');
}

static void ctr_finish(struct ctr *c, const char *want)
{
	char msg[3] = { 0 };
	assert_int_equal(read(c->rep, msg, 2), 2);
	assert_string_equal(msg, want);
	int st;
	assert_int_equal(waitpid(c->pid, &st, 0), c->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(c->rep);
}

static void ctr_kill(struct ctr *c)
{
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	close(c->rep);
}

/* Connect to ip:port from here and read the container's "hi". */
static void expect_hi(const char *ip, uint16_t port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(port),
				  .sin_addr.s_addr = inet_addr(ip) };
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s:%u: %s", ip, port, strerror(errno));
	char buf[3] = { 0 };
	assert_true(wait_readable(s, 5000) > 0);
	assert_int_equal(read(s, buf, 2), 2);
	assert_string_equal(buf, "hi");
	close(s);
}

static int listen_outside(void)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(9090),
				  .sin_addr.s_addr = inet_addr(OUTSIDE) };
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 8), 0);
	return l;
}

static void test_bridge_setup_and_release(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	int out_l = listen_outside();
	struct ctr c;
	ctr_start(&c, 8080);
	int sd = state_dir(f, "web");
	struct net_opts o = { .mode = "bridge", .bridge = BRIDGE,
			      .subnet = SUBNET };
	struct net_result res;
	if (net_setup(&o, f->root, "web", c.pid, sd, &res, &e) < 0) {
		ctr_kill(&c);
		fail_msg("net_setup: %s", e.msg);
	}
	assert_int_equal(res.mode, NET_MODE_BRIDGE);
	assert_string_equal(res.ip, "10.123.0.2");
	assert_string_equal(res.gateway, GATEWAY);
	assert_int_equal(res.prefix_len, 24);
	assert_true(link_up(BRIDGE));
	assert_true(link_up(res.host_ifname));
	assert_non_null(strstr(run_out("/usr/sbin/ip -o link show master " BRIDGE),
			       res.host_ifname));

	expect_hi(res.ip, 8080);
	ctr_finish(&c, "EO"); /* eth0 there; the default route works */
	close(out_l);

	char *js = NULL;
	assert_int_equal(file_read_at(sd, NET_STATE_FILE, 0, &js, NULL, &e), 0);
	assert_non_null(strstr(js, "\"veth\": \""));
	assert_non_null(strstr(js, "\"ip\": \"10.123.0.2\""));
	free(js);
	assert_non_null(strstr(leases(f), "10.123.0.2 web\n"));

	assert_int_equal(net_release(sd, &e), 0);
	assert_string_equal(leases(f), "");
	assert_int_equal(if_nametoindex(res.host_ifname), 0);
	assert_int_equal(faccessat(sd, NET_STATE_FILE, F_OK, 0), -1);
	assert_int_equal(net_release(sd, &e), 0); /* nothing left: fine */
	close(sd);
	remove_state_dir(f, "web");
}

static void test_publish(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	struct ctr a, b;
	ctr_start(&a, 8080);
	ctr_start(&b, 8080);
	int sda = state_dir(f, "pa"), sdb = state_dir(f, "pb");
	struct net_publish pa, pb;
	assert_int_equal(net_publish_parse("18080:8080", &pa, &e), 0);
	assert_int_equal(net_publish_parse(GATEWAY ":18081:8080", &pb, &e), 0);
	struct net_opts oa = { .bridge = BRIDGE, .subnet = SUBNET,
			       .publish = &pa, .n_publish = 1 };
	struct net_opts ob = oa;
	ob.publish = &pb;
	/* Safe here only: this process's namespace is the test's own, and
	   /proc/sys/net is the opener's namespace's. */
	ob.ip_forward = ob.masquerade = true;
	struct net_result ra, rb;
	if (net_setup(&oa, f->root, "pa", a.pid, sda, &ra, &e) < 0 ||
	    net_setup(&ob, f->root, "pb", b.pid, sdb, &rb, &e) < 0) {
		ctr_kill(&a);
		ctr_kill(&b);
		fail_msg("net_setup: %s", e.msg);
	}
	char *t = nft_table();
	assert_non_null(strstr(t, "tcp dport 18080 dnat to 10.123.0.2:8080"));
	assert_non_null(strstr(t, "ip daddr 10.123.0.1 tcp dport 18081 dnat to 10.123.0.3:8080"));
	assert_non_null(strstr(t, ":pa\""));
	assert_non_null(strstr(t, ":pb\""));
	assert_non_null(strstr(t, "ip saddr 10.123.0.0/24 oifname != \"" BRIDGE
				  "\" masquerade comment \"cell-bridge:" BRIDGE "\""));
	char *fwd = NULL;
	assert_int_equal(file_read_at(AT_FDCWD, "/proc/sys/net/ipv4/ip_forward",
				      0, &fwd, NULL, &e), 0);
	assert_string_equal(fwd, "1\n");
	free(fwd);

	/* Through the DNAT of the output chain, from this namespace. */
	expect_hi(GATEWAY, 18080);
	expect_hi(GATEWAY, 18081);
	ctr_kill(&a);
	ctr_kill(&b);

	assert_int_equal(net_release(sda, &e), 0);
	t = nft_table();
	assert_null(strstr(t, ":pa\""));
	assert_non_null(strstr(t, ":pb\""));
	assert_int_equal(net_release(sdb, &e), 0);
	t = nft_table();
	assert_null(strstr(t, "dnat"));
	assert_non_null(strstr(t, "masquerade")); /* the bridge's: it stays */
	assert_string_equal(leases(f), "");
	close(sda);
	close(sdb);
	remove_state_dir(f, "pa");
	remove_state_dir(f, "pb");
}

static void test_gc(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	struct ctr a, b;
	ctr_start(&a, 8080);
	ctr_start(&b, 8080);
	int sda = state_dir(f, "live"), sdb = state_dir(f, "crashed");
	struct net_publish pa, pb;
	assert_int_equal(net_publish_parse("18090:8080", &pa, &e), 0);
	assert_int_equal(net_publish_parse("18091:8080", &pb, &e), 0);
	struct net_opts oa = { .bridge = BRIDGE, .subnet = SUBNET,
			       .publish = &pa, .n_publish = 1 };
	struct net_opts ob = oa;
	ob.publish = &pb;
	struct net_result ra, rb;
	if (net_setup(&oa, f->root, "live", a.pid, sda, &ra, &e) < 0 ||
	    net_setup(&ob, f->root, "crashed", b.pid, sdb, &rb, &e) < 0) {
		ctr_kill(&a);
		ctr_kill(&b);
		fail_msg("net_setup: %s", e.msg);
	}
	ctr_kill(&b);
	/* A crash: the state dir went without net_release. */
	close(sdb);
	remove_state_dir(f, "crashed");
	assert_non_null(strstr(leases(f), " crashed\n"));

	assert_int_equal(net_gc(f->root, &e), 0);
	char *t = nft_table();
	assert_null(strstr(t, ":crashed\""));
	assert_non_null(strstr(t, ":live\""));
	assert_null(strstr(leases(f), " crashed\n"));
	assert_non_null(strstr(leases(f), " live\n"));
	expect_hi(GATEWAY, 18090); /* the live one still served */
	ctr_kill(&a);

	assert_int_equal(net_release(sda, &e), 0);
	assert_null(strstr(nft_table(), "dnat"));
	close(sda);
	remove_state_dir(f, "live");
	assert_int_equal(net_gc(f->root, &e), 0);
	assert_int_equal(net_gc("/nonexistent/cell-root", &e), 0);
}

static void test_mode_none_and_errors(void **state)
{
	struct fx *f = *state;
	struct cell_err e;
	struct ctr c;
	ctr_start(&c, 8080);
	int sd = state_dir(f, "quiet");
	struct net_opts o = { .mode = "none" };
	struct net_result res;
	assert_int_equal(net_setup(&o, f->root, "quiet", c.pid, sd, &res, &e), 0);
	assert_int_equal(res.mode, NET_MODE_NONE);
	assert_string_equal(res.ip, "");
	/* lo is up inside: its own listener answers on 127.0.0.1 — checked
	   from a child joining the namespace. */
	pid_t k = fork();
	if (k == 0) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/%d/ns/net", (int)c.pid);
		int ns = open(p, O_RDONLY);
		if (ns < 0 || setns(ns, CLONE_NEWNET) < 0)
			_exit(2);
		_exit(link_up("lo") ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(k, &st, 0), k);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	struct net_publish p;
	assert_int_equal(net_publish_parse("1:2", &p, &e), 0);
	o.publish = &p;
	o.n_publish = 1;
	assert_int_equal(net_setup(&o, f->root, "quiet", c.pid, sd, &res, &e),
			 -EINVAL);
	o = (struct net_opts){ .mode = "host" };
	assert_int_equal(net_setup(&o, f->root, "quiet", c.pid, sd, &res, &e), 0);
	o = (struct net_opts){ .bridge = "bad name" };
	assert_int_equal(net_setup(&o, f->root, "quiet", c.pid, sd, &res, &e),
			 -EINVAL);
	o = (struct net_opts){ .bridge = BRIDGE, .subnet = "10.0.0.0" };
	assert_int_equal(net_setup(&o, f->root, "quiet", c.pid, sd, &res, &e),
			 -EINVAL);
	assert_int_equal(net_release(sd, &e), 0); /* nothing recorded */
	ctr_kill(&c);
	close(sd);
	remove_state_dir(f, "quiet");
}

int main(void)
{
	/* The rule of these tests: all of it in a namespace of our own. */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_net: unshare(CLONE_NEWNET): %s: skipped\n",
			strerror(errno));
		return 77;
	}
	struct nl nl = { 0 };
	struct cell_err e;
	unsigned lo;
	if (nl_open(&nl, &e) < 0 || nl_link_index(&nl, "lo", &lo, &e) < 0 ||
	    nl_link_set_up(&nl, lo, &e) < 0 ||
	    nl_addr_add(&nl, lo, (struct in_addr){ inet_addr(OUTSIDE) }, 32,
			&e) < 0) {
		fprintf(stderr, "test_net: loopback: %s\n", e.msg);
		return 1;
	}
	nl_close(&nl);
	signal(SIGPIPE, SIG_IGN);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_hosts_file),
		cmocka_unit_test_setup_teardown(test_resolv_conf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leases_concurrent, setup,
						teardown),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test_setup_teardown(test_bridge_setup_and_release,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode_none_and_errors,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
