/* The people's `cell run [OPTIONS] -- COMMAND`: flag parsing.  Every value
 * is checked here, before anything exists, and a bad one gets one line:
 * `cell: run: --memory: "12q" is not a size`. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/people_opts.h"
#include "oci/config.h"
#include "util/cleanup.h"
#include "util/log.h"

enum {
	OPT_NAME = 256, OPT_HOSTNAME, OPT_TMPFS, OPT_READ_ONLY, OPT_RM,
	OPT_KEEP, OPT_MEMORY_SWAP, OPT_CPUS, OPT_CPU_SHARES, OPT_CPUSET,
	OPT_PIDS, OPT_RBPS, OPT_WBPS, OPT_RIOPS, OPT_WIOPS, OPT_BLKIO_WEIGHT,
	OPT_CAP_ADD, OPT_CAP_DROP, OPT_SECURITY, OPT_USERNS, OPT_TIME_OFFSET,
	OPT_INIT, OPT_NET, OPT_DNS, OPT_ADD_HOST, OPT_ROOTFS, OPT_IMAGE,
	OPT_TRACE, OPT_EXPLAIN, OPT_DRY_RUN,
};

static const struct option long_opts[] = {
	{ "name", required_argument, NULL, OPT_NAME },
	{ "hostname", required_argument, NULL, OPT_HOSTNAME },
	{ "env", required_argument, NULL, 'e' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "user", required_argument, NULL, 'u' },
	{ "volume", required_argument, NULL, 'v' },
	{ "tmpfs", required_argument, NULL, OPT_TMPFS },
	{ "read-only", no_argument, NULL, OPT_READ_ONLY },
	{ "tty", no_argument, NULL, 't' },
	{ "interactive", no_argument, NULL, 'i' },
	{ "detach", no_argument, NULL, 'd' },
	{ "rm", no_argument, NULL, OPT_RM },
	{ "keep", no_argument, NULL, OPT_KEEP },
	{ "memory", required_argument, NULL, 'm' },
	{ "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
	{ "cpuset-cpus", required_argument, NULL, OPT_CPUSET },
	{ "pids-limit", required_argument, NULL, OPT_PIDS },
	{ "device-read-bps", required_argument, NULL, OPT_RBPS },
	{ "device-write-bps", required_argument, NULL, OPT_WBPS },
	{ "device-read-iops", required_argument, NULL, OPT_RIOPS },
	{ "device-write-iops", required_argument, NULL, OPT_WIOPS },
	{ "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
	{ "cap-add", required_argument, NULL, OPT_CAP_ADD },
	{ "cap-drop", required_argument, NULL, OPT_CAP_DROP },
	{ "security-opt", required_argument, NULL, OPT_SECURITY },
	{ "userns", required_argument, NULL, OPT_USERNS },
	{ "time-offset", required_argument, NULL, OPT_TIME_OFFSET },
	{ "init", no_argument, NULL, OPT_INIT },
	{ "net", required_argument, NULL, OPT_NET },
	{ "network", required_argument, NULL, OPT_NET },
	{ "publish", required_argument, NULL, 'p' },
	{ "dns", required_argument, NULL, OPT_DNS },
	{ "add-host", required_argument, NULL, OPT_ADD_HOST },
	{ "rootfs", required_argument, NULL, OPT_ROOTFS },
	{ "image", required_argument, NULL, OPT_IMAGE },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

void people_usage(FILE *f)
{
	fputs("usage: cell run [OPTIONS] -- COMMAND [ARGS...]   (the people's form)\n"
	      "       cell run [--bundle DIR] [--detach] [--keep] ID (the engines' form:\n"
	      "                a bundle with config.json, as runc)\n\n"
	      "The people's form runs COMMAND in a new container built from the flags,\n"
	      "on a read-only root made of the host's /usr (nothing to download), with a\n"
	      "fresh /proc, /sys, /dev, /tmp, /run, /root and a generated /etc.\n\n"
	      "  --name NAME             the container's name (default: cell-XXXXXXXX)\n"
	      "  --hostname NAME         its hostname (default: the name)\n"
	      "  -e, --env KEY=VALUE     set a variable (KEY alone: the caller's value)\n"
	      "  -w, --workdir DIR       the working directory\n"
	      "  -u, --user UID[:GID]    run as this user (numbers, root or nobody)\n"
	      "  -v, --volume HOST:CTR[:ro]  bind a host path\n"
	      "  --tmpfs PATH[:OPTIONS]  mount a tmpfs\n"
	      "  --read-only             a read-only root (always so without --rootfs)\n"
	      "  -t, --tty               give the command a terminal\n"
	      "  -i, --interactive       keep stdin (otherwise /dev/null)\n"
	      "  -d, --detach            run in the background; output to `cell logs`\n"
	      "  --rm                    remove the container when it exits (default\n"
	      "                          in the foreground; with -d, after it exits)\n"
	      "  --keep                  keep the stopped container (`cell stop` removes)\n"
	      "  --rootfs DIR            use DIR as the root filesystem\n"
	      "  --image FILE            an OCI image layout or docker/podman save tar\n"
	      "resources (cgroups):\n"
	      "  -m, --memory SIZE       memory limit (64m, 1g)\n"
	      "  --memory-swap SIZE      memory + swap (-1: unlimited; default: no swap)\n"
	      "  --cpus N                CPU quota in CPUs (1.5)\n"
	      "  --cpu-shares N          relative CPU weight (2-262144)\n"
	      "  --cpuset-cpus LIST      CPUs allowed (0-1,3)\n"
	      "  --pids-limit N          most processes at once (-1: unlimited)\n"
	      "  --device-read-bps DEV:RATE   --device-write-bps DEV:RATE  (1mb)\n"
	      "  --device-read-iops DEV:N     --device-write-iops DEV:N\n"
	      "  --blkio-weight N        block I/O weight (10-1000)\n"
	      "security:\n"
	      "  --cap-add CAP, --cap-drop CAP   CAP_X, X or ALL\n"
	      "  --security-opt seccomp=default|unconfined|FILE\n"
	      "  --security-opt no-new-privileges\n"
	      "  --userns host|auto|UID:GID:COUNT  root inside mapped outside\n"
	      "  --time-offset SECS      a time namespace (monotonic, boottime)\n"
	      "  --init                  a tiny init as pid 1 reaps zombies\n"
	      "network:\n"
	      "  --net none|host|bridge|slirp|ns:PATH  (default: none, only lo;\n"
	      "                          slirp: user-mode, what works without root)\n"
	      "  -p, --publish [IP:]HOST:CTR[/tcp|udp]  (bridge; slirp: IP 127.0.0.1)\n"
	      "  --dns IP                --add-host NAME:IP\n"
	      "seeing how it is made:\n"
	      "  --trace FILE|-          time every step (Chrome trace JSON; -: a table)\n"
	      "  --explain               list each kernel call that isolates it, and why\n"
	      "  --dry-run               build it, never run COMMAND, remove it again\n\n"
	      "The exit status is the command's; 125 when cell itself fails, 126 when\n"
	      "the command cannot be run, 127 when it is not found.\n",
	      f);
}

__attribute__((format(printf, 1, 2))) static int bad(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("run: %s", msg);
	return -1;
}

static int strlist_add(struct strlist *l, const char *s)
{
	const char **v = realloc(l->v, (l->n + 2) * sizeof(*v));
	if (!v)
		return bad("out of memory");
	v[l->n++] = s;
	v[l->n] = NULL;
	l->v = v;
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	int64_t v;
	if (*s == '-' || parse_i64(s, &v) < 0 || v > UINT32_MAX - 1)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 128)
		return false;
	for (const char *c = s; *c; c++) {
		bool alnum = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			     (*c >= '0' && *c <= '9');
		if (!alnum && (c == s || !strchr("_.+-", *c)))
			return false;
	}
	return true;
}

static bool valid_hostname(const char *s)
{
	if (!*s || strlen(s) > 64)
		return false;
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
			return false;
	return true;
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int parse_user(const char *s, struct people_opts *o)
{
	_cleanup_free_ char *copy = strdup(s);
	if (!copy)
		return bad("out of memory");
	char *g = strchr(copy, ':');
	if (g)
		*g++ = '\0';
	if (!strcmp(copy, "root"))
		o->uid = 0;
	else if (!strcmp(copy, "nobody"))
		o->uid = 65534;
	else if (parse_u32(copy, &o->uid) < 0)
		return bad("--user: \"%s\" is not UID[:GID] (numbers, root or nobody)", s);
	o->gid = o->uid;
	if (g) {
		if (!strcmp(g, "root"))
			o->gid = 0;
		else if (!strcmp(g, "nobody") || !strcmp(g, "nogroup"))
			o->gid = 65534;
		else if (parse_u32(g, &o->gid) < 0)
			return bad("--user: \"%s\" is not UID[:GID] (numbers, root or nobody)", s);
	}
	o->has_user = true;
	return 0;
}

static int parse_volume(const char *s, struct people_opts *o)
{
	char *copy = strdup(s);
	if (!copy)
		return bad("out of memory");
	/* owned by opts from here: freed in people_opts_free via the list */
	char *dst = strchr(copy, ':');
	char *mode = dst ? strchr(dst + 1, ':') : NULL;
	if (dst)
		*dst++ = '\0';
	if (mode)
		*mode++ = '\0';
	if (!dst || !*copy || !*dst) {
		free(copy);
		return bad("--volume: \"%s\" is not HOST:CONTAINER[:ro|rw]", s);
	}
	bool ro = false;
	if (mode && strcmp(mode, "ro") && strcmp(mode, "rw")) {
		free(copy);
		return bad("--volume: \"%s\": the mode is not ro or rw", s);
	}
	ro = mode && !strcmp(mode, "ro");
	if (dst[0] != '/' || !strcmp(dst, "/")) {
		free(copy);
		return bad("--volume: \"%s\": the container path must be absolute and not /", s);
	}
	char *src = realpath(copy, NULL);
	if (!src) {
		int err = errno;
		free(copy);
		return bad("--volume: \"%s\": host path: %s", s, strerror(err));
	}
	struct people_volume *v =
		realloc(o->volumes, (o->n_volumes + 1) * sizeof(*v));
	if (!v) {
		free(src);
		free(copy);
		return bad("out of memory");
	}
	o->volumes = v;
	/* dst points into copy: keep copy alive by moving dst to its own
	   string and freeing the rest. */
	char *d = strdup(dst);
	free(copy);
	if (!d) {
		free(src);
		return bad("out of memory");
	}
	v[o->n_volumes++] = (struct people_volume){ src, d, ro };
	return 0;
}

