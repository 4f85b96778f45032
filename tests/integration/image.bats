#!/usr/bin/env bats
# The people's `cell run --image FILE -- [COMMAND]`: an OCI image layout
# (directory or tar) or a `docker save` archive, built here from the host's
# static busybox.  The layer cache is <root>/.images, so every test has its
# own (under TEST_ROOT).
#
#     CELL=/work/main/build-img/cell bats tests/integration/image.bats

load helpers

# The images, built once per file:
#   oci/, oci.tar  two layers: the base (gzip) has busybox, /etc/passwd with
#                  app (1000:1001), /etc/gone, /etc/kept, /opq/{a,b}; the
#                  second (plain tar) whites out /etc/gone, makes /opq opaque
#                  with only c, adds /layer2.  Entrypoint sh -c, Cmd
#                  "echo default-cmd", Env FOO BAR, WorkingDir /work, User app
#   docker.tar     `docker save` layout (<id>/layer.tar) of the same layers,
#                  Cmd echo docker-ok, no Entrypoint, no User
build_images() {
	local d="$1" a
	mkdir -p "$d"/l1/{bin,etc,opq,home/app,work,tmp,proc,sys,dev} "$d"/l2/{etc,opq}
	cp /bin/busybox "$d/l1/bin/busybox"
	for a in sh echo cat id env pwd ls test sleep true stat touch; do
		ln -s busybox "$d/l1/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n' >"$d/l1/etc/passwd"
	printf 'root:x:0:\napp:x:1001:\nstaff:x:50:\n' >"$d/l1/etc/group"
	echo gone >"$d/l1/etc/gone"
	echo kept >"$d/l1/etc/kept"
	echo a >"$d/l1/opq/a"
	echo b >"$d/l1/opq/b"
	: >"$d/l2/etc/.wh.gone"
	: >"$d/l2/opq/.wh..wh..opq"
	echo c >"$d/l2/opq/c"
	echo two >"$d/l2/layer2"
	tar --numeric-owner -C "$d/l1" -cf - . | gzip -n >"$d/l1.tgz"
	tar --numeric-owner -C "$d/l2" -cf "$d/l2.tar" .

	local o="$d/oci" l1 l2 diff1 cfg man
	mkdir -p "$o/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$o/oci-layout"
	l1="$(_sha "$d/l1.tgz")"
	l2="$(_sha "$d/l2.tar")"
	diff1="$(gzip -dc "$d/l1.tgz" | sha256sum | cut -d' ' -f1)"
	cp "$d/l1.tgz" "$o/blobs/sha256/$l1"
	cp "$d/l2.tar" "$o/blobs/sha256/$l2"
	cat >"$d/config.json" <<-EOF
		{"architecture":"amd64","os":"linux",
		 "config":{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo default-cmd"],
		   "Env":["PATH=/bin","FOO=image","BAR=image"],"WorkingDir":"/work","User":"app"},
		 "rootfs":{"type":"layers","diff_ids":["sha256:$diff1","sha256:$l2"]}}
	EOF
	cfg="$(_sha "$d/config.json")"
	cp "$d/config.json" "$o/blobs/sha256/$cfg"
	cat >"$d/manifest.json" <<-EOF
		{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
		 "config":{"mediaType":"application/vnd.oci.image.config.v1+json",
		   "digest":"sha256:$cfg","size":$(stat -c %s "$d/config.json")},
		 "layers":[
		   {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip",
		    "digest":"sha256:$l1","size":$(stat -c %s "$d/l1.tgz")},
		   {"mediaType":"application/vnd.oci.image.layer.v1.tar",
		    "digest":"sha256:$l2","size":$(stat -c %s "$d/l2.tar")}]}
	EOF
	man="$(_sha "$d/manifest.json")"
	cp "$d/manifest.json" "$o/blobs/sha256/$man"
	cat >"$o/index.json" <<-EOF
		{"schemaVersion":2,"manifests":[
		  {"mediaType":"application/vnd.oci.image.manifest.v1+json",
		   "digest":"sha256:$man","size":$(stat -c %s "$d/manifest.json")}]}
	EOF
	tar -C "$o" -cf "$d/oci.tar" .

	local k="$d/docker" dcfg
	mkdir -p "$k/layer1" "$k/layer2"
	gzip -dc "$d/l1.tgz" >"$k/layer1/layer.tar"
	cp "$d/l2.tar" "$k/layer2/layer.tar"
	cat >"$d/dconfig.json" <<-EOF
		{"architecture":"amd64","os":"linux",
		 "config":{"Cmd":["echo","docker-ok"],"Env":["PATH=/bin"]},
		 "rootfs":{"type":"layers","diff_ids":["sha256:$diff1","sha256:$l2"]}}
	EOF
	dcfg="$(_sha "$d/dconfig.json")"
	cp "$d/dconfig.json" "$k/$dcfg.json"
	printf '[{"Config":"%s.json","RepoTags":["test:latest"],"Layers":["layer1/layer.tar","layer2/layer.tar"]}]\n' \
		"$dcfg" >"$k/manifest.json"
	tar -C "$k" -cf "$d/docker.tar" manifest.json "$dcfg.json" layer1 layer2

	echo "$l1" >"$d/l1.digest"
	echo "$l2" >"$d/l2.digest"
}

_sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# oci_variant DIR JQ: a copy of the OCI layout in DIR whose image config is
# edited by the jq filter JQ (new config, manifest and index digests).
oci_variant() {
	local v="$1" cfg man
	cp -a "$IMAGES/oci" "$v"
	jq -c "$2" "$IMAGES/config.json" >"$v/config.json"
	cfg="$(_sha "$v/config.json")"
	mv "$v/config.json" "$v/blobs/sha256/$cfg"
	jq -c ".config.digest = \"sha256:$cfg\" | .config.size = $(stat -c %s "$v/blobs/sha256/$cfg")" \
		"$IMAGES/manifest.json" >"$v/manifest.json"
	man="$(_sha "$v/manifest.json")"
	jq -c ".manifests[0].digest = \"sha256:$man\" | .manifests[0].size = $(stat -c %s "$v/manifest.json")" \
		"$IMAGES/oci/index.json" >"$v/index.json"
	mv "$v/manifest.json" "$v/blobs/sha256/$man"
}

setup_file() {
	IMAGES="$BATS_FILE_TMPDIR/images"
	build_images "$IMAGES"
	export IMAGES
}

setup() {
	skip_if_runc "--image is the people's form, cell's own"
	setup_bundle
	NAME="$CID"
	PDIR="$TEST_ROOT/.people/$NAME"
	CACHE="$TEST_ROOT/.images"
}

teardown() {
	for n in $(ls "$TEST_ROOT/.people" 2>/dev/null); do
		rt stop -t 0 "$n" >/dev/null 2>&1 || true
	done
	assert_no_mounts_anywhere || true
	teardown_bundle
}

prun() {
	runtime run --name "$NAME" "$@"
}

