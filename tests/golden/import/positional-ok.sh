#!/bin/sh
# The gateway's script, run as: gateway.sh extif wirif
# Positional parameters and variables followed by digits, written as the
# shell reads them: ${1}0 is the first argument and a 0, ${POOL}0/24 is
# the pool's first three octets and 0/24, and $1.1 ends the name at the
# dot. None of them is the trap of $10.
EXTIF=$1
LANIF=$2
POOL=10.0.2.
iptables -P INPUT DROP
iptables -P FORWARD DROP
iptables -A INPUT -i lo -j ACCEPT
iptables -A INPUT -i $EXTIF -d 198.51.100.1 -p udp -m multiport --dports 500,4500 -j ACCEPT
iptables -A INPUT -i "$1" -d 198.51.100.1 -p esp -j ACCEPT
iptables -A FORWARD -i ${1} -o ${LANIF} -s ${POOL}0/24 -d 10.0.1.0/24 -m policy --dir in --pol ipsec -j ACCEPT
iptables -A FORWARD -i ${2}0 -o $EXTIF -j DROP
iptables -A FORWARD -i $1.1 -j DROP
