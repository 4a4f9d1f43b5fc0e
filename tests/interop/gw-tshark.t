#!/bin/sh
# tshark as an independent IKEv2 decoder: moatd writes the keys of each
# IKE_SA in tshark's ikev2_decryption_table format (moat.conf's keylog),
# and tshark decrypts the IKE_AUTH and INFORMATIONAL messages that it
# captured on the gateway's extif between moatd and a strongSwan
# roadwarrior, for an AEAD suite and a CBC+HMAC one.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
[ "$GW" = moat ] || { echo "1..0 # this test is about moatd's keylog"; exit 0; }
interop_init
need tshark

mkdir -p $T/home/.config/wireshark
topo_up; ok $? "the namespaces are up"
gw_up psk "rw.example"; ok $? "moatd is up (PSK, keylog $T/ikev2_decryption_table)"

HOME=$T/home ip netns exec $NS_GW tshark -n -i extif -w $T/cap.pcapng \
    -f udp >$T/tshark.out 2>$T/tshark.err &
TPID=$!
wait_until 100 grep -q "Capturing on" $T/tshark.err
ok $? "tshark captures on the gateway's extif"

for suite in aes128gcm16-prfsha256-x25519 aes256-sha256-modp2048; do
	RW_IKE=$suite
	rw_up rw1 rw.example psk "$PSK"; ok $? "$suite: rw1's charon is up"
	rw_initiate rw1; ok $? "$suite: the tunnel comes up"
	rw_terminate rw1; ok $? "$suite: rw1 terminates it (INFORMATIONAL Delete)"
	rw_stop rw1
done

sleep 1 # dumpcap writes its buffer out about once a second
kill -INT $TPID
wait $TPID
ok $? "tshark wrote the capture"
is "$(wc -l <$T/ikev2_decryption_table)" 2 "moatd logged the keys of both IKE_SAs"
show $T/ikev2_decryption_table
cp $T/ikev2_decryption_table $T/home/.config/wireshark/

# One line a decrypted payload: the exchange, whether a response, and the
# payload's type, with the identity and configuration values.
HOME=$T/home tshark -n -r $T/cap.pcapng -Y isakmp -V >$T/decoded 2>$T/decode.err
ok $? "tshark reads the capture back"
for id in 1 2; do
	spi=$(sed -n "${id}p" $T/ikev2_decryption_table | cut -d, -f1 |
	    sed 's/../&:/g; s/:$//')
	HOME=$T/home tshark -n -r $T/cap.pcapng \
	    -Y "isakmp.ispi == $spi && isakmp.exchangetype == 35" -V \
	    >$T/auth$id 2>/dev/null
	grep -q "Identification - Initiator" $T/auth$id
	ok $? "IKE_SA $id: tshark decrypts IKE_AUTH's request (IDi)"
	grep -q "Identification - Responder" $T/auth$id
	ok $? "IKE_SA $id: tshark decrypts IKE_AUTH's response (IDr)"
	grep -q "ID_FQDN: rw.example\|Identification Data:rw.example\|rw\.example" $T/auth$id
	ok $? "IKE_SA $id: the initiator's identity rw.example is in the clear"
	grep -q "INTERNAL_IP4_ADDRESS" $T/auth$id
	ok $? "IKE_SA $id: the configuration payload is readable"
	grep -q "10\.0\.2\." $T/auth$id
	ok $? "IKE_SA $id: the virtual address from the pool is in it"
	if [ $id = 2 ]; then
		n=$(grep -c "Integrity Checksum Data" $T/auth$id)
		good=$(grep -c "Integrity Checksum Data.*>\[correct\]" $T/auth$id)
		[ "$n" -ge 2 ] && [ "$good" = "$n" ]
		ok $? "IKE_SA $id: tshark finds the HMAC of both IKE_AUTH messages correct ($good of $n)"
	fi
	HOME=$T/home tshark -n -r $T/cap.pcapng \
	    -Y "isakmp.ispi == $spi && isakmp.exchangetype == 37" -V \
	    >$T/info$id 2>/dev/null
	grep -q "Delete" $T/info$id
	ok $? "IKE_SA $id: tshark decrypts the INFORMATIONAL Delete"
done
interop_done
