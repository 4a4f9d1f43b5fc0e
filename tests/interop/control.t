#!/bin/sh
# moatctl against a running moatd gateway with two strongSwan
# roadwarriors (tests/interop/lib.sh): status as text and as JSON with
# the data plane's counters, down SPI deleting exactly that IKE_SA,
# leases online and remembered, reload refusing a broken moat.conf, a
# broken ruleset and restart-only settings while the running ruleset
# keeps counting, reload taking a good ruleset and new client lines,
# malformed control messages refused while moatd keeps answering, and a
# socket only root may use. moatd's own verbs only: GW=moat.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
if [ "$GW" != moat ]; then
	echo "1..0 # SKIP moatctl talks to moatd only (GW=$GW)"
	exit 0
fi
interop_init
need setpriv
RAW=$MOAT_SRC/tests/interop/ctlraw.py

ctl() { "$MOATCTL" -S "$MOATSOCK" "$@"; }
# alive: moatd runs and answers stats.
alive() {
	kill -0 "$(cat $T/moatd.pid)" 2>/dev/null && ctl stats >/dev/null 2>&1
}
# jq_py EXPR: EXPR of the status JSON on stdin as v, printed.
jq_py() { "$PY" -c "import json,sys; v=json.load(sys.stdin); print($1)"; }
# counter PATTERN: the packets of the running rule that matches PATTERN.
counter() {
	ctl fw list -v | grep -e "$1" | head -1 |
	    sed -n 's/^\[\([0-9]*\):[0-9]*\] .*/\1/p'
}
FWD='^\[[0-9]*:[0-9]*\] -A FORWARD -s 10.0.2.0/24 -d 10.0.1.0/24 -i extif'
pings() { rw_run $1 ping -q -c ${2:-3} -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1; }

topo_up; ok $? "the namespaces are up"
gw_up psk "rw.example rw2.example"; ok $? "moatd is up (PSK)"
rw_up rw1 rw.example psk "$PSK" && rw_initiate rw1
ok $? "rw1: the tunnel is up"
rw_up rw2 rw2.example psk "$PSK" && rw_initiate rw2
ok $? "rw2: the tunnel is up"
vip1=$(rw_vip rw1) vip2=$(rw_vip rw2)
pings rw1 3; ok $? "rw1: 3 pings through the tunnel"

# ---- status -------------------------------------------------------------
ctl status >$T/status.txt 2>&1; ok $? "moatctl status"
show $T/status.txt
grep -q "^IKE_SA [0-9a-f]\{16\}_i [0-9a-f]\{16\}_r established: 198\.51\.100\.2:[0-9]* rw\.example virtual $vip1, [0-9]* s\$" $T/status.txt
ok $? "status: rw1's IKE_SA line (SPIs, state, peer, identity, $vip1, age)"
grep -q "^    connection gateway, responder, local 198\.51\.100\.1:[0-9]* gw\.example" $T/status.txt
ok $? "status: connection gateway, responder, our address and identity"
grep -q '^    aes[0-9a-z-]*, last traffic [0-9]* s ago$' $T/status.txt
ok $? "status: IKE algorithms and last traffic"
is "$(grep -c '^  CHILD_SA reqid [0-9]* in 0x[0-9a-f]\{8\} out 0x[0-9a-f]\{8\} aes' $T/status.txt)" 2 \
    "status: a CHILD_SA line under each IKE_SA (reqid, SPIs, algorithms)"
grep -q "^    10\.0\.1\.0/24 === $vip1/32\$" $T/status.txt
ok $? "status: rw1's traffic selectors, ours === the peer's"
in1=$(awk -v v="$vip1" '$0 ~ "=== " v "/32$" { getline; print; exit }' $T/status.txt)
echo "# rw1's counters: $in1"
echo "$in1" | grep -q '^    in [0-9]* bytes [0-9]* packets, last [0-9]* s ago; out [0-9]* bytes [0-9]* packets, last [0-9]* s ago$'
ok $? "status: rw1's CHILD_SA counters in and out with last traffic"
set -- $in1
[ "$4" -ge 3 ] && [ "$2" -ge 252 ] && [ "${13}" -ge 3 ]
ok $? "status: rw1's 3 pings counted each way (in $4 packets $2 bytes, out ${13} packets)"