/* DEV:VALUE for the --device-* throttles; iops takes a count, bps a size. */
static int parse_throttle(const char *flag, const char *s, bool bps,
			  struct people_throttles *t)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon == s || !colon[1])
		return bad("--%s: \"%s\" is not DEVICE:%s", flag, s,
			   bps ? "RATE" : "IOPS");
	_cleanup_free_ char *dev = strndup(s, (size_t)(colon - s));
	struct stat st;
	if (!dev || stat(dev, &st) < 0)
		return bad("--%s: \"%s\": %s", flag, dev ? dev : s, strerror(errno));
	if (!S_ISBLK(st.st_mode))
		return bad("--%s: \"%s\" is not a block device", flag, dev);
	long long v;
	int64_t n;
	if (bps) {
		if (cli_parse_size(colon + 1, &v) < 0 || v <= 0)
			return bad("--%s: \"%s\" is not a rate (1mb, 512k)", flag, colon + 1);
	} else {
		if (parse_i64(colon + 1, &n) < 0 || n <= 0)
			return bad("--%s: \"%s\" is not a positive count", flag, colon + 1);
		v = n;
	}
	struct people_throttle *p = realloc(t->v, (t->n + 1) * sizeof(*p));
	if (!p)
		return bad("out of memory");
	t->v = p;
	p[t->n++] = (struct people_throttle){ major(st.st_rdev), minor(st.st_rdev),
					      (uint64_t)v };
	return 0;
}

