#!/bin/sh
# run-fuzz.sh BIN CORPUS [SECONDS]: run one libFuzzer target for a bounded
# time (SECONDS, else $FUZZ_SECONDS, else 15) starting from the seed
# corpus CORPUS, which is read but never changed: new inputs go to a
# scratch directory that is removed afterwards. Every seed (including
# each crash-* regression input) is run first. A crash leaves its input
# in $FUZZ_ARTIFACTS (default: the build directory's fuzz-artifacts/) and
# fails the test. Prints the executions and the outcome on one line.
set -u
bin=$1
corpus=$2
secs=${3:-${FUZZ_SECONDS:-15}}
name=$(basename "$bin")
artifacts=${FUZZ_ARTIFACTS:-$(dirname "$bin")/fuzz-artifacts}
mkdir -p "$artifacts"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/$name-XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT INT TERM
log=$scratch/log

# ASan's leak checker fails a run on a leak too; UBSan findings abort.
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
"$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 \
    -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$name-" "$scratch" "$corpus" >"$log" 2>&1
status=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
if [ "$status" -ne 0 ]; then
	tail -60 "$log"
	echo "$name: FAILED after ${execs:-?} executions (exit $status);" \
	    "input in $artifacts"
	# One test case, for tests/run.sh's totals (as Criterion prints it).
	echo "[====] Synthesis: Tested: 1 | Passing: 0 | Failing: 1 | Crashing: 0"
	exit 1
fi
echo "$name: ${execs:-0} executions in ${secs}s, no crash," \
    "$(ls "$corpus" | wc -l) seeds"
echo "[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0"
