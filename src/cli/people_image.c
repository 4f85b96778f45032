/* `cell run --image FILE`: see people_image.h.
 *
 * Digests are computed by sha256sum and layers unpacked by GNU tar (which
 * refuses members with "..", and delays symlinks that could redirect later
 * members), both run from here with the blob as their stdin: cell links no
 * crypto library and parses no tar.  Every file of the image is opened
 * below the image's directory (openat2 RESOLVE_BENEATH), so a planted
 * symlink cannot make cell read a host file as a blob. */
#include "cli/people_image.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/fd.h"
#include "util/file.h"
#include "util/path.h"
#include "util/syscalls.h"

#define JSON_MAX (4 << 20)
#define HEXLEN 64

#if defined(__x86_64__)
#define HOST_ARCH "amd64"
#elif defined(__aarch64__)
#define HOST_ARCH "arm64"
#elif defined(__i386__)
#define HOST_ARCH "386"
#elif defined(__arm__)
#define HOST_ARCH "arm"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_ARCH "ppc64le"
#elif defined(__s390x__)
#define HOST_ARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ARCH "riscv64"
#else
#define HOST_ARCH "unknown"
#endif

/* Where the image is read from: its directory, or a tar of it unpacked
 * into the cache's tmp/. */
struct image_src {
	int dirfd;
	char *tmp;
};

/* One layer: its cache key (a sha256 in hex), its file in the image, and
 * the digests its content may have (the blob's name, the config's
 * diff_id). */
struct layer_ref {
	char key[HEXLEN + 1];
	char *rel;
	char want[2][HEXLEN + 1];
};

/* ------------------------------------------------------------ tools */

/* Run argv with in_fd as stdin; its stdout and stderr (the first
 * outlen - 1 bytes) land in out.  The exit status, or -errno. */
static int run_tool(const char *const *argv, int in_fd, char *out, size_t outlen)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int err = errno;
		close(p[0]);
		close(p[1]);
		return -err;
	}
	if (pid == 0) {
		if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(p[1], STDOUT_FILENO) < 0 ||
		    dup2(p[1], STDERR_FILENO) < 0)
			_exit(127);
		sys_close_range(3, ~0U, 0);
		signals_reset();
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "%s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	char sink[4096];
	ssize_t got;
	for (;;) {
		char *buf = n < outlen - 1 ? out + n : sink;
		size_t room = n < outlen - 1 ? outlen - 1 - n : sizeof(sink);
		got = read(p[0], buf, room);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (buf != sink)
			n += (size_t)got;
	}
	out[n] = '\0';
	close(p[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first line of a tool's output, for an error message. */
static const char *first_line(char *s)
{
	s[strcspn(s, "\n")] = '\0';
	return *s ? s : "failed";
}

static bool is_hex64(const char *s)
{
	return strspn(s, "0123456789abcdef") == HEXLEN;
}

static int sha256_fd(int fd, char hex[HEXLEN + 1], struct cell_err *e)
{
	char out[512];
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cell_err_sys(e, errno, "seek");
	int st = run_tool((const char *const[]){ "sha256sum", NULL }, fd, out,
			  sizeof(out));
	if (st < 0)
		return cell_err_sys(e, -st, "sha256sum");
	if (st != 0 || !is_hex64(out))
		return cell_err_msg(e, EIO, "sha256sum: %s", first_line(out));
	memcpy(hex, out, HEXLEN);
	hex[HEXLEN] = '\0';
	return 0;
}

/* tar's decompression flag for what fd holds, by its magic bytes. */
static const char *compression_flag(int fd)
{
	unsigned char m[6] = { 0 };
	if (pread(fd, m, sizeof(m), 0) < 4)
		return NULL;
	if (m[0] == 0x1f && m[1] == 0x8b)
		return "-z";
	if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		return "--zstd";
	if (m[0] == 0xfd && !memcmp(m + 1, "7zXZ", 4))
		return "-J";
	if (!memcmp(m, "BZh", 3))
		return "-j";
	return NULL;
}

/* Unpack the tar on fd into dir.  A layer keeps owners, modes, devices
 * and file capabilities; the trusted.* namespace is never taken from an
 * image (trusted.overlay.* would steer the overlay). */
static int untar(int fd, const char *dir, bool layer, struct cell_err *e)
{
	const char *argv[16] = { "tar", "-x", "-f", "-", "-C", dir };
	size_t n = 6;
	const char *z = compression_flag(fd);
	if (z)
		argv[n++] = z;
	if (layer) {
		argv[n++] = "--numeric-owner";
		argv[n++] = "--same-owner";
		argv[n++] = "--same-permissions";
		argv[n++] = "--xattrs";
		argv[n++] = "--xattrs-include=security.capability";
	} else {
		argv[n++] = "--no-same-owner";
	}
	argv[n] = NULL;
	char out[1024];
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cell_err_sys(e, errno, "seek");
	int st = run_tool(argv, fd, out, sizeof(out));
	if (st < 0)
		return cell_err_sys(e, -st, "tar");
	if (st != 0)
		return cell_err_msg(e, EINVAL, "%s", first_line(out));
	return 0;
}

/* rm -r of a dir we made (never follows symlinks, see people_dir.c). */
static void remove_tree(const char *path)
{
	struct cell_err ignored;
	people_dir_remove(path, &ignored);
}

/* ------------------------------------------------------------ reading */

/* A regular file below the image's directory, never through a symlink
 * that leaves it. */
static int open_beneath(int dirfd, const char *rel, struct cell_err *e)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = sys_openat2(dirfd, rel, &how);
	if (fd < 0)
		return cell_err_sys(e, errno, "%s", rel);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return cell_err_msg(e, EINVAL, "%s: not a regular file", rel);
	}
	return fd;
}

