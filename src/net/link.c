/* Placeholder until the networking work lands (issue 5): the API in net.h
 * links; every entry point but net_release says it is not there yet. */
#include <errno.h>

#include "net/net.h"

int net_release(int state_dirfd, struct cell_err *e)
{
	(void)state_dirfd;
	(void)e;
	return 0;
}

int net_mode_parse(const char *mode, enum net_mode *out, const char **ns_path,
		   struct cell_err *e)
{
	return cell_err_msg(e, ENOSYS, "--net: not implemented yet");
}

int net_publish_parse(const char *spec, struct net_publish *out,
		      struct cell_err *e)
{
	return cell_err_msg(e, ENOSYS, "--publish: not implemented yet");
}

int net_setup(const struct net_opts *o, const char *root, const char *id,
	      pid_t pid, int state_dirfd, struct net_result *out,
	      struct cell_err *e)
{
	return cell_err_msg(e, ENOSYS, "network: not implemented yet");
}

int net_gc(const char *root, struct cell_err *e)
{
	return 0;
}

int net_hosts_file(const char *hostname, const char *ip,
		   const char *const *add_hosts, char **out, struct cell_err *e)
{
	return cell_err_msg(e, ENOSYS, "hosts: not implemented yet");
}

int net_resolv_conf(const char *const *dns, char **out, struct cell_err *e)
{
	return cell_err_msg(e, ENOSYS, "resolv.conf: not implemented yet");
}

int net_resolv_conf_from(const char *host_path, const char *const *dns,
			 char **out, struct cell_err *e)
{
	return cell_err_msg(e, ENOSYS, "resolv.conf: not implemented yet");
}
