/* What the systemd driver tells systemd: the OCI resources as unit
 * properties, and the config's org.systemd.property.* annotations.
 *
 * systemd owns the cgroup attributes it has a property for: on a
 * daemon-reload or its next realisation of the unit it writes them again
 * from the unit, so a limit written only to the file would be lost.  Each
 * resource systemd knows goes here as a property; the file writes after it
 * (systemd.c) cover the rest, as runc does. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/internal.h"
#include "cgroup/sdbus.h"
#include "util/cleanup.h"

#define F "linux.resources."
/* systemd's "infinity" for bytes, tasks and CPU time alike. */
#define SD_INFINITY UINT64_MAX

struct props {
	const struct sdb_api *sd;
	sd_bus_message *m;
};

static int put_u64(const struct props *p, const char *name, uint64_t v)
{
	return p->sd->message_append(p->m, "(sv)", name, "t", v);
}

/* OCI's -1 means unlimited. */
static int put_limit(const struct props *p, const char *name, int64_t v)
{
	return put_u64(p, name, v < 0 ? SD_INFINITY : (uint64_t)v);
}

static int put_bool(const struct props *p, const char *name, bool v)
{
	return p->sd->message_append(p->m, "(sv)", name, "b", (int)v);
}

/* "0-3,7" -> systemd's CPU/NUMA-node mask: byte i/8, bit i%8. */
static int put_cpuset(const struct props *p, const char *name,
		      const char *list, struct cell_err *e)
{
	uint8_t bits[1024] = { 0 }; /* 8192 CPUs */
	size_t used = 0;
	for (const char *s = list; *s;) {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (end == s)
			return cell_err_msg(e, EINVAL, F "cpu: \"%s\" is not a "
						       "cpu list", list);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (b < a || b >= sizeof(bits) * 8 || (*end && *end != ','))
			return cell_err_msg(e, EINVAL, F "cpu: \"%s\" is not a "
						       "cpu list", list);
		for (unsigned long i = a; i <= b; i++)
			bits[i / 8] |= (uint8_t)(1u << (i % 8));
		if (b / 8 + 1 > used)
			used = b / 8 + 1;
		s = *end ? end + 1 : end;
	}
	const struct sdb_api *sd = p->sd;
	int r;
	if ((r = sd->message_open_container(p->m, 'r', "sv")) < 0 ||
	    (r = sd->message_append(p->m, "s", name)) < 0 ||
	    (r = sd->message_open_container(p->m, 'v', "ay")) < 0 ||
	    (r = sd->message_append_array(p->m, 'y', bits, used)) < 0 ||
	    (r = sd->message_close_container(p->m)) < 0 ||
	    (r = sd->message_close_container(p->m)) < 0)
		return r;
	return 0;
}

/* cpu.cfs_quota_us/period_us -> CPUQuotaPerSecUSec (+ the period).
 * systemd keeps the quota as a whole percentage of one CPU: round up to
 * 10 ms per second so the kernel's quota is never below what was asked. */
static int put_cpu_quota(const struct props *p, const struct oci_resources *r)
{
	int ret;
	uint64_t period = r->cpu.period.set ? r->cpu.period.v : 0;
	int64_t quota = r->cpu.quota.set ? r->cpu.quota.v : 0;
	if (period && (ret = put_u64(p, "CPUQuotaPeriodUSec", period)) < 0)
		return ret;
	if (!quota && !period)
		return 0;
	uint64_t per_sec = SD_INFINITY;
	if (quota > 0) {
		per_sec = (uint64_t)quota * 1000000 / (period ? period : 100000);
		if (per_sec % 10000)
			per_sec = (per_sec / 10000 + 1) * 10000;
	}
	return put_u64(p, "CPUQuotaPerSecUSec", per_sec);
}

/* linux.resources.unified keys systemd has a property for. */
static int put_unified(const struct props *p, const struct oci_kv *kv)
{
	static const struct {
		const char *file, *prop;
	} map[] = {
		{ "memory.max", "MemoryMax" },	 { "memory.high", "MemoryHigh" },
		{ "memory.low", "MemoryLow" },	 { "memory.min", "MemoryMin" },
		{ "memory.swap.max", "MemorySwapMax" },
		{ "pids.max", "TasksMax" },	 { "cpu.weight", "CPUWeight" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(kv->key, map[i].file) != 0)
			continue;
		if (strcmp(kv->value, "max") == 0)
			return put_u64(p, map[i].prop, SD_INFINITY);
		char *end;
		errno = 0;
		uint64_t v = strtoull(kv->value, &end, 10);
		if (errno || end == kv->value || (*end && *end != '\n'))
			return 0; /* the file write reports it */
		return put_u64(p, map[i].prop, v);
	}
	return 0; /* written to the file only */
}