static int parse_cap(const char *flag, const char *s, struct strlist *l)
{
	if (!strcasecmp(s, "ALL"))
		return strlist_add(l, "ALL");
	char name[64];
	const char *base = !strncasecmp(s, "CAP_", 4) ? s + 4 : s;
	if (strlen(base) + 5 > sizeof(name))
		return bad("--%s: \"%s\" is not a capability", flag, s);
	strcpy(name, "CAP_");
	for (size_t i = 0; base[i]; i++)
		name[4 + i] = (char)(base[i] >= 'a' && base[i] <= 'z' ? base[i] - 32 : base[i]);
	name[4 + strlen(base)] = '\0';
	if (oci_cap_from_name(name) < 0)
		return bad("--%s: \"%s\" is not a capability", flag, s);
	const char *cap = oci_cap_name(oci_cap_from_name(name));
	return strlist_add(l, cap);
}

static int parse_security(const char *s, struct people_opts *o)
{
	if (!strcmp(s, "no-new-privileges") || !strcmp(s, "no-new-privileges=true") ||
	    !strcmp(s, "no-new-privileges:true")) {
		o->no_new_privs = true;
		return 0;
	}
	if (!strcmp(s, "no-new-privileges=false") || !strcmp(s, "no-new-privileges:false")) {
		o->no_new_privs = false;
		return 0;
	}
	if (strncmp(s, "seccomp=", 8) && strncmp(s, "seccomp:", 8))
		return bad("--security-opt: \"%s\" is not seccomp=default|unconfined|FILE "
			   "or no-new-privileges", s);
	const char *v = s + 8;
	json_decref(o->seccomp_profile);
	o->seccomp_profile = NULL;
	if (!strcmp(v, "default")) {
		o->seccomp = SECCOMP_DEFAULT;
	} else if (!strcmp(v, "unconfined")) {
		o->seccomp = SECCOMP_UNCONFINED;
	} else {
		json_error_t je;
		o->seccomp_profile = json_load_file(v, 0, &je);
		if (!o->seccomp_profile)
			return bad("--security-opt: seccomp profile %s: %s", v, je.text);
		if (!json_is_object(o->seccomp_profile))
			return bad("--security-opt: seccomp profile %s: not a JSON object", v);
		o->seccomp = SECCOMP_FILE;
	}
	return 0;
}

