/* /proc/<pid>/mountinfo (proc(5)):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * The optional fields end at " - "; path fields escape space, tab, newline
 * and backslash as \ooo. */
#include "util/mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
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

void mountinfo_free(struct mountinfo *mi)
{
	free(mi->v);
	free(mi->text);
	mi->v = NULL;
	mi->text = NULL;
	mi->n = 0;
}

/* The next space-separated field of *s, NUL-terminated in place. */
static char *next_field(char **s)
{
	char *f = *s;
	if (!f || !*f)
		return NULL;
	char *sp = strchr(f, ' ');
	if (sp) {
		*sp = '\0';
		*s = sp + 1;
	} else {
		*s = f + strlen(f);
	}
	return f;
}

static bool parse_uint(const char *s, char end, unsigned int *out,
		       const char **rest)
{
	unsigned long v = 0;
	const char *p = s;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 0x7fffffff)
			return false;
	}
	if (*p != end)
		return false;
	*out = (unsigned int)v;
	if (rest)
		*rest = p + 1;
	return true;
}

/* Split `line` (modified in place; the entry points into it). */
static int parse_line(char *line, struct mountinfo_entry *m)
{
	char *sep = strstr(line, " - ");
	if (!sep)
		return -EINVAL;
	*sep = '\0';
	char *tail = sep + 3;
	char *s = line;
	char *id = next_field(&s), *parent = next_field(&s);
	char *dev = next_field(&s), *root = next_field(&s);
	char *mp = next_field(&s), *opts = next_field(&s);
	char *fstype = next_field(&tail), *source = next_field(&tail);
	char *superopts = next_field(&tail);
	unsigned int uid, upar;
	const char *minor;
	if (!opts || !superopts || !parse_uint(id, '\0', &uid, NULL) ||
	    !parse_uint(parent, '\0', &upar, NULL) ||
	    !parse_uint(dev, ':', &m->major, &minor) ||
	    !parse_uint(minor, '\0', &m->minor, NULL))
		return -EINVAL;
	unescape_octal(root);
	unescape_octal(mp);
	unescape_octal(source);
	m->id = (int)uid;
	m->parent = (int)upar;
	m->root = root;
	m->mountpoint = mp;
	m->options = opts;
	m->optional = s; /* what is left before " - ": "shared:1", or "" */
	m->fstype = fstype;
	m->source = source;
	m->superopts = superopts;
	return 0;
}

/* Parse a malloc'd text (split in place); the table owns it after, also
 * on failure. */
static int mountinfo_parse(char *text, struct mountinfo *out,
			   struct cell_err *e)
{
	struct mountinfo mi = { .text = text };
	size_t cap = 0;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (mi.n == cap) {
			cap = cap ? 2 * cap : 32;
			struct mountinfo_entry *nv =
				realloc(mi.v, cap * sizeof(*mi.v));
			if (!nv) {
				mountinfo_free(&mi);
				return cell_err_sys(e, ENOMEM, "parse mountinfo");
			}
			mi.v = nv;
		}
		int r = parse_line(line, &mi.v[mi.n]);
		if (r < 0) {
			mountinfo_free(&mi);
			return cell_err_sys(e, -r, "parse mountinfo");
		}
		mi.n++;
	}
	*out = mi;
	return 0;
}

int mountinfo_read(const char *path, struct mountinfo *out,
		   struct cell_err *e)
{
	char *text = NULL;
	int r = file_read_at(AT_FDCWD, path, 0, &text, NULL, e);
	if (r < 0)
		return r;
	r = mountinfo_parse(text, out, e);
	if (r < 0)
		cell_err_wrap(e, "%s", path);
	return r;
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
