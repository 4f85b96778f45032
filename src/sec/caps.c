/* Capabilities: the bounding set, then effective/permitted/inheritable, then
 * ambient.  Bit N of every oci_caps mask is capability N. */
#include "sec/sec.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/fd.h"
#include "util/log.h"


/* The highest capability this kernel knows.  libcap finds it by probing
 * PR_CAPBSET_READ, which works before /proc is mounted in the container. */
static int cap_last(void)
{
	int bits = (int)cap_max_bits();
	if (bits <= 0 || bits > 64)
		bits = 41; /* CAP_CHECKPOINT_RESTORE + 1 */
	return bits - 1;
}

static uint64_t cap_known_mask(void)
{
	int last = cap_last();
	return last >= 63 ? ~UINT64_C(0) : (UINT64_C(1) << (last + 1)) - 1;
}

static const char *cap_name(int cap, char *buf, size_t len)
{
	const char *n = oci_cap_name(cap);
	if (n)
		return n;
	snprintf(buf, len, "CAP_%d", cap);
	return buf;
}

/* A capability this kernel does not know cannot be granted; runc warns and
 * goes on, so that one config serves old and new kernels. */
static uint64_t drop_unknown(uint64_t mask, const char *set)
{
	uint64_t unknown = mask & ~cap_known_mask();
	for (int cap = 0; unknown && cap < 64; cap++) {
		if (!(unknown & (UINT64_C(1) << cap)))
			continue;
		char buf[16];
		log_warn("process.capabilities.%s: %s is unknown to this "
			 "kernel, ignored",
			 set, cap_name(cap, buf, sizeof(buf)));
	}
	return mask & cap_known_mask();
}

