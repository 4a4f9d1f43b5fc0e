#!/bin/sh
# Golden tests of the packet filter's front ends, printer and evaluator.
# In restore/ and modules/:
#   NAME.in + NAME.ok      moatctl fw save prints NAME.ok (the kernel's
#                          iptables-save of NAME.in), a fixed point
#   NAME.in + NAME.err     refused: the first error line; nothing printed
#   NAME.in + NAME.warn    loads with these warnings (no fixed-point check:
#                          the kernel's own output of such input, e.g. a
#                          newline inside a quote, does not load either)
# In eval/ and modules/:
#   NAME.pkts + NAME.eval.ok   verdicts for NAME.rules, NAME.in or
#                              examples/NAME.rules, with the options in
#                              NAME.opts if there; NAME.log, if there, the
#                              messages (LOG and NFLOG lines, --ct-stats)
# In cmd/:
#   NAME.cmd + NAME.ok     iptables commands applied in order
# In check/:
#   NAME.rules + NAME.rc + NAME.diag   moatctl fw check exit status, messages
#   NAME.args, NAME.out                its options (one line), its report
# In trace/:
#   NAME.args + NAME.trace.ok  moatctl fw trace ARGS (run from the top)
# In import/:
#   NAME.sh + NAME.args    moatctl fw import with NAME.args (one word a
#                          line): NAME.ok is the output (absent: the import
#                          must fail), NAME.diag the messages
. "$(dirname "$0")/../tap.sh"
G=$MOAT_SRC/tests/golden
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

restore_dir() {
	cd "$G/$1" || exit 1
	for in in *.in; do
		n=${in%.in}
		if [ -f "$n.ok" ]; then
			"$MOATCTL" fw save -f "$in" >"$tmp/out" 2>"$tmp/err"
			is "$?" 0 "$1/$n loads"
			is "$(cat "$tmp/out")" "$(cat "$n.ok")" \
			    "$1/$n prints as the kernel"
			if [ -f "$n.warn" ]; then
				is "$(cat "$tmp/err")" "$(cat "$n.warn")" \
				    "$1/$n warnings"
			else
				"$MOATCTL" fw save -f "$n.ok" >"$tmp/again" \
				    2>/dev/null
				is "$(cat "$tmp/again")" "$(cat "$n.ok")" \
				    "$1/$n is a fixed point"
			fi
		elif [ -f "$n.err" ]; then
			"$MOATCTL" fw save -f "$in" >"$tmp/out" 2>"$tmp/err"
			is "$?" 2 "$1/$n is refused"
			is "$(grep -m1 error "$tmp/err")" "$(cat "$n.err")" \
			    "$1/$n says why"
			is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 \
			    "$1/$n prints nothing"
		elif [ ! -f "$n.pkts" ]; then
			ok 1 "$1/$n has no .ok, .err or .pkts"
		fi
	done
}

eval_dir() {
	cd "$G/$1" || exit 1
	for p in *.pkts; do
		n=${p%.pkts}
		rules=$n.rules
		[ -f "$rules" ] || rules=$n.in
		[ -f "$rules" ] || rules=$MOAT_SRC/examples/$n.rules
		opts=
		[ -f "$n.opts" ] && opts=$(cat "$n.opts")
		# shellcheck disable=SC2086
		"$MOATCTL" fw eval -f "$rules" $opts <"$p" >"$tmp/out" 2>"$tmp/err"
		is "$?" 0 "$1/$n evaluates"
		is "$(cat "$tmp/out")" "$(cat "$n.eval.ok")" "$1/$n verdicts"
		if [ -f "$n.log" ]; then
			is "$(cat "$tmp/err")" "$(cat "$n.log")" "$1/$n log lines"
		fi
	done
}

restore_dir restore
restore_dir modules
eval_dir eval
eval_dir modules

