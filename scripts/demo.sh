#!/bin/sh
# `make demo`: a tour of what a container is, on the default root (the
# host's own /usr, read-only: nothing is downloaded).  Each step prints the
# command, what to look for, and what the container saw.
#
#     CELL=build/cell scripts/demo.sh        (as root)
set -u

CELL="${CELL:-build/cell}"
ROOT="$(mktemp -d /tmp/cell-demo.XXXXXX)"
chmod 755 "$ROOT"
trap 'rm -rf "$ROOT"' EXIT
cell() { "$CELL" --root "$ROOT" "$@"; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: run me as root (cgroups and namespaces)" >&2
	exit 1
fi
if [ ! -x "$CELL" ]; then
	echo "demo: no cell at $CELL (build it, or set CELL=)" >&2
	exit 1
fi

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
show() {
	printf '   $ cell run'
	for a in "$@"; do
		case "$a" in
		*[!A-Za-z0-9_./:=-]*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	printf '\n'
	cell run "$@" 2>&1 | sed 's/^/   | /'
}

bold "1. Its own hostname (a UTS namespace)"
say "the host is $(hostname); the container names itself"
show --hostname demo -- hostname

bold "2. Its own process tree (a PID namespace)"
say "the command is pid 1 and sees nothing of the host's processes"
show -- sh -c 'echo "I am pid $$"; ls /proc | grep -c "^[0-9]" | sed "s/^/processes visible: /"'

bold "3. Its own network: only lo (a network namespace, --net none)"
say "the host has: $(ls /sys/class/net | tr '\n' ' ')"
show --net none -- sh -c 'ls /sys/class/net; cat /proc/net/dev | tail -n +3'

bold "4. Root inside, nobody outside (a user namespace, --userns auto)"
say "uid_map: container uid 0 is host uid 100000 (or your /etc/subuid range)"
show --userns auto -- sh -c 'id; cat /proc/self/uid_map'
cell run -d --name demo-userns --userns auto -- sleep 30 >/dev/null
pid="$(cell state demo-userns 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')"
say "the same process seen from the host: $(ps -o user=,uid=,cmd= -p "$pid" 2>/dev/null)"
cell stop -t 0 demo-userns

bold "5. A memory limit (the memory cgroup, --memory 64m)"
say "tail holds 200 MiB of /dev/zero in memory; the kernel kills it at 64 MiB"
printf '   $ cell run --memory 64m -- sh -c "head -c 200m /dev/zero | tail"\n'
cell run --memory 64m -- sh -c 'head -c 200m /dev/zero | tail' >/dev/null 2>&1
say "exit status $? (137 = 128 + SIGKILL: the OOM killer)"

bold "6. A process limit stops a fork bomb (the pids cgroup, --pids-limit 32)"
say "the shell tries to start 100 sleeps; fork fails inside at 32 processes"
show --pids-limit 32 -- sh -c 'i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done; echo "all 100 started?!"'
say "and the host still forks fine: $(sh -c 'true & wait; echo ok')"

bold "7. The host is untouched afterwards"
left_state="$(cell list -q | wc -l)"
left_cg="$(ls -d /sys/fs/cgroup/*/cell-cell-* /sys/fs/cgroup/cell-cell-* /sys/fs/cgroup/*/cell-demo-* 2>/dev/null | wc -l)"
left_mounts="$(grep -c "$ROOT" /proc/self/mountinfo)"
left_people="$(ls "$ROOT/.people" 2>/dev/null | wc -l)"
say "containers left: $left_state, cgroups left: $left_cg, mounts left: $left_mounts, files left: $left_people"
if [ "$left_state$left_cg$left_mounts$left_people" = 0000 ]; then
	say "clean."
else
	say "something was left behind: that is a bug."
	exit 1
fi
