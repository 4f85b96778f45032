/* linux.seccomp -> a libseccomp filter.  Compiled while the runtime can
 * still report errors cleanly (create), loaded last, just before execve. */
#include "sec/sec.h"

#include <errno.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sec/seccomp_names.h"
#include "util/cleanup.h"
#include "util/log.h"

#include "sec/seccomp_internal.h"

/* runc and crun default errnoRet to EPERM for both ERRNO and TRACE. */
static int action_value(enum oci_seccomp_action a, const struct opt_u64 *ret,
			uint32_t *out, struct cell_err *e)
{
	uint64_t code = ret->set ? ret->v : EPERM;

	if ((a == OCI_SECCOMP_ERRNO || a == OCI_SECCOMP_TRACE) &&
	    code > 0xffff)
		return cell_err_msg(e, EINVAL,
				    "errnoRet %llu is out of range (0..65535)",
				    (unsigned long long)code);
	switch (a) {
	case OCI_SECCOMP_KILL:
		*out = SCMP_ACT_KILL;
		return 0;
	case OCI_SECCOMP_KILL_THREAD:
		*out = SCMP_ACT_KILL_THREAD;
		return 0;
	case OCI_SECCOMP_KILL_PROCESS:
		*out = SCMP_ACT_KILL_PROCESS;
		return 0;
	case OCI_SECCOMP_TRAP:
		*out = SCMP_ACT_TRAP;
		return 0;
	case OCI_SECCOMP_ERRNO:
		*out = SCMP_ACT_ERRNO((uint32_t)code);
		return 0;
	case OCI_SECCOMP_TRACE:
		*out = SCMP_ACT_TRACE((uint32_t)code);
		return 0;
	case OCI_SECCOMP_ALLOW:
		*out = SCMP_ACT_ALLOW;
		return 0;
	case OCI_SECCOMP_LOG:
		*out = SCMP_ACT_LOG;
		return 0;
	case OCI_SECCOMP_NOTIFY:
		*out = SCMP_ACT_NOTIFY;
		return 0;
	}
	return cell_err_msg(e, EINVAL, "unknown action %d", (int)a);
}

static int add_archs(scmp_filter_ctx ctx, char **archs, struct cell_err *e)
{
	for (size_t i = 0; archs && archs[i]; i++) {
		uint32_t token;
		if (!sec_seccomp_arch_token(archs[i], &token))
			return cell_err_msg(e, EINVAL,
					    "linux.seccomp.architectures: "
					    "unknown architecture \"%s\"",
					    archs[i]);
		/* The native one is in every new filter already. */
		int r = seccomp_arch_add(ctx, token);
		if (r < 0 && r != -EEXIST)
			return cell_err_sys(e, -r,
					    "linux.seccomp.architectures: %s",
					    archs[i]);
	}
	return 0;
}

static int set_flags(scmp_filter_ctx ctx, char **flags, struct cell_err *e)
{
	for (size_t i = 0; flags && flags[i]; i++) {
		enum scmp_filter_attr attr;
		if (!sec_seccomp_flag_attr(flags[i], &attr))
			return cell_err_msg(e, EINVAL,
					    "linux.seccomp.flags: unknown flag "
					    "\"%s\"",
					    flags[i]);
		int r = seccomp_attr_set(ctx, attr, 1);
		if (r < 0)
			return cell_err_sys(e, -r,
					    "linux.seccomp.flags: %s is not "
					    "supported by this kernel or "
					    "libseccomp",
					    flags[i]);
	}
	return 0;
}

static int arg_op(enum oci_seccomp_op op, enum scmp_compare *out)
{
	switch (op) {
	case OCI_SECCOMP_OP_NE: *out = SCMP_CMP_NE; return 0;
	case OCI_SECCOMP_OP_LT: *out = SCMP_CMP_LT; return 0;
	case OCI_SECCOMP_OP_LE: *out = SCMP_CMP_LE; return 0;
	case OCI_SECCOMP_OP_EQ: *out = SCMP_CMP_EQ; return 0;
	case OCI_SECCOMP_OP_GE: *out = SCMP_CMP_GE; return 0;
	case OCI_SECCOMP_OP_GT: *out = SCMP_CMP_GT; return 0;
	case OCI_SECCOMP_OP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
	}
	return -EINVAL;
}

/* A rule's args, grouped by index: the OCI meaning is AND across indexes
 * and OR among several conditions on the same index (as runc and crun
 * read it).  libseccomp takes one condition per index per rule, so the
 * rule becomes one seccomp_rule_add() per combination. */
struct arg_groups {
	struct scmp_arg_cmp cmp[6][64];
	size_t n[6];
};

static int group_args(const struct oci_seccomp_rule *rule,
		      struct arg_groups *g, struct cell_err *e)
{
	memset(g->n, 0, sizeof(g->n));
	for (size_t i = 0; i < rule->n_args; i++) {
		const struct oci_seccomp_arg *a = &rule->args[i];
		enum scmp_compare op;
		if (a->index > 5)
			return cell_err_msg(e, EINVAL,
					    "args[%zu]: index %u is out of "
					    "range (0..5)",
					    i, a->index);
		if (arg_op(a->op, &op) < 0)
			return cell_err_msg(e, EINVAL,
					    "args[%zu]: unknown operator %d", i,
					    (int)a->op);
		if (g->n[a->index] == ARRAY_SIZE(g->cmp[0]))
			return cell_err_msg(e, E2BIG,
					    "args[%zu]: too many conditions on "
					    "index %u",
					    i, a->index);
		/* For MASKED_EQ value is the mask and valueTwo the datum,
		 * which is libseccomp's order too. */
		g->cmp[a->index][g->n[a->index]++] = (struct scmp_arg_cmp){
			.arg = a->index,
			.op = op,
			.datum_a = a->value,
			.datum_b = a->value_two,
		};
	}
	return 0;
}

