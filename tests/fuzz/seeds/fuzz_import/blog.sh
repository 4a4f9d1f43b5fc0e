#!/bin/sh
# Firewall for my VPN gateway, from a blog post
IPT=/sbin/iptables
EXTIF=eth0
LANIF=eth1
PUBLIC_IP=198.51.100.1
VPN="10.0.2.0/24"

$IPT -F
$IPT -X
$IPT -P INPUT DROP
$IPT -P FORWARD DROP
echo "Setting up firewall"
modprobe xt_policy
$IPT -A INPUT -i lo -j ACCEPT
$IPT -A INPUT -i $EXTIF -d $PUBLIC_IP -p udp \
    -m multiport --dports 500,4500 -j ACCEPT
$IPT -A INPUT -i $EXTIF -d $PUBLIC_IP -p esp -j ACCEPT
$IPT -A FORWARD -i $EXTIF -o $LANIF -s $VPN -d 10.0.1.0/24
   -m policy --dir in --pol ipsec -j ACCEPT
$IPT -A INPUT -s $10.0.2.0/24 -j ACCEPT
$IPT -A INPUT -s ${LANNET} -j ACCEPT
iptables -N logdrop 2>/dev/null || true
sudo iptables -A logdrop -j LOG --log-prefix 'drop: '