ctl status --json >$T/status.json 2>&1; ok $? "moatctl status --json"
"$PY" -m json.tool <$T/status.json >$T/status.pretty 2>&1
r=$?; ok $r "status --json is valid JSON (python3 -m json.tool)"
[ $r -eq 0 ] || show $T/status.json
head -40 $T/status.pretty | show
is "$(jq_py 'len(v["ike_sas"])' <$T/status.json)" 2 "JSON: two IKE_SAs"
is "$(jq_py '" ".join(sorted(s["remote"]["id"] + "=" + s["virtual_address"] for s in v["ike_sas"]))' <$T/status.json)" \
    "rw.example=$vip1 rw2.example=$vip2" "JSON: identities and virtual addresses"
is "$(jq_py '" ".join(sorted(set("%s/%s/%s/%s/%s" % (s["connection"], s["role"], s["state"], s["local"]["id"], s["local"]["address"]) for s in v["ike_sas"])))' <$T/status.json)" \
    "gateway/responder/established/gw.example/198.51.100.1" \
    "JSON: connection, role, state, our identity and address"
J1='[s for s in v["ike_sas"] if s["remote"]["id"] == "rw.example"][0]'
is "$(jq_py "$J1['child_sas'][0]['in']['packets'] >= 3 and $J1['child_sas'][0]['out']['packets'] >= 3 and $J1['child_sas'][0]['last_traffic_s'] is not None" <$T/status.json)" \
    True "JSON: rw1's CHILD_SA counted the pings each way, with last traffic"
is "$(jq_py "all(len(s['spi_i']) == 16 and s['child_sas'][0]['spi_in'].startswith('0x') and s['child_sas'][0]['remote_ts'] == [s['virtual_address'] + '/32'] and s['child_sas'][0]['local_ts'] == ['10.0.1.0/24'] and isinstance(s['established_s'], int) and isinstance(s['nat'], bool) for s in v['ike_sas'])" <$T/status.json)" \
    True "JSON: SPIs, selectors, age and NAT as moatctl(8) says"
SPI1=$(jq_py "$J1['spi_i']" <$T/status.json)
SPI1R=$(jq_py "$J1['spi_r']" <$T/status.json)

ctl status rw2.example >$T/status.rw2 2>&1; ok $? "moatctl status rw2.example"
is "$(grep -c '^IKE_SA ' $T/status.rw2) $(grep -c ' rw2\.example virtual ' $T/status.rw2)" "1 1" \
    "status NAME: only rw2's IKE_SA"
is "$(ctl status --json gateway | jq_py 'len(v["ike_sas"])')" 2 \
    "status --json gateway: both of the gateway's IKE_SAs"
err=$(ctl status nosuch.example 2>&1); r=$?
is "$r:$err" "1:status: no connection or peer 'nosuch.example'" \
    "status of an unknown name is an error naming it"
ctl status --json --json >/dev/null 2>&1; is $? 2 "status --json --json is a usage error"

# ---- leases -------------------------------------------------------------
ctl leases >$T/leases 2>&1; ok $? "moatctl leases"
show $T/leases
grep -q "^  $vip1 *online *[0-9]* s  rw\.example\$" $T/leases &&
    grep -q "^  $vip2 *online *[0-9]* s  rw2\.example\$" $T/leases
ok $? "leases: both roadwarriors online with their addresses"
grep -q '^pool 10\.0\.2\.0/24: 254 addresses, 2 leases, 2 online$' $T/leases
ok $? "leases: the pool's line"

# ---- down ---------------------------------------------------------------
err=$(ctl down 0123456789abcdef 2>&1); r=$?
is "$r:$err" "1:down: no connection or IKE_SA '0123456789abcdef'" \
    "down of an unknown SPI is an error naming it"
