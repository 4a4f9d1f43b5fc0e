#!/bin/sh
# moatctl's verb dispatch and moatd's start and clean stop.
. "$(dirname "$0")/../tap.sh"

out=$("$MOATCTL" version); ok $? "moatctl version exits 0"
case "$out" in "moat "[0-9]*) ok 0 "version prints 'moat N'" ;;
*) ok 1 "version prints 'moat N' (got '$out')" ;; esac

"$MOATCTL" help | grep -q '^  version ' ; ok $? "help lists the verbs"

err=$("$MOATCTL" frobnicate 2>&1 >/dev/null); rc=$?
is "$rc" 2 "an unknown verb exits 2"
is "$(echo "$err" | head -1)" "moatctl: unknown verb 'frobnicate'" \
    "and names the verb"

"$MOATCTL" >/dev/null 2>&1; is $? 2 "no verb exits 2"

# fw check's network options: bad values and missing companions are
# usage errors that name the option.
R=$MOAT_SRC/examples/gateway.rules
check_usage() {
	want=$1
	shift
	err=$("$MOATCTL" fw check -f "$R" "$@" 2>&1 >/dev/null); rc=$?
	is "$rc" 2 "fw check $*: exit 2"
	is "$(echo "$err" | head -1)" "$want" "fw check $*: says why"
}
check_usage "moatctl: --gateway needs --pool and --lan" \
    --gateway 198.51.100.1@extif --pool 10.0.2.0/24
check_usage "moatctl: --pool, --lan and --dns describe the gateway of --gateway, which is missing" \
    --pool 10.0.2.0/24
check_usage "moatctl: --gateway '198.51.100.1': not ADDRESS@INTERFACE" \
    --gateway 198.51.100.1
check_usage "moatctl: --vpn '10.0.2.1/24': host bits set beyond the prefix length" \
    --vpn 10.0.2.1/24
check_usage "moatctl: --dns 'ns1': not an IPv4 address" \
    --gateway 198.51.100.1@extif --pool 10.0.2.0/24 \
    --lan 10.0.1.0/24@wirif --dns ns1

err=$("$MOATD" extra 2>&1); is $? 2 "moatd refuses an extra argument"
echo "$err" | grep -q "unexpected argument 'extra'"; ok $? "... naming it"

# moatd -n: the configuration, the ruleset and the keys are read whole
# and checked; nothing is touched.
out=$("$MOATD" -n -f "$MOAT_SRC/examples/gateway-static.conf" 2>&1)
is "$?" 0 "moatd -n accepts examples/gateway-static.conf"
is "$out" "$MOAT_SRC/examples/gateway-static.conf: configuration OK (7 key operations)" \
    "... and counts its key operations"
out=$("$MOATD" -n -f "$MOAT_SRC/tests/netns/esp/peer.conf" 2>&1)
is "$?" 0 "moatd -n accepts the test peer's configuration"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/bad.conf" <<EOF
tunnel moat0
local 198.51.100.300
mtu 100
route 10.0.2.1/24
tunnel moat1
frobnicate yes
rules
EOF
err=$("$MOATD" -n -f "$tmp/bad.conf" 2>&1); rc=$?
is "$rc" 1 "a bad configuration exits 1"
is "$err" "$tmp/bad.conf:2: 'local 198.51.100.300': not an IPv4 address
$tmp/bad.conf:3: 'mtu 100': not a number in range
$tmp/bad.conf:4: 'route 10.0.2.1/24': host bits set beyond the prefix length
$tmp/bad.conf:5: 'tunnel moat1': given twice
$tmp/bad.conf:6: 'frobnicate yes': unknown keyword
$tmp/bad.conf:7: 'rules': needs a value
$tmp/bad.conf: 'local' is missing
$tmp/bad.conf: 'rules' is missing" "... naming every bad line and what is missing"

printf 'tunnel moat0\nlocal 198.51.100.1\nrules bad.rules\nkeys bad.keys\n' \
    >"$tmp/r.conf"
printf '*filter\n-A INPUT -s 0.0.0.0/ -j ACCEPT\nCOMMIT\n' >"$tmp/bad.rules"
err=$("$MOATD" -n -f "$tmp/r.conf" 2>&1); is $? 1 "a bad ruleset exits 1"
echo "$err" | grep -q "^$tmp/bad.rules:2: error: "; ok $? "... naming its line"
cp "$MOAT_SRC/examples/gateway.rules" "$tmp/bad.rules"
printf 'add 198.51.100.1 198.51.100.2 esp 0x1000 -E aes-gcm-16 0x00;\n' \
    >"$tmp/bad.keys"
