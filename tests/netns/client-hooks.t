#!/bin/sh
# moatd as a roadwarrior (examples/client.conf and client.rules) against a
# moatd gateway (tests/netns/client/lib.sh): the up-script sees every
# documented variable, and what it says is in moatd's log; while up, the
# virtual address, the route to each split network and the DNS line are
# there and nothing else changed (a route that existed is not taken
# over); the gateway going away runs the down-script (address still
# there) and leaves the host as it was, and moatd connects again when
# the gateway is back; an up-script that outlives hook-timeout is killed
# and logged and the tunnel stays up; SIGTERM sends a Delete and removes
# what moatd added; with hook-failure down a failing up-script takes the
# connection down for good.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/netns/client/lib.sh"
cl_init

cl_topo; ok $? "the namespaces are up"
# The gateway pushes a second split network for which the roadwarrior
# already has a route of its own; and an unrelated route must stay.
ip -n $NS_RW route add 10.0.4.0/24 via 198.51.100.1 dev extif
ip -n $NS_RW route add 10.0.9.0/24 via 198.51.100.1 dev extif
cl_gw_up "split 10.0.4.0/24"; ok $? "the moatd gateway answers"

printf 'nameserver 192.0.2.53  # the user'"'"'s\nsearch example\n' >$T/resolv.conf
cp $T/resolv.conf $T/resolv.conf.0
cat >$T/up.sh <<EOF
#!/bin/sh
env >$T/up.env.tmp && mv $T/up.env.tmp $T/up.env
echo "hello from the up-script"
[ -f $T/mode.sleep ] && exec sleep 30
[ -f $T/mode.fail ] && exit 3
exit 0
EOF
cat >$T/down.sh <<EOF
#!/bin/sh
ip -4 -o addr show dev moat1 >$T/down.addr
env >$T/down.env.tmp && mv $T/down.env.tmp $T/down.env
EOF
chmod +x $T/up.sh $T/down.sh
cl_rw_net >$T/net.0
# remote-ts left out: the gateway narrows 0.0.0.0/0 to its split networks.
cl_rw_conf "up-script $T/up.sh" "down-script $T/down.sh" "hook-timeout 3"
sed -i '/^remote-ts/d' $T/rw.conf
cl_rw_up; ok $? "the roadwarrior's moatd answers"

# ---- up ----------------------------------------------------------------
cl_wait 100 test -f $T/up.env; ok $? "the up-script ran"
[ -f $T/up.env ] || show $T/rw.log
v() { sed -n "s/^$1=//p" $T/$2.env; }
st=$("$MOATCTL" -S $T/rw.sock status 2>&1)
echo "$st" | show
vip=$(ip -n $NS_RW -4 -o addr show dev moat1 | awk '{ sub("/32", "", $4); print $4 }')
spi_in=$(echo "$st" | sed -n 's/.* in \(0x[0-9a-f]*\) out .*/\1/p' | head -1)
spi_out=$(echo "$st" | sed -n 's/.* out \(0x[0-9a-f]*\) .*/\1/p' | head -1)
reqid=$(echo "$st" | sed -n 's/.*CHILD_SA reqid \([0-9]*\) .*/\1/p' | head -1)
is "$(v MOAT_EVENT up)" up "MOAT_EVENT=up"
is "$(v MOAT_CONNECTION up)" home "MOAT_CONNECTION is the connection's name"
is "$(v MOAT_TUNNEL up)" moat1 "MOAT_TUNNEL is the TUN device"
is "$(v MOAT_LOCAL up)" 198.51.100.2 "MOAT_LOCAL is our address"
is "$(v MOAT_REMOTE up)" 198.51.100.1 "MOAT_REMOTE is the gateway's"
is "$(v MOAT_LOCAL_ID up)" rw.example "MOAT_LOCAL_ID is our identity"
is "$(v MOAT_REMOTE_ID up)" gw.example "MOAT_REMOTE_ID is the gateway's"
case $vip in 10.0.2.*) r=0 ;; *) r=1 ;; esac
ok $r "the virtual address $vip/32 from the pool is on moat1"
is "$(v MOAT_VIRTUAL_IP up)" "$vip" "MOAT_VIRTUAL_IP is that address"
is "$(v MOAT_SPLIT up)" "10.0.1.0/24 10.0.4.0/24" \
    "MOAT_SPLIT lists the split networks the gateway narrowed us to"
is "$(v MOAT_DNS up)" 10.0.1.1 "MOAT_DNS is the pushed server"
[ -n "$spi_in" ]; ok $? "moatctl status shows the CHILD_SA ($spi_in $spi_out reqid $reqid)"
is "$(v MOAT_SPI_IN up)" "$spi_in" "MOAT_SPI_IN is the CHILD_SA's inbound SPI"
is "$(v MOAT_SPI_OUT up)" "$spi_out" "MOAT_SPI_OUT is its outbound SPI"
is "$(v MOAT_REQID up)" "$reqid" "MOAT_REQID is its reqid"
is "$(v PATH up)" /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "PATH is set"
is "$(grep -c '^MOAT_' $T/up.env)" 13 "no other MOAT_ variable on up"
grep -q 'connection home: up-script: hello from the up-script' $T/rw.log
ok $? "the up-script's output is in moatd's log"

cl_rw_net >$T/net.1
diff $T/net.0 $T/net.1 | sed -n 's/^> //p' | sed 's/ *$//' >$T/net.added
diff $T/net.0 $T/net.1 | grep -q '^<'
ok $((! $?)) "while up, nothing of the host's was removed or changed"
is "$(cat $T/net.added)" " moat1 inet $vip/32 scope global moat1\\ valid_lft forever preferred_lft forever
10.0.1.0/24 dev moat1 proto static scope link src $vip
local $vip dev moat1 table local proto kernel scope host src $vip" \
    "what was added: the address and a route to 10.0.1.0/24 only"
