iptables -P INPUT DROP
iptables -A INPUT -s 10.0.0.0/ -j ACCEPT
iptables -A INPUT -p tcp --dport 22 -j ACCEPT
iptables -A NOCHAIN -j ACCEPT
