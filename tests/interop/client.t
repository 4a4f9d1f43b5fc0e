#!/bin/sh
# moatd as the roadwarrior rw1 (examples/client.conf and client.rules)
# against a strongSwan gateway and then a moatd gateway, with a PSK and
# then with ECDSA certificates both ways, on the topology
# of tests/interop/lib.sh, beside a strongSwan roadwarrior rw2 that stays
# connected: while up, rw1 has exactly the pushed address, a route to the
# split network and the DNS line, reaches the LAN and its DNS server
# through the tunnel; after moatctl down home, exactly what it had
# before, and an SA and policy keyed by hand in the same moatd are left;
# after SIGTERM it has exactly what it had before
# (an unrelated route of its own included), the gateway holds no IKE_SA
# of rw.example, and rw2's SA and traffic are untouched.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
interop_init

topo_up; ok $? "the namespaces are up, dnsmasq answers on 10.0.1.1"
rw_run rw1 ip route add 10.0.9.0/24 via 198.51.100.1 dev extif
printf 'nameserver 192.0.2.53\nsearch example\n' >$T/rw1-resolv.conf
cp $T/rw1-resolv.conf $T/rw1-resolv.conf.0

net() {
	rw_run rw1 ip -4 -o addr show | awk '{ $1 = ""; print }' | sort
	rw_run rw1 ip -4 route show table all | grep -v ' dev moat1 proto kernel' | sort
}
net >$T/net.0

# client_conf AUTH: examples/client.conf with this test's files, DNS file
# and secret (AUTH psk) or rw.example's certificate, key and CA (AUTH
# cert: the gateway's certificate is sent only when asked, strongSwan's
# default, so this needs our CERTREQ).
client_conf() {
	awk '$1 ~ /^(rules|psk|dns)$/ { next } { print }' \
	    "$MOAT_SRC/examples/client.conf" >$T/rw1.conf
	printf 'dns\tfile %s\n' $T/rw1-resolv.conf >>$T/rw1.conf
	case $1 in
	psk) printf 'psk\t"%s"\n' "$PSK" >>$T/rw1.conf ;;
	cert) sed -i "1i certificate $PKI/rw.pem\\
private-key $PKI/rw.key\\
ca $PKI/ca.pem" $T/rw1.conf ;;
	esac
	sed -i "1i rules $MOAT_SRC/examples/client.rules" $T/rw1.conf
}
pki_all ecdsa; ok $? "the CA and ECDSA certificates for gw, rw and rw2"

for run in "strongswan psk" "moat psk" "strongswan cert" "moat cert"; do
	set -- $run
	GW=$1 auth=$2
	echo "# ---- against a $GW gateway, $auth"
	gw_up $auth "rw.example rw2.example"; ok $? "the $GW gateway is up"
	case $auth in
	psk) rw_up rw2 rw2.example psk "$PSK" ;;
	cert) rw_up rw2 rw2.example cert rw2 ;;
	esac && rw_initiate rw2
	ok $? "rw2 (strongSwan) is connected"
	vip2=$(rw_vip rw2)

	client_conf $auth
	: >$T/rw1.log
	ip netns exec $NS_RW1 "$MOATD" -v -f $T/rw1.conf -S $T/rw1.sock \
	    >>$T/rw1.log 2>&1 &
	echo $! >$T/rw1.pid
	wait_until 100 grep -q 'connection home: up:' $T/rw1.log
	ok $? "rw1 (moatd): connection home is up"
	vip=$(rw_run rw1 ip -4 -o addr show dev moat1 | awk '{ sub("/32", "", $4); print $4 }')
	case $vip in 10.0.2.*) r=0 ;; *) r=1 ;; esac
	ok $r "rw1: the virtual address $vip/32 from the pool is on moat1"
	[ "$vip" != "$vip2" ]; ok $? "... not rw2's ($vip2)"
	is "$(rw_run rw1 ip -6 -o addr show dev moat1)" "" \
	    "rw1: moat1 has no IPv6 address (IPv4 only, no router solicitations)"
	gw_lists rw.example "$vip"; ok $? "the gateway lists rw.example with $vip"
	net >$T/net.1
	is "$(diff $T/net.0 $T/net.1 | sed -n 's/^> //p' | sed 's/ *$//')" \
	    " moat1 inet $vip/32 scope global moat1\\ valid_lft forever preferred_lft forever
