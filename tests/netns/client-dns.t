#!/bin/sh
# The DNS methods of the client role with "dns auto", each in a private
# mount namespace that makes the roadwarrior look like one kind of
# system (tests/netns/client/lib.sh's gateway pushes 10.0.1.1): with
# /run/systemd/resolve/ and resolvectl on PATH, moatd calls
# "resolvectl dns", "resolvectl domain ~." and at the end "resolvectl
# revert"; with an executable /sbin/resolvconf it hands it the servers on
# stdin and deletes its record at the end, and a resolvconf that fails is
# logged, keeps the tunnel and leaves nothing to delete; with neither it
# writes /etc/resolv.conf and puts it back byte for byte. The tools are
# stand-ins that write down how they were called; the host's files are
# never touched.
. "$(dirname "$0")/../tap.sh"
. "$MOAT_SRC/tests/netns/client/lib.sh"
need unshare mount cksum
cl_init
RESOLV0=$(cksum </etc/resolv.conf)

cl_topo; ok $? "the namespaces are up"
cl_gw_up; ok $? "the moatd gateway answers"
mkdir -p $T/bin $T/sbin
for t in resolvectl resolvconf; do
	cat >$T/bin/$t <<EOF
#!/bin/sh
echo "$t \$*" >>$T/calls
[ "$t \$1" = "resolvconf -a" ] && sed 's/^/  stdin: /' >>$T/calls
[ -f $T/fail ] && exit 1
exit 0
EOF
	chmod +x $T/bin/$t
done
cl_rw_conf
sed -i 's|^dns\tfile .*|dns\tauto|' $T/rw.conf
grep -q '^dns	auto$' $T/rw.conf; ok $? "the connection says dns auto"

# rw_in SETUP: moatd in the roadwarrior's namespace and a mount namespace
# of its own, after the shell commands SETUP.
rw_in() {
	: >$T/calls
	: >$T/rw.log
	ip netns exec $NS_RW unshare -m sh -c "$1 &&
	    exec $MOATD -v -f $T/rw.conf -S $T/rw.sock" >>$T/rw.log 2>&1 &
	echo $! >$T/rw.pid
	cl_wait 100 grep -q 'connection home: up:' $T/rw.log
}
# What a private /run (no systemd-resolved) and /sbin (no resolvconf) are.
NO_RUN="mount -t tmpfs none /run"
NO_SBIN="mount -t tmpfs none /sbin/"

# ---- systemd-resolved ----------------------------------------------------
rw_in "$NO_RUN && mkdir -p /run/systemd/resolve && $NO_SBIN &&
    export PATH=$T/bin:\$PATH"
ok $? "resolved: the connection is up"
is "$(cat $T/calls)" "resolvectl dns moat1 10.0.1.1
resolvectl domain moat1 ~." "resolved: the TUN device's server and the domain ~."
grep -q 'DNS: resolved' $T/rw.log; ok $? "... and the log says resolved"
cl_stop rw
is "$(tail -1 $T/calls)" "resolvectl revert moat1" "resolved: reverted at the end"

# ---- resolvconf -----------------------------------------------------------
rw_in "$NO_RUN && $NO_SBIN && cp $T/bin/resolvconf /sbin/"
ok $? "resolvconf: the connection is up"
is "$(cat $T/calls)" "resolvconf -a moat1.moat
  stdin: nameserver 10.0.1.1" "resolvconf: a record moat1.moat with the server"
cl_stop rw
is "$(tail -1 $T/calls)" "resolvconf -d moat1.moat" \
    "resolvconf: the record deleted at the end"

touch $T/fail
rw_in "$NO_RUN && $NO_SBIN && cp $T/bin/resolvconf /sbin/"
ok $? "a failing resolvconf: the connection is up all the same"
grep -q 'error: resolvconf -a: exited with status 1' $T/rw.log
ok $? "... the failure is logged with its status"
grep -q 'DNS: not set' $T/rw.log; ok $? "... and the DNS is not set"
cl_stop rw
is "$(grep -c 'resolvconf -d' $T/calls)" 0 "... so nothing is deleted at the end"
rm -f $T/fail

# ---- a resolv.conf -----------------------------------------------------
printf 'nameserver 192.0.2.53\noptions edns0\n' >$T/etc-resolv.conf
cp $T/etc-resolv.conf $T/etc-resolv.conf.0
rw_in "$NO_RUN && $NO_SBIN && mount --bind $T/etc-resolv.conf /etc/resolv.conf"
ok $? "file: the connection is up"
is "$(cat $T/etc-resolv.conf)" "nameserver 10.0.1.1  # moat moat1
nameserver 192.0.2.53
options edns0" "file: /etc/resolv.conf has the server on top"
is "$(cat $T/calls)" "" "file: no tool was called"
cl_stop rw
cmp -s $T/etc-resolv.conf $T/etc-resolv.conf.0
ok $? "file: /etc/resolv.conf is back byte for byte"
is "$(cksum </etc/resolv.conf)" "$RESOLV0" "the host's /etc/resolv.conf is unchanged"
cl_stop gw
[ $tap_failed -eq 0 ] || show $T/rw.log
done_testing
