/* rtnetlink requests, one function per operation, each waiting for the
 * kernel's acknowledgement so the error is the kernel's own errno. */
#include "net/netlink.h"

#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/dl.h"

/* libmnl, dlopen'ed by the first nl_open: most runs never talk netlink
 * (the loopback goes up by ioctl), and a library linked in costs every
 * start of the runtime -- run, exec, state -- its loading (~30 us here).
 * The calls below keep libmnl's names, through this table. */
static struct {
	void *handle;
	struct mnl_socket *(*socket_open2)(int, int);
	struct mnl_socket *(*socket_fdopen)(int);
	int (*socket_bind)(struct mnl_socket *, unsigned int, pid_t);
	int (*socket_close)(struct mnl_socket *);
	unsigned int (*socket_get_portid)(const struct mnl_socket *);
	ssize_t (*socket_sendto)(const struct mnl_socket *, const void *, size_t);
	ssize_t (*socket_recvfrom)(const struct mnl_socket *, void *, size_t);
	int (*cb_run)(const void *, size_t, unsigned int, unsigned int, mnl_cb_t,
		      void *);
	struct nlmsghdr *(*nlmsg_put_header)(void *);
	void *(*nlmsg_put_extra_header)(struct nlmsghdr *, size_t);
	void *(*nlmsg_get_payload)(const struct nlmsghdr *);
	void (*attr_put)(struct nlmsghdr *, uint16_t, size_t, const void *);
	void (*attr_put_u32)(struct nlmsghdr *, uint16_t, uint32_t);
	void (*attr_put_strz)(struct nlmsghdr *, uint16_t, const char *);
	struct nlattr *(*attr_nest_start)(struct nlmsghdr *, uint16_t);
	void (*attr_nest_end)(struct nlmsghdr *, struct nlattr *);
} mnl;

static int mnl_load(struct cell_err *e)
{
	if (mnl.handle)
		return 0;
#define SYM(field) { "mnl_" #field, (void **)&mnl.field }
	const struct dl_sym syms[] = {
		SYM(socket_open2),
		SYM(socket_fdopen),
		SYM(socket_bind),
		SYM(socket_close),
		SYM(socket_get_portid),
		SYM(socket_sendto),
		SYM(socket_recvfrom),
		SYM(cb_run),
		SYM(nlmsg_put_header),
		SYM(nlmsg_put_extra_header),
		SYM(nlmsg_get_payload),
		SYM(attr_put),
		SYM(attr_put_u32),
		SYM(attr_put_strz),
		SYM(attr_nest_start),
		SYM(attr_nest_end),
	};
#undef SYM
	mnl.handle = dl_load("libmnl.so.0", syms, ARRAY_SIZE(syms), e);
	return mnl.handle ? 0 : cell_err_wrap(e, "netlink");
}

#define mnl_socket_open2 mnl.socket_open2
#define mnl_socket_fdopen mnl.socket_fdopen
#define mnl_socket_bind mnl.socket_bind
#define mnl_socket_close mnl.socket_close
#define mnl_socket_get_portid mnl.socket_get_portid
#define mnl_socket_sendto mnl.socket_sendto
#define mnl_socket_recvfrom mnl.socket_recvfrom
#define mnl_cb_run mnl.cb_run
#define mnl_nlmsg_put_header mnl.nlmsg_put_header
#define mnl_nlmsg_put_extra_header mnl.nlmsg_put_extra_header
#define mnl_nlmsg_get_payload mnl.nlmsg_get_payload
#define mnl_attr_put mnl.attr_put
#define mnl_attr_put_u32 mnl.attr_put_u32
#define mnl_attr_put_strz mnl.attr_put_strz
#define mnl_attr_nest_start mnl.attr_nest_start
#define mnl_attr_nest_end mnl.attr_nest_end

static int nl_bind(struct nl *nl, struct mnl_socket *s, struct cell_err *e)
{
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;
		mnl_socket_close(s);
		return cell_err_sys(e, err, "bind netlink socket");
	}
	nl->sock = s;
	nl->portid = mnl_socket_get_portid(s);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

int nl_open(struct nl *nl, struct cell_err *e)
{
	int r = mnl_load(e);
	if (r < 0)
		return r;
	struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s)
		return cell_err_sys(e, errno, "open netlink socket");
	return nl_bind(nl, s, e);
}

static void send_fd_and_exit(int chan, int nsfd)
{
	int err = 0, fd = -1;
	if (setns(nsfd, CLONE_NEWNET) < 0)
		err = errno;
	else if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			      NETLINK_ROUTE)) < 0)
		err = errno;

	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	_exit(sendmsg(chan, &msg, MSG_NOSIGNAL) < 0 ? 1 : 0);
}

