/* cell-seccomp-gen OUTPUT: the program of `cell spec`'s default seccomp
 * profile, as a cache entry (seccomp_bpf.c), written at build time and
 * embedded in cell, so that no container pays libseccomp's ~9 ms for the
 * profile people run with.  The key is the profile as create sees it:
 * linux.seccomp of a parsed config, as canonical JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"
#include "oci/spec_seccomp.h"
#include "sec/sec.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cell-seccomp-gen OUTPUT\n");
		return 2;
	}
	json_t *doc = json_pack("{s:s, s:{s:s}, s:{s:o}}", "ociVersion", "1.2.0",
				"root", "path", "rootfs", "linux", "seccomp",
				oci_spec_default_seccomp());
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	struct oci_config *cfg = NULL;
	struct cell_err e;
	cell_err_clear(&e);
	if (!text || oci_config_parse(text, strlen(text), "default profile",
				      &cfg, &e) < 0) {
		fprintf(stderr, "cell-seccomp-gen: %s\n", e.msg);
		return 1;
	}
	json_t *sc = json_object_get(json_object_get(cfg->json, "linux"),
				     "seccomp");
	char *key = json_dumps(sc, JSON_COMPACT | JSON_SORT_KEYS);
	char *buf = NULL;
	size_t len = 0;
	if (!key || sec_seccomp_cache_entry(cfg->linux.seccomp, key, &buf, &len,
					    &e) < 0) {
		fprintf(stderr, "cell-seccomp-gen: %s\n", e.msg);
		return 1;
	}
	FILE *f = fopen(argv[1], "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "cell-seccomp-gen: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	free(buf);
	free(key);
	free(text);
	json_decref(doc);
	oci_config_free(cfg);
	return 0;
}
