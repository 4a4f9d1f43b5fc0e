# The client role's tests, sourced after tests/tap.sh: a moatd gateway
# and a moatd roadwarrior in namespaces of their own (names carry the
# test's pid), the story's LAN behind the gateway.
#
#   rw: extif 198.51.100.2 -- extif 198.51.100.1 [gw] wirif 10.0.1.1 -- 10.0.1.10 lan
#   moatd client (moat1)       moatd gateway (moat0), pool 10.0.2.0/24,
#                              DNS 10.0.1.1, split 10.0.1.0/24
#
# KEEP=1 keeps the test's directory T (configurations, logs).
P=$$
NS_GW=mc-gw-$P NS_RW=mc-rw-$P NS_LAN=mc-lan-$P
PSK=moat-client-test-psk-not-a-secret

cl_init() {
	need_root
	need ip timeout ping
	[ -c /dev/net/tun ] || { echo "not ok 1 - needs /dev/net/tun"; echo "1..1"; exit 1; }
	T=$(mktemp -d /tmp/moat-client.XXXXXX) || exit 1
	trap 'cl_cleanup' EXIT
	trap 'exit 1' INT TERM HUP
}

cl_cleanup() {
	for n in $NS_RW $NS_GW $NS_LAN; do
		ip netns pids $n 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 0.3
	for n in $NS_RW $NS_GW $NS_LAN; do
		ip netns pids $n 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del $n 2>/dev/null
	done
	if [ -n "${KEEP:-}" ]; then echo "# kept $T" >&2; else rm -rf "$T"; fi
}

cl_topo() {
	for n in $NS_GW $NS_RW $NS_LAN; do
		ip netns add $n || return 1
		ip -n $n link set lo up
	done
	ip link add ce-$P type veth peer name cr-$P || return 1
	ip link set ce-$P netns $NS_GW name extif
	ip link set cr-$P netns $NS_RW name extif
	ip link add cw-$P type veth peer name cl-$P || return 1
	ip link set cw-$P netns $NS_GW name wirif
	ip link set cl-$P netns $NS_LAN name eth0
	ip -n $NS_GW addr add 198.51.100.1/24 dev extif
	ip -n $NS_RW addr add 198.51.100.2/24 dev extif
	ip -n $NS_GW addr add 10.0.1.1/24 dev wirif
	ip -n $NS_LAN addr add 10.0.1.10/24 dev eth0
	for l in "$NS_GW extif" "$NS_GW wirif" "$NS_RW extif" "$NS_LAN eth0"; do
		set -- $l
		ip -n $1 link set $2 up
	done
	ip -n $NS_LAN route add default via 10.0.1.1
	ip netns exec $NS_GW sysctl -qw net.ipv4.ip_forward=1
}

# cl_wait N CMD...: CMD every 0.1 s until it succeeds, N times at most.
cl_wait() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# cl_gw_up [LINE...]: the gateway, moatd with a filter that accepts
# everything (the client's filter is the one under test), and LINEs.
cl_gw_up() {
	printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' ':FORWARD ACCEPT [0:0]' \
	    ':OUTPUT ACCEPT [0:0]' COMMIT >$T/gw.rules
	cat >$T/gw.conf <<-EOF
	tunnel		moat0
	local		198.51.100.1
	rules		gw.rules
	identity	gw.example
	pool		10.0.2.0/24
	dns		10.0.1.1
	split		10.0.1.0/24
	client		rw.example psk "$PSK"
	EOF
	for l in "$@"; do echo "$l"; done >>$T/gw.conf
	ip netns exec $NS_GW "$MOATD" -v -f $T/gw.conf -S $T/gw.sock \
	    >>$T/gw.log 2>&1 &
	echo $! >$T/gw.pid
	cl_wait 50 "$MOATCTL" -S $T/gw.sock stats
}

# cl_stop NAME: SIGTERM to moatd NAME (gw or rw), SIGKILL after 10 s.
cl_stop() {
	[ -f $T/$1.pid ] || return 0
	pid=$(cat $T/$1.pid)
	rm -f $T/$1.pid
	kill $pid 2>/dev/null
	n=100
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -9 $pid 2>/dev/null && echo "# moatd $1 needed SIGKILL"
	wait $pid 2>/dev/null
	return 0
}

# cl_rw_conf EXTRA...: $T/rw.conf, examples/client.conf with this test's
# files, each EXTRA a line added to the connection.
cl_rw_conf() {
	awk '$1 ~ /^(rules|psk|dns|up-script|down-script|hook-timeout|hook-failure|#)/ { next } { print }' \
	    "$MOAT_SRC/examples/client.conf" >$T/rw.conf
	{
		printf 'psk\t"%s"\n' "$PSK"
		printf 'dns\tfile %s\n' $T/resolv.conf
		for l in "$@"; do echo "$l"; done
	} >>$T/rw.conf
	# rules is a top-level keyword: before the first connection.
	sed -i "1i rules $MOAT_SRC/examples/client.rules" $T/rw.conf
}

cl_rw_up() {
	ip netns exec $NS_RW "$MOATD" -v -f $T/rw.conf -S $T/rw.sock \
	    >>$T/rw.log 2>&1 &
	echo $! >$T/rw.pid
	cl_wait 50 "$MOATCTL" -S $T/rw.sock stats
}

# The roadwarrior's view: addresses and routes, for before and after.
cl_rw_net() {
	ip -n $NS_RW -4 -o addr show | awk '{ $1 = ""; print }' | sort
	ip -n $NS_RW -4 route show table all | grep -v ' dev moat1 proto kernel' | sort
}

show() { sed 's/^/# /' "$@"; }
