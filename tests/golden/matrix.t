#!/bin/sh
# moatctl fw matrix: golden matrices, the evaluator's agreement with them
# on random packets, the options it refuses, and every corpus file.
# In matrix/:
#   NAME.args + NAME.ok    moatctl fw matrix [-f NAME.rules] ARGS (one line,
#                          run from matrix/; without NAME.rules the ARGS
#                          name the file) prints NAME.ok. small, chains and
#                          mark were worked out by hand.
# Every golden is also run with --verify (random packets, many on the
# rules' edges, each compared with fw_lookup), which must find no packet
# the matrix gets wrong.
. "$(dirname "$0")/../tap.sh"
need python3
G=$MOAT_SRC/tests/golden/matrix
C=$MOAT_SRC/../shared/corpus/iptables
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A sanitizer report exits 99, apart from the verb's own 0, 1 and 2.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99
export ASAN_OPTIONS UBSAN_OPTIONS

cd "$G" || exit 1
for a in *.args; do
	n=${a%.args}
	rules=
	[ -f "$n.rules" ] && rules="-f $n.rules"
	args=$(cat "$a")
	# shellcheck disable=SC2086
	"$MOATCTL" fw matrix $rules $args >"$tmp/out" 2>"$tmp/err"
	is "$?" 0 "matrix/$n exits 0"
	is "$(cat "$tmp/out")" "$(cat "$n.ok")" "matrix/$n prints its matrix"
	case $args in
	*--json*)
		python3 -m json.tool "$tmp/out" >/dev/null 2>&1
		ok $? "matrix/$n is JSON"
		;;
	esac
	# --verify speaks after the matrix; JSON is left out not to mix.
	# shellcheck disable=SC2086
	"$MOATCTL" fw matrix $rules $(echo "$args" | sed 's/--json//') \
	    --verify 3000 --seed 7 >"$tmp/out" 2>&1
	is "$(tail -1 "$tmp/out")" "verify: 3000 packets, 0 differ" \
	    "matrix/$n agrees with the evaluator"
done

# What the gateway's matrix must say: the pool reaches the LAN only
# through the tunnel, and the LAN reaches the pool only into it.
awk '/^  / && !/^    / { when = $0 } /10.0.2.0\/24 -> 10.0.1.0\/24/ {
	print when }' gateway.ok >"$tmp/when"
is "$(cat "$tmp/when")" "  in extif, out wirif, IPsec in:" \
    "gateway: 10.0.2.0/24 reaches 10.0.1.0/24 only by the tunnel"
awk '/^  / && !/^    / { when = $0 } /10.0.1.0\/24 -> 10.0.2.0\/24/ {
	print when }' gateway.ok >"$tmp/when"
is "$(cat "$tmp/when")" "  in wirif, out extif, IPsec out:" \
    "gateway: 10.0.1.0/24 reaches 10.0.2.0/24 only into the tunnel"

# The options it refuses, with exit 2 and a reason.
refuse() {
	desc=$1
	want=$2
	shift 2
	"$MOATCTL" fw matrix "$@" >"$tmp/out" 2>"$tmp/err"
	is "$?" 2 "refuses $desc"
	case $(cat "$tmp/err") in
	*"$want"*) ok 0 "says why: $desc" ;;
	*) ok 1 "says why: $desc"; sed 's/^/# /' "$tmp/err" ;;
	esac
	is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "prints nothing: $desc"
}
MOAT_SOCKET=$tmp/nosuch.sock refuse "no file and no moatd" "cannot reach moatd"
refuse "an unknown option" "unknown option '--bogus'" -f small.rules --bogus
refuse "a chain that is not built in" "--chain 'web'" -f small.rules \
    --chain web
refuse "a port out of range" "--sport '70000'" -f small.rules --sport 70000
refuse "--in on OUTPUT" "no incoming interface" -f small.rules \
    --chain OUTPUT --in eth0
refuse "an interface pattern" "--out 'eth+'" -f small.rules --out eth+
refuse "a bad SA" "--ipsec 'tunnel:esp'" -f small.rules --ipsec tunnel:esp
refuse "a chain the table lacks" "table raw has no chain FORWARD" \
    -f small.rules -t raw
refuse "a file that is not there" "No such file" -f "$tmp/missing.rules"
printf '%s\n' '*filter' '-A FORWARD -p tcp --dport 99999 -j ACCEPT' COMMIT \
    >"$tmp/bad.rules"
refuse "a file that does not load" "bad.rules:2: error:" -f "$tmp/bad.rules"

# A rule the chain reaches that moat cannot evaluate: no matrix, the rule
# named. The same rule in a chain not reached does not matter.
printf '%s\n' '*filter' ':INPUT ACCEPT [0:0]' ':FORWARD DROP [0:0]' \
    ':OUTPUT ACCEPT [0:0]' \
    '-A FORWARD -m conntrack --ctorigsrc 10.0.0.1 -j ACCEPT' COMMIT \
    >"$tmp/uneval.rules"
refuse "a chain that reaches an unevaluable rule" \
    "FORWARD rule 1: moat cannot evaluate -m conntrack" -f "$tmp/uneval.rules"
grep -q "chain FORWARD of table filter reaches rules moat cannot evaluate" \
    "$tmp/err"
ok $? "unevaluable: says the matrix cannot be computed"
sed 's/-A FORWARD/-A INPUT/' "$tmp/uneval.rules" >"$tmp/other.rules"
"$MOATCTL" fw matrix -f "$tmp/other.rules" >"$tmp/out" 2>"$tmp/err"
is "$?" 0 "an unevaluable rule FORWARD does not reach does not matter"

# Every corpus file: a matrix (exit 0) or a clear refusal (exit 2, with the
# line of the file or the rule that stops it), never a sanitizer report;
# the matrices agree with the evaluator. The university ruleset's rate
# matches need a fresh evaluator per packet, so it gets fewer.
if ! ls "$C"/*.rules >/dev/null 2>&1; then
	ok 1 "the corpus is missing: $C/*.rules (../shared beside the clone)"
	done_testing
	exit
fi
for f in "$C"/*.rules; do
	n=$(basename "$f")
	v=400
	case $n in university*) v=25 ;; esac
	"$MOATCTL" fw matrix -f "$f" --verify $v >"$tmp/out" 2>"$tmp/err"
	rc=$?
	case $rc in
	0)
		is "$(tail -1 "$tmp/out")" "verify: $v packets, 0 differ" \
		    "corpus/$n: a matrix that agrees with the evaluator"
		;;
	2)
		grep -q "^$f:[0-9]*: error: " "$tmp/err"
		ok $? "corpus/$n: refused, naming the line"
		;;
	*)
		ok 1 "corpus/$n: exit $rc"
		sed 's/^/# /' "$tmp/err" | head -5
		;;
	esac
done
done_testing
