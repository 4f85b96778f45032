/* `cell run --image FILE`, the image as a container: its config applied
 * to the flags (Entrypoint, Cmd, Env, WorkingDir, User), its layers
 * mounted as the container's root.  See people_image.h. */
#include "cli/people_image.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/path.h"

/* ------------------------------------------------------------ config */

/* A config field that must be an array of strings (or absent). */
static int strings_of(json_t *cfg, const char *key, json_t **out, struct cell_err *e)
{
	json_t *a = json_object_get(cfg, key);
	*out = json_is_array(a) ? a : NULL;
	size_t i;
	json_t *v;
	json_array_foreach(*out, i, v)
		if (!json_is_string(v))
			return cell_err_msg(e, EINVAL, "image config: %s: not a list of strings", key);
	if (a && !json_is_null(a) && !json_is_array(a))
		return cell_err_msg(e, EINVAL, "image config: %s: not a list of strings", key);
	return 0;
}

/* Entrypoint + Cmd, Env, WorkingDir: where the flags did not say. */
static int apply_config(struct people_image *img, struct people_opts *o,
			struct cell_err *e)
{
	json_t *cfg = json_object_get(img->config, "config");
	json_t *ep, *cmd, *env;
	int r;
	if ((r = strings_of(cfg, "Entrypoint", &ep, e)) < 0 ||
	    (r = strings_of(cfg, "Cmd", &cmd, e)) < 0 ||
	    (r = strings_of(cfg, "Env", &env, e)) < 0)
		return r;
	size_t given = 0;
	while (o->cmd && o->cmd[given])
		given++;
	size_t n = json_array_size(ep) + (given ? given : json_array_size(cmd));
	if (!n)
		return cell_err_msg(e, EINVAL, "the image has no Entrypoint or Cmd: "
				    "give a command after --");
	if (!(img->argv = calloc(n + 1, sizeof(char *))))
		return cell_err_msg(e, ENOMEM, "out of memory");
	size_t k = 0, i;
	json_t *v;
	json_array_foreach(ep, i, v)
		img->argv[k++] = json_string_value(v);
	for (i = 0; i < given; i++)
		img->argv[k++] = o->cmd[i];
	if (!given)
		json_array_foreach(cmd, i, v)
			img->argv[k++] = json_string_value(v);
	o->cmd = (char **)img->argv;

	/* The image's variables first, then -e: env_set keeps the last. */
	const char **ev = calloc(json_array_size(env) + o->env.n + 2, sizeof(char *));
	if (!ev)
		return cell_err_msg(e, ENOMEM, "out of memory");
	k = 0;
	json_array_foreach(env, i, v)
		if (strchr(json_string_value(v), '=') && json_string_value(v)[0] != '=')
			ev[k++] = json_string_value(v);
	for (i = 0; i < o->env.n; i++)
		ev[k++] = o->env.v[i];
	free(o->env.v);
	o->env.v = ev;
	o->env.n = k;

	const char *wd = json_string_value(json_object_get(cfg, "WorkingDir"));
	if (!o->workdir && wd && *wd) {
		if (wd[0] != '/')
			return cell_err_msg(e, EINVAL, "image config: WorkingDir \"%s\" is not "
					    "absolute", wd);
		o->workdir = wd;
	}
	return 0;
}

int people_image_prepare(const char *root, struct people_opts *o,
			 struct people_image *img, struct cell_err *e)
{
	int r = people_image_load(root, o->image, img, e);
	if (r < 0)
		return r;
	if ((r = apply_config(img, o, e)) < 0)
		return cell_err_wrap(e, "%s", o->image);
	/* made absolute by people_image_mount, once the dir exists */
	_cleanup_free_ char *dir = people_dir_path(root, o->name);
	free((char *)o->rootfs);
	o->rootfs = dir ? path_join(dir, "rootfs") : NULL;
	return o->rootfs ? 0 : cell_err_msg(e, ENOMEM, "out of memory");
}