int nl_open_in_netns(struct nl *nl, int nsfd, struct cell_err *e)
{
	int r = mnl_load(e);
	if (r < 0)
		return r;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cell_err_sys(e, errno, "socketpair");
	_cleanup_close_ int mine = sv[0];
	pid_t child = fork();
	if (child < 0) {
		close(sv[1]);
		return cell_err_sys(e, errno, "fork");
	}
	if (child == 0) {
		close(sv[0]);
		send_fd_and_exit(sv[1], nsfd);
	}
	close(sv[1]);

	int err = 0;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	ssize_t n;
	do
		n = recvmsg(mine, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	int rerr = n < 0 ? errno : 0;
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	if (n < 0)
		return cell_err_sys(e, rerr, "receive netlink socket");
	if (n != sizeof(err))
		return cell_err_msg(e, EPROTO, "join network namespace: helper died");
	if (err)
		return cell_err_sys(e, err, "join network namespace");

	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return cell_err_msg(e, EPROTO, "join network namespace: no socket");
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	struct mnl_socket *s = mnl_socket_fdopen(fd);
	if (!s) {
		err = errno;
		close(fd);
		return cell_err_sys(e, err, "netlink socket");
	}
	return nl_bind(nl, s, e);
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

/* Send one request with NLM_F_ACK and run `cb` on its replies until the
 * acknowledgement: returns 0 or the kernel's -errno. */
static int nl_talk(struct nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		   void *data)
{
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0)
		return -errno;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		int r = mnl_cb_run(buf, (size_t)n, req->nlmsg_seq, nl->portid,
				   cb, data);
		if (r < 0)
			return -errno;
		if (r == MNL_CB_STOP)
			return 0;
	}
}

static struct nlmsghdr *link_msg(char *buf, int type, unsigned flags,
				 unsigned ifindex)
{
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = type;
	h->nlmsg_flags = flags;
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(h, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	return h;
}

static int link_index_cb(const struct nlmsghdr *h, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	if (h->nlmsg_type == RTM_NEWLINK)
		*(unsigned *)data = (unsigned)ifi->ifi_index;
	return MNL_CB_OK;
}

int nl_link_index(struct nl *nl, const char *name, unsigned *ifindex,
		  struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = link_msg(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	*ifindex = 0;
	int r = nl_talk(nl, h, link_index_cb, ifindex);
	if (r == 0 && *ifindex == 0)
		r = -ENODEV;
	if (r < 0)
		return cell_err_sys(e, -r, "find link %s", name);
	return 0;
}

int nl_bridge_add(struct nl *nl, const char *name, struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h =
		link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(h, li);
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0)
		return cell_err_sys(e, -r, "create bridge %s", name);
	return 0;
}

int nl_veth_add(struct nl *nl, const char *name, const char *peer,
		int peer_nsfd, struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h =
		link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	struct nlattr *li = mnl_attr_nest_start(h, IFLA_LINKINFO);
	mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
	struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
	struct nlattr *pi = mnl_attr_nest_start(h, VETH_INFO_PEER);
	/* The peer's own ifinfomsg, then its attributes. */
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(h, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(h, IFLA_IFNAME, peer);
	if (peer_nsfd >= 0)
		mnl_attr_put_u32(h, IFLA_NET_NS_FD, (uint32_t)peer_nsfd);
	mnl_attr_nest_end(h, pi);
	mnl_attr_nest_end(h, data);
	mnl_attr_nest_end(h, li);
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0)
		return cell_err_sys(e, -r, "create veth %s (peer %s)", name,
				    peer);
	return 0;
}

int nl_link_del(struct nl *nl, const char *name, struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = link_msg(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(h, IFLA_IFNAME, name);
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0)
		return cell_err_sys(e, -r, "delete link %s", name);
	return 0;
}

int nl_link_set_up(struct nl *nl, unsigned ifindex, struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0)
		return cell_err_sys(e, -r, "set link %u up", ifindex);
	return 0;
}

int nl_link_set_master(struct nl *nl, unsigned ifindex, unsigned master,
		       struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = link_msg(buf, RTM_NEWLINK, 0, ifindex);
	mnl_attr_put_u32(h, IFLA_MASTER, master);
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0)
		return cell_err_sys(e, -r, "attach link %u to %u", ifindex,
				    master);
	return 0;
}

int nl_addr_add(struct nl *nl, unsigned ifindex, struct in_addr addr,
		unsigned prefix_len, struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWADDR;
	h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(h, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = ifindex;
	mnl_attr_put(h, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(h, IFA_ADDRESS, sizeof(addr), &addr);
	if (prefix_len < 31) {
		uint32_t mask = prefix_len ? ~0u << (32 - prefix_len) : 0;
		struct in_addr brd = { .s_addr = addr.s_addr | htonl(~mask) };
		mnl_attr_put(h, IFA_BROADCAST, sizeof(brd), &brd);
	}
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0) {
		char s[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr, s, sizeof(s));
		return cell_err_sys(e, -r, "add address %s/%u to link %u", s,
				    prefix_len, ifindex);
	}
	return 0;
}

int nl_route_add_default(struct nl *nl, struct in_addr gateway,
			 struct cell_err *e)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	h->nlmsg_type = RTM_NEWROUTE;
	h->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct rtmsg *rt = mnl_nlmsg_put_extra_header(h, sizeof(*rt));
	rt->rtm_family = AF_INET;
	rt->rtm_dst_len = 0;
	rt->rtm_table = RT_TABLE_MAIN;
	rt->rtm_protocol = RTPROT_BOOT;
	rt->rtm_scope = RT_SCOPE_UNIVERSE;
	rt->rtm_type = RTN_UNICAST;
	mnl_attr_put(h, RTA_GATEWAY, sizeof(gateway), &gateway);
	int r = nl_talk(nl, h, NULL, NULL);
	if (r < 0) {
		char s[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &gateway, s, sizeof(s));
		return cell_err_sys(e, -r, "add default route via %s", s);
	}
	return 0;
}