10.0.1.0/24 dev moat1 proto static scope link src $vip
local $vip dev moat1 table local proto kernel scope host src $vip" \
	    "rw1: added exactly the address and the route to 10.0.1.0/24"
	diff $T/net.0 $T/net.1 | grep -q '^<'
	ok $((! $?)) "rw1: nothing of its own was removed or changed"
	is "$(head -1 $T/rw1-resolv.conf)" "nameserver 10.0.1.1  # moat moat1" \
	    "rw1: the pushed DNS server is on top of its resolv.conf"
	rw_run rw1 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
	ok $? "rw1: ping 10.0.1.10 through the tunnel"
	a=$(rw_run rw1 "$PY" "$PROBE" dns 10.0.1.1 fileserver.lan 2>&1)
	is "$a" 10.0.1.10 "rw1: DNS on 10.0.1.1 says fileserver.lan is 10.0.1.10"

	# Another tunnel of this moatd, keyed by hand: the connection's down
	# must leave it, its policy and every route alone.
	printf '%s\n' \
	    'add 198.51.100.2 198.51.100.9 esp 0x9999 -m tunnel -r 64' \
	    '  -E aes-gcm-16 0x3a7d0b5c9e214f6a8b1c2d3e4f5a6b7c01020304;' \
	    'spdadd 10.0.9.0/24 10.0.8.0/24 any -P out ipsec' \
	    '  esp/tunnel/198.51.100.2-198.51.100.9/require;' |
	    "$MOATCTL" -S $T/rw1.sock setkey -c >/dev/null 2>&1
	ok $? "rw1: a second, unrelated SA and policy added by hand"
	"$MOATCTL" -S $T/rw1.sock setkey -D >$T/sad.1 2>&1
	"$MOATCTL" -S $T/rw1.sock down home >/dev/null 2>&1
	ok $? "rw1: moatctl down home"
	wait_until 50 sh -c "! ip -n $NS_RW1 -4 -o addr show dev moat1 | grep -q inet"
	net >$T/net.d
	is "$(diff $T/net.0 $T/net.d)" "" \
	    "rw1: after down, addresses and routes exactly as before (10.0.9.0/24 kept)"
	cmp -s $T/rw1-resolv.conf $T/rw1-resolv.conf.0
	ok $? "rw1: after down, resolv.conf exactly as before"
	"$MOATCTL" -S $T/rw1.sock setkey -D >$T/sad.2 2>&1
	grep -q "esp .*spi=39321(0x00009999)\|0x9999\|0x00009999" $T/sad.2
	ok $? "rw1: the unrelated SA 0x9999 survives the connection's down"
	[ "$(grep -c '^add ' $T/sad.2)" = 1 ]
	ok $? "rw1: and it is the only SA left (the connection's two went)"
	[ "$(grep -c '^add ' $T/sad.1)" = 3 ]
	ok $? "rw1: before down there were three (the connection's two and it)"
	"$MOATCTL" -S $T/rw1.sock setkey -DP >$T/spd.2 2>&1
	grep -q "10.0.9.0/24" $T/spd.2 && ! grep -q "10.0.2" $T/spd.2
	ok $? "rw1: its policy survives too, the connection's are gone"
	[ $tap_failed -eq 0 ] || show $T/sad.2 $T/spd.2

	pid=$(cat $T/rw1.pid)
	kill $pid
	n=100
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	! kill -0 $pid 2>/dev/null; ok $? "rw1: moatd stopped on SIGTERM"
	wait $pid 2>/dev/null
	net >$T/net.2
	is "$(diff $T/net.0 $T/net.2)" "" \
	    "rw1: addresses and routes exactly as before (10.0.9.0/24 kept)"
	cmp -s $T/rw1-resolv.conf $T/rw1-resolv.conf.0
	ok $? "rw1: resolv.conf exactly as before"
	n=30
	while [ $n -gt 0 ] && gw_lists rw.example "$vip"; do sleep 0.1; n=$((n - 1)); done
	! gw_lists rw.example "$vip"; ok $? "the gateway no longer lists rw.example (its Delete came)"
	gw_lists rw2.example "$vip2"; ok $? "... and still lists rw2.example with $vip2"
	rw_run rw2 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
	ok $? "rw2 still reaches 10.0.1.10"
	[ $tap_failed -eq 0 ] || { echo "# rw1's log:"; show $T/rw1.log; }
	rw_terminate rw2
	rw_stop rw2
	gw_stop
done
interop_done
