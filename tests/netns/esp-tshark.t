#!/bin/sh
# tshark as an independent ESP decoder: for every algorithm moat and this
# tshark share, with and without UDP encapsulation (RFC 3948), both moatd
# are rekeyed through `moatctl setkey -f`, a ping crosses the tunnel, and
# the capture taken on the gateway's extif is decrypted by tshark with the
# SAs' keys: the inner echo request 10.0.2.7 -> 10.0.1.10 and its reply
# appear, with the ping's payload and an ICV tshark found good. tshark 4.0 has no ChaCha20-Poly1305 for ESP (its esp_sa table
# lists NULL, DES, 3DES, AES-CBC, AES-CTR, CAST5, Blowfish, Twofish and
# AES-GCM): esp-scapy.t covers it.
. "$(dirname "$0")/../tap.sh"
E=$MOAT_SRC/tests/netns/esp
. "$E/topo.sh"
. "$E/lib.sh"
need_root
need ip tshark od timeout

T=$(mktemp -d /tmp/moat-esp-tshark.XXXXXX)
trap 'esp_down; rm -rf "$T"' EXIT
GS=$T/gw.sock PS=$T/peer.sock
# tshark reads its esp_sa table from a private HOME.
mkdir -p $T/home/.config/wireshark
SAS=$T/home/.config/wireshark/esp_sa
: >$SAS

esp_up; ok $? "the namespaces are up"
moatd_start $NS_GW "$MOAT_SRC/examples/gateway-static.conf" $T/gw.log $GS
ok $? "the gateway's moatd answers on its socket"
GPID=$!
moatd_start $NS_PEER "$E/peer.conf" $T/peer.log $PS
ok $? "the peer's moatd answers on its socket"
PEERPID=$!

HOME=$T/home ip netns exec $NS_GW tshark -n -i extif -w $T/cap.pcapng \
    >$T/tshark.out 2>$T/tshark.err &
TPID=$!
wait_for $T/tshark.err "Capturing on"; ok $? "tshark captures on the gateway's extif"

hex() { od -An -tx1 -N$1 /dev/urandom | tr -d ' \n'; }

# The algorithms: name, setkey -E, key bytes (salt included), setkey -A,
# key bytes, and tshark's names for them.
k=0
while IFS='|' read -r name ealg elen aalg alen tenc tauth <&3; do
	for encap in esp esp-udp; do
		k=$((k + 1))
		so=$(printf 0x%08x $((0x10000100 + k)))
		si=$(printf 0x%08x $((0x20000100 + k)))
		eo=$(hex $elen) ei=$(hex $elen) ao='' ai=''
		if [ -n "$aalg" ]; then ao=$(hex $alen) ai=$(hex $alen); fi
		sa() { # SRC DST SPI EKEY AKEY
			if [ $encap = esp ]; then
				printf 'add %s %s esp %s' $1 $2 $3
			else
				printf 'add %s[4500] %s[4500] esp-udp %s' $1 $2 $3
			fi
			printf ' -m tunnel -r 64 -E %s' $ealg
			[ -z "$4" ] || printf ' 0x%s' $4
			[ -z "$aalg" ] || printf ' -A %s 0x%s' $aalg $5
			printf ';\n'
		}
		{
			echo "flush; spdflush;"
			sa 198.51.100.1 198.51.100.2 $so "$eo" "$ao"
			sa 198.51.100.2 198.51.100.1 $si "$ei" "$ai"
			for d in fwd in; do
				echo "spdadd 10.0.2.0/24 10.0.1.0/24 any -P $d ipsec" \
				    "esp/tunnel/198.51.100.2-198.51.100.1/require;"
			done
			echo "spdadd 10.0.1.0/24 10.0.2.0/24 any -P out ipsec" \
			    "esp/tunnel/198.51.100.1-198.51.100.2/require;"
		} >$T/gw.keys
		{
			echo "flush; spdflush;"
			sa 198.51.100.1 198.51.100.2 $so "$eo" "$ao"
			sa 198.51.100.2 198.51.100.1 $si "$ei" "$ai"
			echo "spdadd 10.0.2.0/24 10.0.1.0/24 any -P out ipsec" \
			    "esp/tunnel/198.51.100.2-198.51.100.1/require;"
			echo "spdadd 10.0.1.0/24 10.0.2.0/24 any -P fwd ipsec" \
			    "esp/tunnel/198.51.100.1-198.51.100.2/require;"
		} >$T/peer.keys
		"$MOATCTL" -S $GS setkey -f $T/gw.keys >$T/setkey.out 2>&1 &&
		    "$MOATCTL" -S $PS setkey -f $T/peer.keys >>$T/setkey.out 2>&1
		r=$?
		[ $r -eq 0 ] || sed 's/^/# /' $T/setkey.out
		ok $r "$name $encap: both moatd rekeyed"
		ip netns exec $NS_LANB ping -q -c 1 -W 2 -p 6d6f6174 10.0.1.10 \
		    >/dev/null
		ok $? "$name $encap: ping lanb -> lana"
		printf '"IPv4","%s","%s","%s","%s","0x%s","%s","0x%s"\n' \
		    198.51.100.2 198.51.100.1 $si "$tenc" "$ei" "$tauth" "$ai" \
		    198.51.100.1 198.51.100.2 $so "$tenc" "$eo" "$tauth" "$ao" \
		    >>$SAS
		echo "$name|$encap|$si|$so" >>$T/cases
	done
