#!/bin/sh
# Golden tests of moatctl setkey -n, the setkey(8) parser and printer.
# In setkey/:
#   NAME.in + NAME.ok     parses; NAME.ok is the canonical form of every
#                         operation, a fixed point of the printer
#   NAME.in + NAME.err    refused with exactly these messages, exit 1,
#                         nothing printed
# The expected outputs were written from setkey(8)'s semantics, not
# produced by moat.
. "$(dirname "$0")/../tap.sh"
G=$MOAT_SRC/tests/golden/setkey
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$G" || exit 1
for in in *.in; do
	n=${in%.in}
	"$MOATCTL" setkey -n -f "$in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -f "$n.ok" ]; then
		is "$rc" 0 "$n parses"
		is "$(cat "$tmp/out")" "$(cat "$n.ok")" "$n prints its canonical form"
		is "$(cat "$tmp/err")" "" "$n: no messages"
		"$MOATCTL" setkey -n -c <"$n.ok" >"$tmp/again" 2>&1
		is "$(cat "$tmp/again")" "$(cat "$n.ok")" "$n is a fixed point"
	elif [ -f "$n.err" ]; then
		is "$rc" 1 "$n is refused"
		is "$(cat "$tmp/err")" "$(cat "$n.err")" "$n says why"
		is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "$n prints nothing"
	else
		ok 1 "$n has no .ok or .err"
	fi
done

# The examples' key files parse.
for k in "$MOAT_SRC"/examples/*.keys; do
	"$MOATCTL" setkey -n -f "$k" >/dev/null 2>"$tmp/err"
	is "$?:$(cat "$tmp/err")" "0:" "examples/$(basename "$k") parses"
done

# Standard input is named "stdin" in messages; an empty file is valid.
printf 'flush ;\nflush ah ;\n' | "$MOATCTL" setkey -n -c >/dev/null 2>"$tmp/err"
is "$?:$(cat "$tmp/err")" \
    "1:stdin:2: flush: AH is not supported (moat does ESP only)" \
    "-c reads standard input"
"$MOATCTL" setkey -n -f /dev/null >"$tmp/out" 2>&1
is "$?:$(cat "$tmp/out")" "0:" "an empty file has no operations"

# One error among many operations is found, and a large file parses in
# one pass (100,000 operations; each line is a different SA).
awk 'BEGIN { for (i = 0; i < 100000; i++)
	printf "add 10.%d.%d.1 10.0.0.2 esp %d -E aes-gcm-16 0x%040d;\n",
	    int(i / 256) % 256, i % 256, 256 + i, i }' >"$tmp/big.in"
"$MOATCTL" setkey -n -f "$tmp/big.in" >"$tmp/out" 2>"$tmp/err"
is "$?:$(wc -l <"$tmp/out" | tr -d ' '):$(wc -c <"$tmp/err" | tr -d ' ')" \
    "0:100000:0" "100,000 operations parse"
sed -n '99999p' "$tmp/out" >"$tmp/line"
is "$(cat "$tmp/line")" \
    "add 10.134.158.1 10.0.0.2 esp 0x1879e -E aes-gcm-16 0x0000000000000000000000000000000000099998 ;" \
    "the 99,999th operation prints as it was given"
sed '77777s/esp 78032/esp 255/' "$tmp/big.in" >"$tmp/big-bad.in"
"$MOATCTL" setkey -n -f "$tmp/big-bad.in" >"$tmp/out" 2>"$tmp/err"
is "$?:$(cat "$tmp/err"):$(wc -c <"$tmp/out" | tr -d ' ')" \
    "1:$tmp/big-bad.in:77777: add: SPI 255: 0 to 255 are reserved (RFC 4303 2.1):0" \
    "one bad operation in 100,000 is reported, and nothing is printed"

# Usage: one of -f, -c, -D, -F; -P with -D or -F; -n with -f or -c.
for args in "" "-D -F" "-P" "-n -D" "-f" "-x" "-c -f x" "extra"; do
	# shellcheck disable=SC2086
	"$MOATCTL" setkey $args >/dev/null 2>&1 </dev/null
	is "$?" 2 "setkey '$args' is a usage error"
done
"$MOATCTL" setkey -h >"$tmp/out" 2>&1
is "$?:$(head -c 21 "$tmp/out")" "0:usage: moatctl setkey" "setkey -h"
"$MOATCTL" setkey -n -f "$tmp/missing" >/dev/null 2>"$tmp/err"
is "$?:$(cat "$tmp/err")" "1:moatctl: $tmp/missing: No such file or directory" \
    "a file that cannot be opened"

# Without moatd, the requests fail with 2; a bad file is refused before
# moatd is asked.
for args in "-D" "-DP" "-F" "-FP" "-f $G/ops.in"; do
	# shellcheck disable=SC2086
	MOAT_SOCKET=$tmp/no-moatd "$MOATCTL" setkey $args >/dev/null 2>"$tmp/err"
	is "$?" 2 "setkey $args without moatd"
done
MOAT_SOCKET=$tmp/no-moatd "$MOATCTL" setkey -f "$G/err-add.in" >/dev/null \
    2>"$tmp/err"
is "$?:$(grep -c 'cannot reach' "$tmp/err")" "1:0" \
    "a file with errors is not sent"

done_testing
