#!/bin/sh
# moatctl fw check on every real ruleset of ../shared/corpus/iptables
# finishes with its own exit status (0, 1 or 2), never a sanitizer report;
# the two files that iptables-restore refuses are refused by moat too.
. "$(dirname "$0")/../tap.sh"
C=$MOAT_SRC/../shared/corpus/iptables
if ! ls "$C"/*.rules >/dev/null 2>&1; then
	echo "not ok 1 - the corpus is missing: $C/*.rules (../shared beside the clone)"
	echo "1..1"
	exit 1
fi
# A sanitizer report exits 99, apart from check's 0, 1 and 2.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=99
export ASAN_OPTIONS UBSAN_OPTIONS
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for f in "$C"/*.rules; do
	n=$(basename "$f")
	"$MOATCTL" fw check -f "$f" >/dev/null 2>"$err"
	rc=$?
	case $n in
	ugent.rules|veroneau.rules)
		is "$rc" 2 "$n is refused, as iptables-restore refuses it"
		grep -q "^$f:\(71\|269\): error:" "$err"
		ok $? "$n: the error names the line iptables names"
		;;
	*)
		case $rc in 0|1) ok 0 "$n checks (exit $rc)" ;;
		*) ok 1 "$n checks (exit $rc)"; sed 's/^/# /' "$err" | head -5 ;;
		esac
		;;
	esac
done
done_testing