int sec_drop_bounding(const struct oci_caps *caps, struct cell_err *e)
{
	uint64_t keep = drop_unknown(caps->bounding, "bounding");
	uint64_t dropped = 0;
	int last = cap_last();
	/* What we have is read only to tell --explain what went: dropping a
	   capability already gone succeeds where we hold CAP_SETPCAP, and
	   PR_CAPBSET_READ tells the rest apart. */
	uint64_t have = ~UINT64_C(0);
	if (trace_enabled() && proc_status_mask("CapBnd", &have) < 0)
		have = ~UINT64_C(0);

	for (int cap = 0; cap <= last; cap++) {
		if (keep & (UINT64_C(1) << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0) {
			int err = errno;
			/* Already gone (an outer runtime dropped it): no
			   CAP_SETPCAP needed for that. */
			if (err == EPERM &&
			    prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 0)
				continue;
			char buf[16];
			return cell_err_sys(
				e, err,
				"process.capabilities.bounding: cannot drop %s%s",
				cap_name(cap, buf, sizeof(buf)),
				err == EPERM ? " (CAP_SETPCAP is needed)" : "");
		}
		dropped |= have & (UINT64_C(1) << cap);
	}
	EXPLAIN("out of the bounding set: no exec, not even of a setuid binary, can give these back",
		"prctl(PR_CAPBSET_DROP) x%d: %s", __builtin_popcountll(dropped),
		trace_caps_str(dropped, oci_cap_name));
	return 0;
}

static int caps_from_mask(cap_t c, cap_flag_t flag, uint64_t mask)
{
	for (int cap = 0; cap < 64; cap++) {
		if (!(mask & (UINT64_C(1) << cap)))
			continue;
		cap_value_t v = cap;
		if (cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return -errno;
	}
	return 0;
}

static int set_ambient(uint64_t ambient, uint64_t allowed,
		       struct cell_err *e)
{
	/* Ambient capabilities arrived in Linux 4.3; without them an empty
	 * ambient set is already what the config asks. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
		if (errno == EINVAL && ambient == 0)
			return 0;
		return cell_err_sys(e, errno,
				    "process.capabilities.ambient: cannot "
				    "clear the ambient set");
	}
	if (ambient)
		EXPLAIN("ambient capabilities: kept across the exec of an ordinary binary",
			"prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE) %s",
			trace_caps_str(ambient, oci_cap_name));
	for (int cap = 0; cap < 64; cap++) {
		if (!(ambient & (UINT64_C(1) << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE,
			  (unsigned long)cap, 0, 0) == 0)
			continue;
		int err = errno;
		char buf[16];
		const char *name = cap_name(cap, buf, sizeof(buf));
		/* The kernel only lets a capability be ambient while it is
		 * both permitted and inheritable. */
		/* runc's own `spec` lists ambient capabilities that are not
		 * inheritable, and runc runs it without a word: so do we
		 * (--debug says it). */
		if (err == EPERM && !(allowed & (UINT64_C(1) << cap))) {
			log_debug("process.capabilities.ambient: %s is not raised: "
				 "it must also be in the inheritable and "
				 "permitted sets",
				 name);
			continue;
		}
		return cell_err_sys(e, err,
				    "process.capabilities.ambient: cannot raise %s",
				    name);
	}
	return 0;
}

int sec_apply_caps(const struct oci_process *p, struct cell_err *e)
{
	struct oci_caps c = { 0 };
	if (p->has_caps) {
		c.effective = drop_unknown(p->caps.effective, "effective");
		c.permitted = drop_unknown(p->caps.permitted, "permitted");
		c.inheritable = drop_unknown(p->caps.inheritable, "inheritable");
		c.ambient = drop_unknown(p->caps.ambient, "ambient");
	}

	uint64_t extra = c.effective & ~c.permitted;
	if (extra) {
		char buf[16];
		return cell_err_msg(
			e, EINVAL,
			"process.capabilities.effective: %s is not in the "
			"permitted set",
			cap_name(__builtin_ctzll(extra), buf, sizeof(buf)));
	}

	cap_t cs = cap_init();
	if (!cs)
		return cell_err_sys(e, errno, "process.capabilities: cap_init");
	int r = caps_from_mask(cs, CAP_EFFECTIVE, c.effective);
	if (r == 0)
		r = caps_from_mask(cs, CAP_PERMITTED, c.permitted);
	if (r == 0)
		r = caps_from_mask(cs, CAP_INHERITABLE, c.inheritable);
	EXPLAIN("the capabilities the process keeps; every other power of root is gone",
		"capset(effective %s; permitted %s; inheritable %s)",
		trace_caps_str(c.effective, oci_cap_name),
		trace_caps_str(c.permitted, oci_cap_name),
		trace_caps_str(c.inheritable, oci_cap_name));
	if (r == 0 && cap_set_proc(cs) < 0)
		r = -errno;
	cap_free(cs);
	if (r < 0)
		return cell_err_sys(
			e, -r,
			"process.capabilities: cannot set effective %#llx, "
			"permitted %#llx, inheritable %#llx%s",
			(unsigned long long)c.effective,
			(unsigned long long)c.permitted,
			(unsigned long long)c.inheritable,
			r == -EPERM ? " (a permitted or inheritable capability "
				      "is missing from the bounding set or was "
				      "already dropped)"
				    : "");

	return set_ambient(c.ambient, c.permitted & c.inheritable, e);
}

int sec_set_no_new_privs(struct cell_err *e)
{
	EXPLAIN("setuid binaries and file capabilities can no longer raise its privileges",
		"prctl(PR_SET_NO_NEW_PRIVS, 1)");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cell_err_sys(e, errno,
				    "process.noNewPrivileges: prctl");
	return 0;
}

/* sec_known_caps() hands out one array for the life of the process; it is
 * built once because the kernel's capability count never changes. */
static const char *known_caps[64 + 1];
static char known_caps_extra[64][24];
static pthread_once_t known_caps_once = PTHREAD_ONCE_INIT;

static void known_caps_build(void)
{
	int last = cap_last();
	for (int cap = 0; cap <= last; cap++) {
		if (oci_cap_name(cap)) {
			known_caps[cap] = oci_cap_name(cap);
			continue;
		}
		/* Newer than this table: libcap may know its name. */
		char *n = cap_to_name(cap);
		char *buf = known_caps_extra[cap];
		if (n && strncmp(n, "cap_", 4) == 0) {
			snprintf(buf, sizeof(known_caps_extra[0]), "%s", n);
		} else {
			snprintf(buf, sizeof(known_caps_extra[0]), "CAP_%d",
				 cap);
		}
		for (char *q = buf; *q; q++)
			*q = (char)toupper((unsigned char)*q);
		cap_free(n);
		known_caps[cap] = buf;
	}
	known_caps[last + 1] = NULL;
}

const char *const *sec_known_caps(void)
{
	pthread_once(&known_caps_once, known_caps_build);
	return known_caps;
}
