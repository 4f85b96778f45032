/* `cell run --image FILE`: run a container image without an engine.
 *
 * FILE is an OCI image layout (a directory with oci-layout, index.json and
 * blobs/sha256/..., or a tar of one) or a `docker save` / `podman save`
 * archive (manifest.json with Config and Layers).  Each layer is verified
 * against its digest and unpacked once into a content-addressed cache under
 * the state root:
 *
 *     <root>/.images/lock           flock: one preparation at a time
 *     <root>/.images/tmp/           half-made things; a crash leaves them
 *                                   here, the next preparation removes them
 *     <root>/.images/layers/<hex>   one unpacked layer (OCI whiteouts made
 *                                   overlayfs whiteouts), renamed into place
 *                                   only once complete
 *
 * (so the cache is per --root: the default /run/cell is a tmpfs, and the
 * cache lives as long as the machine is up.)
 *
 * The container's root is an overlay of the layers with an upper and a work
 * dir in its people dir, mounted in a private mount namespace of the cell
 * process (and, for -d, of its monitor): the container's own mount
 * namespace is copied from there, and no mount is ever made in the host's,
 * so nothing outlives the container — not a failed run, not `cell stop`.
 *
 * people_image.c reads, verifies and caches; people_image_mount.c turns
 * the image into the container's flags and root. */
#ifndef CELL_CLI_PEOPLE_IMAGE_H
#define CELL_CLI_PEOPLE_IMAGE_H

#include <jansson.h>

#include "cli/people_opts.h"
#include "util/err.h"

#define PEOPLE_IMAGES ".images"

struct people_image {
	char **layers;   /* cache dirs, top layer first */
	size_t n_layers;
	json_t *config;  /* the image config (its "config" object inside) */
	const char **argv; /* Entrypoint + (COMMAND or Cmd): o->cmd points here */
	char *home;      /* "HOME=..." of the image user, in o->env */
};

/* Read FILE, verify it and fill the cache: img->layers, img->config. */
int people_image_load(const char *root, const char *file,
		      struct people_image *img, struct cell_err *e);

/* Unpack FILE (o->image) into the cache and apply the image's Entrypoint,
 * Cmd, Env and WorkingDir to o where the flags left them (COMMAND after --
 * replaces Cmd; -e adds to Env and wins; -w wins).  Sets o->rootfs to the
 * path the overlay will be mounted on.  Nothing is made outside the cache;
 * on failure nothing of this run is left in it either. */
int people_image_prepare(const char *root, struct people_opts *o,
			 struct people_image *img, struct cell_err *e);

/* Enter a private mount namespace, mount the overlay on <dir>/rootfs (upper
 * and work dirs next to it), and resolve the image's User (a name through
 * the image's /etc/passwd and /etc/group) unless -u was given.  Adds empty
 * /etc/hosts, hostname and resolv.conf where the image has none, so that
 * the container's own are bound over them. */
int people_image_mount(struct people_image *img, const char *dir,
		       struct people_opts *o, struct cell_err *e);

/* Before removing the people dir from this process: detach the overlay. */
void people_image_unmount(const char *dir);

void people_image_free(struct people_image *img);

#endif
