#!/bin/sh
# install-deps.sh: install the Debian 12 packages vetd needs to build, run
# and test. Run as root. Safe to run again: apt-get skips what is there.
set -eu

BUILD="meson ninja-build pkg-config cmake gcc protobuf-c-compiler
  libprotobuf-c-dev libnng-dev libmbedtls-dev liblmdb-dev lmdb-utils
  libinih-dev libjansson-dev libldap2-dev libcsv-dev scdoc"
# The Debian packages (deploy/build-deb.sh); the package test builds them.
PACKAGE="debhelper dpkg-dev"
# clang and its runtime: the sanitizer build and the libFuzzer targets
# (tests/fuzz/build.sh, tests/run.sh).
TEST="libcriterion-dev slapd ldap-utils openssl redis-server redis-tools
  clang libclang-rt-14-dev $PACKAGE"

case "${1:-build}" in
build) pkgs="$BUILD" ;;
test) pkgs="$BUILD $TEST" ;;
package) pkgs="$BUILD $PACKAGE" ;;
*) echo "usage: install-deps.sh [build|test|package]" >&2; exit 2 ;;
esac

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get needs it)" >&2
	exit 1
fi

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	# slapd must not ask for an admin password: the tests run their own.
	echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
