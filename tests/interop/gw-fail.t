#!/bin/sh
# Initiations the gateway under test must refuse: a wrong pre-shared key,
# a client certificate from a CA it does not trust, a certificate for
# another identity than the one allowed, and no common IKE proposal. Each
# fails with the reason in the roadwarrior's log and leaves no IKE_SA on
# the gateway; after each, the right client connects, so the gateway was
# refusing the fault and not everything.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
interop_init

# refused WHAT NOTIFY: rw1's initiation fails, its log names NOTIFY, the
# gateway keeps nothing.
refused() {
	rw_initiate rw1
	r=$?
	[ $r -ne 0 ]
	ok $? "$1: the initiation fails"
	[ $r -ne 0 ] || show $T/rw1/initiate.out
	grep -q "received $2 notify" $T/rw1/charon.log
	r=$?
	ok $r "$1: rw1's log says the gateway sent $2"
	[ $r -eq 0 ] || grep -E '\[(IKE|ENC|CFG)\]' $T/rw1/charon.log | tail -8 | show
	gw_has_no_state
	ok $? "$1: the gateway has no IKE_SA afterwards"
}

# accepted WHAT: the control, rw1 connects and leaves again.
accepted() {
	rw_initiate rw1
	r=$?
	ok $r "$1: the right client connects"
	[ $r -eq 0 ] || show $T/rw1/initiate.out
	# The check of gw_has_no_state sees an IKE_SA when there is one.
	is "$(gw_ike_sas)" 1 "$1: the gateway lists its IKE_SA"
	rw_terminate rw1
}

pki_all ecdsa && pki_fail ecdsa
ok $? "openssl issued the CAs and certificates"
topo_up; ok $? "the namespaces are up"

# ---- a wrong pre-shared key --------------------------------------------
gw_up psk; ok $? "the $GW gateway is up (PSK)"
rw_up rw1 rw.example psk "not-$PSK"; ok $? "rw1: a wrong PSK loaded"
refused "wrong PSK" AUTHENTICATION_FAILED
rw_up rw1 rw.example psk "$PSK"
accepted "wrong PSK"

# ---- certificates --------------------------------------------------------
gw_restart cert; ok $? "the $GW gateway is up (ECDSA certificates)"
rw_up rw1 rw.example cert rw-untrusted
ok $? "rw1: a certificate for rw.example from another CA loaded"
refused "untrusted CA" AUTHENTICATION_FAILED

# strongSwan 5.9.8 (swanctl) sends IDi rw.example with a certificate
# whose only names are other.example: the gateway must hold the ID
# against the certificate.
rw_up rw1 rw.example cert other
ok $? "rw1: says rw.example, with a certificate for other.example"
refused "mismatched ID" AUTHENTICATION_FAILED
grep -q "authentication of 'rw.example' (myself)" $T/rw1/charon.log &&
    grep -q 'sending end entity cert ".*CN=other.example"' $T/rw1/charon.log
ok $? "mismatched ID: rw1 did send IDi rw.example and other.example's certificate"
rw_up rw1 rw.example cert rw
accepted "certificates"

# ---- no common proposal ------------------------------------------------
GW_IKE=aes128-sha256-x25519
gw_restart psk; ok $? "the $GW gateway is up (PSK, IKE only $GW_IKE)"
RW_IKE=aes256-sha512-modp2048
rw_up rw1 rw.example psk "$PSK"; ok $? "rw1: proposes only $RW_IKE"
refused "no common proposal" NO_PROPOSAL_CHOSEN
RW_IKE=default
rw_up rw1 rw.example psk "$PSK"
accepted "no common proposal"
interop_done
