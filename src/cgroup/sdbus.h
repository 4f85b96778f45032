/* Private to src/cgroup: libsystemd's sd-bus, loaded on first use.
 *
 * Only `--systemd-cgroup` talks to systemd, so libsystemd (and the
 * compression and crypto libraries behind it) is dlopen'ed then, not linked
 * into every cell invocation.  The header gives the types; every call goes
 * through the table. */
#ifndef CELL_CGROUP_SDBUS_H
#define CELL_CGROUP_SDBUS_H

#include <jansson.h>
#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "util/err.h"

struct sdb_api {
	__typeof__(sd_bus_open_system) *open_system;
	__typeof__(sd_bus_open_user) *open_user;
	__typeof__(sd_bus_flush_close_unref) *flush_close_unref;
	__typeof__(sd_bus_call_method) *call_method;
	__typeof__(sd_bus_message_new_method_call) *message_new_method_call;
	__typeof__(sd_bus_message_append) *message_append;
	__typeof__(sd_bus_message_append_array) *message_append_array;
	__typeof__(sd_bus_message_open_container) *message_open_container;
	__typeof__(sd_bus_message_close_container) *message_close_container;
	__typeof__(sd_bus_message_read) *message_read;
	__typeof__(sd_bus_message_unref) *message_unref;
	__typeof__(sd_bus_call) *call;
	__typeof__(sd_bus_get_property_string) *get_property_string;
	__typeof__(sd_bus_match_signal) *match_signal;
	__typeof__(sd_bus_slot_unref) *slot_unref;
	__typeof__(sd_bus_process) *process;
	__typeof__(sd_bus_wait) *wait;
	__typeof__(sd_bus_error_free) *error_free;
	__typeof__(sd_bus_error_has_name) *error_has_name;
};

/* The table (loads libsystemd.so.0 the first time), or NULL with e set. */
const struct sdb_api *sdb_load(struct cell_err *e);

/* The system bus (root) or the caller's session bus (rootless:
 * $DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus, where user@.service's
 * systemd listens).  Errors say which bus and that systemd is needed. */
int sdb_connect(bool user, sd_bus **out, struct cell_err *e);
void sdb_close(sd_bus *bus);

/* e = "<what>: <the bus error's message>" (or strerror(-r)); returns r. */
int sdb_fail(struct cell_err *e, int r, const sd_bus_error *be,
	     const char *what);

/* A job systemd runs for us (start, stop): watch before the method call
 * (JobRemoved may come before its reply is read), wait after it. */
struct sdb_job {
	sd_bus_slot *slot;
	const char *path; /* the job's object path, from the reply */
	char result[32];  /* "done", "failed", "timeout", ... */
	bool removed;
};
int sdb_job_watch(sd_bus *bus, struct sdb_job *j, struct cell_err *e);
/* Wait until the job at `path` is removed; 0 when its result is "done".
 * Always drops the watch. */
int sdb_job_wait(sd_bus *bus, struct sdb_job *j, const char *path,
		 const char *what, struct cell_err *e);
void sdb_job_unwatch(struct sdb_job *j);

/* ------------------------------------------------- systemd_props.c */

struct cgroup;
struct oci_resources;
/* Append "(sv)" entries for the resources systemd has properties for (v2
 * or v1 names, by cg's mode) to m, an open a(sv) container. */
int sd_props_resources(const struct sdb_api *sd, sd_bus_message *m,
		       struct cgroup *cg, const struct oci_resources *r,
		       struct cell_err *e);
/* MemoryAccounting=yes, CPUAccounting=yes, ... */
int sd_props_accounting(const struct sdb_api *sd, sd_bus_message *m,
			int mode);
/* The config's org.systemd.property.NAME annotations.  m NULL: only check
 * them (before anything is made). */
int sd_props_annotations(const struct sdb_api *sd, sd_bus_message *m,
			 json_t *annotations, struct cell_err *e);

#define SDB_DEST "org.freedesktop.systemd1"
#define SDB_PATH "/org/freedesktop/systemd1"
#define SDB_MANAGER "org.freedesktop.systemd1.Manager"

#endif
