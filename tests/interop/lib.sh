# Shared pieces of the interop tests, sourced after tests/tap.sh. The
# gateway under test is GW=moat (default: moatd from MOAT_BIN) or
# GW=strongswan (a charon in its place, which proves the harness):
#
#   rw1 198.51.100.2 --+
#                      +-- [sw] -- extif 198.51.100.1 [gw] wirif 10.0.1.1 -- 10.0.1.10 lan
#   rw2 198.51.100.3 --+           pool 10.0.2.0/24, dnsmasq on 10.0.1.1
#
# sw is a namespace holding only a bridge, so the gateway's extif is a
# plain veth. Each roadwarrior is a strongSwan charon with kernel-libipsec
# in its own mount namespace: a private /run (charon.pid, the stroke
# socket) and a private file bound over /etc/resolv.conf, which the
# resolve plugin rewrites. Namespace names carry the test's pid.
# KEEP=1 keeps the test's directory (logs, configurations, certificates).
P=$$
NS_GW=ia-gw-$P NS_SW=ia-sw-$P NS_LAN=ia-lan-$P
NS_RW1=ia-rw1-$P NS_RW2=ia-rw2-$P
PY=/usr/bin/python3
PROBE=$MOAT_SRC/tests/interop/probe.py
CHARON=${CHARON:-/usr/lib/ipsec/charon}
PLUGINS=${PLUGINS:-/usr/lib/ipsec/plugins}
GW=${GW:-moat}
PSK=moat-interop-psk-not-a-secret
# Proposals: what an unconfigured strongSwan client sends, so that the
# gateway meets a realistic offer; RW_IKE/RW_ESP override.
RW_IKE=${RW_IKE:-default} RW_ESP=${RW_ESP:-default}
GW_IKE=${GW_IKE:-default} GW_ESP=${GW_ESP:-default}
# charon's log levels (subsystem=level ...); SW_LOG="ike=4 enc=4 cfg=2"
# shows every payload of the exchange.
SW_LOG=${SW_LOG:-ike=2 cfg=2 enc=1 knl=1 net=1}
# A test's own gateway settings: GW_IKE_EXTRA and GW_CHILD_EXTRA (lines of
# the strongSwan gateway's connection and child), MOAT_EXTRA (moat.conf
# lines).
LAN_PORT=7777

# ---- setup and teardown ------------------------------------------------

# interop_init: what every test needs, the temp dir T and the EXIT trap.
interop_init() {
	need_root
	need ip iptables swanctl unshare timeout openssl cksum
	case $GW in
	moat | strongswan) ;;
	*)
		echo "not ok 1 - GW must be moat or strongswan, not '$GW'"
		echo "1..1"
		exit 1
		;;
	esac
	missing=
	[ -x "$CHARON" ] || missing="$missing $CHARON (strongswan-charon)"
	# kernel-libipsec is the data plane; openssl gives AES-GCM and ECDSA.
	for p in kernel-libipsec openssl vici resolve x509 pkcs8; do
		[ -f "$PLUGINS/libstrongswan-$p.so" ] ||
		    missing="$missing strongSwan's $p plugin"
	done
	command -v dnsmasq >/dev/null 2>&1 || missing="$missing dnsmasq"
	"$PY" -c 'import scapy.all' 2>/dev/null ||
	    missing="$missing $PY with python3-scapy"
	[ -c /dev/net/tun ] || missing="$missing /dev/net/tun"
	if [ "$GW" = moat ]; then
		[ -x "$MOATD" ] || missing="$missing $MOATD (make all)"
		[ -x "$MOATCTL" ] || missing="$missing $MOATCTL (make all)"
	fi
	if [ -n "$missing" ]; then
		echo "not ok 1 - this test needs:$missing (scripts/install-deps)"
		echo "1..1"
		exit 1
	fi
	T=$(mktemp -d /tmp/moat-interop.XXXXXX) || exit 1
	PKI=$T/pki
	RESOLV0=$(cksum </etc/resolv.conf)
	trap 'interop_cleanup' EXIT
	trap 'exit 1' INT TERM HUP PIPE
	echo "# gateway under test: $GW (files in $T)"
}

interop_cleanup() {
	topo_down
	if [ -n "${KEEP:-}" ]; then
		echo "# kept $T" >&2
	else
		rm -rf "$T"
	fi
}

