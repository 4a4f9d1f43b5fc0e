#!/bin/sh
# Golden tests of the packet filter's front ends, printer and evaluator.
#   restore/NAME.in + NAME.ok    moatctl fw save output (taken from the
#                                kernel's iptables-save), and a fixed point
#   restore/NAME.in + NAME.err   the first error line; nothing printed
#   restore/NAME.in + NAME.warn  the warnings, besides NAME.ok; no fixed-point
#                                check (the kernel's own output of such input,
#                                e.g. a newline inside a quote, does not
#                                load again either)
#   cmd/NAME.cmd + NAME.ok       iptables commands applied in order
#   eval/NAME.pkts + NAME.ok     verdicts for NAME.rules (or examples/)
. "$(dirname "$0")/../tap.sh"
G=$MOAT_SRC/tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$G/restore" || exit 1
for in in *.in; do
	n=${in%.in}
	if [ -f "$n.ok" ]; then
		"$MOATCTL" fw save -f "$in" >"$tmp/out" 2>"$tmp/err"
		is "$?" 0 "restore/$n loads"
		is "$(cat "$tmp/out")" "$(cat "$n.ok")" "restore/$n prints as the kernel"
		if [ -f "$n.warn" ]; then
			is "$(cat "$tmp/err")" "$(cat "$n.warn")" "restore/$n warnings"
		else
			"$MOATCTL" fw save -f "$n.ok" >"$tmp/again" 2>/dev/null
			is "$(cat "$tmp/again")" "$(cat "$n.ok")" \
			    "restore/$n is a fixed point"
		fi
	elif [ -f "$n.err" ]; then
		"$MOATCTL" fw save -f "$in" >"$tmp/out" 2>"$tmp/err"
		is "$?" 2 "restore/$n is refused"
		is "$(grep -m1 error "$tmp/err")" "$(cat "$n.err")" "restore/$n says why"
		is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "restore/$n prints nothing"
	else
		ok 1 "restore/$n has neither .ok nor .err"
	fi
done

cd "$G/cmd" || exit 1
for c in *.cmd; do
	n=${c%.cmd}
	: >"$tmp/cur"
	failed=0
	while read -r line; do
		case "$line" in ""|"#"*) continue ;; esac
		eval "set -- $line"
		if ! "$MOATCTL" fw iptables -f "$tmp/cur" -- "$@" >"$tmp/next"; then
			failed=1
			break
		fi
		mv "$tmp/next" "$tmp/cur"
	done <"$c"
	is "$failed" 0 "cmd/$n: every command accepted"
	is "$(cat "$tmp/cur")" "$(cat "$n.ok")" "cmd/$n gives the kernel's ruleset"
done

cd "$G/eval" || exit 1
for p in *.pkts; do
	n=${p%.pkts}
	rules=$n.rules
	[ -f "$rules" ] || rules=$MOAT_SRC/examples/$n.rules
	"$MOATCTL" fw eval -f "$rules" <"$p" >"$tmp/out"
	is "$?" 0 "eval/$n runs"
	is "$(cat "$tmp/out")" "$(cat "$n.ok")" "eval/$n verdicts"
done

done_testing
