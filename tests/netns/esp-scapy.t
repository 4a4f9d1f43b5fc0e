#!/bin/sh
# scapy as the peer of one moatd gateway, for AES-GCM-16 128 and 256,
# ChaCha20-Poly1305, AES-CBC with HMAC-SHA-256/512/1 and NULL with
# HMAC-SHA-256, as IP protocol 50 and in UDP 4500: scapy's
# SecurityAssociation seals echo requests that moat opens and forwards to
# lana, and opens moat's ESP replies; replays, a tampered packet and one
# older than the window are dropped and counted (replayed=, bad-icv=)
# without moving the window; `deleteall 198.51.100.2 198.51.100.1 esp;`
# removes that direction only while a second pair (198.51.100.3,
# 10.0.3.0/24) keeps working. The assertions are made in
# esp/scapy_peer.py and counted here.
. "$(dirname "$0")/../tap.sh"
E=$MOAT_SRC/tests/netns/esp
. "$E/topo.sh"
. "$E/lib.sh"
need_root
need ip timeout
need_scapy

T=$(mktemp -d /tmp/moat-esp-scapy.XXXXXX)
trap 'esp_down; rm -rf "$T"' EXIT
GS=$T/gw.sock

esp_up; ok $? "the namespaces are up"
ip -n $NS_PEER addr add 198.51.100.3/24 dev extif
# The gateway of examples/, with a second remote network 10.0.3.0/24.
sed '/^-A FORWARD/{p;s/10\.0\.2\.0\/24/10.0.3.0\/24/g;}' \
    "$MOAT_SRC/examples/gateway.rules" >$T/gw.rules
cat >$T/gw.conf <<EOF_CONF
tunnel	moat0
local	198.51.100.1
rules	gw.rules
route	10.0.2.0/24
route	10.0.3.0/24
EOF_CONF
moatd_start $NS_GW $T/gw.conf $T/gw.log $GS
ok $? "the gateway's moatd answers on its socket"
GPID=$!

TAB=$(printf '\t')
ip netns exec $NS_PEER timeout 90 "$PY" "$E/scapy_peer.py" \
    --moatctl "$MOATCTL" --sock $GS --lana $NS_LANA >$T/checks 2>$T/py.err
r=$?
while IFS=$TAB read -r tag got want desc; do
	case $tag in
	CHECK) is "$got" "$want" "$desc" ;;
	*) echo "$tag${got:+ $got}" ;;
	esac
done <$T/checks
[ $r -eq 0 ] || sed 's/^/# /' $T/py.err
ok $r "scapy_peer.py ran to its end"

is "$(dp_stat $GS errors)" 0 "gateway: no failed sends or writes"
moatd_stop $GPID $T/gw.log
ok $? "the gateway's moatd stops cleanly (exit 0, no sanitizer report)"
done_testing