# interop_done: stop the charons and moatd, check the host's
# /etc/resolv.conf, print the plan.
interop_done() {
	for n in rw1 rw2; do rw_stop $n; done
	gw_stop
	is "$(cksum </etc/resolv.conf)" "$RESOLV0" \
	    "the host's /etc/resolv.conf is unchanged"
	done_testing
}

topo_down() {
	for n in $NS_RW1 $NS_RW2 $NS_GW $NS_LAN $NS_SW; do
		ip netns pids $n 2>/dev/null | xargs -r kill 2>/dev/null
	done
	sleep 0.3
	for n in $NS_RW1 $NS_RW2 $NS_GW $NS_LAN $NS_SW; do
		ip netns pids $n 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del $n 2>/dev/null
	done
}

# topo_up: the namespaces and links of the picture above.
topo_up() {
	for n in $NS_GW $NS_SW $NS_LAN $NS_RW1 $NS_RW2; do
		ip netns add $n || return 1
		ip -n $n link set lo up
	done
	ip -n $NS_SW link add br0 type bridge || return 1
	ip -n $NS_SW link set br0 up
	# port NS ADDR: NS's extif, plugged into the bridge.
	for p in "$NS_GW 198.51.100.1 g" "$NS_RW1 198.51.100.2 1" \
	    "$NS_RW2 198.51.100.3 2"; do
		set -- $p
		ip link add ie$3-$P type veth peer name is$3-$P || return 1
		ip link set ie$3-$P netns $1 name extif
		ip link set is$3-$P netns $NS_SW
		ip -n $NS_SW link set is$3-$P master br0 up
		ip -n $1 addr add $2/24 dev extif
		ip -n $1 link set extif up
	done
	ip link add iw-$P type veth peer name il-$P || return 1
	ip link set iw-$P netns $NS_GW name wirif
	ip link set il-$P netns $NS_LAN name eth0
	ip -n $NS_GW addr add 10.0.1.1/24 dev wirif
	ip -n $NS_GW link set wirif up
	ip -n $NS_LAN addr add 10.0.1.10/24 dev eth0
	ip -n $NS_LAN link set eth0 up
	ip -n $NS_LAN route add default via 10.0.1.1
	ip netns exec $NS_GW sysctl -qw net.ipv4.ip_forward=1
	# A forged packet must meet the gateway's filter, not rp_filter.
	for i in all default extif; do
		ip netns exec $NS_GW sysctl -qw net.ipv4.conf.$i.rp_filter=0
	done
	dnsmasq_up
}

# dnsmasq_up: the LAN's DNS server on the gateway (DESIGN.md's story).
dnsmasq_up() {
	mkdir -p $T/dnsmasq
	ip netns exec $NS_GW dnsmasq --no-daemon --no-resolv --no-hosts \
	    --conf-file=/dev/null --listen-address=10.0.1.1 --bind-interfaces \
	    --address=/fileserver.lan/10.0.1.10 --log-queries \
	    --pid-file=$T/dnsmasq/pid >$T/dnsmasq/log 2>&1 &
	n=0
	while [ $n -lt 50 ]; do
		ip netns exec $NS_GW "$PY" "$PROBE" dns 10.0.1.1 fileserver.lan \
		    >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n + 1))
	done
	sed 's/^/# dnsmasq: /' $T/dnsmasq/log
	return 1
}

# wait_until N CMD...: CMD every 0.1 s until it succeeds, N times at most.
wait_until() {
	n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# ---- certificates ------------------------------------------------------

# pki_key FILE ecdsa|rsa: a P-256 or an RSA-2048 key (PKCS#8 PEM).
pki_key() {
	case $2 in
	ecdsa) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" 2>/dev/null ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$1" 2>/dev/null ;;
	*) return 1 ;;
	esac
}

# pki_ca NAME TYPE: $PKI/NAME.pem and NAME.key, a self-signed CA.
pki_ca() {
	mkdir -p $PKI
	pki_key $PKI/$1.key $2 || return 1
	openssl req -x509 -new -key $PKI/$1.key -sha256 -days 30 \
	    -subj "/O=moat interop/CN=$1" \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign \
	    -out $PKI/$1.pem 2>$PKI/$1.err
}

