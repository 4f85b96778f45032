/* update and events: resource limits after create, and what a container
 * uses. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "container/container.h"
#include "oci/json.h"
#include "util/cleanup.h"
#include "util/file.h"

enum { U_MEMORY = 256, U_SWAP, U_RESERVATION, U_KMEM, U_KMEM_TCP, U_SHARES,
       U_QUOTA, U_PERIOD, U_RT_PERIOD, U_RT_RUNTIME, U_CPUS, U_MEMS, U_PIDS,
       U_BLKIO, U_L3, U_MEMBW };

static json_t *child(json_t *o, const char *key)
{
	json_t *c = json_object_get(o, key);
	if (!json_is_object(c)) {
		c = json_object();
		json_object_set_new(o, key, c);
	}
	return c;
}

static int set_num(json_t *o, const char *key, const char *flag,
		   const char *val, bool size)
{
	long long v;
	char *end;
	if (size) {
		if (cli_parse_size(val, &v) < 0)
			return cli_usage_error("update", "--%s: \"%s\" is not a size",
					       flag, val);
	} else {
		errno = 0;
		v = strtoll(val, &end, 10);
		if (errno || end == val || *end)
			return cli_usage_error("update", "--%s: \"%s\" is not a number",
					       flag, val);
	}
	json_object_set_new(o, key, json_integer(v));
	return 0;
}

int cmd_update(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, U_MEMORY },
		{ "memory-swap", required_argument, NULL, U_SWAP },
		{ "memory-reservation", required_argument, NULL, U_RESERVATION },
		{ "kernel-memory", required_argument, NULL, U_KMEM },
		{ "kernel-memory-tcp", required_argument, NULL, U_KMEM_TCP },
		{ "cpu-shares", required_argument, NULL, U_SHARES },
		{ "cpu-quota", required_argument, NULL, U_QUOTA },
		{ "cpu-period", required_argument, NULL, U_PERIOD },
		{ "cpu-rt-period", required_argument, NULL, U_RT_PERIOD },
		{ "cpu-rt-runtime", required_argument, NULL, U_RT_RUNTIME },
		{ "cpuset-cpus", required_argument, NULL, U_CPUS },
		{ "cpuset-mems", required_argument, NULL, U_MEMS },
		{ "pids-limit", required_argument, NULL, U_PIDS },
		{ "blkio-weight", required_argument, NULL, U_BLKIO },
		{ "l3-cache-schema", required_argument, NULL, U_L3 },
		{ "mem-bw-schema", required_argument, NULL, U_MEMBW },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	json_t *res = json_object();
	const char *file = NULL;
	int c, bad = 0;

	while (!bad && (c = getopt_long(argc, argv, "r:h", opts, NULL)) != -1) {
		const char *flag = c >= 256 ? opts[c - 256 + 1].name : "";
		switch (c) {
		case 'r': file = optarg; break;
		case U_MEMORY: bad = set_num(child(res, "memory"), "limit", flag, optarg, true); break;
		case U_SWAP: bad = set_num(child(res, "memory"), "swap", flag, optarg, true); break;
		case U_RESERVATION: bad = set_num(child(res, "memory"), "reservation", flag, optarg, true); break;
		case U_KMEM: case U_KMEM_TCP: case U_L3: case U_MEMBW: break;
		case U_SHARES: bad = set_num(child(res, "cpu"), "shares", flag, optarg, false); break;
		case U_QUOTA: bad = set_num(child(res, "cpu"), "quota", flag, optarg, false); break;
		case U_PERIOD: bad = set_num(child(res, "cpu"), "period", flag, optarg, false); break;
		case U_RT_PERIOD: bad = set_num(child(res, "cpu"), "realtimePeriod", flag, optarg, false); break;
		case U_RT_RUNTIME: bad = set_num(child(res, "cpu"), "realtimeRuntime", flag, optarg, false); break;
		case U_CPUS: json_object_set_new(child(res, "cpu"), "cpus", json_string(optarg)); break;
		case U_MEMS: json_object_set_new(child(res, "cpu"), "mems", json_string(optarg)); break;
		case U_PIDS: bad = set_num(child(res, "pids"), "limit", flag, optarg, false); break;
		case U_BLKIO: bad = set_num(child(res, "blockIO"), "weight", flag, optarg, false); break;
		case 'h':
			printf("usage: cell update [-r FILE|-] [--memory N] [--memory-swap N]\n"
			       "       [--memory-reservation N] [--cpu-shares N] [--cpu-quota N]\n"
			       "       [--cpu-period N] [--cpuset-cpus L] [--cpuset-mems L]\n"
			       "       [--pids-limit N] [--blkio-weight N] ID\n");
			json_decref(res);
			return 0;
		default:
			json_decref(res);
			return cli_usage_error("update", "unknown option %s", argv[optind - 1]);
		}
	}
	if (bad) {
		json_decref(res);
		return 1;
	}
	if (optind != argc - 1) {
		json_decref(res);
		return cli_usage_error("update", "expected exactly one container id");
	}
	const char *id = argv[optind];
	struct cell_err e;
	/* -r - reads the caller's stdin, which a handoff inside
	   container_update would have consumed: decided before, here */
	if (file && !strcmp(file, "-") &&
	    container_hand_over(g->root, id, &e) < 0) {
		json_decref(res);
		return cli_fail("update", id, &e);
	}
	if (file) {
		_cleanup_free_ char *text = NULL;
		int r = strcmp(file, "-")
				? file_read_at(AT_FDCWD, file, 0, &text, NULL, &e)
				: file_read_at(STDIN_FILENO, "/proc/self/fd/0", 0, &text, NULL, &e);
		if (r < 0) {
			json_decref(res);
			return cli_fail("update", id, &e);
		}
		json_t *fromfile = NULL;
		if (oci_json_parse(text, strlen(text), file, &fromfile, &e) < 0) {
			json_decref(res);
			return cli_fail("update", id, &e);
		}
		if (!json_is_object(fromfile)) {
			json_decref(res);
			json_decref(fromfile);
			return cli_usage_error("update", "%s: -r %s: expected an object",
					       id, file);
		}
		/* flags win over the file, as in runc */
		json_object_update_recursive(fromfile, res);
		json_decref(res);
		res = fromfile;
	}
	int r = container_update(g->root, id, res, &e);
	json_decref(res);
	if (r < 0)
		return cli_fail("update", id, &e);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_event(const char *type, const char *id, json_t *data)
{
	json_t *ev = json_pack("{s:s, s:s}", "type", type, "id", id);
	if (data)
		json_object_set(ev, "data", data);
	char *s = json_dumps(ev, JSON_COMPACT);
	printf("%s\n", s);
	fflush(stdout);
	free(s);
	json_decref(ev);
}