/* ------------------------------------------------------------ mount */

/* The line of /etc/passwd or /etc/group (inside the root) whose name, or
 * id (field 2) when key is a number, is key: fields split in f.  1 found,
 * 0 not, -errno. */
static int etc_lookup(int rootfd, const char *file, const char *key, char *line,
		      size_t len, char *f[7])
{
	struct cell_err ignored;
	int fd = path_open_in_root(rootfd, file, O_RDONLY, &ignored);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	FILE *fp = fdopen(fd, "re");
	if (!fp) {
		close(fd);
		return -errno;
	}
	bool numeric = key[0] && strspn(key, "0123456789") == strlen(key);
	int found = 0;
	while (!found && fgets(line, (int)len, fp)) {
		line[strcspn(line, "\n")] = '\0';
		char *p = line;
		for (int i = 0; i < 7; i++)
			f[i] = p ? strsep(&p, ":") : (char *)"";
		found = f[2] && !strcmp(numeric ? f[2] : f[0], key);
	}
	fclose(fp);
	return found;
}

static int parse_id(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v >= UINT32_MAX || s[0] == '-')
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* User "name|uid[:group|gid]" as docker reads it: a name must be in the
 * image's passwd; a uid not in it runs with gid 0. */
static int resolve_user(int rootfd, const char *spec, struct people_opts *o,
			const char **home, char *line, size_t len, struct cell_err *e)
{
	_cleanup_free_ char *user = strdup(spec);
	if (!user)
		return cell_err_msg(e, ENOMEM, "out of memory");
	char *group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	char *f[7];
	int found = etc_lookup(rootfd, "/etc/passwd", user, line, len, f);
	if (found < 0)
		return cell_err_sys(e, -found, "image /etc/passwd");
	if (found) {
		if (parse_id(f[2], &o->uid) < 0 || parse_id(f[3], &o->gid) < 0)
			return cell_err_msg(e, EINVAL, "image /etc/passwd: bad line for %s", user);
		*home = f[5] && f[5][0] == '/' ? f[5] : NULL;
	} else if (parse_id(user, &o->uid) == 0) {
		o->gid = 0;
	} else {
		return cell_err_msg(e, EINVAL, "image user \"%s\": not in the image's "
				    "/etc/passwd", user);
	}
	if (group && *group && parse_id(group, &o->gid) < 0) {
		char gline[1024];
		found = etc_lookup(rootfd, "/etc/group", group, gline, sizeof(gline), f);
		if (found <= 0 || parse_id(f[2], &o->gid) < 0)
			return cell_err_msg(e, EINVAL, "image group \"%s\": not in the "
					    "image's /etc/group", group);
	}
	o->has_user = true;
	return 0;
}

/* The image's User unless -u; HOME from its passwd line (before the
 * image's Env and -e, which may set it). */
static int apply_user(struct people_image *img, int rootfd, struct people_opts *o,
		      struct cell_err *e)
{
	const char *spec = json_string_value(
		json_object_get(json_object_get(img->config, "config"), "User"));
	char line[1024], key[16], *f[7];
	const char *home = NULL;
	if (!o->has_user && spec && *spec) {
		int r = resolve_user(rootfd, spec, o, &home, line, sizeof(line), e);
		if (r < 0)
			return r;
	} else {
		snprintf(key, sizeof(key), "%u", o->uid);
		if (etc_lookup(rootfd, "/etc/passwd", key, line, sizeof(line), f) > 0 &&
		    f[5] && f[5][0] == '/')
			home = f[5];
	}
	if (!home)
		return 0;
	const char **ev = realloc(o->env.v, (o->env.n + 2) * sizeof(char *));
	if (!ev || asprintf(&img->home, "HOME=%s", home) < 0) {
		if (ev)
			o->env.v = ev;
		return cell_err_msg(e, ENOMEM, "out of memory");
	}
	memmove(ev + 1, ev, o->env.n * sizeof(char *));
	ev[0] = img->home;
	o->env.v = ev;
	o->env.v[++o->env.n] = NULL;
	return 0;
}

