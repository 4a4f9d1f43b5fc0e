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

log=$(mktemp)
trap 'rm -f "$log"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
"$MOATD" 2>"$log" &
pid=$!
i=0
while ! grep -q started "$log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
grep -q "moatd: started, pid $pid" "$log"; ok $? "moatd starts and says so"
kill -TERM "$pid"
wait "$pid"; is $? 0 "moatd exits 0 on SIGTERM"
pid=
grep -q "moatd: Terminated received, stopping" "$log"; ok $? "and logs why"

done_testing
