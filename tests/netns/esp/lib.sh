# Helpers of the ESP tests, sourced after tests/tap.sh and topo.sh.
PY=/usr/bin/python3

# need_scapy: the tests use Debian's python3-scapy, not another python.
need_scapy() {
	if ! "$PY" -c 'import scapy.all' 2>/dev/null; then
		echo "not ok 1 - this test needs $PY with python3-scapy" \
		    "(run scripts/install-deps)"
		echo "1..1"
		exit 1
	fi
}

# fw_count SOCK STRING: the packet counter of the first line of
# `fw list -v` that holds STRING, a rule ([n:b] -A ...) or a chain
# policy (:CHAIN POLICY [n:b]).
fw_count() {
	"$MOATCTL" -S "$1" fw list -v | grep -F -e "$2" | head -1 |
	    sed -n 's/^\[\([0-9]*\):.*/\1/p; s/^:.* \[\([0-9]*\):[0-9]*\]$/\1/p'
}

# sa_field SOCK SPI FIELD: one counter of an SA in `setkey -D`
# (seq, replay-top, packets, replayed, bad-icv, ...); empty if no SA.
sa_field() {
	"$MOATCTL" -S "$1" setkey -D | awk -v spi="$2" -v f="$3" '
	    $1 == "add" && $5 == spi { want = 1; next }
	    want { for (i = 1; i <= NF; i++) { split($i, kv, "=")
		    if (kv[1] == f) print kv[2] }
		exit }'
}

# dp_stat SOCK NAME: one line of `moatctl stats`.
dp_stat() {
	"$MOATCTL" -S "$1" stats | awk -v n="$2" '$1 == n { print $2 }'
}

# echos NS: ICMP echo requests the namespace's kernel has received.
echos() {
	ip netns exec "$1" awk '/^Icmp:/ { if (h) { print $i; exit }
	    for (i = 1; i <= NF; i++) if ($i == "InEchos") break; h = 1 }' \
	    /proc/net/snmp
}

# wait_for FILE STRING: up to 10 s for STRING to appear in FILE.
wait_for() {
	i=0
	while [ $i -lt 100 ]; do
		grep -qF -e "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# moatd_stop PID LOG: SIGTERM, up to 5 s to exit (then SIGKILL); 0 if
# it exited 0 and its log has no sanitizer report.
moatd_stop() {
	kill "$1" 2>/dev/null
	i=0
	while [ $i -lt 50 ] &&
	    ! grep -q '^[0-9]* ([^)]*) Z' /proc/$1/stat 2>/dev/null &&
	    [ -e /proc/$1 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ $i -lt 50 ] || kill -9 "$1" 2>/dev/null
	wait "$1"
	r=$?
	if grep -q Sanitizer "$2"; then
		sed 's/^/# /' "$2" | head -40
		return 1
	fi
	return $r
}
