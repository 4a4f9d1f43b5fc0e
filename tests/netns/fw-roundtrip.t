#!/bin/sh
# iptables-restore + iptables-save in a fresh namespace versus
# `moatctl fw save -f`, for ../shared/corpus/iptables and 100 seeded random
# rulesets; moat's output must be a fixed point. See fwdiff/roundtrip.py
# (FWDIFF_SEED=N picks another seed, FWDIFF_KEEP=1 keeps the files).
PY=/usr/bin/python3
if ! [ -x "$PY" ]; then
	echo "not ok 1 - this test needs $PY with python3-scapy (run scripts/install-deps)"
	echo "1..1"
	exit 1
fi
exec "$PY" "$(dirname "$0")/fwdiff/roundtrip.py" "$@"
