#!/bin/sh
# images.sh DIR: build the two images the CRI tests run, from files on this
# machine, as OCI archives ready for `ctr images import`:
#   DIR/pause.tar    localhost/cell-pause:1    the sandbox image (pause.c, static)
#   DIR/busybox.tar  localhost/cell-busybox:1  busybox-static with its applets
# umoci writes the layouts (a single layer each, owned by root); nothing is
# pulled from a registry.
set -eu
out=$1
here=$(cd "$(dirname "$0")" && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}
mkdir -p "$out"
work=$(mktemp -d "$out/images.XXXXXX")
trap 'rm -rf "$work"' EXIT

# image NAME TAG ROOTFS-BUILDER CONFIG-ARGS...: one OCI archive DIR/NAME.tar
image() {
	name=$1 tag=$2 fill=$3
	shift 3
	layout=$work/$name
	umoci init --layout "$layout"
	umoci new --image "$layout:$tag"
	umoci unpack --image "$layout:$tag" "$work/$name.bundle" >/dev/null
	"$fill" "$work/$name.bundle/rootfs"
	umoci repack --image "$layout:$tag" "$work/$name.bundle"
	umoci config --image "$layout:$tag" --os linux --architecture amd64 "$@"
	umoci gc --layout "$layout"
	# ctr names an OCI archive's images by this annotation.
	tmp=$(mktemp "$work/index.XXXXXX")
	jq --arg ref "localhost/cell-$name:$tag" \
		'.manifests[0].annotations["org.opencontainers.image.ref.name"] = $ref' \
		"$layout/index.json" >"$tmp"
	mv "$tmp" "$layout/index.json"
	tar -C "$layout" -cf "$out/$name.tar" .
}

fill_pause() {
	cc -static -O2 -o "$1/pause" "$here/pause.c"
	strip "$1/pause"
}

fill_busybox() {
	r=$1
	mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/root" "$r/proc" "$r/sys" "$r/dev"
	chmod 1777 "$r/tmp"
	cp "$BUSYBOX" "$r/bin/busybox"
	for a in $("$BUSYBOX" --list); do
		[ -e "$r/bin/$a" ] || ln -s busybox "$r/bin/$a"
	done
	ln -s bin "$r/sbin"
	mkdir -p "$r/usr"
	ln -s ../bin "$r/usr/bin"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
}

image pause 1 fill_pause --config.entrypoint /pause
image busybox 1 fill_busybox --config.cmd /bin/sh --config.env PATH=/bin:/usr/bin
