#!/bin/sh
# decision_log.sh: what decision_log = all costs. Runs the same check load
# (vet-loadgen through libvet, several client threads, each with its own
# connection) against a throwaway vetd with decision_log = off, then one
# with decision_log = all, both loaded with the same population
# (vet-dataset), and prints checks/s for both and their ratio. With all,
# it then has vetd verify the chain and reports how many Check entries were
# written (so none were dropped) and the store's growth per entry.
# Everything it started is stopped by PID and its directory removed.
#
#   bench/decision_log.sh [--build DIR] [--people N] [--seconds S]
#                         [--clients C] [--op check|batch] [--runs R]
set -u

here=$(cd "$(dirname "$0")" && pwd)
build="$here/../build"
people=10000
seconds=10
clients=8
op=check
runs=1

usage() {
	cat >&2 <<EOF
usage: decision_log.sh [--build DIR] [--people N] [--seconds S]
                       [--clients C] [--op check|batch] [--runs R]
  --build DIR    meson build directory (default build)
  --people N     people loaded into each vetd (default 10000)
  --seconds S    measured seconds per run (default 10)
  --clients C    client threads (default 8)
  --op O         check (one Check per call) or batch (BatchCheck of 100)
  --runs R       alternate off and all R times; medians at the end
EOF
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--build) build="$2"; shift ;;
	--people) people="$2"; shift ;;
	--seconds) seconds="$2"; shift ;;
	--clients) clients="$2"; shift ;;
	--op) op="$2"; shift ;;
	--runs) runs="$2"; shift ;;
	*) usage ;;
	esac
	shift
done
case "$people$clients$runs" in
*[!0-9]*) usage ;;
esac
case "$op" in
check|batch) ;;
*) usage ;;
esac

vetd="$build/server/vetd"
vetctl="$build/client/vetctl"
dataset="$build/bench/vet-dataset"
loadgen="$build/bench/vet-loadgen"
for b in "$vetd" "$vetctl" "$dataset" "$loadgen"; do
	[ -x "$b" ] || { echo "decision_log.sh: $b is not built" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/vet-declog-XXXXXX) || exit 1
pid=""
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	pid=""
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

# run MODE N: one vetd with decision_log = MODE, loaded, measured; prints
# the checks/s on stdout, details on stderr.
run() {
	mode=$1
	dir="$tmp/$mode-$2"
	url="ipc://$dir/vetd.sock"
	mkdir -p "$dir"
	printf 'decision_log = %s\nlog_level = warn\n' "$mode" >"$dir/vetd.conf"
	chmod 600 "$dir/vetd.conf"
	"$vetd" -c "$dir/vetd.conf" --data-dir "$dir/data" --listen "$url" \
	    --map-size 1073741824 2>"$dir/vetd.log" &
	pid=$!
	wait_for "$vetctl" -s "$url" health || {
		echo "decision_log.sh: vetd did not start:" >&2
		cat "$dir/vetd.log" >&2
		exit 1
	}
	"$dataset" --people "$people" --url "$url" --clients 4 >&2 || {
		echo "decision_log.sh: loading vetd failed" >&2
		exit 1
	}
	before=$("$vetctl" -s "$url" --json audit verify |
	    sed -n 's/.*"last_seq": \([0-9]*\).*/\1/p')
	size0=$(stat -c %s "$dir/data/data.mdb")
	report=$("$loadgen" --url "$url" --op "$op" --clients "$clients" \
	    --seconds "$seconds" --people "$people" --label "$mode" \
	    --server-pid "$pid")
	printf '%s\n' "$report" >&2
	line=$(printf '%s\n' "$report" | grep '^RESULT')
	ops=$(echo "$line" | sed -n 's/.* ops=\([0-9]*\) .*/\1/p')
	ops_s=$(echo "$line" | sed -n 's/.* ops_s=\([0-9]*\) .*/\1/p')
	cpu=$(echo "$line" | sed -n 's/.* cpu_us_op=\([0-9.]*\) .*/\1/p')
	kill "$pid"			# a clean stop commits what is queued
	wait "$pid"
	pid=""
	if [ "$mode" = all ]; then
		"$vetd" -c "$dir/vetd.conf" --data-dir "$dir/data" \
		    --listen "$url" 2>>"$dir/vetd.log" &
		pid=$!
		wait_for "$vetctl" -s "$url" health || exit 1
		verify=$("$vetctl" -s "$url" audit verify) || {
			echo "decision_log.sh: $verify" >&2
			exit 1
		}
		after=$(echo "$verify" | sed -n 's/.*head seq \([0-9]*\).*/\1/p')
		dropped=$("$vetctl" -s "$url" audit list \
		    | grep -c ' AuditDropped ')
		size1=$(stat -c %s "$dir/data/data.mdb")
		kill "$pid"
		wait "$pid"
		pid=""
		entries=$((after - before))
		checks=$ops
		[ "$op" = batch ] && checks=$((ops * 100))
		echo "# all: $entries audit entries for $checks checks" \
		    "(warm-up included), $dropped AuditDropped;" \
		    "$(( (size1 - size0) / (entries > 0 ? entries : 1) ))" \
		    "bytes of store per entry; $verify" >&2
	fi
	[ "$op" = batch ] && ops_s=$((ops_s * 100))	# decisions/s
	echo "$ops_s $cpu"		# vet-loadgen's CPU is per decision
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

offs=""
alls=""
offc=""
allc=""
r=1
while [ "$r" -le "$runs" ]; do
	set -- $(run off "$r")
	offs="$offs $1"
	offc="$offc $2"
	set -- $(run all "$r")
	alls="$alls $1"
	allc="$allc $2"
	echo "run $r: off $(echo $offs | awk '{ print $NF }') checks/s," \
	    "all $1 checks/s"
	r=$((r + 1))
done
off=$(echo $offs | tr ' ' '\n' | median)
all=$(echo $alls | tr ' ' '\n' | median)
oc=$(echo $offc | tr ' ' '\n' | median)
ac=$(echo $allc | tr ' ' '\n' | median)
echo "decision_log=off: $off checks/s, vetd CPU $oc us/check (medians of $runs)"
echo "decision_log=all: $all checks/s, vetd CPU $ac us/check"
awk -v a="$all" -v o="$off" -v ac="$ac" -v oc="$oc" 'BEGIN {
	printf "all/off: throughput %.3f, vetd CPU per check %.3f\n", a / o,
	    ac / oc }'
