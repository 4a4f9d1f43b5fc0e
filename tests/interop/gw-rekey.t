#!/bin/sh
# Rekeying keeps the traffic flowing (RFC 7296 1.3.2, 1.3.3, 2.8): a ping
# stream from a strongSwan roadwarrior to the LAN loses at most one packet
# while strongSwan rekeys the CHILD_SA and the IKE_SA (swanctl --rekey),
# and while the moat gateway rekeys both on its own timers
# (child-lifetime, ike-lifetime). Afterwards exactly one IKE_SA and one
# CHILD_SA are left on each side, with new SPIs.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
interop_init

# ping_start NAME SECONDS: 20 pings a second in the background.
ping_start() {
	rw_run rw1 ping -n -i 0.05 -W 1 -c $(($2 * 20)) 10.0.1.10 \
	    >$T/$1.ping 2>&1 &
	PING=$!
}

# ping_wait NAME: loss, how many of the stream's pings got no answer.
ping_wait() {
	wait $PING
	loss=$(awk '/packets transmitted/ { print $1 - $4 }' $T/$1.ping)
}

# child_spis: the SPIs of the CHILD_SAs strongSwan lists ("in  c6f8c3a7,").
child_spis() {
	rw_sas rw1 | awk '$1 == "in" || $1 == "out" { printf "%s ", $2 }' |
	    tr -d ,
}

rekey() {
	timeout 20 swanctl --rekey --uri "$(rw_vici rw1)" "$@" \
	    >>$T/rekey.out 2>&1
}

sa_counts() {
	"$MOATCTL" -S "$MOATSOCK" status >$T/status.out 2>&1 || return 1
	echo "$(grep -c '^IKE_SA .* established' $T/status.out)" \
	    "$(grep -c '^  CHILD_SA' $T/status.out)"
}

topo_up; ok $? "the namespaces are up"

# 1. strongSwan rekeys.
gw_up psk rw.example; ok $? "the $GW gateway is up"
rw_up rw1 rw.example psk "$PSK"; ok $? "rw1: charon is up"
rw_initiate rw1; ok $? "rw1: the tunnel is up"
c0=$(child_spis)
ping_start sw 12
sleep 2
rekey --child home; ok $? "strongSwan rekeys the CHILD_SA"
sleep 2
rekey --ike home; ok $? "strongSwan rekeys the IKE_SA"
sleep 2
rekey --child home; ok $? "strongSwan rekeys the CHILD_SA on the new IKE_SA"
ping_wait sw
[ -n "$loss" ] && [ "$loss" -le 1 ]
ok $? "the ping stream lost at most one packet ($loss) while strongSwan rekeyed"
[ -n "$loss" ] && [ "$loss" -le 1 ] || show $T/sw.ping $T/rekey.out
c1=$(child_spis)
[ -n "$c1" ] && [ "$c1" != "$c0" ]
ok $? "the CHILD_SA has new SPIs ($c0 -> $c1)"
is "$(rw_sas rw1 | grep -c 'ESTABLISHED')" 1 "strongSwan has one IKE_SA left"
is "$(rw_sas rw1 | grep -c 'INSTALLED')" 1 "strongSwan has one CHILD_SA left"
if [ "$GW" = moat ]; then
	is "$(sa_counts)" "1 1" "moatd has one IKE_SA and one CHILD_SA left"
	show $T/status.out
	grep -q "rekeyed by the peer" $T/moatd.log
	ok $? "moatd logged the IKE_SA's rekey"
fi
rw_run rw1 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
ok $? "rw1 still reaches 10.0.1.10"
rw_terminate rw1; ok $? "rw1 terminates"
rw_stop rw1
gw_stop

# 2. The gateway rekeys on its own timers.
if [ "$GW" = moat ]; then
	MOAT_EXTRA="child-lifetime 10
ike-lifetime 17"
else
	GW_CHILD_EXTRA="rekey_time = 10s" GW_IKE_EXTRA="rekey_time = 17s"
fi
gw_up psk rw.example; ok $? "the $GW gateway is up with short lifetimes"
rw_up rw1 rw.example psk "$PSK"; ok $? "rw1: charon is up"
rw_initiate rw1; ok $? "rw1: the tunnel is up"
c0=$(child_spis)
ping_start gw 24
ping_wait gw
[ -n "$loss" ] && [ "$loss" -le 1 ]
ok $? "the ping stream lost at most one packet ($loss) while the gateway rekeyed"
[ -n "$loss" ] && [ "$loss" -le 1 ] || show $T/gw.ping
c1=$(child_spis)
[ -n "$c1" ] && [ "$c1" != "$c0" ]
ok $? "the CHILD_SA has new SPIs ($c0 -> $c1)"
is "$(rw_sas rw1 | grep -c 'ESTABLISHED')" 1 "strongSwan has one IKE_SA left"
is "$(rw_sas rw1 | grep -c 'INSTALLED')" 1 "strongSwan has one CHILD_SA left"
if [ "$GW" = moat ]; then
	is "$(sa_counts)" "1 1" "moatd has one IKE_SA and one CHILD_SA left"
	show $T/status.out
	grep -q "rekeyed as" $T/moatd.log
	ok $? "moatd rekeyed the IKE_SA itself"
	[ "$(grep -c 'CHILD_SA reqid 1: in' $T/moatd.log)" -ge 3 ]
	ok $? "moatd installed at least two CHILD_SAs of reqid 1 after the first"
fi
grep -q "rekeying\|rekeyed\|CREATE_CHILD_SA" $T/rw1/charon.log
ok $? "strongSwan's log shows the rekeys"
interop_done
