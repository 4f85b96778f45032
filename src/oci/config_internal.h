/* Section parsers shared by the config.json files of src/oci.  Each fills
 * its part of the struct in place; on failure the part may be partly
 * filled and the matching free function releases it. */
#ifndef CELL_OCI_CONFIG_INTERNAL_H
#define CELL_OCI_CONFIG_INTERNAL_H

#include "oci/config.h"
#include "oci/jparse.h"

int oci_parse_mounts(const struct jp *p, json_t *root, struct oci_config *c);
void oci_mount_free_fields(struct oci_mount *m);

int oci_parse_process(const struct jp *p, json_t *obj, const char *path,
		      struct oci_process *out);

int oci_parse_resources(const struct jp *p, json_t *obj, const char *path,
			struct oci_resources *out);

int oci_parse_linux(const struct jp *p, json_t *obj, const char *path,
		    struct oci_linux *out);
void oci_linux_free(struct oci_linux *l);

/* runc's reading of values that mean "not set" (conventions.c): applied
 * once after parsing, so every writer sees only values to apply. */
void oci_resources_conventions(struct oci_resources *r);
void oci_process_conventions(struct oci_process *p);
void oci_config_conventions(struct oci_config *c);

int oci_parse_seccomp(const struct jp *p, json_t *obj, const char *path,
		      struct oci_seccomp *out);
void oci_seccomp_free(struct oci_seccomp *s);

#endif
