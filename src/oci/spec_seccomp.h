/* The default seccomp profile `cell spec` writes into linux.seccomp. */
#ifndef CELL_OCI_SPEC_SECCOMP_H
#define CELL_OCI_SPEC_SECCOMP_H

#include <jansson.h>

/* A new reference; NULL on allocation failure. */
json_t *oci_spec_default_seccomp(void);

#endif