done 3<<'EOF_ALGS'
aes-gcm-16 128|aes-gcm-16|20|||AES-GCM with 16 octet ICV [RFC4106]|NULL
aes-gcm-16 192|aes-gcm-16|28|||AES-GCM with 16 octet ICV [RFC4106]|NULL
aes-gcm-16 256|aes-gcm-16|36|||AES-GCM with 16 octet ICV [RFC4106]|NULL
aes-cbc 128 hmac-sha256|aes-cbc|16|hmac-sha256|32|AES-CBC [RFC3602]|HMAC-SHA-256-128 [RFC4868]
aes-cbc 192 hmac-sha256|aes-cbc|24|hmac-sha256|32|AES-CBC [RFC3602]|HMAC-SHA-256-128 [RFC4868]
aes-cbc 256 hmac-sha512|aes-cbc|32|hmac-sha512|64|AES-CBC [RFC3602]|HMAC-SHA-512-256 [RFC4868]
aes-cbc 128 hmac-sha1|aes-cbc|16|hmac-sha1|20|AES-CBC [RFC3602]|HMAC-SHA-1-96 [RFC2404]
aes-cbc 256 hmac-sha1|aes-cbc|32|hmac-sha1|20|AES-CBC [RFC3602]|HMAC-SHA-1-96 [RFC2404]
null hmac-sha256|null|0|hmac-sha256|32|NULL|HMAC-SHA-256-128 [RFC4868]
null hmac-sha512|null|0|hmac-sha512|64|NULL|HMAC-SHA-512-256 [RFC4868]
null hmac-sha1|null|0|hmac-sha1|20|NULL|HMAC-SHA-1-96 [RFC2404]
EOF_ALGS

sleep 0.5
kill -INT $TPID
i=0
while [ $i -lt 50 ] && [ -e /proc/$TPID ] &&
    ! grep -q '^[0-9]* ([^)]*) Z' /proc/$TPID/stat 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
wait $TPID
ok $? "tshark wrote the capture"

# One line a frame: SPI, outer and inner addresses, UDP source port,
# ICMP type, payload, ICV check.
HOME=$T/home tshark -n -r $T/cap.pcapng -Y esp \
    -o esp.enable_encryption_decode:TRUE \
    -o esp.enable_authentication_check:TRUE \
    -T fields -E separator='|' -e esp.spi -e ip.src -e ip.dst \
    -e udp.srcport -e icmp.type -e data.data -e esp.icv_good \
    >$T/decoded 2>$T/decode.err
ok $? "tshark reads the capture back"

while IFS='|' read -r name encap si so; do
	for dir in in out; do
		if [ $dir = in ]; then
			spi=$si type=8 what="echo request" src=10.0.2.7 dst=10.0.1.10
			addrs="198.51.100.2,$src|198.51.100.1,$dst"
		else
			spi=$so type=0 what="echo reply" src=10.0.1.10 dst=10.0.2.7
			addrs="198.51.100.1,$src|198.51.100.2,$dst"
		fi
		line=$(grep -i "^$spi|" $T/decoded | head -1)
		[ -n "$line" ]; ok $? "$name $encap: SPI $spi is on the wire"
		is "$(echo "$line" | cut -d'|' -f2,3)" "$addrs" \
		    "$name $encap: tshark decrypts the inner $what $src -> $dst"
		is "$(echo "$line" | cut -d'|' -f5)" $type \
		    "$name $encap: an ICMP $what"
		case "$(echo "$line" | cut -d'|' -f6)" in
		*6d6f61746d6f6174*) ok 0 "$name $encap: with the ping's payload" ;;
		*) ok 1 "$name $encap: with the ping's payload" ;;
		esac
		if [ $encap = esp-udp ]; then
			is "$(echo "$line" | cut -d'|' -f4)" 4500 \
			    "$name $encap: inside UDP from port 4500"
		else
			is "$(echo "$line" | cut -d'|' -f4)" "" \
			    "$name $encap: as IP protocol 50"
		fi
		is "$(echo "$line" | cut -d'|' -f7)" 1 \
		    "$name $encap: tshark finds the ICV good"
	done
done <$T/cases

is "$(dp_stat $GS errors)" 0 "gateway: no failed sends or writes"
moatd_stop $GPID $T/gw.log
ok $? "the gateway's moatd stops cleanly (exit 0, no sanitizer report)"
moatd_stop $PEERPID $T/peer.log; ok $? "the peer's moatd stops cleanly"
done_testing
