/* `cell stats [NAME...]`: docker-stats-like live usage of the people's
 * containers, from their cgroups (container_stats) and the network
 * namespace's /proc/<pid>/net/dev.  CPU % is of one CPU (two busy cores
 * show 200%), measured between two samples a second apart. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/people.h"
#include "cli/people_list.h"
#include "container/container.h"
#include "util/cleanup.h"

struct sample {
	char name[256];
	pid_t pid;
	bool ok;
	json_t *stats; /* container_stats() */
	uint64_t cpu_ns, mem, mem_limit, pids, blk_read, blk_write, net_rx, net_tx;
	double cpu_pct;
};

static uint64_t u(json_t *o, const char *path)
{
	/* "a.b.c" */
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && o;
	     k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	json_int_t v = json_integer_value(o);
	return v > 0 ? (uint64_t)v : 0;
}

static uint64_t host_mem_total(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb = 0;
	char line[256];
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	return kb * 1024;
}

/* rx/tx bytes of every interface but lo in pid's network namespace. */
static void net_io(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/net/dev", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	*rx = *tx = 0;
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		char *name = line + strspn(line, " ");
		if (!strcmp(name, "lo"))
			continue;
		unsigned long long v[9];
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu",
			   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
			   &v[8]) == 9) {
			*rx += v[0];
			*tx += v[8];
		}
	}
}

static void take(const char *root, struct sample *s)
{
	struct cell_err e;
	json_decref(s->stats);
	s->stats = NULL;
	s->ok = container_stats(root, s->name, &s->stats, &e) == 0;
	if (!s->ok)
		return;
	json_t *st = s->stats;
	s->cpu_ns = u(st, "cpu.usage.total");
	uint64_t usage = u(st, "memory.usage.usage");
	uint64_t inactive = u(st, "memory.raw.total_inactive_file");
	if (!inactive)
		inactive = u(st, "memory.raw.inactive_file");
	s->mem = usage > inactive ? usage - inactive : usage;
	s->mem_limit = u(st, "memory.usage.limit");
	uint64_t total = host_mem_total();
	if (!s->mem_limit || (total && s->mem_limit > total))
		s->mem_limit = total;
	s->pids = u(st, "pids.current");
	s->blk_read = s->blk_write = 0;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(json_object_get(st, "blkio"),
					   "ioServiceBytesRecursive"), i, it) {
		const char *op = json_string_value(json_object_get(it, "op"));
		uint64_t v = u(it, "value");
		if (op && !strcasecmp(op, "read"))
			s->blk_read += v;
		else if (op && !strcasecmp(op, "write"))
			s->blk_write += v;
	}
	net_io(s->pid, &s->net_rx, &s->net_tx);
}

static void human(uint64_t b, char *buf, size_t len)
{
	const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	size_t k = 0;
	while (v >= 1024 && k < 4)
		v /= 1024, k++;
	snprintf(buf, len, k ? "%.1f%s" : "%.0f%s", v, units[k]);
}

