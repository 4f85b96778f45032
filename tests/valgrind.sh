#!/bin/sh
# The CLI paths under valgrind's memcheck: no leak, no invalid access.
# (create/run/exec fork the container's init, which uses openat2,
# open_tree and move_mount: valgrind 3.19 does not know them, so those
# paths run under ASan+LSan in the sanitizer stage instead.)
# Prints "valgrind: P passed F failed" last.
set -u
CELL=${CELL:?}
command -v valgrind >/dev/null || { echo "valgrind: 0 passed 0 failed (no valgrind)"; exit 0; }
dir=$(mktemp -d /tmp/cell-vg.XXXXXX)
root=/run/cell-vg.$$
trap 'for i in $($CELL --root $root list -q 2>/dev/null); do $CELL --root $root delete -f $i; done; rm -rf "$dir" "$root"' EXIT
mkdir -p "$dir/bundle/rootfs/bin" "$dir/bundle/rootfs/proc" "$dir/bundle/rootfs/dev" "$dir/bundle/rootfs/sys"
cp /bin/busybox "$dir/bundle/rootfs/bin/"
ln -s busybox "$dir/bundle/rootfs/bin/sleep"
ln -s busybox "$dir/bundle/rootfs/bin/sh"
(cd "$dir/bundle" && $CELL spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"sleep", "100"/' config.json)
$CELL --root $root run -d -b "$dir/bundle" vg </dev/null >/dev/null 2>&1 || { echo "valgrind: 0 passed 1 failed (setup)"; exit 1; }
p=0 f=0
check() { # expected-exit args...
	want=$1
	shift
	valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
		"$CELL" "$@" >"$dir/out" 2>"$dir/err" </dev/null
	rc=$?
	if [ "$rc" -eq 99 ] || { [ "$want" = 0 ] && [ "$rc" -ne 0 ]; } ||
	   { [ "$want" = 1 ] && [ "$rc" -eq 0 ]; }; then
		f=$((f + 1))
		echo "valgrind FAIL (rc $rc): cell $*"
		sed 's/^/    /' "$dir/err" | head -30
	else
		p=$((p + 1))
		[ -n "${VG_DEBUG:-}" ] && echo "ok: $* -> $($CELL --root $root state vg 2>&1 | grep status)"
	fi
}
check 0 --root $root state vg
check 0 --root $root list
check 0 --root $root list --format json
check 0 --root $root ps --format json vg
check 0 --root $root events --stats vg
check 0 --root $root update --pids-limit 50 --memory 64m vg
check 0 --root $root pause vg
check 0 --root $root resume vg
check 0 --root $root kill vg CONT
check 0 features
check 0 spec --bundle "$dir"
check 1 --root $root state nope
check 1 --root $root create -b "$dir" "bad/id"
echo '{"ociVersion": "1.2.0", "process": {"args": "x"}}' >"$dir/bundle/config.json.bad"
mkdir -p "$dir/badbundle" && cp "$dir/bundle/config.json.bad" "$dir/badbundle/config.json"
check 1 --root $root create -b "$dir/badbundle" bad1
check 1 --root $root update --memory 12q vg
check 0 --root $root delete --force vg
echo "valgrind: $p passed $f failed"
[ "$f" -eq 0 ]