int sd_props_resources(const struct sdb_api *sd, sd_bus_message *m,
		       struct cgroup *cg, const struct oci_resources *r,
		       struct cell_err *e)
{
	const struct props p = { sd, m };
	bool v2 = cg->mode == CGROUP_MODE_UNIFIED;
	int ret = 0;
#define TRY(x)                       \
	do {                         \
		if ((ret = (x)) < 0) \
			goto fail;   \
	} while (0)

	if (r->memory.limit.set && r->memory.limit.v)
		TRY(put_limit(&p, v2 ? "MemoryMax" : "MemoryLimit",
			      r->memory.limit.v));
	if (v2 && r->memory.reservation.set && r->memory.reservation.v)
		TRY(put_limit(&p, "MemoryLow", r->memory.reservation.v));
	if (v2 && r->memory.swap.set && r->memory.swap.v) {
		int64_t swap = 0;
		int64_t limit = cg_memory_v2_limit(cgroup_v2_dir(cg), r);
		if ((ret = cgroup_swap_to_v2(r->memory.swap.v, limit, &swap,
					     e)) < 0)
			return ret;
		if (swap)
			TRY(put_limit(&p, "MemorySwapMax", swap));
	}
	if (r->cpu.shares.set && r->cpu.shares.v)
		TRY(v2 ? put_u64(&p, "CPUWeight",
				 cgroup_shares_to_weight(r->cpu.shares.v))
		       : put_u64(&p, "CPUShares", r->cpu.shares.v));
	TRY(put_cpu_quota(&p, r));
	if (r->pids_limit.set && (r->pids_limit.v > 0 || r->pids_limit.v == -1))
		TRY(put_limit(&p, "TasksMax", r->pids_limit.v));
	if (r->cpu.cpus && *r->cpu.cpus &&
	    (ret = put_cpuset(&p, "AllowedCPUs", r->cpu.cpus, e)) < 0)
		return ret == -EINVAL ? ret : sdb_fail(e, ret, NULL, "systemd");
	if (r->cpu.mems && *r->cpu.mems &&
	    (ret = put_cpuset(&p, "AllowedMemoryNodes", r->cpu.mems, e)) < 0)
		return ret == -EINVAL ? ret : sdb_fail(e, ret, NULL, "systemd");
	if (r->block_io.weight.set && r->block_io.weight.v)
		TRY(v2 ? put_u64(&p, "IOWeight",
				 cgroup_blkio_to_io_weight(r->block_io.weight.v))
		       : put_u64(&p, "BlockIOWeight", r->block_io.weight.v));
	for (size_t i = 0; v2 && i < r->n_unified; i++)
		TRY(put_unified(&p, &r->unified[i]));
	return 0;
#undef TRY
fail:
	return sdb_fail(e, ret, NULL, "systemd: unit properties");
}

int sd_props_accounting(const struct sdb_api *sd, sd_bus_message *m,
			int mode)
{
	/* Accounting on from the start, as with cgroupfs: systemd enables
	   the controllers down to the scope, and a process joining the memory
	   controller later is charged nothing for what it already holds. */
	const struct props p = { sd, m };
	int r;
	if ((r = put_bool(&p, "MemoryAccounting", true)) < 0 ||
	    (r = put_bool(&p, "CPUAccounting", true)) < 0 ||
	    (r = put_bool(&p, mode == CGROUP_MODE_UNIFIED ? "IOAccounting"
							   : "BlockIOAccounting",
			  true)) < 0 ||
	    (r = put_bool(&p, "TasksAccounting", true)) < 0)
		return r;
	return 0;
}

/* ------------------------------------------- org.systemd.property.* */

/* One annotation value in GVariant text form, as runc reads it:
 * true, 'text', "text", ['a', 'b'], 42 (int32), 1.5 (double),
 * uint64 42, @t 42, int64 -1, uint32 7, @u 7, ... */
struct gv {
	char type; /* 'b' 's' 'i' 'x' 'u' 't' 'q' 'n' 'y' 'd' 'a' (as) */
	uint64_t u;
	int64_t i;
	double d;
	char *s;
	char **strv;
};