int cmd_events(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool once = false;
	double interval = 5;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': once = true; break;
		case 'i': {
			char *end;
			interval = strtod(optarg, &end);
			if (*end == 's')
				end++;
			else if (!strcmp(end, "ms")) {
				interval /= 1000;
				end += 2;
			}
			if (*end || interval <= 0)
				return cli_usage_error("events", "--interval: \"%s\" is not a duration", optarg);
			break;
		}
		case 'h': printf("usage: cell events [--stats] [--interval 5s] ID\n"); return 0;
		default: return cli_usage_error("events", "unknown option %s", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("events", "expected exactly one container id");
	const char *id = argv[optind];
	struct cell_err e;
	json_t *stats;
	if (container_stats(g->root, id, &stats, &e) < 0)
		return cli_fail("events", id, &e);
	print_event("stats", id, stats);
	json_decref(stats);
	if (once)
		return 0;
	/* OOM kills wake us at once (an eventfd on v1, POLLPRI on v2's
	   memory.events); stats come every interval. */
	uint64_t ooms = 0;
	bool have_ooms = container_oom_kills(g->root, id, &ooms, &e) == 0;
	int oomfd = have_ooms ? container_oom_fd(g->root, id, &e) : -1;
	long long next = now_ms() + (long long)(interval * 1000);
	for (;;) {
		long long wait = next - now_ms();
		struct pollfd p = { .fd = oomfd, .events = POLLIN | POLLPRI };
		int n = poll(&p, oomfd >= 0 ? 1 : 0, wait > 0 ? (int)wait : 0);
		if (n > 0) {
			char buf[4096];
			lseek(oomfd, 0, SEEK_SET); /* v2: re-arms POLLPRI */
			if (read(oomfd, buf, sizeof(buf)) < 0) {
				/* nothing to do: the count below decides */
			}
		}
		uint64_t now;
		if (have_ooms && container_oom_kills(g->root, id, &now, &e) == 0)
			for (; ooms < now; ooms++)
				print_event("oom", id, NULL);
		if (now_ms() < next)
			continue;
		next += (long long)(interval * 1000);
		if (container_stats(g->root, id, &stats, &e) < 0)
			break; /* the container is gone */
		print_event("stats", id, stats);
		json_decref(stats);
	}
	if (oomfd >= 0)
		close(oomfd);
	return 0;
}
