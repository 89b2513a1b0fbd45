#!/bin/sh
# compare.sh: vetd against slapd, redis and a bare nng echo server, in one
# run on one machine. Starts a throwaway vetd (loaded with vet-dataset
# through ImportPeople), a throwaway slapd (back-mdb, uid indexed, the
# same people with their clearance in employeeType, anonymous size limit
# lifted, several threads), a throwaway redis (the same people as hashes)
# and vet-echo, runs vet-loadgen against each at each client count, and
# prints one table plus the ratios the targets are stated in. vetd and the
# echo server are each measured with both client transports in the same
# run: "ipc" and "tcp" rows use libvet's direct transport (and a bare SP
# client for the echo server), "ipc-nng" and "tcp-nng" rows nng's REQ
# socket (VET_TRANSPORT=nng; docs/TRANSPORT.md). With --ab, a second
# vetd serves a copy of the same data through nng's REP socket
# (transport = nng) beside the first (vetd's own SP listener), and its
# "vetdnng-check" rows measure the server transport in the same run.
# Everything
# it started is stopped (by PID) and its temporary directory removed on
# exit, whatever the exit.
#
#   bench/compare.sh [--build DIR] [--people N] [--seconds S] [--runs R]
#                    [--clients "1 8 32"] [--pin] [--token-file F]
#                    [--memory-people N] [--ab] [--smoke]
set -u

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build-bench"
people=100000
seconds=5
warmup=1
runs=1
clients="1 8 32"
pin=0
smoke=0
token_file=""
memory_people=0
ab=0
seed=1

usage() {
	cat >&2 <<EOF
usage: compare.sh [--build DIR] [--people N] [--seconds S] [--runs R]
                  [--clients "1 8 32"] [--pin] [--token-file F]
                  [--memory-people N] [--ab] [--smoke]
  --build DIR         meson build directory (default build-bench)
  --people N          people in every server (default 100000)
  --seconds S         measured seconds per cell (default 5)
  --runs R            repeat the whole grid R times; medians at the end
  --clients LIST      client counts (default "1 8 32")
  --pin               servers on CPU 0, the load generator on CPU 1
  --token-file F      API token for vetd's tcp listener (auth)
  --memory-people N   also load N people into a fresh vetd and report its
                      private memory (RSS less file-backed pages)
  --ab                also run a vetd with transport = nng on a copy of
                      the data (rows vetdnng-check)
  --smoke             tiny and quick: 500 people, 1 s cells, C = 1 and 4
EOF
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build="$2"; shift ;;
	--people) people="$2"; shift ;;
	--seconds) seconds="$2"; shift ;;
	--runs) runs="$2"; shift ;;
	--clients) clients="$2"; shift ;;
	--pin) pin=1 ;;
	--token-file) token_file="$2"; shift ;;
	--memory-people) memory_people="$2"; shift ;;
	--ab) ab=1 ;;
	--smoke) smoke=1 ;;
	*) usage ;;
	esac
	shift
done
if [ "$smoke" -eq 1 ]; then
	people=500
	seconds=1
	warmup=0.2
	clients="1 4"
	runs=1
fi
case "$people$runs$memory_people" in
*[!0-9]*) usage ;;
esac

vetd="$build/server/vetd"
dataset="$build/bench/vet-dataset"
loadgen="$build/bench/vet-loadgen"
echo_bin="$build/bench/vet-echo"
for b in "$vetd" "$dataset" "$loadgen" "$echo_bin"; do
	[ -x "$b" ] || { echo "compare.sh: $b is not built" >&2; exit 1; }
done

server_cpu=""
client_cpu=""
if [ "$pin" -eq 1 ]; then
	server_cpu="taskset -c 0"
	client_cpu="taskset -c 1"
fi

tmp=$(mktemp -d /tmp/vet-compare-XXXXXX) || exit 1
pids=""
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port: a TCP port nothing listens on (checked with ss when there).
free_port() {
	while :; do
		p=$(( 20000 + ( $(od -An -N2 -tu2 /dev/urandom) % 40000 ) ))
		if command -v ss >/dev/null 2>&1; then
			ss -ltnH "sport = :$p" 2>/dev/null | grep -q . && continue
		fi
		echo "$p"
		return
	done
}