static int add_rule_combinations(scmp_filter_ctx ctx, uint32_t action,
				 int nr, const struct arg_groups *g)
{
	size_t pick[6] = { 0 };

	for (;;) {
		struct scmp_arg_cmp cmps[6];
		unsigned int n = 0;
		for (int idx = 0; idx < 6; idx++)
			if (g->n[idx])
				cmps[n++] = g->cmp[idx][pick[idx]];
		int r = seccomp_rule_add_array(ctx, action, nr, n, cmps);
		if (r < 0)
			return r;
		/* Next combination, odometer style. */
		int idx = 0;
		for (; idx < 6; idx++) {
			if (!g->n[idx])
				continue;
			if (++pick[idx] < g->n[idx])
				break;
			pick[idx] = 0;
		}
		if (idx == 6)
			return 0;
	}
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def,
		    const struct oci_seccomp_rule *rule, struct cell_err *e)
{
	uint32_t action;
	int r = action_value(rule->action, &rule->errno_ret, &action, e);
	if (r < 0)
		return r;
	/* libseccomp refuses a rule that repeats the default action; it
	 * would change nothing anyway. */
	if (action == def)
		return 0;

	_cleanup_free_ struct arg_groups *g = malloc(sizeof(*g));
	if (!g)
		return cell_err_sys(e, ENOMEM, "args");
	r = group_args(rule, g, e);
	if (r < 0)
		return r;

	for (size_t i = 0; rule->names && rule->names[i]; i++) {
		const char *name = rule->names[i];
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) {
			/* Profiles list syscalls of newer kernels and other
			 * architectures; skipping them is what engines
			 * expect. */
			log_debug("seccomp: syscall %s unknown here, skipped",
				  name);
			continue;
		}
		r = add_rule_combinations(ctx, action, nr, g);
		if (r < 0)
			return cell_err_sys(e, -r, "%s", name);
	}
	return 0;
}

int sec_seccomp_compile(const struct oci_seccomp *s, struct sec_seccomp **out,
			struct cell_err *e)
{
	uint32_t def;
	int r = action_value(s->default_action, &s->default_errno_ret, &def, e);
	if (r < 0)
		return cell_err_wrap(e, "linux.seccomp.defaultAction");

	_cleanup_free_ struct sec_seccomp *f = calloc(1, sizeof(*f));
	if (!f)
		return cell_err_sys(e, ENOMEM, "linux.seccomp");
	f->ctx = seccomp_init(def);
	if (!f->ctx)
		return cell_err_msg(e, EINVAL,
				    "linux.seccomp.defaultAction: libseccomp "
				    "refuses it as a default action");

	/* no_new_privs is process.noNewPrivileges' business, not the
	 * filter's: loading without it needs CAP_SYS_ADMIN, which the caller
	 * arranges by ordering. */
	r = seccomp_attr_set(f->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0) {
		cell_err_sys(e, -r, "linux.seccomp: cannot clear the NNP attribute");
		goto fail;
	}
	r = add_archs(f->ctx, s->architectures, e);
	if (r < 0)
		goto fail;
	r = set_flags(f->ctx, s->flags, e);
	if (r < 0)
		goto fail;

	for (size_t i = 0; i < s->n_syscalls; i++) {
		r = add_rule(f->ctx, def, &s->syscalls[i], e);
		if (r < 0) {
			cell_err_wrap(e, "linux.seccomp.syscalls[%zu]", i);
			goto fail;
		}
		if (s->syscalls[i].action == OCI_SECCOMP_NOTIFY)
			f->has_notify = true;
	}
	f->kflags = sec_seccomp_kernel_flags(s->flags, f->has_notify);
	r = sec_seccomp_export(f, e);
	seccomp_release(f->ctx);
	f->ctx = NULL;
	if (r < 0)
		return r;
	*out = steal_ptr(&f);
	return 0;

fail:
	seccomp_release(f->ctx);
	return -e->errnum;
}

int sec_seccomp_load(struct sec_seccomp *f, int *notify_fd,
		     struct cell_err *e)
{
	struct sock_fprog prog = {
		.len = (unsigned short)f->prog_len,
		.filter = f->prog,
	};
	*notify_fd = -1;
	/* The program was generated in the runtime (or read from the cache):
	   loading is one system call, not libseccomp's compile. */
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, f->kflags, &prog);
	if (r < 0)
		return cell_err_sys(e, errno, "linux.seccomp: cannot load the filter%s",
				    errno == EACCES ? " (without noNewPrivileges "
						      "it needs CAP_SYS_ADMIN)"
						    : "");
	if (f->has_notify)
		*notify_fd = (int)r;
	return 0;
}

size_t sec_seccomp_insns(const struct sec_seccomp *f, unsigned int *kflags)
{
	*kflags = f->kflags;
	return f->prog_len;
}

void sec_seccomp_free(struct sec_seccomp *f)
{
	if (!f)
		return;
	if (f->ctx)
		seccomp_release(f->ctx);
	free(f->prog);
	free(f);
}