# pki_cert CA NAME TYPE SAN EKU: $PKI/NAME.pem (subject CN=the SAN's
# value) and NAME.key, signed by CA. EKU: server (with the IKE
# intermediate purpose of RFC 4945 5.1.3.12) or client.
pki_cert() {
	pki_key $PKI/$2.key $3 || return 1
	case $5 in
	server) eku=serverAuth,1.3.6.1.5.5.8.2.2 ;;
	*) eku=clientAuth ;;
	esac
	printf '%s\n' "subjectAltName=$4" \
	    "keyUsage=critical,digitalSignature" "extendedKeyUsage=$eku" \
	    >$PKI/$2.ext
	openssl req -new -key $PKI/$2.key -subj "/O=moat interop/CN=${4#*:}" \
	    -out $PKI/$2.csr 2>$PKI/$2.err &&
	openssl x509 -req -in $PKI/$2.csr -CA $PKI/$1.pem -CAkey $PKI/$1.key \
	    -set_serial "0x$(openssl rand -hex 8)" -days 30 -sha256 \
	    -extfile $PKI/$2.ext -out $PKI/$2.pem 2>>$PKI/$2.err
}

# pki_all TYPE: the CA, the gateway's and the client's certificates, and
# for gw-fail.t a client under another CA and one for other.example.
pki_all() {
	pki_ca ca $1 &&
	pki_cert ca gw $1 DNS:gw.example server &&
	pki_cert ca rw $1 DNS:rw.example client &&
	pki_cert ca rw2 $1 DNS:rw2.example client
}
pki_fail() {
	pki_ca otherca $1 &&
	pki_cert otherca rw-untrusted $1 DNS:rw.example client &&
	pki_cert ca other $1 DNS:other.example client
}

# ---- strongSwan --------------------------------------------------------

# sw_conf DIR: a strongswan.conf for the charon whose files are in DIR.
sw_conf() {
	{
		echo "charon {"
		echo "  filelog { log { path = $1/charon.log"
		echo "    time_format = %T"
		echo "    append = no"
		echo "    flush_line = yes"
		echo "    default = 1"
		for l in $SW_LOG; do echo "    ${l%%=*} = ${l#*=}"; done
		echo "  } }"
		# bypass-lan would send the local networks into ipsec0 and
		# black-hole IKE itself (TESTING.md, section 2).
		echo "  plugins {"
		echo "    kernel-libipsec { load = yes }"
		echo "    bypass-lan { load = no }"
		echo "    vici { socket = unix://$1/charon.vici }"
		# It would read the host's /etc/ipsec.d and /etc/ipsec.secrets.
		echo "    stroke { load = no }"
		echo "  }"
		echo "}"
	} >$1/strongswan.conf
}

# charon_start NS DIR: a charon in NS with a private /run and
# resolv.conf ($DIR/resolv.conf); up once its vici socket answers.
charon_start() {
	mkdir -p $2
	sw_conf $2
	# A restart keeps the last run's log as charon.log.1, .2, ...
	if [ -f $2/charon.log ]; then
		i=1
		while [ -e $2/charon.log.$i ]; do i=$((i + 1)); done
		mv $2/charon.log $2/charon.log.$i
	fi
	: >$2/resolv.conf
	: >$2/no-resolvconf
	# The resolve plugin prefers an executable /sbin/resolvconf, which
	# would change the host's DNS: hide it behind a file without x bits.
	ip netns exec $1 unshare -m sh -c "mount -t tmpfs none /run &&
	    mount --bind $2/resolv.conf /etc/resolv.conf &&
	    { [ ! -e /sbin/resolvconf ] ||
	        mount --bind $2/no-resolvconf /sbin/resolvconf; } &&
	    STRONGSWAN_CONF=$2/strongswan.conf exec $CHARON" \
	    >$2/stdout 2>&1 &
	echo $! >$2/pid
	if ! wait_until 100 swanctl --stats --uri unix://$2/charon.vici; then
		sed 's/^/# charon: /' $2/stdout $2/charon.log 2>/dev/null
		return 1
	fi
}

# charon_stop DIR: SIGTERM, up to 5 s, then SIGKILL.
charon_stop() {
	[ -f $1/pid ] || return 0
	pid=$(cat $1/pid)
	rm -f $1/pid
	kill $pid 2>/dev/null || return 0
	n=50
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	return 0
}

# sw_load DIR: swanctl --load-all of DIR/swanctl.conf.
sw_load() {
	swanctl --load-all --uri unix://$1/charon.vici \
	    --file $1/swanctl.conf >$1/load.out 2>&1 ||
	    { sed 's/^/# swanctl: /' $1/load.out; return 1; }
}