/* The first /etc/subuid (or subgid) range of the caller, or 100000:65536. */
static void subid_range(const char *file, uint32_t *start, uint32_t *count)
{
	*start = 100000;
	*count = 65536;
	_cleanup_fclose_ FILE *f = fopen(file, "re");
	if (!f)
		return;
	char line[256], uidstr[16];
	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)getuid());
	const char *user = getenv("USER");
	if (getuid() == 0)
		user = "root";
	while (fgets(line, sizeof(line), f)) {
		char *who = strtok(line, ":\n");
		char *s = strtok(NULL, ":\n");
		char *n = strtok(NULL, ":\n");
		uint32_t a, b;
		if (!who || !s || !n || parse_u32(s, &a) < 0 || parse_u32(n, &b) < 0 || !b)
			continue;
		if (strcmp(who, uidstr) && !(user && !strcmp(who, user)))
			continue;
		*start = a;
		*count = b;
		return;
	}
}

static int parse_userns(const char *s, struct people_opts *o)
{
	o->userns_given = true;
	if (!strcmp(s, "host")) {
		o->userns = USERNS_HOST;
		return 0;
	}
	if (!strcmp(s, "auto")) {
		uint32_t gs, gc;
		subid_range("/etc/subuid", &o->userns_host, &o->userns_count);
		subid_range("/etc/subgid", &gs, &gc);
		o->userns_host_gid = gs;
		if (gc < o->userns_count)
			o->userns_count = gc;
		o->userns = USERNS_AUTO;
		return 0;
	}
	_cleanup_free_ char *copy = strdup(s);
	char *g = copy ? strchr(copy, ':') : NULL;
	char *n = g ? strchr(g + 1, ':') : NULL;
	if (!n)
		return bad("--userns: \"%s\" is not host, auto or UID:GID:COUNT", s);
	*g++ = '\0';
	*n++ = '\0';
	if (parse_u32(copy, &o->userns_host) < 0 || parse_u32(g, &o->userns_host_gid) < 0 ||
	    parse_u32(n, &o->userns_count) < 0 || o->userns_count == 0)
		return bad("--userns: \"%s\" is not host, auto or UID:GID:COUNT", s);
	if ((uint64_t)o->userns_host + o->userns_count > UINT32_MAX ||
	    (uint64_t)o->userns_host_gid + o->userns_count > UINT32_MAX)
		return bad("--userns: \"%s\": the range passes 4294967295", s);
	o->userns = USERNS_MAP;
	return 0;
}

