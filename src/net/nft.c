/* nftables through libnftables: each change is an nft script run as one
 * transaction; rules are found again by listing the table as JSON and
 * reading their comments, so what is deleted is always what cell made
 * (handles alone could outlive a table someone flushed and recreated). */
#include "net/nft.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/dl.h"

/* libnftables (with libnftnl, libxtables and libgmp behind it) costs every
 * cell invocation ~0.5 MB of RSS and its relocations if linked: it is
 * loaded only by the runs that publish ports.  The table is filled once. */
static struct {
	void *handle;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*ctx_buffer_output)(struct nft_ctx *ctx);
	int (*ctx_buffer_error)(struct nft_ctx *ctx);
	const char *(*ctx_get_output_buffer)(struct nft_ctx *ctx);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *ctx);
	void (*ctx_output_set_flags)(struct nft_ctx *ctx, unsigned int flags);
	int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
} lib;

static bool nft_load(void)
{
	if (lib.handle)
		return true;
#define SYM(field, name) { name, (void **)&lib.field }
	const struct dl_sym syms[] = {
		SYM(ctx_new, "nft_ctx_new"),
		SYM(ctx_free, "nft_ctx_free"),
		SYM(ctx_buffer_output, "nft_ctx_buffer_output"),
		SYM(ctx_buffer_error, "nft_ctx_buffer_error"),
		SYM(ctx_get_output_buffer, "nft_ctx_get_output_buffer"),
		SYM(ctx_get_error_buffer, "nft_ctx_get_error_buffer"),
		SYM(ctx_output_set_flags, "nft_ctx_output_set_flags"),
		SYM(run_cmd_from_buffer, "nft_run_cmd_from_buffer"),
	};
#undef SYM
	/* The callers say what to install when it is missing. */
	struct cell_err ignored;
	lib.handle = dl_load("libnftables.so.1", syms, ARRAY_SIZE(syms),
			     &ignored);
	return lib.handle != NULL;
}

static void nft_ctx_freep(struct nft_ctx **c)
{
	if (*c)
		lib.ctx_free(*c);
}
#define _cleanup_nft_ __attribute__((cleanup(nft_ctx_freep)))

#define _cleanup_json_ __attribute__((cleanup(json_decrefp)))

static struct nft_ctx *nft_open(bool json)
{
	if (!nft_load())
		return NULL;
	struct nft_ctx *c = lib.ctx_new(NFT_CTX_DEFAULT);
	if (!c)
		return NULL;
	if (json)
		lib.ctx_output_set_flags(c, NFT_CTX_OUTPUT_JSON |
						    NFT_CTX_OUTPUT_HANDLE);
	if (lib.ctx_buffer_output(c) < 0 || lib.ctx_buffer_error(c) < 0) {
		lib.ctx_free(c);
		return NULL;
	}
	return c;
}

/* The error buffer's first line, without nft's trailing newline. */
static const char *nft_why(struct nft_ctx *c, char *buf, size_t size)
{
	const char *err = lib.ctx_get_error_buffer(c);
	snprintf(buf, size, "%s", err && *err ? err : "nft failed");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static bool nft_no_such(struct nft_ctx *c)
{
	const char *err = lib.ctx_get_error_buffer(c);
	return err && strstr(err, "No such file or directory");
}

static int nft_run(struct nft_ctx *c, const char *script, const char *what,
		   struct cell_err *e)
{
	if (lib.run_cmd_from_buffer(c, script) != 0) {
		char why[512];
		return cell_err_msg(e, EIO, "nftables: %s: %s", what,
				    nft_why(c, why, sizeof(why)));
	}
	return 0;
}

static const char table_script[] =
	"add table ip " NFT_TABLE "\n"
	"add chain ip " NFT_TABLE " prerouting { type nat hook prerouting"
	" priority dstnat; policy accept; }\n"
	"add chain ip " NFT_TABLE " output { type nat hook output"
	" priority -100; policy accept; }\n"
	"add chain ip " NFT_TABLE " postrouting { type nat hook postrouting"
	" priority srcnat; policy accept; }\n";

int nft_publish_add(const char *comment, const struct net_publish *p,
		    size_t n, struct in_addr ctr, struct cell_err *e)
{
	_cleanup_nft_ struct nft_ctx *c = nft_open(false);
	if (!c)
		return cell_err_msg(e, ENOENT, "nftables: cannot load libnftables.so.1 (apt-get install libnftables1)");
	_cleanup_free_ char *script = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&script, &len);
	if (!f)
		return cell_err_sys(e, errno, "nftables script");
	fputs(table_script, f);
	char ca[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &ctr, ca, sizeof(ca));
	static const char *const chains[] = { "prerouting", "output" };
	for (size_t i = 0; i < n; i++) {
		const char *proto = p[i].proto == IPPROTO_UDP ? "udp" : "tcp";
		char match[64];
		if (p[i].host_ip.s_addr == INADDR_ANY) {
			/* Only traffic for this host's own addresses: not
			   what it forwards for others. */
			snprintf(match, sizeof(match), "fib daddr type local");
		} else {
			char ha[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &p[i].host_ip, ha, sizeof(ha));
			snprintf(match, sizeof(match), "ip daddr %s", ha);
		}
		for (size_t k = 0; k < ARRAY_SIZE(chains); k++)
			fprintf(f,
				"add rule ip " NFT_TABLE " %s %s %s dport %u"
				" dnat to %s:%u comment \"%s\"\n",
				chains[k], match, proto, p[i].host_port, ca,
				p[i].ctr_port, comment);
	}
	if (fclose(f) != 0)
		return cell_err_sys(e, errno, "nftables script");
	return nft_run(c, script, "publish ports", e);
}