/* The blob file of "sha256:<hex>"; hex gets the digest. */
static int blob_path(const char *digest, char hex[HEXLEN + 1], char **rel,
		     struct cell_err *e)
{
	if (!digest || strncmp(digest, "sha256:", 7) || !is_hex64(digest + 7) ||
	    digest[7 + HEXLEN])
		return cell_err_msg(e, EINVAL, "digest \"%s\": not sha256:<64 hex digits>",
				    digest ? digest : "");
	memcpy(hex, digest + 7, HEXLEN + 1);
	if (asprintf(rel, "blobs/sha256/%s", hex) < 0)
		return cell_err_msg(e, ENOMEM, "out of memory");
	return 0;
}

/* Read a JSON file of the image; with want (hex), its sha256 must match. */
static int read_json(int dirfd, const char *rel, const char *want, json_t **out,
		     struct cell_err *e)
{
	_cleanup_close_ int fd = open_beneath(dirfd, rel, e);
	if (fd < 0)
		return fd;
	if (want) {
		char got[HEXLEN + 1];
		if (sha256_fd(fd, got, e) < 0)
			return cell_err_wrap(e, "%s", rel);
		if (strcmp(got, want))
			return cell_err_msg(e, EINVAL, "%s: digest mismatch (its sha256 is %.12s)",
					    rel, got);
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size > JSON_MAX)
		return cell_err_msg(e, EFBIG, "%s: larger than 4 MiB", rel);
	_cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return cell_err_msg(e, ENOMEM, "out of memory");
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n != st.st_size)
		return cell_err_sys(e, n < 0 ? errno : EIO, "read %s", rel);
	json_error_t je;
	*out = json_loadb(buf, (size_t)n, 0, &je);
	if (!*out)
		return cell_err_msg(e, EINVAL, "%s: line %d: %s", rel, je.line, je.text);
	return 0;
}

