#!/bin/sh
# vetsync.sh [BUILD_DIR] [ENTRIES] [DELETES]: vetsync's two benchmarks on
# this machine, against a throwaway slapd (tests/slapd/start-slapd.sh) and
# vetd on loopback and local sockets only:
#   1. initial sync: ENTRIES (default 100000) inetOrgPerson entries loaded
#      with slapadd, then the wall time of `vetsync --once` into an empty
#      vetd (RFC 4533 full refresh; puts in SyncPeople batches of 500);
#   2. latency: vetsync following; DELETES (default 200) deletions, each
#      timed from slapd acknowledging it to vetd answering DENY LEAVER
#      (bench/vetsync_latency.c); p50, p90, p99, max.
# Results go to stdout and to bench/results/vetsync.txt (appended).
# VETD_DATA_PARENT=/dev/shm puts vetd's store on tmpfs, which takes the
# disk's fsync out of the figure to show what vetsync itself costs.
# Everything it starts is stopped by pid; the work directories are
# removed.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
entries=${2:-100000}
deletes=${3:-200}
out=bench/results/vetsync.txt
work=$(mktemp -d /tmp/vetsync-bench-XXXXXX)
data=$(mktemp -d "${VETD_DATA_PARENT:-$work}/vetsync-bench-data-XXXXXX")
vetd_pid="" sync_pid=""

cleanup() {
	[ -n "$sync_pid" ] && kill "$sync_pid" 2>/dev/null && wait "$sync_pid" 2>/dev/null
	[ -n "$vetd_pid" ] && kill "$vetd_pid" 2>/dev/null && wait "$vetd_pid" 2>/dev/null
	[ -f "$work/slapd/run/started.pid" ] && tests/slapd/stop-slapd.sh "$work/slapd"
	rm -rf "$data" "$work"
}
trap cleanup EXIT INT TERM

for bin in server/vetd ldapsync/vetsync bench/vetsync-latency client/vetctl; do
	[ -x "$build/$bin" ] || { echo "vetsync.sh: build $build/$bin first" >&2; exit 1; }
done
now() { date +%s.%N; }
export LDAPNOINIT=1

awk -v n="$entries" 'BEGIN { for (i = 0; i < n; i++)
	printf "dn: cn=User %06d,ou=people,dc=example,dc=org\nobjectClass: inetOrgPerson\ncn: User %06d\nsn: U%d\nmail: user%06d@example.org\nou: Team %d\n\n", i, i, i, i, i % 50 }' \
	> "$work/users.ldif"
port=""
for try in 1 2 3 4 5; do
	p=$(awk -v s="$$$try" 'BEGIN { srand(s); print 20000 + int(rand() * 30000) }')
	if tests/slapd/start-slapd.sh "$work/slapd" "$p" --ldif "$work/users.ldif" >/dev/null 2>&1; then
		port=$p
		break
	fi
	rm -rf "$work/slapd"
done
[ -n "$port" ] || { echo "vetsync.sh: slapd did not start" >&2; exit 1; }

sock="ipc://$work/vetd.sock"
"$build/server/vetd" --data-dir "$data/store" --listen "$sock" 2>"$work/vetd.log" &
vetd_pid=$!
i=0
until "$build/client/vetctl" -s "$sock" person list >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 500 ] || { echo "vetd did not start" >&2; exit 1; }
	sleep 0.02
done

printf 'secret\n' > "$work/password"; chmod 600 "$work/password"
cat > "$work/vetsync.conf" <<CONF
[directory]
uri = ldap://127.0.0.1:$port/
bind = simple
bind_dn = cn=vetsync,dc=example,dc=org
password_file = $work/password
base = ou=people,dc=example,dc=org
[vetd]
url = $sock
timeout_ms = 30000
[sync]
state_dir = $work/state
CONF
chmod 600 "$work/vetsync.conf"

t0=$(now)
"$build/ldapsync/vetsync" -c "$work/vetsync.conf" --once >"$work/once.out" 2>"$work/once.log"
t1=$(now)
initial=$(echo "$t0 $t1" | awk '{ printf "%.2f", $2 - $1 }')

"$build/ldapsync/vetsync" -c "$work/vetsync.conf" 2>"$work/follow.log" &
sync_pid=$!
i=0
until grep -q "refresh done" "$work/follow.log"; do
	i=$((i + 1)); [ $i -lt 3000 ] || { echo "vetsync did not refresh" >&2; exit 1; }
	sleep 0.02
done
"$build/bench/vetsync-latency" "ldap://127.0.0.1:$port/" "$sock" 0 "$deletes" \
	> "$work/latency.out"

mkdir -p bench/results
{
	echo "vetsync benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "command: ${VETD_DATA_PARENT:+VETD_DATA_PARENT=$VETD_DATA_PARENT }sh bench/vetsync.sh $build $entries $deletes"
	echo "vetd store on: $(df --output=fstype "$data" | tail -1)"
	echo "initial sync of $entries entries (vetsync --once, full refresh): $initial s"
	echo "  $(cat "$work/once.out")"
	echo "delete -> DENY LEAVER: $(tail -1 "$work/latency.out")"
} | tee -a "$out"