/* The table as JSON; *out = NULL when there is no table. */
static int nft_list(json_t **out, struct cell_err *e)
{
	_cleanup_nft_ struct nft_ctx *c = nft_open(true);
	if (!c)
		return cell_err_msg(e, ENOENT, "nftables: cannot load libnftables.so.1 (apt-get install libnftables1)");
	*out = NULL;
	if (lib.run_cmd_from_buffer(c, "list table ip " NFT_TABLE) != 0) {
		if (nft_no_such(c))
			return 0;
		char why[512];
		return cell_err_msg(e, EIO, "nftables: list table: %s",
				    nft_why(c, why, sizeof(why)));
	}
	json_error_t je;
	*out = json_loads(lib.ctx_get_output_buffer(c), 0, &je);
	if (!*out)
		return cell_err_msg(e, EIO, "nftables: list table: %s",
				    je.text);
	return 0;
}

/* Call fn on each rule object of the listing. */
static int nft_each_rule(json_t *list,
			 int (*fn)(json_t *rule, void *data), void *data)
{
	json_t *items = json_object_get(list, "nftables"), *it;
	size_t i;
	int first = 0;
	json_array_foreach(items, i, it)
	{
		json_t *rule = json_object_get(it, "rule");
		if (!json_is_object(rule))
			continue;
		int r = fn(rule, data);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

static const char *rule_comment(json_t *rule)
{
	return json_string_value(json_object_get(rule, "comment"));
}

struct delete_ctx {
	bool (*match)(const char *comment, void *data);
	void *data;
	struct nft_ctx *nft;
	struct cell_err *e;
};

static int delete_one(json_t *rule, void *data)
{
	struct delete_ctx *d = data;
	const char *comment = rule_comment(rule);
	const char *chain = json_string_value(json_object_get(rule, "chain"));
	json_int_t handle = json_integer_value(json_object_get(rule, "handle"));
	if (!comment || !chain || handle <= 0 || !d->match(comment, d->data))
		return 0;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "delete rule ip " NFT_TABLE " %s handle %lld",
		 chain, (long long)handle);
	/* One rule per transaction: a rule a concurrent run deleted must not
	   make the others stay. */
	if (lib.run_cmd_from_buffer(d->nft, cmd) != 0 && !nft_no_such(d->nft)) {
		char why[512];
		return cell_err_msg(d->e, EIO, "nftables: delete rule %s: %s",
				    comment, nft_why(d->nft, why, sizeof(why)));
	}
	return 0;
}

int nft_rules_delete(bool (*match)(const char *comment, void *data),
		     void *data, struct cell_err *e)
{
	_cleanup_json_ json_t *list = NULL;
	int r = nft_list(&list, e);
	if (r < 0 || !list)
		return r;
	_cleanup_nft_ struct nft_ctx *c = nft_open(false);
	if (!c)
		return cell_err_msg(e, ENOENT, "nftables: cannot load libnftables.so.1 (apt-get install libnftables1)");
	struct delete_ctx d = { match, data, c, e };
	return nft_each_rule(list, delete_one, &d);
}

static int find_comment(json_t *rule, void *data)
{
	const char *comment = rule_comment(rule);
	if (comment && !strcmp(comment, *(const char **)data))
		*(const char **)data = NULL; /* found */
	return 0;
}

int nft_masquerade_ensure(const char *bridge, const struct ipam_subnet *s,
			  struct cell_err *e)
{
	char comment[64];
	snprintf(comment, sizeof(comment), "cell-bridge:%s", bridge);
	_cleanup_json_ json_t *list = NULL;
	int r = nft_list(&list, e);
	if (r < 0)
		return r;
	const char *want = comment;
	if (list)
		nft_each_rule(list, find_comment, &want);
	if (!want)
		return 0;

	_cleanup_nft_ struct nft_ctx *c = nft_open(false);
	if (!c)
		return cell_err_msg(e, ENOENT, "nftables: cannot load libnftables.so.1 (apt-get install libnftables1)");
	char net[INET_ADDRSTRLEN], script[1024];
	inet_ntop(AF_INET, &s->net, net, sizeof(net));
	snprintf(script, sizeof(script),
		 "%sadd rule ip " NFT_TABLE " postrouting ip saddr %s/%u"
		 " oifname != \"%s\" masquerade comment \"%s\"\n",
		 table_script, net, s->prefix_len, bridge, comment);
	return nft_run(c, script, "masquerade", e);
}
