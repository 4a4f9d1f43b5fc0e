# The topology of the ESP tests, sourced by tests/netns/esp*.t:
#
#   lanb 10.0.2.7 -- wirif [peer] extif 198.51.100.2 --
#       -- 198.51.100.1 extif [gw] wirif 10.0.1.1 -- 10.0.1.10 lana
#
# Namespace names carry the test's pid; esp_down removes them all.
P=$$
NS_GW=moat-gw-$P NS_PEER=moat-peer-$P NS_LANA=moat-lana-$P NS_LANB=moat-lanb-$P

esp_down() {
	for n in $NS_GW $NS_PEER $NS_LANA $NS_LANB; do
		ip netns pids $n 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 0.2
	for n in $NS_GW $NS_PEER $NS_LANA $NS_LANB; do
		ip netns del $n 2>/dev/null
	done
}

esp_up() {
	for n in $NS_GW $NS_PEER $NS_LANA $NS_LANB; do
		ip netns add $n || return 1
		ip -n $n link set lo up
	done
	ip link add ext-$P type veth peer name extp-$P
	ip link set ext-$P netns $NS_GW name extif
	ip link set extp-$P netns $NS_PEER name extif
	ip link add wa-$P type veth peer name la-$P
	ip link set wa-$P netns $NS_GW name wirif
	ip link set la-$P netns $NS_LANA name eth0
	ip link add wb-$P type veth peer name lb-$P
	ip link set wb-$P netns $NS_PEER name wirif
	ip link set lb-$P netns $NS_LANB name eth0
	ip -n $NS_GW addr add 198.51.100.1/24 dev extif
	ip -n $NS_GW addr add 10.0.1.1/24 dev wirif
	ip -n $NS_PEER addr add 198.51.100.2/24 dev extif
	ip -n $NS_PEER addr add 10.0.2.1/24 dev wirif
	ip -n $NS_LANA addr add 10.0.1.10/24 dev eth0
	ip -n $NS_LANB addr add 10.0.2.7/24 dev eth0
	for n in $NS_GW $NS_PEER; do
		ip -n $n link set extif up
		ip -n $n link set wirif up
		ip netns exec $n sysctl -qw net.ipv4.ip_forward=1
	done
	ip -n $NS_LANA link set eth0 up
	ip -n $NS_LANB link set eth0 up
	ip -n $NS_LANA route add default via 10.0.1.1
	ip -n $NS_LANB route add default via 10.0.2.1
}

# moatd_start NS CONF LOG SOCK: moatd in NS, up once its socket answers.
moatd_start() {
	ip netns exec "$1" "$MOATD" -v -f "$2" -S "$4" 2>"$3" &
	i=0
	while [ $i -lt 50 ]; do
		ip netns exec "$1" "$MOATCTL" -S "$4" fw list >/dev/null 2>&1 &&
		    return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
