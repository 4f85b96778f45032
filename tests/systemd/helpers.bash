# Helpers for the systemd suites (tests/systemd/*.bats), which run inside
# `../shared/tools/vmrun --systemd` (systemd is PID 1, pure cgroup v2, the
# system bus up).  The integration helpers give bundles, ids and teardown.

load ../integration/helpers

CGROOT=/sys/fs/cgroup

require_systemd() {
	[ -d /run/systemd/system ] || skip "not booted with systemd (run in vmrun --systemd)"
	[ "$(stat -fc %T $CGROOT)" = cgroup2fs ] || skip "not cgroup v2"
}

# sd_prop UNIT PROP: one property's value, as systemctl shows it.
sd_prop() {
	systemctl show -P "$2" "$1"
}

# unit_gone UNIT: systemd lists no such unit (loaded, failed or with a job).
unit_gone() {
	local tries=40
	while [ "$tries" -gt 0 ]; do
		if [ "$(systemctl show -P LoadState "$1" 2>/dev/null)" != loaded ] &&
			! systemctl list-jobs --no-legend 2>/dev/null | grep -qF " $1 "; then
			return 0
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	systemctl status "$1" --no-pager >&2 || true
	fail "unit $1 still there ($(systemctl show -P ActiveState "$1"))"
}

# assert_file DIR FILE WANT: a cgroup file's content.
assert_file() {
	local got
	got="$(cat "$1/$2")" || fail "no $1/$2"
	[ "$got" = "$3" ] || fail "$2 is '$got', expected '$3'"
}

assert_prop() {
	local got
	got="$(sd_prop "$1" "$2")"
	[ "$got" = "$3" ] || fail "$1 $2=$got, expected $3"
}