# sw_auth SIDE-ID AUTH CERT: the body of a local or remote section.
sw_auth() {
	echo "      id = $1"
	case $2 in
	psk) echo "      auth = psk" ;;
	cert) echo "      auth = pubkey" ;;
	esac
	[ -n "$3" ] && echo "      certs = $3"
}

# sw_secrets PSK-IDS PSK: the secrets section.
sw_secrets() {
	echo "secrets {"
	if [ -n "$2" ]; then
		echo "  ike-psk {"
		i=0
		for id in $1; do
			i=$((i + 1))
			echo "    id-$i = $id"
		done
		echo "    secret = \"$2\""
		echo "  }"
	fi
	echo "}"
}

# sw_creds DIR CERT CA: $PKI/CERT.pem, its key and $PKI/CA.pem where
# swanctl --file DIR/swanctl.conf loads them (the file's directory is the
# swanctl directory: x509/, private/, x509ca/ under it).
sw_creds() {
	mkdir -p $1/x509 $1/private $1/x509ca &&
	cp $PKI/$2.pem $1/x509/ && cp $PKI/$2.key $1/private/ &&
	cp $PKI/$3.pem $1/x509ca/
}

# ---- the roadwarriors --------------------------------------------------

rw_ns() {
	case $1 in
	rw1) echo $NS_RW1 ;;
	rw2) echo $NS_RW2 ;;
	esac
}
rw_vici() { echo unix://$T/$1/charon.vici; }

# rw_up NAME ID AUTH [SECRET-OR-CERT]: a roadwarrior's charon with
# the connection "home" loaded (AUTH psk: SECRET is the PSK; AUTH cert:
# $PKI/CERT.pem and .key, trusting $PKI/ca.pem). A running
# charon of NAME is restarted. RW_ID overrides the ID sent.
rw_up() {
	rw_stop $1
	d=$T/$1
	charon_start "$(rw_ns $1)" $d || return 1
	case $3 in
	psk) sec="$4" cert="" ;;
	cert) sec="" cert=$4.pem; sw_creds $d $4 ca || return 1 ;;
	esac
	{
		cat <<-EOF
		connections {
		  home {
		    version = 2
		    remote_addrs = 198.51.100.1
		    vips = 0.0.0.0
		    proposals = $RW_IKE
		    local {
		EOF
		sw_auth "${RW_ID:-$2}" $3 "$cert"
		echo "    }"
		echo "    remote {"
		sw_auth gw.example $3 ""
		cat <<-EOF
		    }
		    children {
		      home {
		        remote_ts = 10.0.1.0/24
		        esp_proposals = $RW_ESP
		      }
		    }
		  }
		}
		EOF
		sw_secrets "$2 gw.example" "$sec"
	} >$d/swanctl.conf
	sw_load $d
}

rw_stop() { charon_stop $T/$1; }

# rw_initiate NAME: bring up the child "home" (20 s at most); the
# output is in $T/NAME/initiate.out.
rw_initiate() {
	timeout 30 swanctl --initiate --uri "$(rw_vici $1)" --child home \
	    --timeout 20 >$T/$1/initiate.out 2>&1
}

rw_terminate() {
	timeout 30 swanctl --terminate --uri "$(rw_vici $1)" --ike home \
	    --timeout 10 >$T/$1/terminate.out 2>&1
}

rw_sas() { swanctl --list-sas --uri "$(rw_vici $1)" 2>&1; }

# rw_vip NAME: the virtual IP of NAME's IKE_SA, as swanctl lists it
# ("local  'rw.example' @ 198.51.100.2[4500] [10.0.2.1]").
rw_vip() {
	rw_sas $1 | awk '$1 == "local" && $3 == "@" && NF == 5 {
	    gsub(/[][]/, "", $5); print $5; exit }'
}

# rw_log NAME: the roadwarrior's charon log.
rw_log() { cat $T/$1/charon.log; }

# rw_run NAME CMD...: CMD in NAME's namespace.
rw_run() {
	ns=$(rw_ns $1)
	shift
	ip netns exec $ns "$@"
}

# rw_resolv NAME: the nameservers in NAME's private resolv.conf.
rw_resolv() { awk '$1 == "nameserver" { print $2 }' $T/$1/resolv.conf; }

# rw_table220 NAME: the routes strongSwan installed (table 220).
rw_table220() { ip -n "$(rw_ns $1)" route show table 220; }

