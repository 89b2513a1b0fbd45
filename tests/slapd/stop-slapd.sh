#!/bin/sh
# stop-slapd.sh DIR: stop the slapd that start-slapd.sh started in DIR
# (by its pid) and wait, at most 10 s, until it has exited. slapd is not
# our child here, so wait for its pid file to go (slapd removes it on a
# clean exit) or the process to become a zombie (NOTES.md section 5).
set -eu
dir=$1
pid=$(cat "$dir/run/started.pid")
kill -TERM "$pid" 2>/dev/null || exit 0
i=0
while [ -e "$dir/run/slapd.pid" ] && kill -0 "$pid" 2>/dev/null; do
	state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || echo Z)
	[ "$state" = Z ] && break
	i=$((i + 1))
	[ $i -ge 500 ] && { echo "stop-slapd.sh: slapd $pid still running" >&2; exit 1; }
	sleep 0.02
done