/* The blob a descriptor {"digest": ...} names, as JSON, verified. */
static int read_blob_json(int dirfd, json_t *desc, json_t **out, struct cell_err *e)
{
	char hex[HEXLEN + 1];
	_cleanup_free_ char *rel = NULL;
	int r = blob_path(json_string_value(json_object_get(desc, "digest")), hex, &rel, e);
	return r < 0 ? r : read_json(dirfd, rel, hex, out, e);
}

static bool is_index(json_t *desc)
{
	const char *t = json_string_value(json_object_get(desc, "mediaType"));
	return t && (!strcmp(t, "application/vnd.oci.image.index.v1+json") ||
		     !strcmp(t, "application/vnd.docker.distribution.manifest.list.v2+json"));
}

/* The manifest an index leads to: the only one, or the one for this
 * machine's platform; nested indexes are followed. */
static int oci_manifest(int dirfd, json_t *index, int depth, json_t **out,
			struct cell_err *e)
{
	json_t *list = json_object_get(index, "manifests");
	size_t n = json_array_size(list);
	if (!n)
		return cell_err_msg(e, EINVAL, "index.json: no manifests");
	json_t *pick = n == 1 ? json_array_get(list, 0) : NULL;
	size_t i;
	json_t *d;
	json_array_foreach(list, i, d) {
		json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		if (!pick && os && arch && !strcmp(os, "linux") && !strcmp(arch, HOST_ARCH))
			pick = d;
	}
	if (!pick)
		return cell_err_msg(e, EINVAL, "index: %zu manifests, none for linux/%s",
				    n, HOST_ARCH);
	json_t *blob = NULL;
	int r = read_blob_json(dirfd, pick, &blob, e);
	if (r < 0)
		return r;
	if (is_index(pick) || json_object_get(blob, "manifests")) {
		if (depth >= 4) {
			json_decref(blob);
			return cell_err_msg(e, ELOOP, "index: nested too deep");
		}
		r = oci_manifest(dirfd, blob, depth + 1, out, e);
		json_decref(blob);
		return r;
	}
	*out = blob;
	return 0;
}

static void free_layers(struct layer_ref *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].rel);
	free(l);
}

/* OCI layout: index.json -> manifest -> config and layers (by digest). */
static int read_oci(int dirfd, json_t **config, struct layer_ref **layers,
		    size_t *n, struct cell_err *e)
{
	json_t *index = NULL, *manifest = NULL;
	int r = read_json(dirfd, "index.json", NULL, &index, e);
	if (r == 0)
		r = oci_manifest(dirfd, index, 0, &manifest, e);
	json_decref(index);
	if (r < 0)
		return r;
	json_t *list = json_object_get(manifest, "layers");
	if ((r = read_blob_json(dirfd, json_object_get(manifest, "config"), config, e)) < 0)
		goto out;
	*n = json_array_size(list);
	*layers = calloc(*n + 1, sizeof(**layers));
	if (!*layers) {
		r = cell_err_msg(e, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < *n; i++) {
		struct layer_ref *l = &(*layers)[i];
		const char *digest = json_string_value(
			json_object_get(json_array_get(list, i), "digest"));
		if ((r = blob_path(digest, l->key, &l->rel, e)) < 0) {
			cell_err_wrap(e, "manifest: layer %zu", i);
			goto out;
		}
		memcpy(l->want[0], l->key, sizeof(l->key));
	}
out:
	json_decref(manifest);
	return r;
}

/* The sha256 a docker archive's file name carries: "<hex>.json",
 * "<hex>.tar" or "blobs/sha256/<hex>" (empty when none). */
static void hex_of_name(const char *rel, char hex[HEXLEN + 1])
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	hex[0] = '\0';
	if (is_hex64(base) && (!base[HEXLEN] || base[HEXLEN] == '.')) {
		memcpy(hex, base, HEXLEN);
		hex[HEXLEN] = '\0';
	}
}