# wait_for CMD...: poll every 20 ms, at most 10 s.
wait_for() {
	i=0
	while [ $i -lt 500 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.02
		i=$((i + 1))
	done
	return 1
}

note() { echo "# $*"; }

# start vetd: ipc, loopback tcp, and tls+tcp when certificates can be made
vetd_port=$(free_port)
vetd_ipc="ipc://$tmp/vetd.sock"
vetd_tcp="tcp://127.0.0.1:$vetd_port"
vetd_tls=""
tls_args=""
(umask 077; : >"$tmp/vetd.conf")
if command -v openssl >/dev/null 2>&1 &&
    sh "$here/../deploy/make-certs.sh" "$tmp/tls" >"$tmp/certs.log" 2>&1; then
	tls_port=$(free_port)
	vetd_tls="tls+tcp://localhost:$tls_port"
	echo "tls_cert_key_file = $tmp/tls/server.pem" >>"$tmp/vetd.conf"
	tls_args="--listen tls+tcp://127.0.0.1:$tls_port"
else
	note "cannot make TLS certificates: the tls+tcp rows are left out"
fi
$server_cpu "$vetd" -c "$tmp/vetd.conf" --data-dir "$tmp/vetd" \
    --listen "$vetd_ipc" --listen "$vetd_tcp" $tls_args \
    --map-size 1073741824 --log-level warn 2>"$tmp/vetd.log" &
vetd_pid=$!
pids="$pids $vetd_pid"
wait_for "$dataset" --people 1 --url "$vetd_ipc" --batch 1 --clients 1 || {
	echo "compare.sh: vetd did not start:" >&2
	cat "$tmp/vetd.log" >&2
	exit 1
}
note "vetd pid $vetd_pid on $vetd_ipc, $vetd_tcp${vetd_tls:+ and $vetd_tls}"
# Over tcp a caller needs a token: make one unless given one.
if [ -z "$token_file" ]; then
	token_file="$tmp/token"
	(umask 077; "$vetd" --init-admin compare-bench --data-dir "$tmp/vetd" \
	    2>"$tmp/init-admin.log" | head -1 >"$token_file")
	[ -s "$token_file" ] || note "no token: $(cat "$tmp/init-admin.log")"
fi
tok="--token-file $token_file"
load_line=$("$dataset" --people "$people" --seed "$seed" --url "$vetd_ipc" \
    --clients 4) || { echo "compare.sh: loading vetd failed" >&2; exit 1; }
note "$load_line"

# --ab: the same data served by a vetd whose listener is nng's REP socket.
nng_pid=""
if [ "$ab" -eq 1 ]; then
	kill -TERM "$vetd_pid"
	wait "$vetd_pid" 2>/dev/null
	cp -a "$tmp/vetd" "$tmp/vetd-nng"
	$server_cpu "$vetd" -c "$tmp/vetd.conf" --data-dir "$tmp/vetd" \
	    --listen "$vetd_ipc" --listen "$vetd_tcp" $tls_args \
	    --map-size 1073741824 --log-level warn 2>>"$tmp/vetd.log" &
	vetd_pid=$!
	nng_ipc="ipc://$tmp/vetd-nng.sock"
	nng_tcp="tcp://127.0.0.1:$(free_port)"
	$server_cpu "$vetd" --data-dir "$tmp/vetd-nng" --transport nng \
	    --listen "$nng_ipc" --listen "$nng_tcp" \
	    --map-size 1073741824 --log-level warn 2>"$tmp/vetd-nng.log" &
	nng_pid=$!
	pids="$pids $vetd_pid $nng_pid"
	wait_for "$dataset" --people 1 --url "$vetd_ipc" --batch 1 \
	    --clients 1 --seed "$seed" &&
	wait_for "$dataset" --people 1 --url "$nng_ipc" --batch 1 \
	    --clients 1 --seed "$seed" || {
		echo "compare.sh: --ab: a vetd did not start:" >&2
		cat "$tmp/vetd.log" "$tmp/vetd-nng.log" >&2
		exit 1
	}
	note "vetd (transport = nng) pid $nng_pid on $nng_ipc, $nng_tcp"
fi

# start slapd
have_slapd=0
if command -v slapd >/dev/null 2>&1 && command -v slapadd >/dev/null 2>&1; then
	slapd_port=$(free_port)
	mkdir -p "$tmp/slapd/slapd.d" "$tmp/slapd/data" "$tmp/slapd/run"
	cat >"$tmp/slapd/config.ldif" <<EOF
dn: cn=config
objectClass: olcGlobal
cn: config
olcPidFile: $tmp/slapd/run/slapd.pid
olcArgsFile: $tmp/slapd/run/slapd.args
olcThreads: 8
olcLogLevel: 0

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcSizeLimit: unlimited

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=example,dc=org
olcRootDN: cn=admin,dc=example,dc=org
olcDbDirectory: $tmp/slapd/data
olcDbMaxSize: 4294967296
olcDbIndex: objectClass eq
olcDbIndex: uid eq
olcAccess: {0}to * by * read
olcLimits: {0}dn.exact="" size=unlimited time=unlimited
EOF
	"$dataset" --people "$people" --seed "$seed" \
	    --ldif "$tmp/slapd/people.ldif" --resp "$tmp/people.resp" || exit 1
	if slapadd -n0 -F "$tmp/slapd/slapd.d" -l "$tmp/slapd/config.ldif" \
	    >"$tmp/slapd/slapadd.log" 2>&1 &&
	    slapadd -q -n1 -F "$tmp/slapd/slapd.d" \
	    -l "$tmp/slapd/people.ldif" >>"$tmp/slapd/slapadd.log" 2>&1; then
		LDAPNOINIT=1 $server_cpu slapd -d 0 -F "$tmp/slapd/slapd.d" \
		    -h "ldap://127.0.0.1:$slapd_port/" 2>"$tmp/slapd/slapd.log" &
		slapd_pid=$!
		pids="$pids $slapd_pid"
		if LDAPNOINIT=1 wait_for ldapsearch -x -H \
		    "ldap://127.0.0.1:$slapd_port" -b "" -s base; then
			have_slapd=1
			note "slapd pid $slapd_pid on ldap://127.0.0.1:$slapd_port"
		else
			note "slapd did not start: $(tail -3 "$tmp/slapd/slapd.log")"
		fi
	else
		note "slapadd failed: $(tail -3 "$tmp/slapd/slapadd.log")"
	fi
else
	note "slapd is not installed: its rows are left out"
	"$dataset" --people "$people" --seed "$seed" --resp "$tmp/people.resp" ||
	    exit 1
fi

# start redis
have_redis=0
if command -v redis-server >/dev/null 2>&1 &&
    command -v redis-cli >/dev/null 2>&1; then
	redis_port=$(free_port)
	$server_cpu redis-server --port "$redis_port" --bind 127.0.0.1 \
	    --save "" --appendonly no --daemonize no --dir "$tmp" \
	    --logfile "$tmp/redis.log" &
	redis_pid=$!
	pids="$pids $redis_pid"
	if wait_for redis-cli -p "$redis_port" ping &&
	    redis-cli -p "$redis_port" --pipe <"$tmp/people.resp" \
	    >"$tmp/redis-load.log" 2>&1; then
		have_redis=1
		note "redis pid $redis_pid on redis://127.0.0.1:$redis_port"
	else
		note "redis did not start or load: $(tail -2 "$tmp/redis.log")"
	fi
else
	note "redis-server is not installed (apt-get install redis-server): its rows are left out"
fi

# start the echo floor
echo_port=$(free_port)
echo_tcp="tcp://127.0.0.1:$echo_port"
echo_ipc="ipc://$tmp/echo.sock"
$server_cpu "$echo_bin" --url "$echo_tcp" >"$tmp/echo-tcp.log" 2>&1 &
echo_tcp_pid=$!
$server_cpu "$echo_bin" --url "$echo_ipc" >"$tmp/echo-ipc.log" 2>&1 &
echo_ipc_pid=$!
pids="$pids $echo_tcp_pid $echo_ipc_pid"
wait_for grep -q serving "$tmp/echo-tcp.log"
wait_for grep -q serving "$tmp/echo-ipc.log"

results="$tmp/results"
: >"$results"

# cell RUN NAME TRANSPORT C PID LOADGEN-ARGS...: one measurement, with
# $cell_env (VET_TRANSPORT=...) in the load generator's environment.
cell_env=""
cell() {
	run=$1 name=$2 transport=$3 c=$4 pid=$5
	shift 5
	line=$(env $cell_env $client_cpu "$loadgen" --clients "$c" \
	    --seconds "$seconds" \
	    --warmup "$warmup" --people "$people" --seed "$seed" \
	    --server-pid "$pid" --label "$name" "$@" 2>"$tmp/loadgen.err" |
	    grep '^RESULT ')
	if [ -z "$line" ]; then
		note "$name $transport C=$c failed: $(head -c 300 "$tmp/loadgen.err")"
		return
	fi
	echo "run=$run name=$name transport=$transport c=$c $line" >>"$results"
}

r=1
while [ "$r" -le "$runs" ]; do
	for c in $clients; do
		cell $r vetd-check ipc "$c" "$vetd_pid" --url "$vetd_ipc"
		cell $r vetd-check tcp "$c" "$vetd_pid" --url "$vetd_tcp" $tok
		if [ -n "$nng_pid" ]; then
			cell $r vetdnng-check ipc "$c" "$nng_pid" \
			    --url "$nng_ipc"
			cell $r vetdnng-check tcp "$c" "$nng_pid" \
			    --url "$nng_tcp" $tok
		fi
		cell_env=VET_TRANSPORT=nng
		cell $r vetd-check ipc-nng "$c" "$vetd_pid" --url "$vetd_ipc"
		cell $r vetd-check tcp-nng "$c" "$vetd_pid" --url "$vetd_tcp" \
		    $tok
		cell_env=""
		[ -n "$vetd_tls" ] && cell $r vetd-check tls "$c" "$vetd_pid" \
		    --url "$vetd_tls" $tok --tls-ca "$tmp/tls/ca.crt"
		cell $r vetd-batch100 ipc "$c" "$vetd_pid" --url "$vetd_ipc" \
		    --op batch --batch 100
		cell $r echo ipc "$c" "$echo_ipc_pid" --target echo-direct \
		    --url "$echo_ipc"
		cell $r echo tcp "$c" "$echo_tcp_pid" --target echo-direct \
		    --url "$echo_tcp"
		cell $r echo ipc-nng "$c" "$echo_ipc_pid" --target echo \
		    --url "$echo_ipc"
		cell $r echo tcp-nng "$c" "$echo_tcp_pid" --target echo \
		    --url "$echo_tcp"
		[ "$have_slapd" -eq 1 ] && cell $r slapd-compare tcp "$c" \
		    "$slapd_pid" --target ldap --url "ldap://127.0.0.1:$slapd_port"
		[ "$have_redis" -eq 1 ] && cell $r redis-hget tcp "$c" \
		    "$redis_pid" --target redis --url "redis://127.0.0.1:$redis_port"
	done
	# Durable single writes: PutPerson, each committed with fsync.
	cell $r vetd-put ipc 32 "$vetd_pid" --url "$vetd_ipc" --op put
	r=$((r + 1))
done
vetd_kb=$(awk '/^(RssAnon|RssShmem):/ { s += $2 } END { print s + 0 }' \
    "/proc/$vetd_pid/status" 2>/dev/null)

# The table: medians over runs of each cell.
echo
echo "vetd benchmark: $people people, ${seconds} s per cell, $runs run(s)," \
    "$(nproc) CPUs, pin=$pin, $(date -u +%Y-%m-%dT%H:%MZ)"
awk '
function get(k,   i, n, kv) {
	for (i = 1; i <= NF; i++) {
		n = split($i, kv, "=")
		if (kv[1] == k) return kv[2]
	}
	return ""
}
function median(list,   n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	if (n == 0) return 0
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	key = get("name") "|" get("transport") "|" get("c")
	if (!(key in seen)) { seen[key] = 1; order[++nkeys] = key }
	ops[key] = ops[key] " " get("ops_s")
	dec[key] = dec[key] " " (get("ops_s") * get("per_op"))
	p50[key] = p50[key] " " get("p50_us")
	p99[key] = p99[key] " " get("p99_us")
	p999[key] = p999[key] " " get("p999_us")
	cpu[key] = cpu[key] " " get("cpu_us_op")
	ccpu[key] = ccpu[key] " " get("client_cpu_us_op")
	allow[key] = allow[key] " " get("allow_pct")
}
END {
	printf "%-14s %-7s %4s %9s %11s %9s %9s %9s %9s %9s %6s\n", "server",
	    "via", "C", "ops/s", "decisions/s", "p50 us", "p99 us",
	    "p99.9 us", "srv us/op", "cli us/op", "allow%"
	for (i = 1; i <= nkeys; i++) {
		k = order[i]
		split(k, f, "|")
		printf "%-14s %-7s %4s %9.0f %11.0f %9.1f %9.1f %9.1f %9.2f %9.2f %6.1f\n",
		    f[1], f[2], f[3], median(ops[k]), median(dec[k]),
		    median(p50[k]), median(p99[k]), median(p999[k]),
		    median(cpu[k]), median(ccpu[k]), median(allow[k])
	}
}' "$results"

# Ratios within each run, then their medians.
echo
echo "ratios within a run (median over runs; per-run values in brackets):"
maxc=$(echo $clients | awk '{ print $NF }')
awk -v maxc="$maxc" -v runs="$runs" '
function get(k,   i, n, kv) {
	for (i = 1; i <= NF; i++) {
		n = split($i, kv, "=")
		if (kv[1] == k) return kv[2]
	}
	return ""
}
{ v[get("run"), get("name"), get("transport"), get("c"), "ops"] = get("ops_s")
  v[get("run"), get("name"), get("transport"), get("c"), "cpu"] = get("cpu_us_op")
  v[get("run"), get("name"), get("transport"), get("c"), "p99"] = get("p99_us")
  v[get("run"), get("name"), get("transport"), get("c"), "per"] = get("per_op") }
function ratio(label, a, b,   r, list, x, y, n, vals, i, j, t, m) {
	list = ""; n = 0
	for (r = 1; r <= runs; r++) {
		x = v[r, a]; y = v[r, b]
		if (x == "" || y == "" || y + 0 <= 0) continue
		vals[++n] = x / y
		list = list sprintf("%s%.2f", n > 1 ? " " : "", x / y)
	}
	if (n == 0) { printf "  %-52s n/a\n", label; return }
	for (i = 2; i <= n; i++) { t = vals[i]
		for (j = i - 1; j >= 1 && vals[j] > t; j--) vals[j + 1] = vals[j]
		vals[j + 1] = t }
	m = n % 2 ? vals[(n + 1) / 2] : (vals[n / 2] + vals[n / 2 + 1]) / 2
	printf "  %-52s %.2f  [%s]\n", label, m, list
}
function k(name, via, c, what) {
	return name SUBSEP via SUBSEP c SUBSEP what
}
END {
	# "via" is the transport and the client: ipc, tcp: libvet direct
	# (echo: a bare SP client); ipc-nng, tcp-nng: nng REQ (both).
	ratio("Check/slapd Compare ops/s, tcp, C=" maxc " (>= 1.2)",
	    k("vetd-check", "tcp", maxc, "ops"),
	    k("slapd-compare", "tcp", maxc, "ops"))
	ratio("  the same, libvet over nng",
	    k("vetd-check", "tcp-nng", maxc, "ops"),
	    k("slapd-compare", "tcp", maxc, "ops"))
	ratio("Check/echo floor ops/s, tcp, C=" maxc " (>= 0.9)",
	    k("vetd-check", "tcp", maxc, "ops"),
	    k("echo", "tcp", maxc, "ops"))
	ratio("  the same, both through nng",
	    k("vetd-check", "tcp-nng", maxc, "ops"),
	    k("echo", "tcp-nng", maxc, "ops"))
	ratio("  Check (direct) / echo through nng",
	    k("vetd-check", "tcp", maxc, "ops"),
	    k("echo", "tcp-nng", maxc, "ops"))
	ratio("Check/echo floor ops/s, ipc, C=" maxc " (>= 0.9)",
	    k("vetd-check", "ipc", maxc, "ops"),
	    k("echo", "ipc", maxc, "ops"))
	ratio("  the same, both through nng",
	    k("vetd-check", "ipc-nng", maxc, "ops"),
	    k("echo", "ipc-nng", maxc, "ops"))
	ratio("  Check (direct) / echo through nng",
	    k("vetd-check", "ipc", maxc, "ops"),
	    k("echo", "ipc-nng", maxc, "ops"))
	ratio("Check direct/nng ops/s, ipc, C=" maxc,
	    k("vetd-check", "ipc", maxc, "ops"),
	    k("vetd-check", "ipc-nng", maxc, "ops"))
	ratio("Check direct/nng ops/s, tcp, C=" maxc,
	    k("vetd-check", "tcp", maxc, "ops"),
	    k("vetd-check", "tcp-nng", maxc, "ops"))
	ratio("Check, vetd listener / nng REP listener, ops/s, ipc, C=" maxc,
	    k("vetd-check", "ipc", maxc, "ops"),
	    k("vetdnng-check", "ipc", maxc, "ops"))
	ratio("Check, vetd listener / nng REP listener, ops/s, tcp, C=" maxc,
	    k("vetd-check", "tcp", maxc, "ops"),
	    k("vetdnng-check", "tcp", maxc, "ops"))
	ratio("  vetd CPU per check, vetd listener / nng REP, tcp, C=" maxc,
	    k("vetd-check", "tcp", maxc, "cpu"),
	    k("vetdnng-check", "tcp", maxc, "cpu"))
	ratio("vetd CPU per check / slapd CPU per compare, C=" maxc " (<= 1)",
	    k("vetd-check", "tcp", maxc, "cpu"),
	    k("slapd-compare", "tcp", maxc, "cpu"))
	ratio("Check/redis HGET ops/s, tcp, C=" maxc,
	    k("vetd-check", "tcp", maxc, "ops"),
	    k("redis-hget", "tcp", maxc, "ops"))
}' "$results"
awk '
function get(k,   i, n, kv) {
	for (i = 1; i <= NF; i++) {
		n = split($i, kv, "=")
		if (kv[1] == k) return kv[2]
	}
	return ""
}
get("name") == "vetd-check" && get("transport") ~ /^ipc/ && get("c") == 8 {
	printf "  Check p99 at C=8 over %s (< 350 us), run %s: %.1f us\n",
	    get("transport"), get("run"), get("p99_us") }
get("name") == "vetd-batch100" {
	d = get("ops_s") * get("per_op")
	if (d > best) best = d }
get("name") == "vetd-put" {
	printf "  durable PutPerson writes/s at C=32 (>= 5000), run %s: %.0f\n",
	    get("run"), get("ops_s") }
END { printf "  BatchCheck decisions/s, best cell (>= 1000000): %.0f\n", best }
' "$results"
echo "  vetd private memory with $people people: $vetd_kb KiB"

if [ "$memory_people" -gt 0 ]; then
	$server_cpu "$vetd" --data-dir "$tmp/vetd-mem" \
	    --listen "ipc://$tmp/vetd-mem.sock" --map-size 4294967296 \
	    --log-level warn 2>"$tmp/vetd-mem.log" &
	mem_pid=$!
	pids="$pids $mem_pid"
	wait_for "$dataset" --people 1 --url "ipc://$tmp/vetd-mem.sock" \
	    --batch 1 --clients 1
	note "$("$dataset" --people "$memory_people" --seed "$seed" \
	    --url "ipc://$tmp/vetd-mem.sock" --clients 4)"
	"$loadgen" --url "ipc://$tmp/vetd-mem.sock" --clients 32 --seconds 2 \
	    --warmup 0 --people "$memory_people" --seed "$seed" \
	    --server-pid "$mem_pid" >/dev/null 2>&1
	mem_kb=$(awk '/^(RssAnon|RssShmem):/ { s += $2 } END { print s + 0 }' \
	    "/proc/$mem_pid/status")
	echo "  vetd private memory with $memory_people people after checks" \
	    "(< 32768 KiB): $mem_kb KiB"
fi

# The smoke test (tests/meson.build) asserts no speed, only that every
# row it could measure is there. It ends with a Criterion-style line so
# that tests/run.sh counts it like the other test programs.
if [ "$smoke" -eq 1 ]; then
	missing=""
	want="vetd-check|ipc vetd-check|tcp vetd-check|ipc-nng vetd-check|tcp-nng"
	want="$want vetd-batch100|ipc echo|ipc echo|tcp echo|ipc-nng echo|tcp-nng"
	want="$want vetd-put|ipc"
	[ -n "$vetd_tls" ] && want="$want vetd-check|tls"
	command -v slapd >/dev/null 2>&1 && want="$want slapd-compare|tcp"
	command -v redis-server >/dev/null 2>&1 && want="$want redis-hget|tcp"
	for w in $want; do
		name=${w%|*} via=${w#*|}
		grep -q "name=$name transport=$via " "$results" ||
		    missing="$missing $name/$via"
	done
	if [ -n "$missing" ]; then
		echo "compare.sh: no result for:$missing" >&2
		echo "[====] Synthesis: Tested: 1 | Passing: 0 | Failing: 1 | Crashing: 0"
		exit 1
	fi
	echo "[====] Synthesis: Tested: 1 | Passing: 1 | Failing: 0 | Crashing: 0"
fi
echo "compare.sh: done"