static void gv_clear(struct gv *v)
{
	free(v->s);
	strv_free(v->strv);
	memset(v, 0, sizeof(*v));
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* A quoted string at *sp; advances past the closing quote. */
static char *gv_string(const char **sp)
{
	const char *s = *sp;
	char q = *s++;
	size_t n = strlen(s);
	char *out = malloc(n + 1), *w = out;
	if (!out)
		return NULL;
	for (; *s && *s != q; s++) {
		if (*s == '\\' && s[1])
			s++;
		*w++ = *s;
	}
	if (*s != q) {
		free(out);
		return NULL;
	}
	*w = '\0';
	*sp = s + 1;
	return out;
}

static int gv_strv(const char *s, struct gv *v)
{
	size_t n = 0;
	v->type = 'a';
	v->strv = calloc(1, sizeof(char *));
	if (!v->strv)
		return -ENOMEM;
	s = skip_ws(s + 1);
	while (*s != ']') {
		if (*s != '\'' && *s != '"')
			return -EINVAL;
		char *item = gv_string(&s);
		if (!item)
			return -EINVAL;
		char **nv = realloc(v->strv, (n + 2) * sizeof(char *));
		if (!nv) {
			free(item);
			return -ENOMEM;
		}
		v->strv = nv;
		v->strv[n++] = item;
		v->strv[n] = NULL;
		s = skip_ws(s);
		if (*s == ',')
			s = skip_ws(s + 1);
		else if (*s != ']')
			return -EINVAL;
	}
	return *skip_ws(s + 1) ? -EINVAL : 0;
}

static int gv_number(const char *s, char type, struct gv *v)
{
	char *end;
	errno = 0;
	if (type == 'd' || (type == 0 && strpbrk(s, ".eE"))) {
		v->type = 'd';
		v->d = strtod(s, &end);
	} else if (type == 't' || type == 'u' || type == 'q' || type == 'y') {
		if (*s == '-')
			return -EINVAL;
		v->type = type;
		v->u = strtoull(s, &end, 10);
	} else {
		v->type = type ? type : 'i';
		v->i = strtoll(s, &end, 10);
	}
	if (errno || end == s || *skip_ws(end))
		return -EINVAL;
	uint64_t umax = type == 'u' ? UINT32_MAX
			: type == 'q' ? UINT16_MAX
			: type == 'y' ? UINT8_MAX
				      : UINT64_MAX;
	if (strchr("tuqy", v->type) && v->u > umax)
		return -ERANGE;
	int64_t lo = v->type == 'i' ? INT32_MIN : v->type == 'n' ? INT16_MIN
						: INT64_MIN;
	int64_t hi = v->type == 'i' ? INT32_MAX : v->type == 'n' ? INT16_MAX
						: INT64_MAX;
	if (strchr("inx", v->type) && (v->i < lo || v->i > hi))
		return -ERANGE;
	return 0;
}

static int gv_parse(const char *text, struct gv *v)
{
	static const struct {
		const char *word;
		char type;
	} prefixes[] = {
		{ "uint64 ", 't' }, { "int64 ", 'x' }, { "uint32 ", 'u' },
		{ "int32 ", 'i' },  { "uint16 ", 'q' }, { "int16 ", 'n' },
		{ "byte ", 'y' },   { "double ", 'd' }, { "@t ", 't' },
		{ "@x ", 'x' },	    { "@u ", 'u' },	{ "@i ", 'i' },
		{ "@q ", 'q' },	    { "@n ", 'n' },	{ "@y ", 'y' },
		{ "@d ", 'd' },	    { "@b ", 'b' },	{ "@s ", 's' },
		{ "@as ", 'a' },
	};
	const char *s = skip_ws(text);
	char want = 0;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t l = strlen(prefixes[i].word);
		if (strncmp(s, prefixes[i].word, l) == 0) {
			want = prefixes[i].type;
			s = skip_ws(s + l);
			break;
		}
	}
	if (!strcmp(s, "true") || !strcmp(s, "false")) {
		if (want && want != 'b')
			return -EINVAL;
		v->type = 'b';
		v->u = s[0] == 't';
		return 0;
	}
	if (*s == '\'' || *s == '"') {
		if (want && want != 's')
			return -EINVAL;
		v->type = 's';
		v->s = gv_string(&s);
		return v->s && !*skip_ws(s) ? 0 : -EINVAL;
	}
	if (*s == '[') {
		if (want && want != 'a')
			return -EINVAL;
		return gv_strv(s, v);
	}
	if (want == 'b' || want == 's' || want == 'a')
		return -EINVAL;
	return gv_number(s, want, v);
}

