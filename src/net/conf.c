/* The strings of the people's networking: --net and -p parsing, and the
 * container's /etc/hosts and /etc/resolv.conf. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/net.h"
#include "util/cleanup.h"
#include "util/file.h"

int net_mode_parse(const char *mode, enum net_mode *out, const char **ns_path,
		   struct cell_err *e)
{
	if (ns_path)
		*ns_path = NULL;
	if (!mode || !strcmp(mode, "bridge"))
		*out = NET_MODE_BRIDGE;
	else if (!strcmp(mode, "none"))
		*out = NET_MODE_NONE;
	else if (!strcmp(mode, "host"))
		*out = NET_MODE_HOST;
	else if (!strcmp(mode, "slirp"))
		*out = NET_MODE_SLIRP;
	else if (!strncmp(mode, "ns:", 3) && mode[3]) {
		*out = NET_MODE_NS;
		if (ns_path)
			*ns_path = mode + 3;
	} else
		return cell_err_msg(e, EINVAL,
				    "--net \"%s\": want none, host, bridge, slirp or ns:PATH",
				    mode);
	return 0;
}

static int parse_port(const char *s, size_t len, uint16_t *out)
{
	if (len == 0 || len > 5)
		return -EINVAL;
	unsigned v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = (uint16_t)v;
	return 0;
}

int net_publish_parse(const char *spec, struct net_publish *out,
		      struct cell_err *e)
{
	char buf[128];
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		goto bad;
	memset(out, 0, sizeof(*out));
	out->proto = IPPROTO_TCP;
	char *slash = strchr(buf, '/');
	if (slash) {
		*slash = '\0';
		if (!strcmp(slash + 1, "udp"))
			out->proto = IPPROTO_UDP;
		else if (strcmp(slash + 1, "tcp"))
			goto bad;
	}
	/* [IP:]HOSTPORT:CTRPORT: the last colon ends the host port. */
	char *c2 = strrchr(buf, ':');
	if (!c2)
		goto bad;
	*c2 = '\0';
	char *c1 = strrchr(buf, ':');
	const char *hostport = buf;
	if (c1) {
		*c1 = '\0';
		hostport = c1 + 1;
		if (inet_pton(AF_INET, buf, &out->host_ip) != 1)
			return cell_err_msg(e, EINVAL,
					    "--publish \"%s\": \"%s\" is not an IPv4 address",
					    spec, buf);
	}
	if (parse_port(hostport, strlen(hostport), &out->host_port) < 0 ||
	    parse_port(c2 + 1, strlen(c2 + 1), &out->ctr_port) < 0)
		goto bad;
	return 0;
bad:
	return cell_err_msg(e, EINVAL,
			    "--publish \"%s\": want [IP:]HOSTPORT:CTRPORT[/tcp|udp]",
			    spec);
}

static bool valid_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* A hostname for /etc/hosts: no whitespace or comment that would change
 * the line's meaning. */
static bool valid_host_name(const char *s, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] == '#' || s[i] == 0x7f)
			return false;
	return true;
}

int net_hosts_file(const char *hostname, const char *ip,
		   const char *const *add_hosts, char **out, struct cell_err *e)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	if (hostname && !valid_host_name(hostname, strlen(hostname)))
		return cell_err_msg(e, EINVAL, "hostname \"%s\" cannot go in /etc/hosts",
				    hostname);
	if (ip && *ip && !valid_ip(ip))
		return cell_err_msg(e, EINVAL, "\"%s\" is not an IP address", ip);
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return cell_err_sys(e, errno, "/etc/hosts");
	fputs("127.0.0.1\tlocalhost\n"
	      "::1\tlocalhost ip6-localhost ip6-loopback\n", f);
	if (hostname && *hostname)
		fprintf(f, "%s\t%s\n", ip && *ip ? ip : "127.0.1.1", hostname);
	int r = 0;
	for (size_t i = 0; add_hosts && add_hosts[i] && r == 0; i++) {
		/* NAME:IP (the first colon: IPv6 addresses have more) or
		   NAME=IP. */
		const char *h = add_hosts[i];
		size_t n = strcspn(h, ":=");
		if (!h[n] || !valid_host_name(h, n) || !valid_ip(h + n + 1))
			r = cell_err_msg(e, EINVAL,
					 "--add-host \"%s\": want NAME:IP", h);
		else
			fprintf(f, "%s\t%.*s\n", h + n + 1, (int)n, h);
	}
	if (fclose(f) != 0 && r == 0)
		r = cell_err_sys(e, errno, "/etc/hosts");
	if (r == 0)
		*out = steal_ptr(&buf);
	return r;
}

/* Loopback nameservers (systemd-resolved's 127.0.0.53, a local dnsmasq)
 * are the host's own: from the container's namespace they are not
 * there. */
static bool loopback_ns(const char *s)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) == 1)
		return (ntohl(a.s_addr) >> 24) == 127;
	return !strcmp(s, "::1");
}

int net_resolv_conf_from(const char *host_path, const char *const *dns,
			 char **out, struct cell_err *e)
{
	_cleanup_free_ char *host = NULL;
	struct cell_err ign;
	if (file_read_at(AT_FDCWD, host_path, 1u << 20, &host, NULL, &ign) < 0)
		host = NULL; /* no host file: only --dns */

	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return cell_err_sys(e, errno, "/etc/resolv.conf");
	int servers = 0, r = 0;
	for (size_t i = 0; dns && dns[i] && r == 0; i++) {
		if (!valid_ip(dns[i]))
			r = cell_err_msg(e, EINVAL,
					 "--dns \"%s\": not an IP address", dns[i]);
		else {
			fprintf(f, "nameserver %s\n", dns[i]);
			servers++;
		}
	}
	bool own = servers > 0;
	char *save = NULL;
	for (char *line = host ? strtok_r(host, "\n", &save) : NULL;
	     line && r == 0; line = strtok_r(NULL, "\n", &save)) {
		char word[16], arg[256];
		if (sscanf(line, " %15s %255s", word, arg) != 2)
			continue;
		if (!strcmp(word, "nameserver")) {
			if (own || loopback_ns(arg) || !valid_ip(arg))
				continue;
			fprintf(f, "nameserver %s\n", arg);
			servers++;
		} else if (!strcmp(word, "search") || !strcmp(word, "options") ||
			   !strcmp(word, "domain")) {
			fprintf(f, "%s\n", line + strspn(line, " \t"));
		}
	}
	if (fclose(f) != 0 && r == 0)
		r = cell_err_sys(e, errno, "/etc/resolv.conf");
	if (r < 0)
		return r;
	*out = servers ? steal_ptr(&buf) : NULL;
	return 0;
}

int net_resolv_conf(const char *const *dns, char **out, struct cell_err *e)
{
	return net_resolv_conf_from("/etc/resolv.conf", dns, out, e);
}