# show FILE...: a file into the TAP output as comments.
show() { sed 's/^/#   /' "$@" 2>/dev/null; }

# ---- the gateway -------------------------------------------------------

# gw_up AUTH [CLIENTS]: the gateway under test with PSK (AUTH psk) or the
# certificates of pki_all (AUTH cert) for CLIENTS (default rw.example).
gw_up() {
	clients=${2:-rw.example}
	case $GW in
	strongswan) gw_up_strongswan $1 "$clients" ;;
	moat) gw_up_moat $1 "$clients" ;;
	esac
}

gw_up_strongswan() {
	d=$T/gw
	charon_start $NS_GW $d || return 1
	case $1 in
	psk) sec=$PSK cert="" ;;
	cert) sec="" cert=gw.pem; sw_creds $d gw ca || return 1 ;;
	esac
	{
		echo "connections {"
		i=0
		for id in $2; do
			i=$((i + 1))
			cat <<-EOF
			  rw$i {
			    version = 2
			    local_addrs = 198.51.100.1
			    pools = p
			    proposals = $GW_IKE
			    ${GW_IKE_EXTRA:-}
			    local {
			EOF
			sw_auth gw.example $1 "$cert"
			echo "    }"
			echo "    remote {"
			sw_auth $id $1 ""
			cat <<-EOF
			    }
			    children {
			      home {
			        local_ts = 10.0.1.0/24
			        esp_proposals = $GW_ESP
			        ${GW_CHILD_EXTRA:-}
			      }
			    }
			  }
			EOF
		done
		echo "}"
		echo "pools { p { addrs = 10.0.2.0/24"
		echo "  dns = 10.0.1.1 } }"
		sw_secrets "gw.example $2" "$sec"
	} >$d/swanctl.conf
	sw_load $d && gw_filter_on
}

# moat_conf AUTH CLIENTS: $T/moat.conf from examples/gateway.conf (when it
# exists) with this test's paths and credentials.
moat_conf() {
	ex=$MOAT_SRC/examples/gateway.conf
	{
		echo "# generated by tests/interop/lib.sh for $1 clients: $2"
		if [ -f "$ex" ]; then
			# The story's values stay; what names files or secrets
			# is this test's.
			awk -v ike="$GW_IKE" -v esp="$GW_ESP" '
			    $1 ~ /^(rules|keys|control|queue|client|certificate|private-key|ca|keylog)$/ { next }
			    $1 == "ike-proposal" && ike != "default" { next }
			    $1 == "esp-proposal" && esp != "default" { next }
			    { print }' "$ex"
		else
			printf '%s\t%s\n' tunnel moat0 local 198.51.100.1 \
			    identity gw.example pool 10.0.2.0/24 dns 10.0.1.1 \
			    split 10.0.1.0/24
		fi
		printf 'rules\t%s\n' "$MOAT_SRC/examples/gateway.rules"
		# Cleartext the kernel forwards comes to the filter (NFQUEUE 0).
		printf 'queue\t0\n'
		if [ "$1" = cert ]; then
			printf '%s\t%s\n' certificate $PKI/gw.pem \
			    private-key $PKI/gw.key ca $PKI/ca.pem
		fi
		for id in $2; do
			case $1 in
			psk) printf 'client\t%s psk "%s"\n' $id "$PSK" ;;
			cert) printf 'client\t%s certificate\n' $id ;;
			esac
		done
		# moat.conf(5): strongSwan-style proposal strings; without
		# them moatd uses its own defaults (or the example's lines).
		[ "$GW_IKE" = default ] ||
		    printf 'ike-proposal\t%s\n' "$GW_IKE"
		[ "$GW_ESP" = default ] ||
		    printf 'esp-proposal\t%s\n' "$GW_ESP"
		printf 'keylog\t%s\n' $T/ikev2_decryption_table
		# A test's own settings (gw-rekey.t's lifetimes).
		[ -z "${MOAT_EXTRA:-}" ] || printf '%s\n' "$MOAT_EXTRA"
	} >$T/moat.conf
}

MOATSOCK=
gw_up_moat() {
	moat_conf $1 "$2"
	MOATSOCK=$T/moatd.sock
	gw_filter_on || return 1
	ip netns exec $NS_GW "$MOATD" -v -f $T/moat.conf -S $MOATSOCK \
	    >$T/moatd.log 2>&1 &
	echo $! >$T/moatd.pid
	if ! wait_until 50 "$MOATCTL" -S $MOATSOCK stats; then
		echo "# moatd did not answer 'moatctl stats' within 5 s;" \
		    "its configuration ($T/moat.conf):"
		show $T/moat.conf
		echo "# and its log:"
		show $T/moatd.log
		return 1
	fi
}