# The rate matches (limit, hashlimit, recent, connlimit) are evaluated:
# every rule of their printing corpus loads for evaluation, and a rule the
# kernel refuses to load (hashlimit credits that overflow: ERANGE) is
# refused with its reason. Their verdicts are the modules/*-eval tests.
cd "$G/modules" || exit 1
for n in limit hashlimit recent connlimit; do
	"$MOATCTL" fw eval -f "$n.in" </dev/null >/dev/null 2>&1
	is "$?" 0 "modules/$n: loads for evaluation"
done
printf '%s\n' '*filter' \
    '-A INPUT -m hashlimit --hashlimit-upto 1/day --hashlimit-burst 100000 --hashlimit-name x' \
    COMMIT >"$tmp/hl.rules"
"$MOATCTL" fw eval -f "$tmp/hl.rules" </dev/null >/dev/null 2>"$tmp/err"
is "$?" 2 "hashlimit: eval refuses what the kernel refuses"
case $(grep -m1 error "$tmp/err") in
*": error: INPUT rule 1: moat cannot evaluate -m hashlimit: the kernel refuses"*)
	ok 0 "hashlimit: the refusal names the rule and the reason" ;;
*)	ok 1 "hashlimit: the refusal names the rule and the reason" ;;
esac

cd "$G/check" || exit 1
for r in *.rules; do
	n=${r%.rules}
	args=
	[ -f "$n.args" ] && args=$(cat "$n.args")
	# shellcheck disable=SC2086
	"$MOATCTL" fw check -f "$r" $args >"$tmp/out" 2>"$tmp/err"
	is "$?" "$(cat "$n.rc")" "check/$n exit status"
	is "$(cat "$tmp/err")" "$(cat "$n.diag")" "check/$n messages"
	if [ -f "$n.out" ]; then
		is "$(cat "$tmp/out")" "$(cat "$n.out")" "check/$n report"
	fi
done

# Every packet that fw check prints as forged replays through fw eval and
# is accepted by the rule (or policy) the finding names.
replayed=0
for d in spoof-*.diag; do
	n=${d%.diag}
	awk '/\[spoof-/ { w = $0; sub(/.*warning: /, "", w); split(w, a, " ")
		want = a[2] == "policy" ? a[1] ":policy" : a[1] ":" a[3] }
	    /^    forged: / { sub(/^    forged: /, ""); print want "|" $0 }' \
	    "$d" >"$tmp/forged"
	while IFS='|' read -r want pkt; do
		got=$(printf '%s\n' "$pkt" | "$MOATCTL" fw eval -f "$n.rules" \
		    2>/dev/null)
		is "$got" "ACCEPT $want" \
		    "check/$n: fw eval accepts the forged packet by $want"
		replayed=$((replayed + 1))
	done <"$tmp/forged"
done
[ "$replayed" -gt 0 ]
ok $? "check/spoof-*: forged packets were replayed ($replayed)"

cd "$MOAT_SRC" || exit 1
for a in "$G"/trace/*.args; do
	n=$(basename "$a" .args)
	eval "\"\$MOATCTL\" fw trace $(cat "$a")" >"$tmp/out" 2>&1
	is "$?" 0 "trace/$n runs"
	is "$(cat "$tmp/out")" "$(cat "$G/trace/$n.trace.ok")" "trace/$n output"
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

cd "$G/import" || exit 1
for sh in *.sh; do
	n=${sh%.sh}
	set --
	while IFS= read -r a; do set -- "$@" "$a"; done <"$n.args"
	FROM_ENV=fromenv "$MOATCTL" fw import "$sh" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -f "$n.ok" ]; then
		is "$rc" 0 "import/$n succeeds"
		is "$(cat "$tmp/out")" "$(cat "$n.ok")" "import/$n output"
	else
		is "$rc" 2 "import/$n fails"
		is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "import/$n prints nothing"
	fi
	is "$(cat "$tmp/err")" "$(cat "$n.diag")" "import/$n messages"
done

done_testing
