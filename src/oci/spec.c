/* STUB */
#include "oci/spec.h"
json_t *oci_spec_default(bool rootless) { (void)rootless; return json_object(); }
