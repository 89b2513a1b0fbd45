#!/bin/sh
# package-test.sh WORK_DIR TEST_BIN: the package test's set-up. Builds the
# Debian packages from this tree with deploy/build-deb.sh (the suite
# inside the package build is skipped: meson test runs it already),
# unpacks them with dpkg -x into WORK_DIR/root (a scratch root: nothing
# is installed on this machine) and their control files into
# WORK_DIR/control/PACKAGE, then runs TEST_BIN (test_package.c), which
# checks them and runs the unpacked vetd and vetctl.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
work=$1
test_bin=$2

rm -rf "$work"
mkdir -p "$work/root" "$work/control"
if ! DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=2" DEB_BUILD_PROFILES=nocheck \
    sh "$src/deploy/build-deb.sh" "$work/out" >"$work/build.log" 2>&1; then
	echo "package-test: deploy/build-deb.sh failed; the end of" \
	    "$work/build.log:" >&2
	tail -n 40 "$work/build.log" >&2
	exit 1
fi
rm -rf "$work"/out/vetd-*/		# the build tree; the .debs stay
for deb in "$work"/out/*.deb; do
	pkg=$(dpkg-deb -f "$deb" Package)
	dpkg -x "$deb" "$work/root"
	dpkg-deb -e "$deb" "$work/control/$pkg"
done

PKG_ROOT="$work/root" PKG_CONTROL="$work/control" PKG_DEBS="$work/out" \
    exec "$test_bin"
