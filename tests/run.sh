#!/bin/sh
# run.sh: install what the tests need, build vetd with warnings as errors,
# run the whole suite, and print the totals of individual test cases as
# "N passed, N failed" on the last line. Exits non-zero if anything failed.
set -u
cd "$(dirname "$0")/.."

sh deploy/install-deps.sh test || exit 1

BUILD_DIR="${BUILD_DIR:-build-test}"
if [ ! -d "$BUILD_DIR" ]; then
	meson setup "$BUILD_DIR" -Dwerror=true --buildtype=debugoptimized \
	    >/dev/null || exit 1
fi
ninja -C "$BUILD_DIR" || exit 1

meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2
meson_status=$?

# The same suite again built by clang with AddressSanitizer and
# UndefinedBehaviorSanitizer (any finding fails its test), less the
# package build (already run above, and the .debs are built without
# sanitizers); then each libFuzzer target for FUZZ_SECONDS (15) over its
# corpus in this build (docs/RELIABILITY.md). SANITIZE=0 skips it all.
ASAN_DIR="$BUILD_DIR-asan"
asan_log=""
if [ "${SANITIZE:-1}" != 0 ]; then
	sh tests/fuzz/build.sh "$ASAN_DIR" || exit 1
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
	    meson test -C "$ASAN_DIR" --print-errorlogs --num-processes 2 \
	    --no-suite package --no-suite fuzz --logbase asan
	[ $? -eq 0 ] || meson_status=1
	meson test -C "$ASAN_DIR" --print-errorlogs --suite fuzz \
	    --logbase fuzz
	[ $? -eq 0 ] || meson_status=1
	asan_log="$ASAN_DIR/meson-logs/asan.txt $ASAN_DIR/meson-logs/fuzz.txt"
fi

# Count Criterion's per-file synthesis lines: one per test executable.
# An executable that printed none (crashed before reporting) counts as one
# failure.
log="$BUILD_DIR/meson-logs/testlog.txt"
totals=$(awk '
	/^==================================== [0-9]+\/[0-9]+ ====/ { files++ }
	/Synthesis: Tested:/ {
		seen++
		for (i = 1; i <= NF; i++) {
			if ($i == "Passing:") passed += $(i + 1)
			if ($i == "Failing:") failed += $(i + 1)
			if ($i == "Crashing:") failed += $(i + 1)
		}
	}
	END {
		if (files > seen) failed += files - seen
		printf "%d passed, %d failed\n", passed, failed
	}' "$log" $asan_log)
# CI keeps only the tail of this output: name what failed just above
# the totals, with Criterion's assertion lines, so a red run says why.
failures=$( (awk '/^test:/ { name = $0 } /^result:/ && !/exit status 0$/ {
		print name "  " $0 }' "$log" $asan_log
	grep -h -E '^\[(FAIL|----)\]|Assertion Failed|ERROR: (Address|Leak|Undefined)' \
	    "$log" $asan_log) 2>/dev/null)
if [ -n "$failures" ]; then
	echo "Failures (from $log${asan_log:+ $asan_log}):"
	echo "$failures" | head -n 60
fi
echo "$totals"
case "$totals" in
*" 0 failed") [ "$meson_status" -eq 0 ] && exit 0 ;;
esac
exit 1
