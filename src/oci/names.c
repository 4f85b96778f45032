/* STUB */
#include "oci/config.h"
const char *oci_ns_name(enum oci_ns_type t) { (void)t; return NULL; }
int oci_ns_from_name(const char *name) { (void)name; return -1; }
int oci_ns_clone_flag(enum oci_ns_type t) { (void)t; return -1; }
const char *oci_ns_proc_name(enum oci_ns_type t) { (void)t; return NULL; }
int oci_rlimit_from_name(const char *name) { (void)name; return -1; }
int oci_cap_from_name(const char *name) { (void)name; return -1; }
const char *oci_cap_name(int cap) { (void)cap; return NULL; }
int oci_seccomp_action_from_name(const char *name) { (void)name; return -1; }