/* docker/podman save: manifest.json -> Config and Layers (by path); each
 * layer is keyed by its diff_id, the sha256 of the uncompressed tar. */
static int read_docker(int dirfd, json_t **config, struct layer_ref **layers,
		       size_t *n, struct cell_err *e)
{
	json_t *manifest = NULL;
	int r = read_json(dirfd, "manifest.json", NULL, &manifest, e);
	if (r < 0)
		return r;
	json_t *m = json_array_get(manifest, 0);
	const char *cfg = json_string_value(json_object_get(m, "Config"));
	json_t *list = json_object_get(m, "Layers");
	if (!cfg || !json_is_array(list)) {
		r = cell_err_msg(e, EINVAL, "manifest.json: no Config and Layers");
		goto out;
	}
	char hex[HEXLEN + 1];
	hex_of_name(cfg, hex);
	if ((r = read_json(dirfd, cfg, hex[0] ? hex : NULL, config, e)) < 0)
		goto out;
	json_t *diff_ids = json_object_get(json_object_get(*config, "rootfs"), "diff_ids");
	*n = json_array_size(list);
	if (json_array_size(diff_ids) != *n) {
		r = cell_err_msg(e, EINVAL, "%s: %zu diff_ids for %zu layers", cfg,
				 json_array_size(diff_ids), *n);
		goto out;
	}
	*layers = calloc(*n + 1, sizeof(**layers));
	if (!*layers) {
		r = cell_err_msg(e, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < *n; i++) {
		struct layer_ref *l = &(*layers)[i];
		const char *rel = json_string_value(json_array_get(list, i));
		_cleanup_free_ char *ignored = NULL;
		if (!rel) {
			r = cell_err_msg(e, EINVAL, "manifest.json: layer %zu: not a path", i);
			goto out;
		}
		if ((r = blob_path(json_string_value(json_array_get(diff_ids, i)), l->key,
				   &ignored, e)) < 0) {
			cell_err_wrap(e, "%s: diff_id %zu", cfg, i);
			goto out;
		}
		if (!(l->rel = strdup(rel))) {
			r = cell_err_msg(e, ENOMEM, "out of memory");
			goto out;
		}
		memcpy(l->want[0], l->key, sizeof(l->key));
		hex_of_name(rel, l->want[1]);
	}
out:
	json_decref(manifest);
	return r;
}

/* ------------------------------------------------------------ the cache */

/* OCI whiteouts -> overlayfs ones, in a freshly unpacked layer:
 * ".wh.NAME" becomes a 0:0 character device NAME, ".wh..wh..opq" the
 * trusted.overlay.opaque xattr on its directory. */
static int convert_whiteouts(int dirfd, int depth, struct cell_err *e)
{
	if (depth > 512)
		return cell_err_msg(e, ELOOP, "directories nested too deep");
	int fd = dup(dirfd);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return cell_err_sys(e, errno, "opendir");
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d))) {
		const char *name = de->d_name;
		struct stat st;
		if (!strcmp(name, ".") || !strcmp(name, "..") ||
		    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = cell_err_sys(e, errno, "open %s", name);
				break;
			}
			r = convert_whiteouts(sub, depth + 1, e);
			close(sub);
			if (r < 0)
				cell_err_wrap(e, "%s", name);
			continue;
		}
		/* only regular files are markers: the devices made here are
		   seen again by this readdir */
		if (strncmp(name, ".wh.", 4) || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd, name, 0) < 0) {
			r = cell_err_sys(e, errno, "unlink %s", name);
		} else if (!strcmp(name, ".wh..wh..opq")) {
			if (fsetxattr(dirfd, "trusted.overlay.opaque", "y", 1, 0) < 0)
				r = cell_err_sys(e, errno, "opaque directory");
		} else if (strncmp(name, ".wh..wh.", 8) &&
			   mknodat(dirfd, name + 4, S_IFCHR, makedev(0, 0)) < 0 &&
			   errno != EEXIST) {
			/* EEXIST: the layer has NAME too; its own wins */
			r = cell_err_sys(e, errno, "whiteout %s", name + 4);
		}
	}
	closedir(d);
	return r;
}