/* "0-1,3": every CPU must exist. */
static int parse_cpuset(const char *s)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	const char *p = s;
	if (!*p)
		return bad("--cpuset-cpus: \"\" is not a CPU list");
	while (*p) {
		char *end;
		if (*p < '0' || *p > '9')
			return bad("--cpuset-cpus: \"%s\" is not a CPU list (0-1,3)", s);
		long a = strtol(p, &end, 10), b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return bad("--cpuset-cpus: \"%s\" is not a CPU list (0-1,3)", s);
			b = strtol(end + 1, &end, 10);
		}
		if (b < a)
			return bad("--cpuset-cpus: \"%s\": a range runs backwards", s);
		if (b >= ncpu)
			return bad("--cpuset-cpus: \"%s\": this machine has CPUs 0-%ld", s, ncpu - 1);
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return bad("--cpuset-cpus: \"%s\" is not a CPU list (0-1,3)", s);
		p = end;
	}
	return 0;
}

static int parse_cpus(const char *s, struct people_opts *o)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (errno || end == s || *end || !(v > 0))
		return bad("--cpus: \"%s\" is not a number of CPUs", s);
	if (v < 0.01 || v > (double)ncpu)
		return bad("--cpus: %s: the range is 0.01 to %ld (CPUs here)", s, ncpu);
	o->cpu_quota = (int64_t)(v * 100000.0 + 0.5);
	return 0;
}

static int parse_range(const char *flag, const char *s, int64_t lo, int64_t hi,
		       int64_t *out)
{
	if (parse_i64(s, out) < 0)
		return bad("--%s: \"%s\" is not a number", flag, s);
	if (*out < lo || *out > hi)
		return bad("--%s: %s is out of range (%lld-%lld)", flag, s,
			   (long long)lo, (long long)hi);
	return 0;
}

static int parse_size_flag(const char *flag, const char *s, bool allow_unlimited,
			   int64_t *out)
{
	long long v;
	if (cli_parse_size(s, &v) < 0 || (v < 0 && !allow_unlimited))
		return bad("--%s: \"%s\" is not a size (64m, 1g)", flag, s);
	if (v >= 0 && v < 4 << 20)
		return bad("--%s: %s is below the 4m minimum", flag, s);
	*out = v;
	return 0;
}

static int parse_net(const char *s, struct people_opts *o)
{
	struct cell_err e;
	o->net_arg = s;
	o->net_path = NULL;
	if (net_mode_parse(s, &o->net, &o->net_path, &e) < 0)
		return bad("%s", e.msg);
	return 0;
}

static int parse_publish(const char *s, struct people_opts *o)
{
	struct cell_err e;
	struct net_publish p;
	if (net_publish_parse(s, &p, &e) < 0)
		return bad("--publish: \"%s\": %s", s, e.msg);
	struct net_publish *v = realloc(o->publish, (o->n_publish + 1) * sizeof(*v));
	if (!v)
		return bad("out of memory");
	o->publish = v;
	v[o->n_publish++] = p;
	return 0;
}

