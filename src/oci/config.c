/* STUB: replaced by the config parser. */
#include "oci/config.h"
#include <errno.h>
int oci_config_parse(const char *text, size_t len, const char *origin,
		     struct oci_config **out, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "%s: not implemented", origin); }
int oci_config_load(const char *bundle, struct oci_config **out, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "config.json: not implemented"); }
void oci_config_free(struct oci_config *c) { (void)c; }
int oci_resources_parse(json_t *obj, const char *origin, const char *path,
			struct oci_resources *out, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
void oci_resources_free(struct oci_resources *r) { (void)r; }
int oci_process_parse(json_t *obj, const char *origin, const char *path,
		      struct oci_process *out, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
void oci_process_free(struct oci_process *p) { (void)p; }
int oci_mount_parse_options(struct oci_mount *m, struct cell_err *e)
{ return cell_err_msg(e, ENOSYS, "not implemented"); }