grep -q 'connection home: a route to 10.0.4.0/24 exists: not taken over' $T/rw.log
ok $? "the existing route to 10.0.4.0/24 was not taken over, and moatd said so"
is "$(cat $T/resolv.conf)" "nameserver 10.0.1.1  # moat moat1
$(cat $T/resolv.conf.0)" "resolv.conf: the pushed server on top, the user's lines kept"
ip netns exec $NS_RW ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null
ok $? "ping 10.0.1.10 through the tunnel"

# ---- the gateway goes, and comes back ----------------------------------
rm -f $T/up.env
cl_stop gw
cl_wait 50 test -f $T/down.env; ok $? "the gateway's Delete ran the down-script"
is "$(v MOAT_EVENT down)" down "MOAT_EVENT=down"
is "$(v MOAT_SPI_IN down) $(v MOAT_VIRTUAL_IP down)" "$spi_in $vip" \
    "the down-script sees the same SA and address"
[ -n "$(v MOAT_REASON down)" ]
ok $? "MOAT_REASON says why ($(v MOAT_REASON down))"
grep -q " $vip/32 " $T/down.addr
ok $? "the address was still there while the down-script ran"
cl_wait 30 sh -c "[ -z \"\$(ip -n $NS_RW -4 -o addr show dev moat1)\" ]"
cl_rw_net >$T/net.2
is "$(diff $T/net.0 $T/net.2)" "" "down: addresses and routes exactly as before"
cmp -s $T/resolv.conf $T/resolv.conf.0; ok $? "down: resolv.conf exactly as before"
grep -q 'connection home: connecting again in 1 s' $T/rw.log
ok $? "moatd will connect again in 1 s"
cl_gw_up "split 10.0.4.0/24"; ok $? "the gateway is back"
cl_wait 150 test -f $T/up.env; ok $? "the roadwarrior connected again"
[ "$(v MOAT_SPI_IN up)" != "$spi_in" ]; ok $? "... with a new CHILD_SA"
ip netns exec $NS_RW ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null
ok $? "ping 10.0.1.10 through the new tunnel"

# ---- an up-script that hangs -------------------------------------------
touch $T/mode.sleep
rm -f $T/up.env
cl_stop gw
cl_gw_up "split 10.0.4.0/24"; ok $? "the gateway restarted"
cl_wait 150 test -f $T/up.env; ok $? "the hanging up-script started"
"$MOATCTL" -S $T/rw.sock status >/dev/null 2>&1
ok $? "moatctl answers while the up-script runs (moatd does not wait for it)"
cl_wait 80 grep -q 'connection home: up-script timed out after 3 s (killed) (hook-failure ignore: the tunnel stays up)' $T/rw.log
ok $? "after hook-timeout it is killed and logged"
grep -q 'connection home: up-script: still running after 3 s, sending SIGTERM' $T/rw.log
ok $? "... with SIGTERM"
sleeping() {
	for p in $(ip netns pids $NS_RW); do
		tr '\0' ' ' </proc/$p/cmdline 2>/dev/null
		echo
	done | grep -q '^sleep 30'
}
not_sleeping() { ! sleeping; }
cl_wait 30 not_sleeping; ok $? "... and its process is gone"
ip netns exec $NS_RW ping -q -c 2 -i 0.2 -W 2 10.0.1.10 >/dev/null
ok $? "the tunnel stays up: ping 10.0.1.10"
rm -f $T/mode.sleep

# ---- SIGTERM -----------------------------------------------------------
rm -f $T/down.env
cl_stop rw
test -f $T/down.env; ok $? "SIGTERM ran the down-script"
cl_rw_net >$T/net.3
is "$(diff $T/net.0 $T/net.3)" "" "after SIGTERM: addresses and routes as before"
cmp -s $T/resolv.conf $T/resolv.conf.0; ok $? "after SIGTERM: resolv.conf as before"
gw_sas() { "$MOATCTL" -S $T/gw.sock status 2>/dev/null | grep -c '^IKE_SA '; }
cl_wait 30 test "$(gw_sas)" -eq 0
ok $? "the gateway holds no IKE_SA (the Delete came)"

# ---- hook-failure down -------------------------------------------------
touch $T/mode.fail
rm -f $T/up.env
cl_rw_conf "up-script $T/up.sh" "down-script $T/down.sh" "hook-failure down"
: >$T/rw.log
cl_rw_up; ok $? "the roadwarrior runs again, with hook-failure down"
cl_wait 100 grep -q 'connection home: up-script exited with status 3 (hook-failure down: taking the connection down)' $T/rw.log
ok $? "the failing up-script is logged with its status"
cl_wait 30 test "$(gw_sas)" -eq 0
ok $? "the connection went down: the gateway holds no IKE_SA"
cl_wait 30 sh -c "[ -z \"\$(ip -n $NS_RW -4 -o addr show dev moat1)\" ]"
cl_rw_net >$T/net.4
is "$(diff $T/net.0 $T/net.4)" "" "... and its address and routes are gone"
cmp -s $T/resolv.conf $T/resolv.conf.0; ok $? "... and its DNS line"
sleep 2
grep -q 'connecting again' $T/rw.log
ok $((! $?)) "it does not connect again by itself"
cl_stop rw
cl_stop gw
[ $tap_failed -eq 0 ] || { echo "# the roadwarrior's log:"; show $T/rw.log; }
done_testing