static int parse_one(int c, const char *arg, struct people_opts *o)
{
	int64_t n;
	switch (c) {
	case OPT_NAME:
		if (!valid_name(arg))
			return bad("--name: \"%s\" is not a name ([A-Za-z0-9][A-Za-z0-9_.+-]*)", arg);
		o->name = arg;
		return 0;
	case OPT_HOSTNAME:
		if (!valid_hostname(arg))
			return bad("--hostname: \"%s\" is not a host name", arg);
		o->hostname = arg;
		return 0;
	case 'e':
		if (!*arg || arg[0] == '=')
			return bad("--env: \"%s\" is not KEY=VALUE", arg);
		return strlist_add(&o->env, arg);
	case 'w':
		if (arg[0] != '/')
			return bad("--workdir: \"%s\" is not an absolute path", arg);
		o->workdir = arg;
		return 0;
	case 'u': return parse_user(arg, o);
	case 'v': return parse_volume(arg, o);
	case OPT_TMPFS:
		if (arg[0] != '/' || !strcmp(arg, "/"))
			return bad("--tmpfs: \"%s\" is not an absolute path other than /", arg);
		return strlist_add(&o->tmpfs, arg);
	case OPT_READ_ONLY: o->read_only = true; return 0;
	case 't': o->tty = true; return 0;
	case 'i': o->interactive = true; return 0;
	case 'd': o->detach = true; return 0;
	case OPT_RM: o->rm = true; return 0;
	case OPT_KEEP: o->keep = true; return 0;
	case 'm': return parse_size_flag("memory", arg, false, &o->memory);
	case OPT_MEMORY_SWAP: return parse_size_flag("memory-swap", arg, true, &o->memory_swap);
	case OPT_CPUS: return parse_cpus(arg, o);
	case OPT_CPU_SHARES: return parse_range("cpu-shares", arg, 2, 262144, &o->cpu_shares);
	case OPT_CPUSET:
		if (parse_cpuset(arg) < 0)
			return -1;
		o->cpuset_cpus = arg;
		return 0;
	case OPT_PIDS:
		if (parse_i64(arg, &n) < 0 || (n <= 0 && n != -1))
			return bad("--pids-limit: \"%s\" is not a positive count or -1", arg);
		o->pids_limit = n;
		return 0;
	case OPT_RBPS: return parse_throttle("device-read-bps", arg, true, &o->read_bps);
	case OPT_WBPS: return parse_throttle("device-write-bps", arg, true, &o->write_bps);
	case OPT_RIOPS: return parse_throttle("device-read-iops", arg, false, &o->read_iops);
	case OPT_WIOPS: return parse_throttle("device-write-iops", arg, false, &o->write_iops);
	case OPT_BLKIO_WEIGHT: return parse_range("blkio-weight", arg, 10, 1000, &o->blkio_weight);
	case OPT_CAP_ADD: return parse_cap("cap-add", arg, &o->cap_add);
	case OPT_CAP_DROP: return parse_cap("cap-drop", arg, &o->cap_drop);
	case OPT_SECURITY: return parse_security(arg, o);
	case OPT_USERNS: return parse_userns(arg, o);
	case OPT_TIME_OFFSET:
		if (parse_i64(arg, &n) < 0)
			return bad("--time-offset: \"%s\" is not a number of seconds", arg);
		/* the kernel keeps the clocks within ~146 years of each other */
		if (n > (int64_t)1 << 32 || n < -((int64_t)1 << 32))
			return bad("--time-offset: %s is too far", arg);
		o->has_time_offset = true;
		o->time_offset = n;
		return 0;
	case OPT_INIT: o->init = true; return 0;
	case OPT_TRACE: o->trace = arg; return 0;
	case OPT_EXPLAIN: o->explain = true; return 0;
	case OPT_DRY_RUN: o->dry_run = true; return 0;
	case OPT_NET: return parse_net(arg, o);
	case 'p': return parse_publish(arg, o);
	case OPT_DNS:
		if (!valid_ip(arg))
			return bad("--dns: \"%s\" is not an IP address", arg);
		return strlist_add(&o->dns, arg);
	case OPT_ADD_HOST: {
		const char *colon = strchr(arg, ':');
		_cleanup_free_ char *host = colon ? strndup(arg, (size_t)(colon - arg)) : NULL;
		if (!host || !valid_hostname(host) || !valid_ip(colon + 1))
			return bad("--add-host: \"%s\" is not NAME:IP", arg);
		return strlist_add(&o->add_host, arg);
	}
	case OPT_ROOTFS: {
		struct stat st;
		char *real = realpath(arg, NULL);
		if (!real || stat(real, &st) < 0) {
			free(real);
			return bad("--rootfs: %s: %s", arg, strerror(errno));
		}
		if (!S_ISDIR(st.st_mode)) {
			free(real);
			return bad("--rootfs: %s is not a directory", arg);
		}
		free((char *)o->rootfs);
		o->rootfs = real;
		return 0;
	}
	case OPT_IMAGE:
		if (access(arg, R_OK) < 0)
			return bad("--image: %s: %s", arg, strerror(errno));
		o->image = arg;
		return 0;
	}
	return bad("unknown option");
}

