/* cgroup v2 has no devices files: device access is decided by an eBPF
 * program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup.  We
 * build it by hand from the OCI rules (no compiler, no libbpf).
 *
 * The program sees struct bpf_cgroup_dev_ctx { access_type, major, minor },
 * access_type = (access << 16) | type.  Rules are checked last to first and
 * the first match decides: the same "later rule wins" reading as v1.  With
 * no match, access is denied. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <fcntl.h>

#include "cgroup/internal.h"
#include "trace/trace.h"
#include "util/cleanup.h"
#include "util/log.h"

#define PROG_NAME "cell_dev"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

#define INSN(c, d, s, o, i)                                          \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
/* dst = *(u32 *)(src + off) */
#define LDX_W(d, s, o) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_K(op, d, i) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s) INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JNE_K(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ_K(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

struct prog {
	struct bpf_insn *v;
	size_t n, cap;
};

static int emit(struct prog *p, struct bpf_insn insn)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *nv = realloc(p->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = ncap;
	}
	p->v[p->n++] = insn;
	return 0;
}

static uint32_t access_bits(const char *access)
{
	uint32_t bits = 0;
	if (!access[0])
		access = "rwm";
	for (const char *a = access; *a; a++)
		bits |= *a == 'r' ? BPF_DEVCG_ACC_READ
			: *a == 'w' ? BPF_DEVCG_ACC_WRITE
				    : BPF_DEVCG_ACC_MKNOD;
	return bits;
}

/* One rule: every check jumps to the end of the block on mismatch; the
 * last two instructions return the verdict. */
static int emit_rule(struct prog *p, const struct oci_device_rule *d)
{
	size_t start = p->n;
	int ret = 0;
	uint32_t acc = access_bits(d->access);
	const uint32_t all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE |
			     BPF_DEVCG_ACC_MKNOD;
	if (d->type == 'b' || d->type == 'c')
		ret |= emit(p, JNE_K(BPF_REG_2,
				     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK
						    : BPF_DEVCG_DEV_CHAR,
				     0));
	if (acc != all && d->allow) {
		/* An allow rule matches when every requested bit is in it. */
		ret |= emit(p, MOV32_X(BPF_REG_1, BPF_REG_3));
		ret |= emit(p, ALU32_K(BPF_AND, BPF_REG_1, (int32_t)~acc));
		ret |= emit(p, JNE_K(BPF_REG_1, 0, 0));
	} else if (acc != all) {
		/* A deny rule matches when any requested bit is in it. */
		ret |= emit(p, MOV32_X(BPF_REG_1, BPF_REG_3));
		ret |= emit(p, ALU32_K(BPF_AND, BPF_REG_1, (int32_t)acc));
		ret |= emit(p, JEQ_K(BPF_REG_1, 0, 0));
	}
	if (d->major >= 0)
		ret |= emit(p, JNE_K(BPF_REG_4, (int32_t)d->major, 0));
	if (d->minor >= 0)
		ret |= emit(p, JNE_K(BPF_REG_5, (int32_t)d->minor, 0));
	ret |= emit(p, MOV64_K(BPF_REG_0, d->allow ? 1 : 0));
	ret |= emit(p, EXIT());
	if (ret)
		return -ENOMEM;
	/* Patch the mismatch jumps to land just past this block. */
	bool conditional = false;
	for (size_t i = start; i < p->n; i++)
		if (p->v[i].code == (BPF_JMP | BPF_JNE | BPF_K) ||
		    p->v[i].code == (BPF_JMP | BPF_JEQ | BPF_K)) {
			p->v[i].off = (int16_t)(p->n - i - 1);
			conditional = true;
		}
	/* 1: the rule matches everything, nothing after it is reachable. */
	return conditional ? 0 : 1;
}

static int build_prog(const struct oci_device_rule *rules, size_t n,
		      struct prog *p)
{
	int ret = 0;
	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	ret |= emit(p, LDX_W(BPF_REG_2, BPF_REG_1, 0));
	ret |= emit(p, ALU32_K(BPF_AND, BPF_REG_2, 0xffff));
	ret |= emit(p, LDX_W(BPF_REG_3, BPF_REG_1, 0));
	ret |= emit(p, ALU32_K(BPF_RSH, BPF_REG_3, 16));
	ret |= emit(p, LDX_W(BPF_REG_4, BPF_REG_1, 4));
	ret |= emit(p, LDX_W(BPF_REG_5, BPF_REG_1, 8));
	if (ret)
		return -ENOMEM;
	/* The verifier rejects unreachable instructions: stop after a rule
	   that matches every access. */
	for (size_t i = n; i-- > 0;) {
		int r = emit_rule(p, &rules[i]);
		if (r < 0)
			return -ENOMEM;
		if (r == 1)
			return 0;
	}
	if (emit(p, MOV64_K(BPF_REG_0, 0)) < 0 || emit(p, EXIT()) < 0)
		return -ENOMEM;
	return 0;
}

