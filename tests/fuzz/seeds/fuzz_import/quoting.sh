#!/bin/sh
# Quotes, escapes, field splitting, sudo, export, environment, positional
# parameters given after the script's name, and a --var that fixes a value.
export LAN="10.0.1.0/24"
PORTS='22,80'
FIXED=overridden
iptables -N "my-chain" 2>/dev/null
iptables -A INPUT -s "$LAN" -p tcp -m multiport --dports $PORTS -j ACCEPT
iptables -A INPUT -m comment --comment "it's \"$1\"" -j ACCEPT
iptables -A INPUT -m comment --comment 'no $expansion here' -j ACCEPT
iptables -A INPUT -m comment --comment a\ b -j ACCEPT
sudo /usr/sbin/iptables -A INPUT -i ${2}0 -j ACCEPT
iptables -A INPUT -s $FIXED -j ACCEPT
MULTI="-p udp --dport 53"
iptables -A INPUT $MULTI -j ACCEPT
iptables -A INPUT -m comment --comment "$FROM_ENV" -j ACCEPT  # trailing comment
iptables -A "my-chain" -j RETURN; echo done
if [ -n "$X" ]; then
fi