ctl down nosuch >/dev/null 2>&1; is $? 1 "down of an unknown name is an error"
is "$(gw_ike_sas)" 2 "... and both IKE_SAs are still there"
out=$(ctl down "${SPI1}_i" 2>&1); r=$?
is "$r:$out" "0:IKE_SA ${SPI1}_i: 1 deleted" "down ${SPI1}_i deletes one IKE_SA"
ctl status >$T/status.after 2>&1
show $T/status.after
! grep -q "$SPI1" $T/status.after && ! grep -q " rw\.example virtual " $T/status.after
ok $? "status: rw1's IKE_SA and its CHILD_SA are gone"
is "$(grep -c '^IKE_SA .* rw2\.example virtual ' $T/status.after) $(grep -c '^  CHILD_SA' $T/status.after)" \
    "1 1" "status: rw2's IKE_SA and CHILD_SA stay"
wait_until 50 sh -c "! swanctl --list-sas --uri $(rw_vici rw1) | grep -q ESTABLISHED"
ok $? "rw1's charon was told (its IKE_SA is gone)"
pings rw2 2; ok $? "rw2 still reaches 10.0.1.10"
ctl down "${SPI1R}_r" >/dev/null 2>&1; is $? 1 "down of the deleted SA's responder SPI: gone"
ctl leases >$T/leases2 2>&1
show $T/leases2
grep -q "^  $vip1 *remembered *[0-9]* s  rw\.example\$" $T/leases2 &&
    grep -q "^  $vip2 *online .* rw2\.example\$" $T/leases2
ok $? "leases: rw1's lease remembered after it went, rw2's online"
is "$(ctl leases --json | jq_py '" ".join("%s=%s/%s" % (l["identity"], l["state"], l["holds"]) for l in v["leases"])')" \
    "rw.example=remembered/0 rw2.example=online/1" "leases --json"

# ---- reload ---------------------------------------------------------------
cp $T/moat.conf $T/moat.conf.orig
c0=$(counter "$FWD")
ok $([ -n "$c0" ] && [ "$c0" -gt 0 ]; echo $?) "the FORWARD rule has counted ($c0 packets)"
# A broken moat.conf: its line is named, the running one stays.
printf 'bogus-keyword 1\n' >>$T/moat.conf
n=$(wc -l <$T/moat.conf)
out=$(ctl reload 2>&1); r=$?
echo "$out" | show
is "$r" 1 "reload with a broken moat.conf is refused"
echo "$out" | grep -q "^$T/moat\.conf:$n: "
ok $? "... the answer names $T/moat.conf:$n"
echo "$out" | grep -q 'the running configuration and ruleset stay'
ok $? "... and says the running ones stay"
pings rw2 2
c1=$(counter "$FWD")
ok $([ "$c1" -ge $((c0 + 2)) ]; echo $?) "the running rule still counts ($c0 -> $c1)"

# A broken ruleset: its line is named, the running one stays.
cp $MOAT_SRC/examples/gateway.rules $T/bad.rules
sed -i 's|^-A FORWARD -s 10.0.1.0/24|-A FORWARD -s 10.0.1.0/ |' $T/bad.rules
bl=$(grep -n '^-A FORWARD -s 10.0.1.0/ ' $T/bad.rules | cut -d: -f1)
sed "s|^rules.*|rules\t$T/bad.rules|" $T/moat.conf.orig >$T/moat.conf
out=$(ctl reload 2>&1); r=$?
echo "$out" | show
is "$r" 1 "reload with a broken ruleset is refused"
echo "$out" | grep -q "^$T/bad\.rules:$bl: error: "
ok $? "... the answer names $T/bad.rules:$bl"
pings rw2 2
c2=$(counter "$FWD")
ok $([ "$c2" -ge $((c1 + 2)) ]; echo $?) "the running rule still counts ($c1 -> $c2)"

# A setting that needs a restart is refused by name.
sed 's|^tunnel.*|tunnel\tmoat9|; s|^pool.*|pool\t10.0.3.0/24|' \
    $T/moat.conf.orig >$T/moat.conf
