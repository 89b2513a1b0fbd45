#!/bin/sh
# register.sh [BUILD_DIR] [ROWS] [RUNS]: the clearance register benchmark
# (docs/REGISTER.md) on this machine, against a throwaway vetd on a local
# socket:
#   1. vet-register-gen writes a register of ROWS rows (default 100000;
#      about 57,000 people, most with an nsv and a police clearance);
#   2. `vetctl import clearances` of it into an empty vetd: both passes
#      (every row checked, then written), wall time and rows per second;
#   3. the same import again: every row unchanged, nothing written.
# Each is repeated RUNS times (default 3), each time into a new vetd.
# Results go to stdout and to bench/results/register.txt (appended), with
# the load average before each run and vetd's CPU time. The test suite's
# smoke run sets REGISTER_BENCH_OUT to a file of its own, and gets a
# Criterion-style summary line for tests/run.sh's totals. The target is
# 50,000 rows a second for step 2. VETD_DATA_PARENT=/dev/shm puts vetd's
# store on tmpfs, which takes the disk's fsync out of the figure.
# Everything it starts is stopped by pid; the work directories are
# removed.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
rows=${2:-100000}
runs=${3:-3}
out=${REGISTER_BENCH_OUT:-bench/results/register.txt}
work=$(mktemp -d /tmp/register-bench-XXXXXX)
vetd_pid="" data=""

cleanup() {
	[ -n "$vetd_pid" ] && kill "$vetd_pid" 2>/dev/null && wait "$vetd_pid" 2>/dev/null
	[ -n "$data" ] && rm -rf "$data"
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

for bin in server/vetd client/vetctl bench/vet-register-gen; do
	[ -x "$build/$bin" ] || { echo "register.sh: build $build/$bin first" >&2; exit 1; }
done
now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
tck=$(getconf CLK_TCK)
# cpu PID: user + system seconds of a process so far.
cpu() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
rate() { awk -v n="$rows" -v s="$1" 'BEGIN { printf "%.0f", n / s }'; }

"$build/bench/vet-register-gen" --rows "$rows" > "$work/register.csv"
size=$(wc -c < "$work/register.csv")
sock="ipc://$work/vetd.sock"
vetctl="$build/client/vetctl -s $sock --timeout 120000"

{
	echo "register benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores"
	echo "command: ${VETD_DATA_PARENT:+VETD_DATA_PARENT=$VETD_DATA_PARENT }sh bench/register.sh $build $rows $runs"
	echo "register: $rows rows, $size bytes (vet-register-gen --rows $rows)"
	echo "vetd store on: $(df -T "${VETD_DATA_PARENT:-$work}" | awk 'NR == 2 { print $2 }')"
} | tee -a "$out"

run=0
while [ "$run" -lt "$runs" ]; do
	run=$((run + 1))
	data=$(mktemp -d "${VETD_DATA_PARENT:-$work}/register-bench-data-XXXXXX")
	"$build/server/vetd" --data-dir "$data/store" --listen "$sock" \
	    2>"$work/vetd.log" &
	vetd_pid=$!
	i=0
	until $vetctl health >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 500 ] || { echo "vetd did not start" >&2; exit 1; }
		sleep 0.02
	done

	l1=$(load); c0=$(cpu "$vetd_pid"); t0=$(now)
	$vetctl import clearances "$work/register.csv" > "$work/first.out"
	t1=$(now); c1=$(cpu "$vetd_pid")
	l2=$(load)
	$vetctl import clearances "$work/register.csv" > "$work/again.out"
	t2=$(now); c2=$(cpu "$vetd_pid")

	first=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	again=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.2f", b - a }')
	fcpu=$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')
	acpu=$(awk -v a="$c1" -v b="$c2" 'BEGIN { printf "%.2f", b - a }')
	{
		echo "run $run: into an empty vetd: $first s, $(rate "$first") rows/s (vetd CPU $fcpu s; load before $l1)"
		echo "  $(cat "$work/first.out")"
		echo "run $run: again, unchanged: $again s, $(rate "$again") rows/s (vetd CPU $acpu s; load before $l2)"
		echo "  $(cat "$work/again.out")"
	} | tee -a "$out"

	kill "$vetd_pid"
	wait "$vetd_pid" 2>/dev/null || true
	vetd_pid=""
	rm -rf "$data"
	data=""
done
if [ -n "${REGISTER_BENCH_OUT:-}" ]; then
	echo "[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0"
fi
