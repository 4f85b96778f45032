#!/bin/sh
# Build the libFuzzer targets in build-fuzz and run each for SECONDS
# (default 60).  `make check` runs this briefly as a smoke test, `make fuzz`
# for longer.  New inputs go to build-fuzz/fuzz-corpus/<target> (the seeds
# in tests/fuzz/corpus stay untouched); crashes to build-fuzz/fuzz-crashes/.
set -eu

seconds=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
targets="fuzz_config fuzz_seccomp fuzz_idmap fuzz_mount_options"

if [ ! -f "$build/build.ninja" ]; then
	CC=clang meson setup "$build" "$top" -Dfuzz=true -Dtests=disabled \
		>/dev/null
fi
ninja -C "$build" $(for t in $targets; do printf 'tests/fuzz/%s ' "$t"; done) \
	>/dev/null

mkdir -p "$build/fuzz-crashes"
status=0
for t in $targets; do
	corpus="$build/fuzz-corpus/$t"
	mkdir -p "$corpus"
	dict=""
	case $t in
	fuzz_config | fuzz_seccomp | fuzz_idmap) dict="-dict=$here/config.dict" ;;
	esac
	printf '%s: %ss ... ' "$t" "$seconds"
	if "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
		-rss_limit_mb=2048 -max_len=65536 $dict \
		-artifact_prefix="$build/fuzz-crashes/$t-" \
		"$corpus" "$here/corpus/$t" >"$build/fuzz-$t.log" 2>&1; then
		echo "ok ($(grep -c . "$build/fuzz-$t.log") log lines, $(ls "$corpus" | wc -l) new inputs)"
	else
		echo "FAILED: see $build/fuzz-$t.log and $build/fuzz-crashes/"
		tail -n 30 "$build/fuzz-$t.log"
		status=1
	fi
done
exit $status