struct cache {
	char *path; /* absolute */
	int fd;
	int lock;
};

static void cache_close(struct cache *c)
{
	if (c->lock >= 0)
		close(c->lock); /* releases the flock */
	if (c->fd >= 0)
		close(c->fd);
	free(c->path);
}

/* Open (make) <root>/.images and take its lock.  Whoever makes something
 * in tmp/ holds the lock for as long as it lives there, so what tmp/ holds
 * now was left by a crash: removed. */
static int cache_open(const char *root, struct cache *c, struct cell_err *e)
{
	*c = (struct cache){ .fd = -1, .lock = -1 };
	_cleanup_free_ char *p = NULL;
	if (asprintf(&p, "%s/%s", root, PEOPLE_IMAGES) < 0)
		return cell_err_msg(e, ENOMEM, "out of memory");
	int r = file_mkdir_p(p, 0700);
	if (r < 0)
		return cell_err_sys(e, -r, "mkdir %s", p);
	if (!(c->path = realpath(p, NULL)))
		return cell_err_sys(e, errno, "%s", p);
	c->fd = openat(AT_FDCWD, c->path,
		       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->fd < 0)
		return cell_err_sys(e, errno, "open %s", c->path);
	if ((mkdirat(c->fd, "tmp", 0700) < 0 && errno != EEXIST) ||
	    (mkdirat(c->fd, "layers", 0700) < 0 && errno != EEXIST))
		return cell_err_sys(e, errno, "%s: mkdir", c->path);
	c->lock = openat(c->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (c->lock < 0)
		return cell_err_sys(e, errno, "%s/lock", c->path);
	while (flock(c->lock, LOCK_EX) < 0)
		if (errno != EINTR)
			return cell_err_sys(e, errno, "%s/lock", c->path);
	_cleanup_free_ char *tmp = path_join(c->path, "tmp");
	_cleanup_closedir_ DIR *d = tmp ? opendir(tmp) : NULL;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		_cleanup_free_ char *stale = path_join(tmp, de->d_name);
		if (stale)
			remove_tree(stale);
	}
	return 0;
}

static int cache_mkdtemp(const struct cache *c, const char *what, char **out,
			 struct cell_err *e)
{
	char *p;
	if (asprintf(&p, "%s/tmp/%s-XXXXXX", c->path, what) < 0)
		return cell_err_msg(e, ENOMEM, "out of memory");
	if (!mkdtemp(p)) {
		int err = errno;
		free(p);
		return cell_err_sys(e, err, "mkdtemp in %s/tmp", c->path);
	}
	*out = p;
	return 0;
}

/* Make layers/<key> unless the cache has it: verify, unpack into tmp/,
 * convert the whiteouts, rename into place. */