out=$(ctl reload 2>&1); r=$?
echo "$out" | show
is "$r" 1 "reload that changes tunnel and pool is refused"
echo "$out" | grep -q "^'tunnel', 'pool' changed in $T/moat\.conf: a restart"
ok $? "... naming tunnel and pool"
ip -n $NS_GW link show moat0 >/dev/null 2>&1; ok $? "... and moat0 is still there"

# A good ruleset with a new rule and a new client line: taken.
{
	sed -n '1,/^:OUTPUT/p' $MOAT_SRC/examples/gateway.rules
	echo "-A FORWARD -s $vip2/32 -d 10.0.1.10/32 -i extif -o wirif -p icmp -m policy --dir in --pol ipsec --mode tunnel --tunnel-dst 198.51.100.1 -j ACCEPT"
	sed -n '/^:OUTPUT/,$p' $MOAT_SRC/examples/gateway.rules | sed 1d
} >$T/new.rules
{
	sed "s|^rules.*|rules\t$T/new.rules|" $T/moat.conf.orig
	printf 'client\trw3.example psk "%s"\n' "$PSK"
} >$T/moat.conf
out=$(ctl reload 2>&1); r=$?
echo "$out" | show
is "$r:$out" "0:reloaded $T/moat.conf: ruleset $T/new.rules (13 rules), 3 clients" \
    "reload with a good ruleset and a new client line"
NEW="^\[[0-9]*:[0-9]*\] -A FORWARD -s $vip2/32 -d 10.0.1.10/32"
is "$(counter "$NEW")" 0 "the new rule is running, at 0 packets"
pings rw2 3
c3=$(counter "$NEW")
ok $([ -n "$c3" ] && [ "$c3" -ge 3 ]; echo $?) "the new rule counts rw2's pings (0 -> $c3)"
is "$(gw_ike_sas)" 1 "rw2's IKE_SA survived the reload"
# lib.sh has two roadwarriors; rw1 comes back as rw3.example instead.
RW_ID=rw3.example rw_up rw1 rw.example psk "$PSK" && rw_initiate rw1
ok $? "rw1 connects as rw3.example, the client line the reload added"

# ---- fw verbs on the running ruleset (no -f) ----------------------------
ctl fw list >$T/running.rules 2>&1
ctl fw save >$T/save.out 2>&1
ok $? "fw save without -f: the running ruleset"
cmp -s $T/running.rules $T/save.out
ok $? "... the same text as fw list"
grep -q -e "-A FORWARD -s $vip2/32 -d 10.0.1.10/32" $T/save.out
ok $? "... with the rule the reload added"
PKT="hook=FORWARD in=extif out=wirif src=$vip2 dst=10.0.1.10 proto=icmp icmp=8/0"
TUN="ipsec=tunnel:esp:198.51.100.2>198.51.100.1:spi=0x1:reqid=1"
out=$(ctl fw trace $PKT $TUN 2>&1)
case $out in
*"verdict: ACCEPT FORWARD:"*) r=0 ;;
*) r=1 ;;
esac
ok $r "fw trace without -f: rw2's ping through the tunnel is accepted"
[ $r = 0 ] || echo "$out" | show
is "$(ctl fw trace $PKT 2>&1 | tail -1)" "verdict: DROP FORWARD:policy" \
    "fw trace without -f: the same packet forged in cleartext is dropped"
is "$(echo "$PKT $TUN" | ctl fw eval 2>&1 | cut -d: -f1)" "ACCEPT FORWARD" \
    "fw eval without -f: the verdict on standard input"
ctl fw check >$T/check.out 2>&1; r=$?
ok $([ $r -le 1 ]; echo $?) "fw check without -f: no errors (exit $r)"
ctl fw matrix --json >$T/matrix.out 2>&1
ok $? "fw matrix without -f: done"
out=$("$MOATCTL" -S $T/nosuch.sock fw trace $PKT 2>&1); r=$?
is "$r" 2 "fw trace without -f and no moatd: exit 2"
case $out in *"cannot reach moatd"*) r=0 ;; *) r=1 ;; esac
ok $r "... saying moatd cannot be reached"