/* Checks that need every flag. */
static int check_combination(struct people_opts *o)
{
	if (o->rootfs && o->image)
		return bad("--rootfs and --image: choose one");
	if (o->detach && o->tty)
		return bad("-t with -d: a detached container has no terminal to attach to");
	if (o->keep && o->rm)
		return bad("--keep and --rm: choose one");
	if (o->dry_run && (o->detach || o->keep))
		return bad("--dry-run with %s: a dry run leaves nothing behind",
			   o->detach ? "-d" : "--keep");
	if (o->memory_swap != -2 && o->memory < 0)
		return bad("--memory-swap needs --memory");
	if (o->memory_swap >= 0 && o->memory_swap < o->memory)
		return bad("--memory-swap: it counts memory + swap: it must be at least --memory");
	if (o->n_publish && o->net != NET_MODE_BRIDGE && o->net != NET_MODE_SLIRP)
		return bad("--publish needs --net bridge (or --net slirp)");
	if (geteuid() != 0 && o->net == NET_MODE_BRIDGE)
		return bad(NET_BRIDGE_ROOTLESS_MSG);
	/* slirp4netns's DNS forwarder: the host's own resolvers may be on
	   its loopback, which the container cannot reach */
	if (o->net == NET_MODE_SLIRP && !o->dns.n && strlist_add(&o->dns, NET_SLIRP_DNS) < 0)
		return -1;
	/* Rootless: a user namespace is what lets an ordinary user make the
	   others.  By default root inside is the caller outside (one id,
	   no helper needed); --userns auto takes the /etc/subuid range
	   through newuidmap. */
	if (geteuid() != 0 && !o->userns_given) {
		o->userns = USERNS_MAP;
		o->userns_host = (uint32_t)getuid();
		o->userns_host_gid = (uint32_t)getgid();
		o->userns_count = 1;
	}
	if (geteuid() != 0 && o->userns == USERNS_HOST)
		return bad("--userns host needs root: leave it out to run rootless");
	if (o->userns != USERNS_HOST && o->net == NET_MODE_HOST)
		return bad("--userns with --net host: a user namespace cannot mount /sys "
			   "for the host's network; use --net none");
	/* with --image, the image's Entrypoint and Cmd may be the command */
	if (!o->image && (!o->cmd || !o->cmd[0]))
		return bad("no command after --");
	if (!o->name) {
		unsigned char rnd[4];
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return bad("getrandom: %s", strerror(errno));
		snprintf(o->name_buf, sizeof(o->name_buf), "cell-%02x%02x%02x%02x",
			 rnd[0], rnd[1], rnd[2], rnd[3]);
		o->name = o->name_buf;
	}
	if (!o->detach && !o->keep)
		o->rm = true;
	return 0;
}

int people_opts_parse(int argc, char **argv, struct people_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->memory = o->cpu_shares = o->pids_limit = o->blkio_weight = -1;
	o->cpu_quota = -1;
	o->memory_swap = -2; /* -1 is "unlimited" */
	o->net = NET_MODE_NONE;

	int dashes = 1;
	while (dashes < argc && strcmp(argv[dashes], "--"))
		dashes++;
	o->cmd = argv + (dashes < argc ? dashes + 1 : argc);

	/* getopt sees only what comes before "--": the command's own flags
	   are never ours. */
	_cleanup_free_ char **args = calloc((size_t)dashes + 1, sizeof(char *));
	if (!args)
		return bad("out of memory");
	memcpy(args, argv, (size_t)dashes * sizeof(char *));
	int c;
	optind = 0;
	while ((c = getopt_long(dashes, args, "+:e:w:u:v:tidm:p:h", long_opts, NULL)) != -1) {
		if (c == 'h') {
			people_usage(stdout);
			exit(0);
		}
		if (c == '?')
			return bad("unknown option %s (see cell run --help)", args[optind - 1]);
		if (c == ':')
			return bad("%s needs a value", args[optind - 1]);
		if (parse_one(c, optarg, o) < 0)
			return -1;
	}
	if (optind < dashes)
		return bad("unexpected \"%s\" before --: the command goes after --",
			   args[optind]);
	return check_combination(o);
}

void people_opts_free(struct people_opts *o)
{
	free(o->env.v);
	free(o->tmpfs.v);
	free(o->cap_add.v);
	free(o->cap_drop.v);
	free(o->dns.v);
	free(o->add_host.v);
	for (size_t i = 0; i < o->n_volumes; i++) {
		free((char *)o->volumes[i].src);
		free((char *)o->volumes[i].dst);
	}
	free(o->volumes);
	free(o->read_bps.v);
	free(o->write_bps.v);
	free(o->read_iops.v);
	free(o->write_iops.v);
	free(o->publish);
	free((char *)o->rootfs);
	json_decref(o->seccomp_profile);
	memset(o, 0, sizeof(*o));
}
