/* /proc/<pid>/mountinfo (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * The optional fields end at " - "; path fields escape space, tab, newline
 * and backslash as \ooo. */
#include "fs/fs-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/file.h"

static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
		    r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) |
				      (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

static void entry_free(struct mountinfo_entry *m)
{
	free(m->root);
	free(m->mountpoint);
	free(m->options);
	free(m->optional);
	free(m->fstype);
	free(m->source);
	free(m->superopts);
}

void mountinfo_free(struct mountinfo *mi)
{
	for (size_t i = 0; i < mi->n; i++)
		entry_free(&mi->v[i]);
	free(mi->v);
	mi->v = NULL;
	mi->n = 0;
}

/* Split `line` (modified in place) into one entry. */
static int parse_line(char *line, struct mountinfo_entry *m)
{
	char *sep = strstr(line, " - ");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	char *tail = sep + 3;

	char root[4096], mp[4096], opts[1024];
	int id, parent, consumed = 0;
	unsigned int maj, min;
	/* %4095s: root and mount point are escaped, so hold no spaces. */
	if (sscanf(line, "%d %d %u:%u %4095s %4095s %1023s %n", &id, &parent,
		   &maj, &min, root, mp, opts, &consumed) < 7)
		return -EINVAL;
	char fstype[256], source[4096], superopts[4096];
	if (sscanf(tail, "%255s %4095s %4095s", fstype, source, superopts) < 3)
		return -EINVAL;
	unescape_octal(root);
	unescape_octal(mp);
	unescape_octal(source);

	*m = (struct mountinfo_entry){
		.id = id,
		.parent = parent,
		.major = maj,
		.minor = min,
		.root = strdup(root),
		.mountpoint = strdup(mp),
		.options = strdup(opts),
		.optional = strdup(line + consumed),
		.fstype = strdup(fstype),
		.source = strdup(source),
		.superopts = strdup(superopts),
	};
	if (!m->root || !m->mountpoint || !m->options || !m->optional ||
	    !m->fstype || !m->source || !m->superopts) {
		entry_free(m);
		return -ENOMEM;
	}
	return 0;
}

int mountinfo_read(const char *path, struct mountinfo *out,
		   struct cell_err *e)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = file_read_at(AT_FDCWD, path, 0, &text, &len, e);
	if (r < 0)
		return r;

	struct mountinfo mi = { 0 };
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct mountinfo_entry *nv =
			realloc(mi.v, (mi.n + 1) * sizeof(*mi.v));
		if (!nv) {
			mountinfo_free(&mi);
			return cell_err_sys(e, ENOMEM, "parse %s", path);
		}
		mi.v = nv;
		r = parse_line(line, &mi.v[mi.n]);
		if (r < 0) {
			mountinfo_free(&mi);
			return cell_err_sys(e, -r, "parse %s", path);
		}
		mi.n++;
	}
	*out = mi;
	return 0;
}

const struct mountinfo_entry *mountinfo_find_containing(
	const struct mountinfo *mi, const char *path)
{
	const struct mountinfo_entry *best = NULL;
	size_t best_len = 0;
	/* The last entry for a mount point is the top of the stack. */
	for (size_t i = 0; i < mi->n; i++) {
		const char *mp = mi->v[i].mountpoint;
		size_t n = strlen(mp);
		bool match;
		if (strcmp(mp, "/") == 0)
			match = path[0] == '/';
		else
			match = strncmp(path, mp, n) == 0 &&
				(path[n] == '/' || path[n] == '\0');
		if (match && (!best || n >= best_len)) {
			best = &mi->v[i];
			best_len = n;
		}
	}
	return best;
}
