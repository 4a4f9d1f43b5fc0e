#!/bin/sh
# Connection tracking against the kernel's: a router namespace classifies
# forwarded, input and its own output packets by conntrack state (one
# counter per state and direction), scapy packet sequences are injected
# from neighbour namespaces in both directions (TCP opens, closes, resets
# and pickups, UDP, ICMP queries and errors, raw NOTRACK, timeouts), and
# the deciding rule the kernel's counters show for each packet is compared
# with one `moatctl fw eval` run over the same ruleset and packets. See
# fwdiff/conntrack_diff.py (--kernel-only prints the kernel's answers).
PY=/usr/bin/python3
if ! [ -x "$PY" ]; then
	echo "not ok 1 - this test needs $PY with python3-scapy (run scripts/install-deps)"
	echo "1..1"
	exit 1
fi
exec "$PY" "$(dirname "$0")/fwdiff/conntrack_diff.py" "$@"