# No mount under TEST_DIR in any mount namespace on the host (the overlay
# lives in cell's own namespace and the container's: both must be gone).
assert_no_mounts_anywhere() {
	local tries=40 left
	while [ "$tries" -gt 0 ]; do
		left="$(grep -lF "$TEST_DIR/" /proc/[0-9]*/mountinfo 2>/dev/null || true)"
		[ -z "$left" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	fail "mounts left under $TEST_DIR in: $left"
}

assert_nothing_left() {
	assert_no_state "$NAME"
	[ ! -e "$PDIR" ] || fail "people dir $PDIR left behind"
	[ -z "$(ls -A "$CACHE/tmp" 2>/dev/null)" ] || fail "cache tmp left: $(ls "$CACHE/tmp")"
	assert_no_cgroup "$NAME"
	assert_no_mounts_anywhere
}

# ------------------------------------------------------- command, env, user

@test "image: Entrypoint + Cmd when no command follows --" {
	prun --image "$IMAGES/oci" --
	assert_status 0
	[ "$output" = default-cmd ] || fail "got: $output"
	assert_nothing_left
}

@test "image: a command after -- replaces Cmd, the Entrypoint stays" {
	prun --image "$IMAGES/oci" -- 'echo replaced; exit 4'
	assert_status 4
	[ "$output" = replaced ] || fail "got: $output"
	assert_nothing_left
}

@test "image: Env, WorkingDir and User (a name in the image's passwd), HOME from it" {
	prun --image "$IMAGES/oci" -- 'echo $FOO $BAR; pwd; id -u; id -g; echo $HOME; echo $PATH'
	assert_status 0
	[ "$output" = "image image
/work
1000
1001
/home/app
/bin" ] || fail "got: $output"
}

@test "image: User as uid (gid 0 when not in passwd), as user:group names" {
	oci_variant "$TEST_DIR/v1" '.config.User = "4321"'
	prun --image "$TEST_DIR/v1" -- 'id -u; id -g'
	assert_status 0
	[ "$output" = "4321
0" ] || fail "got: $output"
	oci_variant "$TEST_DIR/v2" '.config.User = "app:staff"'
	prun --image "$TEST_DIR/v2" -- 'id -u; id -g'
	[ "$output" = "1000
50" ] || fail "got: $output"
	assert_nothing_left
}

@test "image: -e adds and wins, -w and -u win" {
	prun --image "$IMAGES/oci" -e BAR=cli -e NEW=1 -w /tmp -u 0 -- \
		'echo $FOO $BAR $NEW; pwd; id -u; id -g; echo $HOME'
	assert_status 0
	[ "$output" = "image cli 1
/tmp
0
0
/root" ] || fail "got: $output"
}

@test "image: the user's uid is the one seen from the host" {
	runtime_detached run -d --name "$NAME" --image "$IMAGES/oci" -- 'sleep 100'
	assert_status 0
	wait_for_status "$NAME" running
	local pid
	pid="$(container_pid "$NAME")"
	[ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" = 1000 ]
	[ "$(awk '$1 == "Gid:" { print $2 }' "/proc/$pid/status")" = 1001 ]
}

# ------------------------------------------------------------ the layers

@test "image: a whiteout hides a file of the layer below, an opaque dir its content" {
	prun --image "$IMAGES/oci" -u 0 -- \
		'test -e /etc/gone && echo gone-visible; cat /etc/kept; ls /opq; cat /layer2'
	assert_status 0
	[ "$output" = "kept
c
two" ] || fail "got: $output"
	# in the cache: an overlayfs whiteout, and the opaque xattr
	local l2
	l2="$(cat "$IMAGES/l2.digest")"
	[ "$(stat -c '%F %t:%T' "$CACHE/layers/$l2/etc/gone")" = "character special file 0:0" ]
	[ ! -e "$CACHE/layers/$l2/opq/.wh..wh..opq" ]
	[ ! -e "$CACHE/layers/$l2/etc/.wh.gone" ]
	if command -v getfattr >/dev/null; then
		[ "$(getfattr --only-values -n trusted.overlay.opaque "$CACHE/layers/$l2/opq")" = y ]
	fi
	assert_nothing_left
}

@test "image: the root is writable, writes stay in the container" {
	prun --image "$IMAGES/oci" -u 0 -- 'echo new >/etc/kept; echo x >/newfile; cat /etc/kept'
	assert_status 0
	[ "$output" = new ]
	prun --image "$IMAGES/oci" -u 0 -- 'cat /etc/kept; test -e /newfile || echo no-newfile'
	[ "$output" = "kept
no-newfile" ] || fail "got: $output"
	! grep -rqs new "$CACHE/layers"/*/etc/kept || fail "the write reached the cache"
	assert_nothing_left
}

@test "image: --read-only makes the root read-only" {
	prun --image "$IMAGES/oci" --read-only -u 0 -- 'touch /x'
	[ "$status" -ne 0 ]
	assert_nothing_left
}

@test "image: the container gets its own hostname and hosts" {
	prun --image "$IMAGES/oci" --hostname box -- 'cat /etc/hostname; cat /etc/hosts'
	assert_status 0
	[ "${lines[0]}" = box ]
	assert_output_contains box
}

# ------------------------------------------------------------ the formats

@test "image: a docker save archive" {
	prun --image "$IMAGES/docker.tar" --
	assert_status 0
	[ "$output" = docker-ok ] || fail "got: $output"
	prun --image "$IMAGES/docker.tar" -- sh -c 'test -e /etc/gone || echo whited-out; id -u'
	[ "$output" = "whited-out
0" ] || fail "got: $output"
	assert_nothing_left
}

@test "image: an OCI layout as a tar" {
	prun --image "$IMAGES/oci.tar" -- 'cat /layer2'
	assert_status 0
	[ "$output" = two ]
	assert_nothing_left
}

# ------------------------------------------------------------ the cache

@test "image: the second run uses the cache, not a new extraction" {
	prun --image "$IMAGES/oci" -- true
	assert_status 0
	local l1 before after
	l1="$(cat "$IMAGES/l1.digest")"
	[ -d "$CACHE/layers/$l1/bin" ]
	before="$(stat -c '%i %Y' "$CACHE/layers/$l1")"
	sleep 1.1
	prun --image "$IMAGES/oci.tar" -- true
	assert_status 0
	after="$(stat -c '%i %Y' "$CACHE/layers/$l1")"
	[ "$before" = "$after" ] || fail "layer re-extracted: $before -> $after"
	assert_nothing_left
}

@test "image: concurrent runs of a new image share one extraction" {
	local i
	for i in 1 2 3; do
		rt run --name "$NAME-$i" --image "$IMAGES/oci.tar" -- 'cat /layer2' >"$TEST_DIR/out$i" 2>&1 &
	done
	wait
	for i in 1 2 3; do
		[ "$(cat "$TEST_DIR/out$i")" = two ] || fail "run $i: $(cat "$TEST_DIR/out$i")"
	done
	[ "$(ls "$CACHE/layers" | wc -l)" = 2 ]
	assert_nothing_left
}

@test "image: what a crash left in the cache's tmp is removed by the next run" {
	mkdir -p "$CACHE/tmp/layer-crashed/bin"
	prun --image "$IMAGES/oci" -- true
	assert_status 0
	[ ! -e "$CACHE/tmp/layer-crashed" ]
	assert_nothing_left
}

# ------------------------------------------------------------ errors

@test "image: a layer whose digest does not match is one error, nothing left" {
	cp -a "$IMAGES/oci" "$TEST_DIR/bad"
	local l2
	l2="$(cat "$IMAGES/l2.digest")"
	echo tampered >>"$TEST_DIR/bad/blobs/sha256/$l2"
	prun --image "$TEST_DIR/bad" -- true
	assert_status 125
	assert_failed_cleanly
	assert_output_contains "digest mismatch"
	[ ! -e "$CACHE/layers/$l2" ] || fail "the bad layer is in the cache"
	assert_nothing_left
}

@test "image: a truncated archive is one error, nothing left" {
	head -c 20000 "$IMAGES/oci.tar" >"$TEST_DIR/trunc.tar"
	prun --image "$TEST_DIR/trunc.tar" -- true
	assert_status 125
	assert_failed_cleanly
	assert_nothing_left
}

@test "image: a layer that is not a tar (right digest) is one error, nothing left" {
	cp -a "$IMAGES/oci" "$TEST_DIR/bad"
	local b="$TEST_DIR/bad" l2 junk man
	l2="$(cat "$IMAGES/l2.digest")"
	head -c 3000 /dev/urandom >"$TEST_DIR/junk"
	junk="$(_sha "$TEST_DIR/junk")"
	cp "$TEST_DIR/junk" "$b/blobs/sha256/$junk"
	sed "s/$l2/$junk/" "$IMAGES/manifest.json" >"$TEST_DIR/manifest.json"
	man="$(_sha "$TEST_DIR/manifest.json")"
	cp "$TEST_DIR/manifest.json" "$b/blobs/sha256/$man"
	jq -c ".manifests[0].digest = \"sha256:$man\"" "$IMAGES/oci/index.json" >"$b/index.json"
	prun --image "$b" -- true
	assert_status 125
	assert_failed_cleanly
	assert_output_contains tar
	[ ! -e "$CACHE/layers/$junk" ]
	assert_nothing_left
}

@test "image: not an image, or with --rootfs: one error each" {
	echo hello >"$TEST_DIR/notimage"
	prun --image "$TEST_DIR/notimage" -- true
	assert_status 125
	assert_failed_cleanly
	mkdir "$TEST_DIR/emptydir"
	prun --image "$TEST_DIR/emptydir" -- true
	assert_status 125
	assert_failed_cleanly
	assert_output_contains "oci-layout"
	prun --image "$IMAGES/oci" --rootfs "$TEST_DIR" -- true
	assert_status 125
	assert_failed_cleanly
	assert_nothing_left
}

@test "image: a user not in the image, or no command at all: one error each" {
	oci_variant "$TEST_DIR/v1" '.config.User = "nosuch"'
	prun --image "$TEST_DIR/v1" -- true
	assert_status 125
	assert_failed_cleanly
	assert_output_contains nosuch
	oci_variant "$TEST_DIR/v2" 'del(.config.Entrypoint) | del(.config.Cmd)'
	prun --image "$TEST_DIR/v2" --
	assert_status 125
	assert_failed_cleanly
	assert_output_contains "give a command"
	assert_nothing_left
}

@test "image: a command that is not there exits 127, nothing left" {
	bats_require_minimum_version 1.5.0
	run -127 _rt_exec run --name "$NAME" --image "$IMAGES/docker.tar" -- no-such-command
	assert_status 127
	assert_nothing_left
}

# ------------------------------------------------------------ detached

@test "image: -d runs in the background; stop leaves no mount anywhere" {
	runtime_detached run -d --name "$NAME" --image "$IMAGES/oci" -- 'echo up; sleep 100'
	assert_status 0
	wait_for_status "$NAME" running
	runtime exec "$NAME" sh -c 'cat /layer2; echo w >/w'
	assert_status 0
	[ "$output" = two ]
	[ -e "$PDIR/upper/w" ] || fail "the upper dir is not in the people dir"
	# the overlay is there (in the container's and the monitor's
	# namespaces, never the host's) while it runs
	grep -qF "$TEST_DIR/" "/proc/$(container_pid "$NAME")/mountinfo" ||
		fail "no overlay seen in the container"
	[ -z "$(find_test_mounts)" ] || fail "a mount in the host's namespace"
	runtime stop -t 0 "$NAME"
	assert_status 0
	assert_nothing_left
}

@test "image: -d --rm removes everything when the command exits" {
	runtime_detached run -d --rm --name "$NAME" --image "$IMAGES/oci" -- 'sleep 0.3'
	assert_status 0
	local tries=100
	while [ -e "$PDIR" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	assert_nothing_left
}
