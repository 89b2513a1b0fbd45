#!/bin/sh
# reports.sh: what the reports cost. Starts a throwaway vetd, loads the
# deterministic population (vet-dataset through ImportPeople, timed: the
# report indexes are kept on every write), then times each report through
# vetctl (every page read, CSV written to /dev/null), the best of R runs,
# and prints rows, milliseconds and microseconds per row. Run it at two
# sizes: a report's time follows its rows, not the number of people.
# Everything it started is stopped by PID and its directory removed.
#
#   bench/reports.sh [--build DIR] [--people N] [--runs R]
set -u

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build"
people=100000
runs=3

usage() {
	cat >&2 <<EOF
usage: reports.sh [--build DIR] [--people N] [--runs R]
  --build DIR    meson build directory (default build)
  --people N     people loaded into vetd (default 100000)
  --runs R       runs of each report; the best is printed (default 3)
EOF
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build="$2"; shift ;;
	--people) people="$2"; shift ;;
	--runs) runs="$2"; shift ;;
	*) usage ;;
	esac
	shift
done
case "$people$runs" in
''|*[!0-9]*) usage ;;
esac

vetd="$build/server/vetd"
vetctl="$build/client/vetctl"
dataset="$build/bench/vet-dataset"
for b in "$vetd" "$vetctl" "$dataset"; do
	[ -x "$b" ] || { echo "reports.sh: $b is not built" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/vet-reports-XXXXXX) || exit 1
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	pid=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for CMD...: poll every 20 ms, at most 10 s.
wait_for() {
	i=0
	while [ $i -lt 500 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

now_ms() {
	date +%s%3N
}

url="ipc://$tmp/vetd.sock"
"$vetd" --data-dir "$tmp/data" --listen "$url" --map-size 4294967296 \
    --log-level warn 2>"$tmp/vetd.log" &
pid=$!
wait_for "$vetctl" -s "$url" health || {
	echo "reports.sh: vetd did not start:" >&2
	cat "$tmp/vetd.log" >&2
	exit 1
}
t0=$(now_ms)
"$dataset" --people "$people" --url "$url" --clients 4 >/dev/null || {
	echo "reports.sh: loading vetd failed" >&2
	exit 1
}
t1=$(now_ms)
echo "people $people: loaded in $((t1 - t0)) ms," \
    "data.mdb $(($(stat -c %s "$tmp/data/data.mdb") / 1048576)) MiB"
"$vetctl" -s "$url" caveat list >/dev/null

# measure NAME ARGS...: the best of $runs, rows = CSV lines less the header.
measure() {
	name=$1
	shift
	best=""
	r=0
	while [ $r -lt "$runs" ]; do
		a=$(now_ms)
		"$vetctl" -s "$url" --timeout 600000 report "$@" --csv \
		    >"$tmp/out.csv" || {
			echo "reports.sh: report $* failed" >&2
			exit 1
		}
		b=$(now_ms)
		if [ -z "$best" ] || [ $((b - a)) -lt "$best" ]; then
			best=$((b - a))
		fi
		r=$((r + 1))
	done
	rows=$(($(wc -l <"$tmp/out.csv") - 1))
	if [ "$rows" -gt 0 ]; then
		per=$((best * 1000 / rows))
	else
		per="-"
	fi
	printf '%-28s rows %8d  %7d ms  %6s us/row\n' "$name" "$rows" \
	    "$best" "$per"
}

measure "due --within 7d" due --within 7d
measure "due --within 90d" due --within 90d
measure "due --within 520w" due --within 520w
measure "holders ATOMAL" holders ATOMAL
measure "unvetted" unvetted
measure "summary" summary