static int load_prog(const struct prog *p, struct cell_err *e)
{
	static char log[65536];
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->v;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", PROG_NAME);
	log[0] = '\0';
	int fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0 && errno == ENOSPC) {
		/* The verifier log overflowed; load again without it. */
		attr.log_buf = 0;
		attr.log_size = 0;
		attr.log_level = 0;
		fd = sys_bpf(BPF_PROG_LOAD, &attr);
	}
	if (fd < 0) {
		int err = errno;
		/* The verifier's last line says why. */
		size_t n = strlen(log);
		while (n && log[n - 1] == '\n')
			log[--n] = '\0';
		char *last = strrchr(log, '\n');
		return cell_err_sys(e, err, "load the device eBPF program%s%s%s",
				    n ? " (verifier: " : "",
				    n ? (last ? last + 1 : log) : "",
				    n ? ")" : "");
	}
	return fd;
}

/* Program ids attached to the cgroup whose name is cell's. */
static size_t find_ours(int cgfd, uint32_t *ids, size_t max)
{
	uint32_t all[64];
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)cgfd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)all;
	attr.query.prog_cnt = ARRAY_SIZE(all);
	if (sys_bpf(BPF_PROG_QUERY, &attr) < 0)
		return 0;
	size_t n = 0;
	for (uint32_t i = 0; i < attr.query.prog_cnt && n < max; i++) {
		union bpf_attr ga;
		memset(&ga, 0, sizeof(ga));
		ga.prog_id = all[i];
		_cleanup_close_ int pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &ga);
		if (pfd < 0)
			continue;
		struct bpf_prog_info info;
		memset(&info, 0, sizeof(info));
		union bpf_attr ia;
		memset(&ia, 0, sizeof(ia));
		ia.info.bpf_fd = (uint32_t)pfd;
		ia.info.info_len = sizeof(info);
		ia.info.info = (uint64_t)(uintptr_t)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &ia) == 0 &&
		    strcmp(info.name, PROG_NAME) == 0)
			ids[n++] = all[i];
	}
	return n;
}

static void detach(int cgfd, uint32_t id)
{
	union bpf_attr ga;
	memset(&ga, 0, sizeof(ga));
	ga.prog_id = id;
	_cleanup_close_ int pfd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &ga);
	if (pfd < 0)
		return;
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)pfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	if (sys_bpf(BPF_PROG_DETACH, &attr) < 0)
		log_warn("cgroup: cannot detach the old device program %u: %m",
			 id);
}

int cg_devices_bpf_apply(const char *v2_dir,
			 const struct oci_device_rule *rules, size_t n,
			 struct cell_err *e)
{
	struct prog p = { 0 };
	if (build_prog(rules, n, &p) < 0) {
		free(p.v);
		return cell_err_sys(e, ENOMEM, "device eBPF program");
	}
	int pfd = load_prog(&p, e);
	free(p.v);
	if (pfd < 0)
		return pfd;
	_cleanup_close_ int prog_fd = pfd;
	_cleanup_close_ int cgfd =
	    openat(AT_FDCWD, v2_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return cell_err_sys(e, errno, "open %s", v2_dir);

	uint32_t old[16];
	size_t n_old = find_ours(cgfd, old, ARRAY_SIZE(old));

	/* Attach the new program before detaching the old one, so there is
	   no moment without a filter.  With ALLOW_MULTI every attached
	   program must allow an access. */
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cgfd;
	attr.attach_bpf_fd = (uint32_t)prog_fd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	EXPLAIN("cgroup v2 devices: an eBPF program checks every open and mknod of a device node",
		"bpf(BPF_PROG_ATTACH, BPF_CGROUP_DEVICE, %s, %zu rules)", v2_dir,
		n);
	if (sys_bpf(BPF_PROG_ATTACH, &attr) < 0)
		return cell_err_sys(e, errno,
				    "attach the device eBPF program to %s",
				    v2_dir);
	for (size_t i = 0; i < n_old; i++)
		detach(cgfd, old[i]);
	return 0;
}
