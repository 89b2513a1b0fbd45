#!/bin/sh
# quickstart.sh: install what vetd needs, build it, and run it in the
# foreground on the embedded default: LMDB under ./vetd-data, a local ipc
# socket. Ctrl-C stops it; running this again keeps the data.
set -eu
cd "$(dirname "$0")/.."

DATA_DIR="${VETD_DATA_DIR:-$PWD/vetd-data}"
SOCKET="${VETD_SOCKET:-ipc:///run/vetd/vetd.sock}"

sh deploy/install-deps.sh build
[ -d build ] || meson setup build --buildtype=debugoptimized >/dev/null
ninja -C build >/dev/null

cat <<EOT

vetd is starting: data in $DATA_DIR, socket $SOCKET.
From a second terminal, try:

  export PATH=\$PWD/build/client:\$PATH
  vetctl person put alice --name "Alice Smith" --nationality GB
  vetctl clearance grant alice nsv SC --review-due 2030-06-30
  vetctl check alice SECRET                      # ALLOW
  vetctl check alice "TOP SECRET"                # DENY INSUFFICIENT_LEVEL
  vetctl check alice SECRET "UK EYES ONLY"       # ALLOW (GB national)
  vetctl leaver alice --reason "left the force"
  vetctl check alice SECRET                      # DENY LEAVER

Press Ctrl-C to stop vetd.

EOT
exec ./build/server/vetd --data-dir "$DATA_DIR" --listen "$SOCKET"