static void print_table(struct sample *v, size_t n, bool clear)
{
	if (clear)
		printf("\033[H\033[J");
	printf("%-20s %-8s %-22s %-7s %-20s %-20s %s\n", "NAME", "CPU %",
	       "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
	for (size_t i = 0; i < n; i++) {
		struct sample *s = &v[i];
		if (!s->ok)
			continue;
		char a[16], b[16], mem[40], net[40], blk[40];
		human(s->mem, a, sizeof(a));
		human(s->mem_limit, b, sizeof(b));
		snprintf(mem, sizeof(mem), "%s / %s", a, b);
		human(s->net_rx, a, sizeof(a));
		human(s->net_tx, b, sizeof(b));
		snprintf(net, sizeof(net), "%s / %s", a, b);
		human(s->blk_read, a, sizeof(a));
		human(s->blk_write, b, sizeof(b));
		snprintf(blk, sizeof(blk), "%s / %s", a, b);
		printf("%-20s %-8.2f %-22s %-7.2f %-20s %-20s %llu\n", s->name, s->cpu_pct,
		       mem, s->mem_limit ? 100.0 * (double)s->mem / (double)s->mem_limit : 0,
		       net, blk, (unsigned long long)s->pids);
	}
	fflush(stdout);
}

static void print_json(struct sample *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		struct sample *s = &v[i];
		if (!s->ok)
			continue;
		json_array_append_new(arr, json_pack(
			"{s:s, s:i, s:f, s:{s:I, s:I}, s:I, s:{s:I, s:I}, s:{s:I, s:I}, s:O}",
			"name", s->name, "pid", (int)s->pid, "cpuPercent", s->cpu_pct,
			"memory", "usage", (json_int_t)s->mem, "limit", (json_int_t)s->mem_limit,
			"pids", (json_int_t)s->pids,
			"net", "rxBytes", (json_int_t)s->net_rx, "txBytes", (json_int_t)s->net_tx,
			"block", "readBytes", (json_int_t)s->blk_read,
			"writeBytes", (json_int_t)s->blk_write, "stats", s->stats));
	}
	char *text = json_dumps(arr, JSON_COMPACT);
	printf("%s\n", text ? text : "[]");
	free(text);
	json_decref(arr);
	fflush(stdout);
}

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int people_stats(const struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-stream", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool stream = true;
	const char *format = "table";
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': stream = false; break;
		case 'f': format = optarg; break;
		case 'h':
			printf("usage: cell stats [--no-stream] [--format table|json] [NAME...]\n"
			       "CPU, memory, network, block I/O and pids of running containers\n"
			       "(default: every one `cell run --` started), refreshed each second.\n");
			return 0;
		default:
			return cli_usage_error("stats", "unknown option %s", argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return cli_usage_error("stats", "--format: \"%s\" is not table or json", format);

	size_t n = 0;
	_cleanup_free_ struct sample *v = NULL;
	if (optind < argc) {
		n = (size_t)(argc - optind);
		v = calloc(n, sizeof(*v));
		for (size_t i = 0; v && i < n; i++) {
			const char *name = argv[optind + (int)i];
			json_t *st = NULL;
			struct cell_err e;
			if (container_state_of(g->root, name, &st, &e) < 0)
				return cli_fail("stats", name, &e);
			snprintf(v[i].name, sizeof(v[i].name), "%s", name);
			v[i].pid = (pid_t)json_integer_value(json_object_get(st, "pid"));
			const char *status = json_string_value(json_object_get(st, "status"));
			bool running = status && strcmp(status, "stopped");
			json_decref(st);
			if (!running)
				return cli_usage_error("stats", "%s: container is not running", name);
		}
	} else {
		_cleanup_free_ struct people_entry *p = NULL;
		size_t np;
		int r = people_entries(g->root, &p, &np);
		if (r < 0)
			return cli_usage_error("stats", "%s", strerror(-r));
		v = calloc(np ? np : 1, sizeof(*v));
		for (size_t i = 0; v && i < np; i++) {
			if (p[i].pid <= 0)
				continue;
			snprintf(v[n].name, sizeof(v[n].name), "%s", p[i].name);
			v[n++].pid = p[i].pid;
		}
	}
	if (!v)
		return cli_usage_error("stats", "out of memory");

	bool clear = stream && isatty(STDOUT_FILENO) && !strcmp(format, "table");
	for (size_t i = 0; i < n; i++)
		take(g->root, &v[i]);
	double t0 = now_ns();
	for (;;) {
		poll(NULL, 0, 1000);
		double t1 = now_ns();
		for (size_t i = 0; i < n; i++) {
			uint64_t before = v[i].cpu_ns;
			take(g->root, &v[i]);
			v[i].cpu_pct = v[i].cpu_ns > before
				? 100.0 * (double)(v[i].cpu_ns - before) / (t1 - t0) : 0;
		}
		t0 = t1;
		if (!strcmp(format, "json"))
			print_json(v, n);
		else
			print_table(v, n, clear);
		if (!stream)
			break;
	}
	for (size_t i = 0; i < n; i++)
		json_decref(v[i].stats);
	return 0;
}