static int layer_ensure(const struct cache *c, int srcfd, const struct layer_ref *l,
			char **dir_out, struct cell_err *e)
{
	if (asprintf(dir_out, "%s/layers/%s", c->path, l->key) < 0)
		return cell_err_msg(e, ENOMEM, "out of memory");
	struct stat st;
	if (stat(*dir_out, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	_cleanup_close_ int fd = open_beneath(srcfd, l->rel, e);
	if (fd < 0)
		return fd;
	char got[HEXLEN + 1];
	if (sha256_fd(fd, got, e) < 0)
		return cell_err_wrap(e, "%s", l->rel);
	if (strcmp(got, l->want[0]) && strcmp(got, l->want[1]))
		return cell_err_msg(e, EINVAL, "%s: digest mismatch: sha256:%.12s expected, "
				    "its content is sha256:%.12s", l->rel, l->want[0], got);
	_cleanup_free_ char *tmp = NULL;
	int r = cache_mkdtemp(c, "layer", &tmp, e);
	if (r < 0)
		return r;
	_cleanup_close_ int tmpfd = openat(
	    AT_FDCWD, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tmpfd < 0 || fchmod(tmpfd, 0755) < 0)
		r = cell_err_sys(e, errno, "%s", tmp);
	else if ((r = untar(fd, tmp, true, e)) < 0 ||
		 (r = convert_whiteouts(tmpfd, 0, e)) < 0)
		cell_err_wrap(e, "%s", l->rel);
	else if (rename(tmp, *dir_out) < 0)
		r = cell_err_sys(e, errno, "rename into %s", *dir_out);
	if (r < 0)
		remove_tree(tmp);
	return r;
}

/* ------------------------------------------------------------ load */

static int src_open(const struct cache *c, const char *file, struct image_src *s,
		    struct cell_err *e)
{
	struct stat st;
	if (stat(file, &st) < 0)
		return cell_err_sys(e, errno, "%s", file);
	if (S_ISDIR(st.st_mode)) {
		s->dirfd =
		    openat(AT_FDCWD, file, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		return s->dirfd < 0 ? cell_err_sys(e, errno, "%s", file) : 0;
	}
	if (!S_ISREG(st.st_mode))
		return cell_err_msg(e, EINVAL, "%s: not a directory nor an archive", file);
	_cleanup_close_ int fd = openat(AT_FDCWD, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cell_err_sys(e, errno, "%s", file);
	int r = cache_mkdtemp(c, "archive", &s->tmp, e);
	if (r < 0)
		return r;
	if ((r = untar(fd, s->tmp, false, e)) < 0)
		return cell_err_wrap(e, "%s: not a tar archive", file);
	s->dirfd = openat(AT_FDCWD, s->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return s->dirfd < 0 ? cell_err_sys(e, errno, "%s", s->tmp) : 0;
}

static void src_close(struct image_src *s)
{
	if (s->dirfd >= 0)
		close(s->dirfd);
	if (s->tmp)
		remove_tree(s->tmp);
	free(s->tmp);
}

int people_image_load(const char *root, const char *file, struct people_image *img,
		      struct cell_err *e)
{
	struct cache c;
	struct image_src s = { .dirfd = -1 };
	struct layer_ref *layers = NULL;
	size_t n = 0;
	int r = cache_open(root, &c, e);
	if (r == 0)
		r = src_open(&c, file, &s, e);
	if (r < 0)
		goto out;
	if (faccessat(s.dirfd, "oci-layout", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = read_oci(s.dirfd, &img->config, &layers, &n, e);
	else if (faccessat(s.dirfd, "manifest.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		r = read_docker(s.dirfd, &img->config, &layers, &n, e);
	else
		r = cell_err_msg(e, EINVAL, "not an OCI image layout (no oci-layout) nor "
				 "a docker save archive (no manifest.json)");
	if (r == 0 && !n)
		r = cell_err_msg(e, EINVAL, "the image has no layers");
	if (r == 0 && !(img->layers = calloc(n + 1, sizeof(char *))))
		r = cell_err_msg(e, ENOMEM, "out of memory");
	if (r == 0)
		img->n_layers = n;
	/* the manifest lists the base layer first; overlayfs the top one */
	for (size_t i = 0; r == 0 && i < n; i++)
		r = layer_ensure(&c, s.dirfd, &layers[i], &img->layers[n - 1 - i], e);
	if (r < 0)
		cell_err_wrap(e, "%s", file);
out:
	free_layers(layers, n);
	src_close(&s);
	cache_close(&c);
	return r;
}

void people_image_free(struct people_image *img)
{
	for (size_t i = 0; i < img->n_layers; i++)
		free(img->layers[i]);
	free(img->layers);
	json_decref(img->config);
	free(img->argv);
	free(img->home);
	memset(img, 0, sizeof(*img));
}
