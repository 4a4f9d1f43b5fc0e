#!/bin/sh
# Two moatd with the manual keys of examples/gateway-static.{conf,keys}
# and tests/netns/esp/peer.*: ping and TCP between the two LANs in both
# directions, with the deciding rules' counters; TCP and DF pings over a
# path MTU too small for the tunnel (moatd's "fragmentation needed"
# reaches the sender; TCP's super-packets meet it too); then a forged
# cleartext packet from the peer's network sent straight to the gateway's
# extif is dropped by FORWARD's policy (through NFQUEUE) while the same
# inner packet through the tunnel reaches the LAN by the --dir in rule.
. "$(dirname "$0")/../tap.sh"
E=$MOAT_SRC/tests/netns/esp
. "$E/topo.sh"
. "$E/lib.sh"
need_root
need ip iptables timeout
need_scapy

T=$(mktemp -d /tmp/moat-esp-tunnel.XXXXXX)
trap 'esp_down; rm -rf "$T"' EXIT
GS=$T/gw.sock PS=$T/peer.sock
IN_RULE='-A FORWARD -s 10.0.2.0/24 -d 10.0.1.0/24 -i extif -o wirif -m policy --dir in'
OUT_RULE='-A FORWARD -s 10.0.1.0/24 -d 10.0.2.0/24 -i wirif -o extif -m policy --dir out'

esp_up; ok $? "the namespaces are up"
# Cleartext forwarded traffic goes to moat's filter (the example's queue 0).
ip netns exec $NS_GW iptables -A FORWARD ! -i moat0 ! -o moat0 \
    -j NFQUEUE --queue-num 0
# The forged packet must meet the filter, not the kernel's rp_filter.
for i in all default extif; do
	ip netns exec $NS_GW sysctl -qw net.ipv4.conf.$i.rp_filter=0
done
moatd_start $NS_GW "$MOAT_SRC/examples/gateway-static.conf" $T/gw.log $GS
ok $? "the gateway's moatd answers on its socket"
GPID=$!
moatd_start $NS_PEER "$E/peer.conf" $T/peer.log $PS
ok $? "the peer's moatd answers on its socket"
PEERPID=$!

# ---- ping, both ways ---------------------------------------------------
ip netns exec $NS_LANB ping -q -c 3 -i 0.2 -W 2 10.0.1.10 >/dev/null
ok $? "ping lanb -> lana through the tunnel"
ip netns exec $NS_LANA ping -q -c 3 -i 0.2 -W 2 10.0.2.7 >/dev/null
ok $? "ping lana -> lanb through the tunnel"
is "$(fw_count $GS "$IN_RULE")" 6 \
    "gateway: the --dir in rule passed 3 requests and 3 replies"
is "$(fw_count $GS "$OUT_RULE")" 6 \
    "gateway: the --dir out rule passed 3 requests and 3 replies"
is "$(sa_field $GS 0x20000001 packets)" 6 "gateway: the inbound SA opened 6"
is "$(sa_field $GS 0x10000001 packets)" 6 "gateway: the outbound SA sealed 6"
is "$(sa_field $PS 0x10000001 replay-top)" 6 \
    "peer: the inbound SA's window is at 6"

# ---- TCP, both ways, more than a window of segments -------------------
tcp() { # FROM TO-NS TO-ADDR PORT
	ip netns exec $2 timeout 20 "$PY" "$E/tcpecho.py" server $4 &
	ip netns exec $1 timeout 20 "$PY" "$E/tcpecho.py" client $3 $4 300000 \
	    >$T/tcp.out 2>&1
	r=$?
	wait $!
	[ $r -eq 0 ] || sed 's/^/# /' $T/tcp.out
	return $r
}
tcp $NS_LANB $NS_LANA 10.0.1.10 7001
ok $? "TCP lanb -> lana: 300000 bytes echoed intact"
tcp $NS_LANA $NS_LANB 10.0.2.7 7002
ok $? "TCP lana -> lanb: 300000 bytes echoed intact"
is "$(dp_stat $GS errors)" 0 "gateway: no failed sends or writes"
is "$(dp_stat $PS errors)" 0 "peer: no failed sends or writes"

