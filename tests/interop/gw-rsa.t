#!/bin/sh
# A strongSwan roadwarrior with an RSA certificate (2048 bits) against the
# gateway under test, which shows its own certificate for gw.example; both
# are issued at test time by one CA (tests/interop/lib.sh). The client gets
# its address, DNS server and split route, reaches the LAN and its DNS
# through the tunnel, a forged cleartext packet from its address does not
# reach the LAN, and terminating removes what it added.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
interop_init

pki_all rsa; ok $? "openssl issued the RSA CA, gw.example and rw.example"
openssl x509 -in $PKI/rw.pem -noout -text >$T/rw.txt 2>&1
grep -q "DNS:rw.example" $T/rw.txt && grep -q "rsaEncryption" $T/rw.txt
ok $? "rw.example's certificate: subjectAltName DNS:rw.example, RSA key"
topo_up; ok $? "the namespaces are up, dnsmasq answers on 10.0.1.1"
gw_up cert; ok $? "the $GW gateway is up (RSA certificate)"
rw_up rw1 rw.example cert rw; ok $? "rw1: charon is up, home loaded"

rw_initiate rw1; r=$?
ok $r "rw1: swanctl --initiate --child home"
[ $r -eq 0 ] || show $T/rw1/initiate.out
grep -q "authentication of 'gw.example' with .* successful" $T/rw1/charon.log
ok $? "rw1: gw.example authenticated by its certificate"
vip1=$(rw_vip rw1)
check_connected rw1 rw.example
if [ "$GW" = moat ]; then
	"$MOATCTL" -S "$MOATSOCK" stats >$T/stats.out 2>&1
	ok $? "moatctl stats answers with the SA up"
	show $T/stats.out
	gw_status | show
fi
check_gone rw1 "$vip1"
gw_has_no_state
ok $? "the gateway holds no IKE_SA after rw1 left"
interop_done
