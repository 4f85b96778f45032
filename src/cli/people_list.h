/* The containers the people's `cell run --` started, as ps and stats see
 * them: one entry per <root>/.people/<name> with a meta.json. */
#ifndef CELL_CLI_PEOPLE_LIST_H
#define CELL_CLI_PEOPLE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct people_entry {
	char name[256];
	char command[512];
	char status[16]; /* the runtime's status; "stopped" when its state is gone */
	pid_t pid;       /* 0 unless created, running or paused */
	time_t created;
	int exit_code;   /* recorded by a detached run's monitor; -1 unknown */
	bool detached;
};

int people_entry_load(const char *root, const char *name, struct people_entry *p);
/* Every entry under root, malloc'd array; 0 or -errno. */
int people_entries(const char *root, struct people_entry **out, size_t *n);
/* 42s, 3m05s, 2h10m, 1d03h */
void people_format_duration(time_t secs, char *buf, size_t len);

#endif
