/* libsystemd's sd-bus through dlopen (see sdbus.h), the connection to
 * systemd, and waiting for the jobs it runs. */
#include "cgroup/sdbus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/dl.h"

/* systemd answers a start or stop within milliseconds; runc gives up on a
 * job after 30 s, and so do we. */
#define JOB_TIMEOUT_US (30ULL * 1000 * 1000)

static struct sdb_api api;
static void *api_handle;

const struct sdb_api *sdb_load(struct cell_err *e)
{
	if (api_handle)
		return &api;
	struct sdb_api a;
#define SYM(field, name) { name, (void **)&a.field }
	const struct dl_sym syms[] = {
		SYM(open_system, "sd_bus_open_system"),
		SYM(open_user, "sd_bus_open_user"),
		SYM(flush_close_unref, "sd_bus_flush_close_unref"),
		SYM(call_method, "sd_bus_call_method"),
		SYM(message_new_method_call, "sd_bus_message_new_method_call"),
		SYM(message_append, "sd_bus_message_append"),
		SYM(message_append_array, "sd_bus_message_append_array"),
		SYM(message_open_container, "sd_bus_message_open_container"),
		SYM(message_close_container, "sd_bus_message_close_container"),
		SYM(message_read, "sd_bus_message_read"),
		SYM(message_unref, "sd_bus_message_unref"),
		SYM(call, "sd_bus_call"),
		SYM(get_property_string, "sd_bus_get_property_string"),
		SYM(match_signal, "sd_bus_match_signal"),
		SYM(slot_unref, "sd_bus_slot_unref"),
		SYM(process, "sd_bus_process"),
		SYM(wait, "sd_bus_wait"),
		SYM(error_free, "sd_bus_error_free"),
		SYM(error_has_name, "sd_bus_error_has_name"),
	};
#undef SYM
	void *h = dl_load("libsystemd.so.0", syms, ARRAY_SIZE(syms), e);
	if (!h) {
		cell_err_wrap(e, "systemd cgroup driver");
		return NULL;
	}
	api = a;
	api_handle = h;
	return &api;
}

int sdb_fail(struct cell_err *e, int r, const sd_bus_error *be,
	     const char *what)
{
	if (r >= 0)
		r = -EIO;
	if (be && be->message)
		return cell_err_msg(e, -r, "%s: %s", what, be->message);
	return cell_err_sys(e, -r, "%s", what);
}

int sdb_connect(bool user, sd_bus **out, struct cell_err *e)
{
	const struct sdb_api *sd = sdb_load(e);
	if (!sd)
		return -e->errnum;
	/* sd_booted(3): the one test that says systemd is PID 1. */
	struct stat st;
	if (lstat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
		return cell_err_msg(e, ENOMEDIUM,
				    "systemd cgroup driver: the host does not "
				    "run systemd (no /run/systemd/system)");
	sd_bus *bus = NULL;
	int r = user ? sd->open_user(&bus) : sd->open_system(&bus);
	if (r < 0) {
		if (user)
			return cell_err_sys(
				e, -r,
				"systemd cgroup driver: cannot connect to the "
				"user's session bus (is user@%u.service "
				"running? $XDG_RUNTIME_DIR=%s)",
				(unsigned)getuid(),
				getenv("XDG_RUNTIME_DIR") ? getenv("XDG_RUNTIME_DIR")
							  : "unset");
		return cell_err_sys(e, -r,
				    "systemd cgroup driver: cannot connect to "
				    "the system bus");
	}
	*out = bus;
	return 0;
}

void sdb_close(sd_bus *bus)
{
	if (bus && api_handle)
		api.flush_close_unref(bus);
}

static int on_job_removed(sd_bus_message *m, void *userdata,
			  sd_bus_error *ret_error)
{
	struct sdb_job *j = userdata;
	uint32_t id;
	const char *path = NULL, *unit = NULL, *result = NULL;
	if (api.message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (j->path && path && strcmp(path, j->path) == 0) {
		j->removed = true;
		snprintf(j->result, sizeof(j->result), "%s",
			 result ? result : "?");
	}
	return 0;
}

int sdb_job_watch(sd_bus *bus, struct sdb_job *j, struct cell_err *e)
{
	*j = (struct sdb_job){ 0 };
	int r = api.match_signal(bus, &j->slot, SDB_DEST, SDB_PATH,
				 SDB_MANAGER, "JobRemoved", on_job_removed, j);
	if (r < 0)
		return sdb_fail(e, r, NULL, "systemd: watch for jobs");
	return 0;
}

void sdb_job_unwatch(struct sdb_job *j)
{
	if (j->slot)
		api.slot_unref(j->slot);
	j->slot = NULL;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int sdb_job_wait(sd_bus *bus, struct sdb_job *j, const char *path,
		 const char *what, struct cell_err *e)
{
	j->path = path;
	uint64_t deadline = now_us() + JOB_TIMEOUT_US;
	int r = 0;
	while (!j->removed) {
		r = api.process(bus, NULL);
		if (r < 0)
			break;
		if (r > 0)
			continue; /* more may be queued */
		uint64_t now = now_us();
		if (now >= deadline) {
			r = -ETIMEDOUT;
			break;
		}
		r = api.wait(bus, deadline - now);
		if (r < 0 && r != -EINTR)
			break;
	}
	sdb_job_unwatch(j);
	if (!j->removed)
		return r == -ETIMEDOUT
			       ? cell_err_msg(e, ETIMEDOUT,
					      "%s: systemd did not finish the "
					      "job in 30 s",
					      what)
			       : sdb_fail(e, r, NULL, what);
	if (strcmp(j->result, "done") != 0)
		return cell_err_msg(e, EIO, "%s: systemd's job ended \"%s\"",
				    what, j->result);
	return 0;
}
