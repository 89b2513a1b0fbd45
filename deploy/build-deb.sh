#!/bin/sh
# build-deb.sh [OUTDIR]: build the Debian packages vetd, libvet1 and
# libvet-dev from this tree with the standard tools. The repository keeps
# its packaging in deploy/debian so its top level stays as it is: this
# script copies the tree (without meson build directories) to
# OUTDIR/vetd-VERSION, puts deploy/debian there as debian/, and runs
# dpkg-buildpackage -us -uc -b in it. The .deb files land in OUTDIR
# (default: ./build-deb). Needs the packages of
# `deploy/install-deps.sh package`.
#
# DEB_BUILD_OPTIONS and DEB_BUILD_PROFILES pass through; to skip the
# test suite inside the package build (as the package test does):
#     DEB_BUILD_OPTIONS=nocheck DEB_BUILD_PROFILES=nocheck deploy/build-deb.sh
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n "s/^  version: '\([^']*\)',\$/\1/p" "$src/meson.build")
deb_version=$(sed -n '1s/^vetd (\([^)]*\)).*/\1/p' "$src/deploy/debian/changelog")
if [ -z "$version" ] || [ "$version" != "$deb_version" ]; then
	echo "build-deb.sh: meson.build says version '$version' but" \
	    "deploy/debian/changelog says '$deb_version'; add a changelog" \
	    "entry (dch -v $version) first" >&2
	exit 1
fi

tree="$out/vetd-$version"
rm -rf "$tree"
mkdir -p "$tree"

# Copy the tree without meson build directories (any directory holding
# meson-private), VCS data, local data, or OUTDIR itself.
set -- --exclude=./.git --exclude=./vetd-data --exclude=./debian
for d in "$src"/*/; do
	d=${d%/}
	if [ -d "$d/meson-private" ] || [ "$d" = "$out" ]; then
		set -- "$@" "--exclude=./${d##*/}"
	fi
done
tar -C "$src" "$@" -cf - . | tar -C "$tree" -xf -
cp -R "$src/deploy/debian" "$tree/debian"

cd "$tree"
dpkg-buildpackage -us -uc -b
cd "$out"
ls -1 "$out"/*_"$version"_*.deb