gw_stop() {
	case $GW in
	strongswan) charon_stop $T/gw ;;
	moat)
		[ -f $T/moatd.pid ] || return 0
		pid=$(cat $T/moatd.pid)
		rm -f $T/moatd.pid
		kill $pid 2>/dev/null
		n=50
		while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do
			sleep 0.1
			n=$((n - 1))
		done
		kill -9 $pid 2>/dev/null
		wait $pid 2>/dev/null
		;;
	esac
	ip netns exec $NS_GW iptables -F FORWARD 2>/dev/null
	ip netns exec $NS_GW iptables -P FORWARD ACCEPT 2>/dev/null
	return 0
}

# gw_restart AUTH [CLIENTS]
gw_restart() {
	gw_stop
	gw_up "$@"
}

# gw_filter_on: cleartext FORWARD traffic meets the gateway's filter.
gw_filter_on() {
	gw_filter_off
	case $GW in
	# libipsec cannot enforce -m policy (TESTING.md): the stand-in for
	# moat's filter forwards between the pool and the LAN only through
	# ipsec0, so a forged cleartext packet on extif is dropped.
	strongswan)
		ip netns exec $NS_GW iptables -P FORWARD DROP &&
		ip netns exec $NS_GW iptables -A FORWARD -i ipsec0 -o wirif \
		    -s 10.0.2.0/24 -d 10.0.1.0/24 -j ACCEPT &&
		ip netns exec $NS_GW iptables -A FORWARD -i wirif -o ipsec0 \
		    -s 10.0.1.0/24 -d 10.0.2.0/24 -j ACCEPT
		;;
	# examples/gateway-static.conf: moat's filter decides, through queue 0.
	moat)
		ip netns exec $NS_GW iptables -A FORWARD ! -i moat0 \
		    ! -o moat0 -j NFQUEUE --queue-num 0
		;;
	esac
}

# gw_filter_off: the gateway's filter of cleartext FORWARD traffic goes
# (the NFQUEUE rule for moat, the ipsec0 rules for strongSwan), to show
# that a forged packet would reach the LAN without it.
gw_filter_off() {
	ip netns exec $NS_GW iptables -F FORWARD &&
	ip netns exec $NS_GW iptables -P FORWARD ACCEPT
}

# gw_status: what the gateway says it holds (swanctl --list-sas or
# moatctl status).
gw_status() {
	case $GW in
	strongswan) swanctl --list-sas --uri unix://$T/gw/charon.vici ;;
	moat) "$MOATCTL" -S $MOATSOCK status ;;
	esac
}

# gw_ike_sas: how many IKE_SAs the gateway holds.
gw_ike_sas() {
	case $GW in
	strongswan) gw_status 2>/dev/null | grep -c '^[^ ].*: #[0-9]*, ' ;;
	moat) gw_status 2>/dev/null | grep -c '^IKE_SA ' ;;
	esac
}

# gw_lists ID VIP: 0 if the gateway lists an IKE_SA of ID with VIP.
gw_lists() {
	case $GW in
	strongswan) gw_status | grep -q "^  remote '$1' @ .* \[$2\]\$" ;;
	moat) gw_status | grep -q "^IKE_SA .* $1 virtual $2, " ;;
	esac
}

