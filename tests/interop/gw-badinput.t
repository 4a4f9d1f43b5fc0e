#!/bin/sh
# Hostile IKE datagrams against a running moatd gateway: truncated and
# overlong payloads, unknown critical payloads, duplicated payloads and
# messages out of state (tests/interop/ikefuzz.py builds them by hand from
# RFC 7296 section 3 and sends them from rw2's address, 198.51.100.3, to
# UDP 500 and 4500). After each group moatd still runs, its control socket
# answers, the IKE_SA and CHILD_SA of the connected roadwarrior rw1 are
# exactly as before (SPIs, address, state), rw1 still reaches the LAN, and
# moatd's log says why it dropped what it dropped. The half-open IKE_SAs
# of the valid IKE_SA_INITs among them are counted and must expire within
# 30 s; at the end rw1 rekeys its CHILD_SA, so moatd's message IDs for it
# were not moved by the garbage.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/interop/lib.sh"
interop_init
FUZZ=$MOAT_SRC/tests/interop/ikefuzz.py
SEED=${SEED:-7296}

if [ "$GW" != moat ]; then
	# It reads moatd's status, log and pid.
	echo "1..0 # SKIP GW=$GW: this test is about moatd"
	exit 0
fi

# moat_alive: moatd's pid runs (a zombie is dead: nobody waited yet).
moat_alive() {
	pid=$(cat $T/moatd.pid 2>/dev/null) || return 1
	[ -n "$pid" ] && [ -r /proc/$pid/stat ] &&
	    ! sed 's/.*) //' /proc/$pid/stat | grep -q '^[ZX]'
}

# moat_sas: the established IKE_SAs and their CHILD_SAs, their SPIs,
# state, address and identity as status lists them, without the ages and
# counters (the indented lines below them) that change every second.
moat_sas() {
	"$MOATCTL" -S "$MOATSOCK" status 2>&1 |
	    awk '/^IKE_SA / { keep = ($4 != "connecting:") }
	        keep && /^(IKE_SA|  CHILD_SA) /' |
	    sed 's/, [0-9]* s$//'
}

# halfopen_n: how many half-open IKE_SAs moatd lists from 198.51.100.3.
halfopen_n() {
	"$MOATCTL" -S "$MOATSOCK" status 2>/dev/null |
	    grep -c '^IKE_SA .* connecting: 198\.51\.100\.3:'
}

# fuzz GROUP [ARGS]: ikefuzz.py's group from rw2, its assertions ours.
fuzz() {
	g=$1
	shift
	rw_run rw2 "$PY" "$FUZZ" $g --pid "$(cat $T/moatd.pid)" \
	    --log $T/moatd.log --ctl "$MOATCTL" --sock "$MOATSOCK" \
	    --crash-dir $T --state $T/halfopen.txt --seed $SEED "$@" \
	    >$T/fuzz-$g.out 2>&1
	r=$?
	while IFS= read -r l; do
		case $l in
		"ok - "*) ok 0 "$g: ${l#ok - }" ;;
		"not ok - "*) ok 1 "$g: ${l#not ok - }" ;;
		"#"*) echo "$l" ;;
		*) echo "# $l" ;;
		esac
	done <$T/fuzz-$g.out
	ok $r "$g: ikefuzz.py ran to its end (exit $r)"
}

# unchanged GROUP: the checks after each group (5).
unchanged() {
	moat_alive
	ok $? "after $1: moatd is running"
	"$MOATCTL" -S "$MOATSOCK" stats >/dev/null 2>&1
	ok $? "after $1: its control socket answers"
	is "$(moat_sas)" "$SAS0" \
	    "after $1: rw1's IKE_SA and CHILD_SA are as before"
	rw_run rw1 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
	ok $? "after $1: rw1 still reaches 10.0.1.10 through its tunnel"
	! grep -q 'Sanitizer\|runtime error' $T/moatd.log
	ok $? "after $1: no sanitizer report in moatd's log"
	echo "# after $1: $(halfopen_n) half-open IKE_SAs from 198.51.100.3"
}

topo_up; ok $? "the namespaces are up"
gw_up psk rw.example; ok $? "moatd is up (PSK)"
rw_up rw1 rw.example psk "$PSK"; ok $? "rw1: charon is up"
rw_initiate rw1; r=$?
ok $r "rw1: the tunnel is up"
[ $r -eq 0 ] || show $T/rw1/initiate.out
SAS0=$(moat_sas)
echo "$SAS0" | show
[ "$(echo "$SAS0" | grep -c '^IKE_SA .* established: 198\.51\.100\.2:')" \
    -eq 1 ] && [ "$(echo "$SAS0" | grep -c '^  CHILD_SA')" -eq 1 ]
ok $? "moatd lists rw1's IKE_SA, established, and one CHILD_SA"
set -- $(echo "$SAS0" | awk '/^IKE_SA/ { print $2, $3; exit }')
SPI_I=${1%_i} SPI_R=${2%_r}
: >$T/halfopen.txt
START=$(date +%s)

# The first messages, junk (with mutated IKE_SA_INITs), then a half-open
# SA of our own, then rw1's established one: half-open SAs are made early
# so that the 30 s of their expiry pass while the rest runs. JUNK=N sends
# 6N junk datagrams (SEED=S: others).
fuzz init
unchanged "the IKE_SA_INIT cases"
fuzz junk --spi-i $SPI_I --spi-r $SPI_R --count ${JUNK:-150}
unchanged "the junk"
fuzz halfopen
unchanged "the half-open SA cases"
fuzz state --spi-i $SPI_I --spi-r $SPI_R
unchanged "the established SA cases"

n=$(grep -c 'IKE from 198\.51\.100\.3:[0-9]* dropped: ' $T/moatd.log)
[ "$n" -gt 0 ]
ok $? "moatd's log says why for the malformed datagrams ($n lines \
'IKE from 198.51.100.3:P dropped: why')"
grep 'dropped' $T/moatd.log | sed 's/: [^:]*$//;s/[0-9a-f]\{16\}/X/g' |
    sort | uniq -c | sort -rn | head -8 | show

# 2.1 / the half-open timer: every half-open SA goes within 30 s of its
# IKE_SA_INIT (the last ones were made in the half-open group).
h=$(halfopen_n)
wait_until 350 sh -c "[ \"\$(\"$MOATCTL\" -S \"$MOATSOCK\" status |
    grep -c '^IKE_SA .* connecting: 198\\.51\\.100\\.3:')\" -eq 0 ]"
ok $? "the $h half-open IKE_SAs left are gone after 30 s \
($(($(date +%s) - START)) s after the first)"
grep -c 'no IKE_AUTH within 30 s' $T/moatd.log | sed 's/^/# expired: /'
is "$(moat_sas)" "$SAS0" "rw1's IKE_SA and CHILD_SA are still as before"
timeout 20 swanctl --rekey --uri "$(rw_vici rw1)" --child home \
    >$T/rekey.out 2>&1
r=$?
ok $r "rw1 rekeys its CHILD_SA (moatd's message IDs for it did not move)"
[ $r -eq 0 ] || show $T/rekey.out
sleep 1
rw_run rw1 ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null 2>&1
ok $? "rw1 reaches 10.0.1.10 on the rekeyed CHILD_SA"
moat_alive
ok $? "moatd is running at the end"
"$MOATCTL" -S "$MOATSOCK" stats 2>&1 | show
interop_done
