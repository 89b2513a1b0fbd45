#!/bin/sh
# start-slapd.sh DIR PORT [--no-syncprov] [--ldif FILE]: configure a
# throwaway slapd under DIR (see slapd-config.sh), start it in the
# background listening on ldap://127.0.0.1:PORT/ and ldapi://DIR/ldapi, and
# wait (at most 10 s) until it answers. Prints its pid. Stop it with
# stop-slapd.sh DIR. For benchmarks and by-hand use; the C tests spawn
# slapd themselves (tests/ldap_fixture.c) so they can waitpid() it.
set -eu
PATH=$PATH:/usr/sbin:/sbin	# slapadd, slapd for a non-root user
here=$(cd "$(dirname "$0")" && pwd)
dir=$1 port=$2; shift 2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
"$here/slapd-config.sh" "$dir" "$@"
ldapi="ldapi://$(printf '%s' "$dir/ldapi" | sed 's|/|%2F|g')"
slapd -d 0 -F "$dir/slapd.d" -h "ldap://127.0.0.1:$port/ $ldapi" \
    >"$dir/slapd.log" 2>&1 &
pid=$!
echo "$pid" > "$dir/run/started.pid"
i=0
while ! LDAPNOINIT=1 ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "" \
    -s base >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 500 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "start-slapd.sh: slapd did not answer; see $dir/slapd.log" >&2
		kill "$pid" 2>/dev/null || true
		exit 1
	fi
	sleep 0.02
done
echo "$pid"
