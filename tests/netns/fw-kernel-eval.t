#!/bin/sh
# Random stateless filter rulesets in a router namespace: >= 10,000 packets
# injected from neighbour namespaces (and from the router itself), the
# kernel's deciding rule read from the counters, compared with
# `moatctl fw eval`. See fwdiff/kernel_eval.py (--self-check compares the
# kernel with the reference model only; FWDIFF_SEED=N picks another seed).
PY=/usr/bin/python3
if ! [ -x "$PY" ]; then
	echo "not ok 1 - this test needs $PY with python3-scapy (run scripts/install-deps)"
	echo "1..1"
	exit 1
fi
exec "$PY" "$(dirname "$0")/fwdiff/kernel_eval.py" "$@"
