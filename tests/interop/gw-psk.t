#!/bin/sh
# A strongSwan roadwarrior with a pre-shared key against the gateway
# under test (GW=moat or GW=strongswan, tests/interop/lib.sh): it gets an
# address from the pool, the DNS server and the split route, reaches the
# LAN and its DNS through the tunnel, a forged cleartext packet from its
# address does not reach the LAN, and terminating removes what it added.
# A second roadwarrior connects beside it and gets another address.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
interop_init

topo_up; ok $? "the namespaces are up, dnsmasq answers on 10.0.1.1"
gw_up psk "rw.example rw2.example"; ok $? "the $GW gateway is up (PSK)"
rw_up rw1 rw.example psk "$PSK"; ok $? "rw1: charon is up, home loaded"

rw_initiate rw1; r=$?
ok $r "rw1: swanctl --initiate --child home"
[ $r -eq 0 ] || show $T/rw1/initiate.out
vip1=$(rw_vip rw1)
check_connected rw1 rw.example
if [ "$GW" = moat ]; then
	"$MOATCTL" -S "$MOATSOCK" stats >$T/stats.out 2>&1
	ok $? "moatctl stats answers with the SA up"
	show $T/stats.out
	gw_status | show
fi

rw_up rw2 rw2.example psk "$PSK"; ok $? "rw2: charon is up, home loaded"
rw_initiate rw2; r=$?
ok $r "rw2: swanctl --initiate --child home"
[ $r -eq 0 ] || show $T/rw2/initiate.out
vip2=$(rw_vip rw2)
[ -n "$vip2" ] && [ "$vip2" != "$vip1" ]
ok $? "rw2 got an address of its own ($vip2, rw1 has $vip1)"
gw_lists rw2.example "$vip2"; ok $? "the gateway lists rw2.example with $vip2"
gw_lists rw.example "$vip1"; ok $? "and still rw.example with $vip1"
rw_run rw2 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
ok $? "rw2: ping 10.0.1.10 through the tunnel"
rw_run rw1 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
ok $? "rw1 still reaches 10.0.1.10"

check_gone rw1 "$vip1"
gw_lists rw.example "$vip1"
[ $? -ne 0 ]
ok $? "the gateway no longer lists rw1's IKE_SA"
rw_run rw2 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
ok $? "rw2 still reaches 10.0.1.10 after rw1 left"
check_gone rw2 "$vip2"
gw_has_no_state
ok $? "the gateway holds no IKE_SA after both left"
is "$(rw_resolv rw1)" "" "rw1: the DNS server is gone from its resolv.conf"
interop_done