# gw_has_no_state: 0 if the gateway keeps no IKE_SA (waiting up to 3 s
# for it to drop half-open state) and, for moat, moatd still runs.
gw_has_no_state() {
	if [ "$GW" = moat ]; then
		kill -0 "$(cat $T/moatd.pid 2>/dev/null)" 2>/dev/null || return 1
	fi
	n=0
	while [ $n -lt 30 ]; do
		c=$(gw_ike_sas)
		[ -n "$c" ] && [ "$c" -eq 0 ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	gw_status 2>&1 | show
	return 1
}

# gw_mac: the gateway's extif MAC, where a forged packet is sent.
gw_mac() {
	ip -n $NS_GW -o link show extif |
	    sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

# ---- the LAN's listener ------------------------------------------------

# lan_listen SECONDS: a UDP listener on 10.0.1.10:LAN_PORT writing what
# it receives to $T/lan.rx ("SOURCE PAYLOAD" lines).
lan_listen() {
	ip netns exec $NS_LAN "$PY" "$PROBE" listen $LAN_PORT $1 >$T/lan.rx 2>&1 &
	LANPID=$!
	wait_until 50 grep -q '^listening' $T/lan.rx
}

lan_stop() {
	kill $LANPID 2>/dev/null
	wait $LANPID 2>/dev/null
	return 0
}

# lan_got MARKER: 0 if a datagram with MARKER reached the LAN, waiting 1 s.
lan_got() { wait_until 10 grep -q " $1\$" $T/lan.rx; }

# ---- the connected roadwarrior, checked ----------------------------------

# check_connected NAME ID: the assertions of a working roadwarrior.
check_connected() {
	rw=$1
	vip=$(rw_vip $rw)
	case $vip in
	10.0.2.*) ok 0 "$rw: got the virtual IP $vip from the pool" ;;
	*)
		ok 1 "$rw: got a virtual IP in 10.0.2.0/24 (got '$vip');" \
		    "not connected, the checks of the tunnel are left out"
		rw_sas $rw | show
		return 1
		;;
	esac
	rw_run $rw ip -o addr show | grep -q " inet $vip/32 "
	ok $? "$rw: $vip is on an interface"
	gw_lists "$2" "$vip"
	r=$?
	ok $r "the gateway lists $2's IKE_SA with $vip"
	[ $r -eq 0 ] || gw_status 2>&1 | show
	is "$(rw_resolv $rw)" 10.0.1.1 \
	    "$rw: the pushed DNS server 10.0.1.1 is in its private resolv.conf"
	t220=$(rw_table220 $rw)
	echo "$t220" | grep -q "^10\.0\.1\.0/24 .*src $vip"
	ok $? "$rw: route 10.0.1.0/24 from $vip in table 220"
	[ -z "$t220" ] || echo "$t220" | show
	! echo "$t220" | grep -q '^default' &&
	    ! rw_run $rw ip route show default | grep -q .
	ok $? "$rw: no default route (split tunnel only)"
	rw_run $rw ping -q -c 3 -i 0.2 -W 2 10.0.1.10 >$T/$rw.ping 2>&1
	r=$?
	ok $r "$rw: ping 10.0.1.10 through the tunnel"
	[ $r -eq 0 ] || show $T/$rw.ping
	a=$(rw_run $rw "$PY" "$PROBE" dns 10.0.1.1 fileserver.lan 2>&1)
	is "$a" 10.0.1.10 "$rw: DNS on 10.0.1.1 says fileserver.lan is 10.0.1.10"

	# A cleartext packet from the virtual IP, sent around the tunnel,
	# must not reach the LAN; the same through the tunnel does.
	m=$rw-$P-$(date +%s)
	lan_listen 20
	ok $? "lan: the UDP listener on $LAN_PORT is up"
	rw_run $rw "$PY" "$PROBE" forge extif "$(gw_mac)" "$vip" 10.0.1.10 \
	    $LAN_PORT forged-$m
	ok $? "$rw: scapy sent a forged cleartext $vip -> 10.0.1.10 out of extif"
	rw_run $rw "$PY" "$PROBE" send 10.0.1.10 $LAN_PORT tunnel-$m
	lan_got tunnel-$m
	ok $? "$rw: the same datagram through the tunnel reached lan"
	! grep -q "forged-$m" $T/lan.rx
	ok $? "the forged cleartext datagram did not reach lan"
	# Without the gateway's filter the kernel forwards it: the check
	# above can see a forged packet arrive.
	gw_filter_off
	rw_run $rw "$PY" "$PROBE" forge extif "$(gw_mac)" "$vip" 10.0.1.10 \
	    $LAN_PORT nofilter-$m
	lan_got nofilter-$m
	ok $? "without the gateway's filter the forged datagram reaches lan"
	gw_filter_on
	lan_stop
	show $T/lan.rx
}

# check_gone NAME VIP: after --terminate, the vip and routes are gone.
check_gone() {
	rw_terminate $1
	r=$?
	ok $r "$1: swanctl --terminate --ike home"
	[ $r -eq 0 ] || show $T/$1/terminate.out
	! rw_run $1 ip -o addr show | grep -q " inet $2/"
	ok $? "$1: the virtual IP $2 is gone"
	is "$(rw_table220 $1)" "" "$1: table 220 is empty"
}
