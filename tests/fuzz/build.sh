#!/bin/sh
# build.sh [DIR]: configure and build the fuzz targets (and the rest of
# vetd, instrumented) with Debian's clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, in DIR (default build-fuzz). Then:
#   meson test -C DIR --suite fuzz                     15 s per target
#   FUZZ_SECONDS=600 meson test -C DIR --suite fuzz -t 10   the long run
# or one target directly:
#   sh tests/fuzz/run-fuzz.sh DIR/tests/fuzz/fuzz_envelope \
#       tests/fuzz/corpus/fuzz_envelope 3600
set -eu
cd "$(dirname "$0")/../.."
dir=${1:-build-fuzz}
if ! command -v clang >/dev/null; then
	echo "build.sh: clang is not installed (deploy/install-deps.sh test)" >&2
	exit 1
fi
if [ ! -d "$dir" ]; then
	# -fsanitize=fuzzer-no-link everywhere gives libFuzzer coverage of
	# vetd's own code, not only of the target's file.
	# Warnings as errors stay with the gcc build (tests/run.sh): clang
	# warns differently (-Wformat-nonliteral on vprintf wrappers).
	CC=clang CFLAGS=-fsanitize=fuzzer-no-link meson setup "$dir" \
	    -Db_sanitize=address,undefined -Db_lundef=false \
	    --buildtype=debugoptimized >/dev/null
fi
ninja -C "$dir"