/* Empty /etc/hosts, hostname, resolv.conf where the image has none: the
 * people's config binds the container's own over the ones that exist. */
static int add_etc_files(int rootfd, struct cell_err *e)
{
	static const char *const files[] = { "/etc/hosts", "/etc/hostname",
					     "/etc/resolv.conf" };
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct cell_err ignored;
		int fd = path_open_in_root(rootfd, files[i], O_PATH | O_NOFOLLOW, &ignored);
		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (fd != -ENOENT)
			continue;
		fd = path_mkdirs_in_root(rootfd, files[i], true, e);
		if (fd < 0)
			return fd;
		close(fd);
	}
	return 0;
}

static bool overlay_safe(const char *p)
{
	return !strpbrk(p, ",:\\");
}

static int mount_image(struct people_image *img, const char *dir,
		       struct people_opts *o, struct cell_err *e)
{
	/* Our own mount namespace, a slave of the host's: the host's mounts
	   still reach it, the overlay never reaches the host, and it goes
	   away with the last process in it (this one, or the -d monitor,
	   and the container's init, whose namespace is a copy). */
	if (unshare(CLONE_NEWNS) < 0)
		return cell_err_sys(e, errno, "unshare the mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cell_err_sys(e, errno, "make / a slave mount");
	_cleanup_free_ char *real = realpath(dir, NULL);
	if (!real)
		return cell_err_sys(e, errno, "%s", dir);
	_cleanup_free_ char *rootfs = path_join(real, "rootfs");
	_cleanup_free_ char *upper = path_join(real, "upper");
	_cleanup_free_ char *work = path_join(real, "work");
	if (!rootfs || !upper || !work)
		return cell_err_msg(e, ENOMEM, "out of memory");
	if (mkdir(rootfs, 0755) < 0 || mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0)
		return cell_err_sys(e, errno, "mkdir in %s", real);

	/* mount(2) takes one page of options: some 40 layers here */
	char opts[4096];
	size_t n = (size_t)snprintf(opts, sizeof(opts), "lowerdir=");
	for (size_t i = 0; i < img->n_layers && n < sizeof(opts); i++)
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, "%s%s",
				      i ? ":" : "", img->layers[i]);
	if (n < sizeof(opts))
		n += (size_t)snprintf(opts + n, sizeof(opts) - n, ",upperdir=%s,workdir=%s",
				      upper, work);
	if (n >= sizeof(opts))
		return cell_err_msg(e, E2BIG, "overlay: too many layers for one mount");
	if (!overlay_safe(real) || !overlay_safe(img->layers[0]))
		return cell_err_msg(e, EINVAL, "overlay: the state root's path has a ',', "
				    "':' or '\\'");
	if (mount("overlay", rootfs, "overlay", 0, opts) < 0)
		return cell_err_sys(e, errno, "mount the image's overlay on %s", rootfs);
	free((char *)o->rootfs);
	o->rootfs = steal_ptr(&rootfs);

	_cleanup_close_ int rootfd =
	    openat(AT_FDCWD, o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r = rootfd < 0 ? cell_err_sys(e, errno, "open %s", o->rootfs) : 0;
	if (r == 0)
		r = add_etc_files(rootfd, e);
	if (r == 0)
		r = apply_user(img, rootfd, o, e);
	if (r < 0)
		people_image_unmount(dir);
	return r;
}

int people_image_mount(struct people_image *img, const char *dir,
		       struct people_opts *o, struct cell_err *e)
{
	int r = mount_image(img, dir, o, e);
	return r < 0 ? cell_err_wrap(e, "%s", o->image) : 0;
}

void people_image_unmount(const char *dir)
{
	_cleanup_free_ char *rootfs = path_join(dir, "rootfs");
	if (rootfs)
		umount2(rootfs, MNT_DETACH | UMOUNT_NOFOLLOW);
}
