/* Names for seccomp: the architectures and flags config.json may list, and
 * what `cell features` reports as working with this libseccomp and
 * kernel. */
#include "sec/sec.h"
#include "sec/seccomp_names.h"

#include <pthread.h>
#include <string.h>

#include "util/cleanup.h"

static const struct {
	const char *name;
	uint32_t token;
} archs[] = {
	{ "SCMP_ARCH_X86", SCMP_ARCH_X86 },
	{ "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
	{ "SCMP_ARCH_X32", SCMP_ARCH_X32 },
	{ "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
	{ "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
	{ "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
	{ "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
	{ "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
	{ "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
	{ "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
	{ "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
	{ "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
	{ "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
	{ "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
	{ "SCMP_ARCH_S390", SCMP_ARCH_S390 },
	{ "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
	{ "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
	{ "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
	{ "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
};

/* min_api: the seccomp_api_get() level at which the feature works (see
 * seccomp_api_get(3)). */
static const struct {
	const char *name;
	enum scmp_filter_attr attr;
	unsigned int min_api;
} flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SCMP_FLTATR_CTL_TSYNC, 2 },
	{ "SECCOMP_FILTER_FLAG_LOG", SCMP_FLTATR_CTL_LOG, 3 },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SCMP_FLTATR_CTL_SSB, 4 },
};

static const struct {
	const char *name;
	unsigned int min_api;
} actions[] = {
	{ "SCMP_ACT_ALLOW", 1 },
	{ "SCMP_ACT_ERRNO", 1 },
	{ "SCMP_ACT_KILL", 1 },
	{ "SCMP_ACT_KILL_THREAD", 1 },
	{ "SCMP_ACT_TRAP", 1 },
	{ "SCMP_ACT_TRACE", 1 },
	{ "SCMP_ACT_KILL_PROCESS", 3 },
	{ "SCMP_ACT_LOG", 3 },
	{ "SCMP_ACT_NOTIFY", 5 },
};

static const char *const operators[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",        "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

bool sec_seccomp_arch_token(const char *name, uint32_t *token)
{
	for (size_t i = 0; i < ARRAY_SIZE(archs); i++)
		if (strcmp(archs[i].name, name) == 0) {
			*token = archs[i].token;
			return true;
		}
	return false;
}

bool sec_seccomp_flag_attr(const char *name, enum scmp_filter_attr *attr)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (strcmp(flags[i].name, name) == 0) {
			*attr = flags[i].attr;
			return true;
		}
	return false;
}

/* The lists depend on the kernel, which does not change under a running
 * process: build them once. */
static const char *supported_actions[ARRAY_SIZE(actions) + 1];
static const char *supported_flags[ARRAY_SIZE(flags) + 1];
static const char *arch_names[ARRAY_SIZE(archs) + 1];
static pthread_once_t lists_once = PTHREAD_ONCE_INIT;

static void lists_build(void)
{
	unsigned int api = seccomp_api_get();
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(actions); i++)
		if (api >= actions[i].min_api)
			supported_actions[n++] = actions[i].name;
	supported_actions[n] = NULL;
	n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (api >= flags[i].min_api)
			supported_flags[n++] = flags[i].name;
	supported_flags[n] = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(archs); i++)
		arch_names[i] = archs[i].name;
	arch_names[ARRAY_SIZE(archs)] = NULL;
}

const char *const *sec_seccomp_actions(void)
{
	pthread_once(&lists_once, lists_build);
	return supported_actions;
}

const char *const *sec_seccomp_operators(void)
{
	return operators;
}

const char *const *sec_seccomp_flags(void)
{
	pthread_once(&lists_once, lists_build);
	return supported_flags;
}

const char *const *sec_seccomp_archs(void)
{
	pthread_once(&lists_once, lists_build);
	return arch_names;
}
