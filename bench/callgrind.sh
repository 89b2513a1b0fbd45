#!/bin/sh
# callgrind.sh: vetd's own instructions per Check and per BatchCheck
# decision, counted by valgrind's callgrind inside rpc_handle (nng and the
# load excluded), so the figure does not move with the machine's load.
# Starts a throwaway vetd under callgrind, loads N people, runs each load
# for S seconds, prints the two figures, and stops and removes everything
# it started on any exit.
#
#   bench/callgrind.sh [--build DIR] [--vetd BINARY] [--people N] [--seconds S]
set -u

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build-bench"
vetd=""
people=5000
seconds=4
while [ $# -gt 0 ]; do
	case "$1" in
	--build) build="$2"; shift ;;
	--vetd) vetd="$2"; shift ;;
	--people) people="$2"; shift ;;
	--seconds) seconds="$2"; shift ;;
	*) echo "usage: callgrind.sh [--build DIR] [--vetd BINARY]" \
	    "[--people N] [--seconds S]" >&2; exit 2 ;;
	esac
	shift
done
[ -n "$vetd" ] || vetd="$build/server/vetd"
dataset="$build/bench/vet-dataset"
loadgen="$build/bench/vet-loadgen"
command -v valgrind >/dev/null 2>&1 || {
	echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

tmp=$(mktemp -d /tmp/vet-callgrind-XXXXXX) || exit 1
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
    --toggle-collect=rpc_handle "$vetd" --data-dir "$tmp/data" \
    --listen "ipc://$tmp/vetd.sock" --log-level warn 2>"$tmp/vg.log" &
pid=$!
i=0
until "$dataset" --people 1 --url "ipc://$tmp/vetd.sock" >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 150 ] || { echo "callgrind.sh: vetd did not start" >&2; exit 1; }
	sleep 0.2
done
"$dataset" --people "$people" --url "ipc://$tmp/vetd.sock" >/dev/null ||
    exit 1

# measure LABEL PER LOADGEN-ARGS: instructions per operation / PER.
measure() {
	label=$1 per=$2
	shift 2
	callgrind_control -z "$pid" >/dev/null 2>&1
	ops=$("$loadgen" --url "ipc://$tmp/vetd.sock" --people "$people" \
	    --clients 2 --seconds "$seconds" --warmup 0 "$@" |
	    sed -n 's/.* ops=\([0-9]*\) .*/\1/p')
	callgrind_control -d "$pid" >/dev/null 2>&1
	sleep 0.5
	f=$(ls -t "$tmp"/cg.out* | head -1)
	ir=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
	if [ -z "$ops" ] || [ "$ops" -eq 0 ] || [ -z "$ir" ]; then
		echo "callgrind.sh: $label: no measurement" >&2
		exit 1
	fi
	echo "$label: $ops requests, $((ir / ops / per)) instructions each"
}
measure "Check" 1
measure "BatchCheck decision" 100 --op batch --batch 100