/* TimeoutStopSec=5 means TimeoutStopUSec=5000000 on the bus, as in unit
 * files: runc converts a name ending in a lowercase letter + "Sec". */
static int gv_sec_to_usec(struct gv *v)
{
	double d;
	switch (v->type) {
	case 't': case 'u': case 'q': case 'y': d = (double)v->u; break;
	case 'x': case 'i': case 'n': d = (double)v->i; break;
	case 'd': d = v->d; break;
	default: return -EINVAL;
	}
	if (d < 0 || d * 1e6 > 1.8e19)
		return -ERANGE;
	v->type = 't';
	v->u = (uint64_t)(d * 1e6);
	return 0;
}

static int gv_append(const struct sdb_api *sd, sd_bus_message *m,
		     const char *name, const struct gv *v)
{
	switch (v->type) {
	case 'b': return sd->message_append(m, "(sv)", name, "b", (int)v->u);
	case 's': return sd->message_append(m, "(sv)", name, "s", v->s);
	case 't': return sd->message_append(m, "(sv)", name, "t", v->u);
	case 'u': return sd->message_append(m, "(sv)", name, "u", (uint32_t)v->u);
	case 'q': return sd->message_append(m, "(sv)", name, "q", (uint16_t)v->u);
	case 'y': return sd->message_append(m, "(sv)", name, "y", (uint8_t)v->u);
	case 'x': return sd->message_append(m, "(sv)", name, "x", v->i);
	case 'i': return sd->message_append(m, "(sv)", name, "i", (int32_t)v->i);
	case 'n': return sd->message_append(m, "(sv)", name, "n", (int16_t)v->i);
	case 'd': return sd->message_append(m, "(sv)", name, "d", v->d);
	default: break;
	}
	int r;
	if ((r = sd->message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd->message_append(m, "s", name)) < 0 ||
	    (r = sd->message_open_container(m, 'v', "as")) < 0 ||
	    (r = sd->message_open_container(m, 'a', "s")) < 0)
		return r;
	for (char **s = v->strv; s && *s; s++)
		if ((r = sd->message_append(m, "s", *s)) < 0)
			return r;
	if ((r = sd->message_close_container(m)) < 0 ||
	    (r = sd->message_close_container(m)) < 0 ||
	    (r = sd->message_close_container(m)) < 0)
		return r;
	return 0;
}

#define ANNOTATION_PREFIX "org.systemd.property."

int sd_props_annotations(const struct sdb_api *sd, sd_bus_message *m,
			 json_t *annotations, struct cell_err *e)
{
	const char *key;
	json_t *val;
	size_t pl = strlen(ANNOTATION_PREFIX);
	json_object_foreach(annotations, key, val) {
		if (strncmp(key, ANNOTATION_PREFIX, pl) != 0)
			continue;
		const char *name = key + pl;
		size_t nl = strlen(name);
		bool ok = nl >= 3;
		for (size_t i = 0; i < nl; i++)
			ok = ok && ((name[i] >= 'A' && name[i] <= 'Z') ||
				    (name[i] >= 'a' && name[i] <= 'z'));
		if (!ok)
			return cell_err_msg(e, EINVAL,
					    "annotations: %s: not a systemd "
					    "property name",
					    key);
		if (!json_is_string(val))
			return cell_err_msg(e, EINVAL,
					    "annotations: %s: expected a string",
					    key);
		struct gv v = { 0 };
		int r = gv_parse(json_string_value(val), &v);
		char usec[128];
		if (r == 0 && nl > 3 && strcmp(name + nl - 3, "Sec") == 0 &&
		    name[nl - 4] >= 'a' && name[nl - 4] <= 'z') {
			snprintf(usec, sizeof(usec), "%.*sUSec", (int)(nl - 3),
				 name);
			name = usec;
			r = gv_sec_to_usec(&v);
		}
		if (r == 0 && m)
			r = gv_append(sd, m, name, &v);
		gv_clear(&v);
		if (r == -ENOMEM)
			return cell_err_sys(e, ENOMEM, "annotations");
		if (r < 0 && !m)
			return cell_err_msg(e, EINVAL,
					    "annotations: %s: \"%s\" is not a "
					    "value systemd can take (true, "
					    "'text', uint64 N, ...)",
					    key, json_string_value(val));
		if (r < 0)
			return sdb_fail(e, r, NULL, "annotations");
	}
	return 0;
}