# ---- too big for the tunnel -------------------------------------------
# A path MTU of 1200 to the peer leaves 1200 - 57 (outer IPv4, ESP with
# AES-GCM-16, the shortest trailer) for inner packets. TCP from lana
# meets it with segments of the TUN device's MTU (1400), which reach
# moatd as TSO super-packets: moatd answers "fragmentation needed" and
# lana's TCP goes on with smaller segments.
ip -n $NS_GW route add 198.51.100.2/32 dev extif mtu 1200
ip -n $NS_LANA route flush cache
sleep 1.1 # the data plane's route cache (route.c) forgets in a second
big0=$(dp_stat $GS too-big)
tcp $NS_LANA $NS_LANB 10.0.2.7 7003
ok $? "TCP lana -> lanb over a path MTU of 1200: 300000 bytes intact"
big1=$(dp_stat $GS too-big)
[ "$big1" -gt "$big0" ]
ok $? "gateway: TCP met the MTU ($big0 -> $big1 too-big answers)"
ip -n $NS_LANA route flush cache
ip netns exec $NS_LANA ping -c 1 -W 2 -M "do" -s 1300 10.0.2.7 >$T/big.out 2>&1
grep -q 'mtu = 1143' $T/big.out
ok $? "ping -M do -s 1300: fragmentation needed, mtu = 1143"
grep -q 'mtu = 1143' $T/big.out || sed 's/^/# /' $T/big.out
is "$(dp_stat $GS too-big)" $((big1 + 1)) "gateway: one more too-big answer"
ip netns exec $NS_LANA ping -q -c 1 -W 2 -M "do" -s 1100 10.0.2.7 >/dev/null
ok $? "ping -M do -s 1100 fits and is answered"
ip netns exec $NS_LANA ping -q -c 1 -W 2 -M dont -s 1300 10.0.2.7 >/dev/null
ok $? "ping -M dont -s 1300 goes through (the ESP datagram fragmented)"
ip -n $NS_GW route del 198.51.100.2/32 dev extif mtu 1200

# ---- a forged cleartext packet ----------------------------------------
MAC=$(ip -n $NS_GW -o link show extif | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
forge() {
	ip netns exec $NS_PEER "$PY" -c "
from scapy.all import Ether, IP, ICMP, sendp, conf
conf.verb = 0
sendp(Ether(dst='$MAC') / IP(src='10.0.2.7', dst='10.0.1.10') /
      ICMP(id=0x4d6f, seq=$1) / b'forged', iface='extif')"
}
pol0=$(fw_count $GS ':FORWARD DROP') in0=$(fw_count $GS "$IN_RULE")
clr0=$(dp_stat $GS filtered-cleartext) e0=$(echos $NS_LANA)
forge 1; ok $? "scapy sent the forged packet"
sleep 0.5
is "$(echos $NS_LANA)" "$e0" "the forged echo request never reached lana"
is "$(fw_count $GS ':FORWARD DROP')" $((pol0 + 1)) \
    "FORWARD's policy decided it (its counter moved by one)"
is "$(fw_count $GS "$IN_RULE")" "$in0" "the --dir in rule did not match it"
is "$(dp_stat $GS filtered-cleartext)" $((clr0 + 1)) \
    "stats: one queued cleartext packet dropped"

# The same inner packet through the tunnel.
ip netns exec $NS_LANB ping -q -c 1 -W 2 10.0.1.10 >/dev/null
ok $? "the same packet through the tunnel is answered"
is "$(echos $NS_LANA)" $((e0 + 1)) "and lana received it"
is "$(fw_count $GS "$IN_RULE")" $((in0 + 1)) "by the --dir in rule"
is "$(fw_count $GS ':FORWARD DROP')" $((pol0 + 1)) \
    "FORWARD's policy did not move"

# Without the queue the kernel forwards the forged packet: what stopped
# it above was moat's filter.
ip netns exec $NS_GW iptables -F FORWARD
forge 2
sleep 0.5
is "$(echos $NS_LANA)" $((e0 + 2)) "without NFQUEUE the forged packet reaches lana"

"$MOATCTL" -S $GS fw list -v | sed 's/^/# /'
moatd_stop $GPID $T/gw.log
ok $? "the gateway's moatd stops cleanly (exit 0, no sanitizer report)"
moatd_stop $PEERPID $T/peer.log; ok $? "the peer's moatd stops cleanly"
done_testing