err=$("$MOATD" -n -f "$tmp/r.conf" 2>&1); is $? 1 "a bad key file exits 1"
echo "$err" | grep -q "^$tmp/bad.keys:1: "; ok $? "... naming its line"
err=$("$MOATD" -n -f "$tmp/none.conf" 2>&1); is $? 1 "a missing file exits 1"
is "$err" "$tmp/none.conf: No such file or directory" "... and says so"

# The IKEv2 gateway's keywords: the example passes, a bad file has each
# error named by line, and no secret is ever shown.
out=$("$MOATD" -n -f "$MOAT_SRC/examples/gateway.conf" 2>&1)
is "$?" 0 "moatd -n accepts examples/gateway.conf"
is "$out" "$MOAT_SRC/examples/gateway.conf: configuration OK (0 key operations)" \
    "... and says so"
case "$out" in *horse*|*6d6f6174*) ok 1 "... without its secrets" ;;
*) ok 0 "... without its secrets" ;; esac
cat >"$tmp/bad-ike.conf" <<'EOF'
tunnel moat0
local 198.51.100.1
rules gateway.rules
ike-proposal aes128gcm16-prfsha256-x25519
ike-proposal aes128gcm16-prfsha256-frob
client rw.example psk "SeCrEt one # not a comment"
client laptop.example psk 0x5365437245742074776f
client RW.example psk "SeCrEt three"
certificate gw.pem
private-key gw.key
client alice@example.org certificate
pool 10.0.2.1/24
client phone.example psk "SeCrEt four
dns ns1.example
client * psk 0x5365437245742066697665
EOF
err=$("$MOATD" -n -f "$tmp/bad-ike.conf" 2>&1); rc=$?
is "$rc" 1 "a bad IKE configuration exits 1"
is "$err" "$tmp/bad-ike.conf:5: 'ike-proposal aes128gcm16-prfsha256-frob': unknown algorithm keyword
$tmp/bad-ike.conf:8: 'client RW.example psk ...': client rw.example given twice (line 6)
$tmp/bad-ike.conf:12: 'pool 10.0.2.1/24': host bits set beyond the prefix length
$tmp/bad-ike.conf:13: 'client phone.example psk ...': unterminated quoted string
$tmp/bad-ike.conf:14: 'dns ns1.example': not an IPv4 address
$tmp/bad-ike.conf:15: 'client * psk ...': '*' is only for clients with a certificate
$tmp/bad-ike.conf: 'identity' is missing
$tmp/bad-ike.conf:11: 'client alice@example.org certificate': needs 'ca'" \
    "... naming every bad line and what is missing"
case "$err" in *SeCrEt*|*536543*) ok 1 "... and no secret" ;;
*) ok 0 "... and no secret" ;; esac

# The client role: examples/client.conf (a roadwarrior of the story with
# examples/client.rules) passes; a bad connection block is named by line.
out=$("$MOATD" -n -f "$MOAT_SRC/examples/client.conf" 2>&1)
is "$?" 0 "moatd -n accepts examples/client.conf"
is "$out" "$MOAT_SRC/examples/client.conf: configuration OK (0 key operations)" \
    "... and says so"
case "$out" in *horse*) ok 1 "... without its secret" ;;
*) ok 0 "... without its secret" ;; esac
cat >"$tmp/bad-client.conf" <<'EOF'
tunnel moat1
local 198.51.100.2
rules client.rules
identity rw.example
gateway 198.51.100.1
connection home
remote-identity gw.example
psk "SeCrEt # one"
hook-failure sometimes
dns file
pool 10.0.2.0/24
connection home
gateway 198.51.100.1
remote-identity gw.example
psk 0x536543724574
auto later
EOF
err=$("$MOATD" -n -f "$tmp/bad-client.conf" 2>&1); rc=$?
is "$rc" 1 "a bad client configuration exits 1"
is "$err" "$tmp/bad-client.conf:5: 'gateway 198.51.100.1': only in a connection (after a 'connection' line)
$tmp/bad-client.conf:9: 'hook-failure sometimes': neither 'ignore' nor 'down'
$tmp/bad-client.conf:10: 'dns file': file needs a path
$tmp/bad-client.conf:11: 'pool 10.0.2.0/24': not a connection's keyword (a connection runs to the next 'connection': put it before the first)
$tmp/bad-client.conf:6: connection home: 'gateway' is missing
$tmp/bad-client.conf:12: 'connection home': connection home given twice (line 6)
$tmp/bad-client.conf:16: 'auto later': neither 'start' nor 'add'" \
    "... naming every bad line and what is missing"
case "$err" in *SeCrEt*|*536543*) ok 1 "... and no secret" ;;
*) ok 0 "... and no secret" ;; esac

done_testing