# ---- malformed control messages -----------------------------------------
for c in short-length over-max max-u32 short-body no-verb-line empty \
    unknown-verb verb-with-nul arg-with-nul too-many-args bad-arg \
    garbage-framed garbage-raw setkey-no-file down-bad-spi down-long-spi; do
	a=$(ip netns exec $NS_GW "$PY" "$RAW" "$MOATSOCK" $c 2>&1)
	case $c in
	short-length | short-body | garbage-raw | max-u32 | over-max)
		# Cut short, or a length moatd will not read: an error or a close.
		case $a in
		closed | "answer 1 "*) r=0 ;;
		*) r=1 ;;
		esac ;;
	*) case $a in "answer 1 "*) r=0 ;; *) r=1 ;; esac ;;
	esac
	ok $r "malformed '$c': refused ($a)"
	alive; ok $? "... and moatd answers stats afterwards"
done
is "$(ip netns exec $NS_GW "$PY" "$RAW" "$MOATSOCK" unknown-verb)" \
    "answer 1 unknown request 'bogus'" "an unknown verb is named"
is "$(ip netns exec $NS_GW "$PY" "$RAW" "$MOATSOCK" over-max)" \
    "answer 1 a request of 16777217 bytes is over the limit of 16777216" \
    "a length over the maximum is refused with the limit"
# A client that connects and sends nothing does not hold moatd.
ip netns exec $NS_GW "$PY" "$RAW" "$MOATSOCK" idle 15 >$T/idle.out 2>&1 &
IDLE=$!
ip netns exec $NS_GW "$PY" "$RAW" "$MOATSOCK" short-body >/dev/null 2>&1 &
sleep 0.5
timeout 3 "$MOATCTL" -S "$MOATSOCK" stats >/dev/null 2>&1
ok $? "while a client sends nothing (and another half a request), stats answers"
timeout 3 "$MOATCTL" -S "$MOATSOCK" status >/dev/null 2>&1
ok $? "... and so does status"
wait $IDLE
grep -q '^closed after [0-9]* s$' $T/idle.out
ok $? "the idle client is closed at moatd's deadline ($(cat $T/idle.out))"
# A client that sends a request and goes without reading the answer.
ip netns exec $NS_GW "$PY" -c "
import socket, struct
for i in range(20):
    s = socket.socket(socket.AF_UNIX); s.connect('$MOATSOCK')
    b = b'fw-list\ncounters'; s.send(struct.pack('>I', len(b)) + b); s.close()
"
alive; ok $? "20 clients that leave before their answer: moatd answers"
is "$(gw_ike_sas) $(ctl status rw3.example | grep -c '^IKE_SA .* established')" \
    "2 1" "none of it changed an IKE_SA (rw2's and rw3.example's are up)"
! grep -q 'Sanitizer\|runtime error' $T/moatd.log
ok $? "no sanitizer report in moatd's log"

# ---- root only --------------------------------------------------------------
is "$(stat -c '%a %U %F' "$MOATSOCK")" "600 root socket" "the socket is root's, mode 0600"
# $T is 0700: let others reach the socket itself.
chmod 711 $T
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
out=$(nobody "$MOATCTL" -S "$MOATSOCK" stats 2>&1); r=$?
is "$r" 2 "nobody cannot connect"
echo "$out" | grep -q 'Permission denied'; ok $? "... ($out)"
# Were the mode changed, moatd still checks who connects.
chmod 666 "$MOATSOCK"
out=$(nobody "$MOATCTL" -S "$MOATSOCK" stats 2>&1); r=$?
is "$r:$out" "1:permission denied: the control socket is root's" \
    "with the socket made 0666, moatd refuses nobody by its uid"
chmod 600 "$MOATSOCK"
chmod 700 $T
alive; ok $? "moatd answers root afterwards"

# ---- up ---------------------------------------------------------------------
err=$(ctl up home 2>&1); r=$?
is "$r:$err" "1:up: no connection 'home' in $T/moat.conf" \
    "up of a connection moat.conf does not have is an error naming it"

interop_done
