#!/bin/sh
# moatctl fw check (with and without --vpn and --ipassmt) and fw matrix on
# every real ruleset of ../shared/corpus/iptables finish with their own
# exit status, never a sanitizer report; the two files that
# iptables-restore refuses are refused by moat too. The time they take
# together is reported, not judged (bench/ is for figures).
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

# The analyses with what they are told, and the matrix.
start=$(date +%s.%N)
for f in "$C"/*.rules; do
	n=$(basename "$f")
	a=${f%.rules}.ip-addr
	set -- --vpn 10.0.2.0/24
	[ -f "$a" ] && set -- "$@" --ipassmt "$a"
	"$MOATCTL" fw check -f "$f" "$@" >/dev/null 2>"$err"
	rc=$?
	case $rc in 0|1|2) ok 0 "$n: fw check $* (exit $rc)" ;;
	*) ok 1 "$n: fw check $* (exit $rc)"; sed 's/^/# /' "$err" | head -5 ;;
	esac
	"$MOATCTL" fw matrix -f "$f" >/dev/null 2>"$err"
	rc=$?
	case $rc in 0|2) ok 0 "$n: fw matrix (exit $rc)" ;;
	*) ok 1 "$n: fw matrix (exit $rc)"; sed 's/^/# /' "$err" | head -5 ;;
	esac
done
end=$(date +%s.%N)
echo "# fw check (with --vpn, --ipassmt) and fw matrix on the corpus:" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s"
done_testing
