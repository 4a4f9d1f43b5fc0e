#!/usr/bin/python3
# fw-conntrack: moat's connection tracking against the kernel's, on real
# packet sequences.  A router namespace classifies every forwarded, input
# and (its own) output packet by conntrack state with one ACCEPT rule per
# state and direction (policy DROP); scapy packets are injected from the
# neighbour namespaces one at a time, in both directions, and the kernel's
# state for each is read from the rule counter that moved (iptables-save -c
# before and after).  The same ruleset and the same packets, in the same
# order and with the times they were sent (t=), go through ONE
# `moatctl fw eval -f RULES` process; it must name the same deciding rule
# for every packet.
#
#   conntrack_diff.py [--kernel-only] [--only NAME,...]
#
# --kernel-only leaves moat out and prints the kernel's answer for every
# packet (to write sequences).  FWCT_KEEP=1 keeps the temporary directory
# (kept anyway on failure): ct.rules (moat's ruleset), kernel.rules (what
# the router loaded), ct.pkts (eval input, one packet a line, with the
# sequence and the kernel's answer as a comment) and ct.moat (moat's
# answers).
#
# Topology (all in namespaces fwct-<pid>-*):
#   lan 10.0.1.10 --lan0/lanif-- gw 10.0.1.1, 203.0.113.1 --extif/ext0-- ext
#   ext owns 203.0.113.5 (server) and 203.0.113.2 (a hop router, next hop
#   for 192.0.2.0/24, so 192.0.2.77 is a remote host behind it).
# The neighbours answer ARP but drop every IP packet they receive; the
# router's own packets are dropped in raw OUTPUT before conntrack sees them
# (kernel-only rules), except its echo replies, which are compared too.
import argparse
import importlib.util
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (Deadline, Namespaces, Tap, exit_on_signals,  # noqa: E402
                    moat_paths, preflight, run, setns)
import kernel  # noqa: E402

TIME_LIMIT = 100          # seconds for the whole packet loop
POLL_LIMIT = 1.0          # seconds to wait for one packet's counters

# ------------------------------------------------------------------ ruleset
# The state rules, the same in every filter chain a packet is compared in.
# Rule n of a chain is STATES[n - 1]; the label is what the tables below
# and the diagnostics call it.
STATE_RULES = {
    "FORWARD": [
        ("INV", "-m conntrack --ctstate INVALID"),
        ("UNT", "-m conntrack --ctstate UNTRACKED"),
        ("NEW", "-m conntrack --ctstate NEW"),
        ("EST", "-m conntrack --ctstate ESTABLISHED --ctdir ORIGINAL"),
        ("EST/R", "-m conntrack --ctstate ESTABLISHED --ctdir REPLY"),
        ("REL", "-m conntrack --ctstate RELATED --ctdir ORIGINAL"),
        ("REL/R", "-m conntrack --ctstate RELATED --ctdir REPLY"),
    ],
    # -m state is the older spelling of the same thing; INPUT uses both.
    "INPUT": [
        ("INV", "-m state --state INVALID"),
        ("UNT", "-m conntrack --ctstate UNTRACKED"),
        ("NEW", "-m state --state NEW"),
        ("EST", "-m conntrack --ctdir ORIGINAL --ctstate ESTABLISHED"),
        ("EST/R", "-m state --state ESTABLISHED"),
        ("REL", "-m conntrack --ctstate RELATED --ctdir ORIGINAL"),
        ("REL/R", "-m state --state RELATED"),
    ],
}
STATE_RULES["OUTPUT"] = STATE_RULES["FORWARD"]

# raw PREROUTING: two ways of exempting UDP from tracking.
RAW_SHARED = [
    "-A PREROUTING -p udp --dport 9999 -j NOTRACK",
    "-A PREROUTING -p udp --dport 9998 -j CT --notrack",
]
# Kernel only: the router's own packets (RSTs and ICMP errors answering the
# test packets) must not reach conntrack or the counters; echo replies are
# part of the test (moat gets them as hook=OUTPUT lines).
RAW_KERNEL_ONLY = [
    "-A OUTPUT -p icmp --icmp-type echo-reply -j ACCEPT",
    "-A OUTPUT -j DROP",
]


def ruleset(kernel_side):
    raw = RAW_SHARED + (RAW_KERNEL_ONLY if kernel_side else [])
    out = ["*raw", ":PREROUTING ACCEPT [0:0]", ":OUTPUT ACCEPT [0:0]"]
    out += raw + ["COMMIT", "*filter"]
    out += [":%s DROP [0:0]" % c for c in ("INPUT", "FORWARD", "OUTPUT")]
    for c in ("INPUT", "FORWARD", "OUTPUT"):
        out += ["-A %s %s -j ACCEPT" % (c, m) for _, m in STATE_RULES[c]]
    out.append("COMMIT")
    return "\n".join(out) + "\n"


def label(where):
    """'FORWARD:3' -> 'NEW' (the state its rule matches)."""
    if where is None:
        return "?"
    chain, _, n = where.partition(":")
    if n.isdigit() and chain in STATE_RULES and \
            1 <= int(n) <= len(STATE_RULES[chain]):
        return STATE_RULES[chain][int(n) - 1][0]
    return n


def where_of(chain, lab):
    for i, (lb, _) in enumerate(STATE_RULES[chain]):
        if lb == lab:
            return "%s:%d" % (chain, i + 1)
    raise ValueError(lab)


# ----------------------------------------------------------------- topology
GW_IF = {"lan": ("lanif", "lan0", "10.0.1.1"),
         "ext": ("extif", "ext0", "203.0.113.1")}
# Endpoints: namespace they send from (None: the router), address.
ENDS = {
    "c": ("lan", "10.0.1.10"),       # client
    "c2": ("lan", "10.0.1.11"),      # another host on the LAN
    "s": ("ext", "203.0.113.5"),     # server
    "h": ("ext", "203.0.113.2"),     # hop router towards 192.0.2.0/24
    "r": ("ext", "192.0.2.77"),      # remote host behind h
    "g": (None, "10.0.1.1"),         # the router itself
}
NS_ADDRS = {"lan": ["10.0.1.10/24", "10.0.1.11/24"], "ext": ["203.0.113.5/24",
                                             "203.0.113.2/24"]}


class Router:
    def __init__(self, nss):
        self.gw = gw = nss.add("gw")
        self.tx = {}
        kernel._sysctl(gw, ["net.ipv4.ip_forward=1",
                            "net.ipv4.conf.all.rp_filter=0",
                            "net.ipv4.conf.default.rp_filter=0",
                            "net.ipv4.conf.all.send_redirects=0",
                            "net.ipv4.conf.default.send_redirects=0",
                            "net.ipv6.conf.all.disable_ipv6=1",
                            "net.ipv6.conf.default.disable_ipv6=1"])
        for tag, (rif, nif, raddr) in GW_IF.items():
            ns = nss.add(tag)
            kernel._sysctl(ns, ["net.ipv6.conf.all.disable_ipv6=1",
                                "net.ipv6.conf.default.disable_ipv6=1"])
            run(["ip", "link", "add", rif, "netns", gw, "type", "veth",
                 "peer", "name", nif, "netns", ns])
            kernel._sysctl(gw, ["net.ipv4.conf.%s.rp_filter=0" % rif])
            run(["ip", "-n", gw, "addr", "add", raddr + "/24", "dev", rif])
            for a in NS_ADDRS[tag]:
                run(["ip", "-n", ns, "addr", "add", a, "dev", nif])
            run(["ip", "-n", gw, "link", "set", rif, "up"])
            run(["ip", "-n", ns, "link", "set", nif, "up"])
            # ARP yes, IP never: a neighbour's answers would cross the
            # router and change the connections under test.
            Namespaces.exec(ns, ["iptables", "-t", "raw", "-A",
                                 "PREROUTING", "-j", "DROP"])
            Namespaces.exec(ns, ["iptables", "-P", "OUTPUT", "DROP"])
            self.tx[tag] = kernel.raw_sender(gw, rif, ns, nif)
        run(["ip", "-n", gw, "route", "add", "192.0.2.0/24", "via",
             "203.0.113.2"])

    def load(self, text):
        Namespaces.exec(self.gw, ["iptables-restore"], input=text)

    def sysctl(self, key):
        p = Namespaces.exec(self.gw, ["sysctl", "-n", key], check=False)
        return p.stdout.strip() if p.returncode == 0 else "?"

    def send(self, ns, data):
        s, hdr = self.tx[ns]
        s.send(hdr + data)


# ------------------------------------------------------------------ packets
class Pkt:
    """One packet a neighbour sends: its scapy form, its eval line, the
    chain it is decided in, and (optionally) the echo reply the router
    itself sends back, which is decided in OUTPUT."""

    def __init__(self, src, dst, l4, desc, fields, expect, local_reply=None):
        self.src, self.dst = src, dst
        self.ns = ENDS[src][0]
        self.saddr, self.daddr = ENDS[src][1], ENDS[dst][1]
        self.chain = "INPUT" if dst == "g" else "FORWARD"
        self.l4, self.desc, self.fields = l4, desc, fields
        self.expect = expect          # label of the rule we believe decides
        self.local_reply = local_reply
        self.data = None
        self.ipproto = None

    def build(self):
        from scapy.layers.inet import IP
        ip = IP(src=self.saddr, dst=self.daddr)
        if self.ipproto is not None:
            ip.proto = self.ipproto
        self.data = bytes(ip / self.l4())
        return self.data

    def iface(self, end):
        ns = ENDS[end][0]
        if ns is None:
            return None
        if ns == "ext":
            return "extif"
        return "lanif"

    def eval_line(self, t):
        f = ["hook=" + self.chain, "in=" + self.iface(self.src)]
        if self.chain == "FORWARD":
            f.append("out=" + self.iface(self.dst))
        f += ["src=" + self.saddr, "dst=" + self.daddr] + self.fields
        f += ["len=%d" % len(self.data), "t=%.3f" % t]
        return " ".join(f)

    def reply_line(self, t):
        """The router's echo reply to this packet (hook OUTPUT)."""
        f = ["hook=OUTPUT", "out=" + self.iface(self.src),
             "src=" + self.daddr, "dst=" + self.saddr] + \
            self.local_reply[0]
        f += ["len=%d" % len(self.data), "t=%.3f" % t]
        return " ".join(f)


def tcp(src, dst, sport, dport, flags, seq, ack=0, data=b"", expect=None):
    def l4():
        from scapy.layers.inet import TCP
        from scapy.packet import Raw
        p = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
                window=64240)
        return p / Raw(data) if data else p
    desc = "%s>%s tcp %d>%d %s seq=%d ack=%d%s" % (
        src, dst, sport, dport, flags or "none", seq, ack,
        " +%d" % len(data) if data else "")
    return Pkt(src, dst, l4, desc, ["proto=tcp", "sport=%d" % sport,
                                    "dport=%d" % dport,
                                    "flags=" + (flags or "none")], expect)


def udp(src, dst, sport, dport, expect=None):
    def l4():
        from scapy.layers.inet import UDP
        from scapy.packet import Raw
        return UDP(sport=sport, dport=dport) / Raw(b"q")
    return Pkt(src, dst, l4, "%s>%s udp %d>%d" % (src, dst, sport, dport),
               ["proto=udp", "sport=%d" % sport, "dport=%d" % dport], expect)


def icmp(src, dst, typ, ident, seq=1, expect=None, reply=None):
    """An ICMP query (echo etc.); REPLY: the label the router's own echo
    reply gets in OUTPUT (only for echo requests to the router)."""
    def l4():
        from scapy.layers.inet import ICMP
        from scapy.packet import Raw
        return ICMP(type=typ, code=0, id=ident, seq=seq) / Raw(b"ping")
    p = Pkt(src, dst, l4, "%s>%s icmp %d id=%d seq=%d" % (src, dst, typ,
                                                          ident, seq),
            ["proto=icmp", "icmp=%d/0" % typ, "icmp-id=%d" % ident], expect)
    if reply is not None:
        p.local_reply = (["proto=icmp", "icmp=0/0", "icmp-id=%d" % ident],
                         reply)
    return p


def icmp_err(src, dst, typ, code, inner, expect=None):
    """An ICMP error quoting INNER = (proto, isrc, idst, a, b): ports for
    tcp/udp, (type, id) for icmp; isrc/idst are endpoint names."""
    proto, isrc, idst, a, b = inner
    qs, qd = ENDS[isrc][1], ENDS[idst][1]

    def l4():
        from scapy.layers.inet import (ICMP, IPerror, ICMPerror, TCPerror,
                                       UDPerror)
        q = IPerror(src=qs, dst=qd)
        if proto == "udp":
            q = q / UDPerror(sport=a, dport=b)
        elif proto == "tcp":
            q = q / TCPerror(sport=a, dport=b, flags="S", seq=1000)
        else:
            q = q / ICMPerror(type=a, code=0, id=b, seq=1)
        return ICMP(type=typ, code=code) / q
    if proto == "icmp":
        fields = ["inner=icmp:%s>%s" % (qs, qd), "inner-icmp=%d/0" % a,
                  "inner-id=%d" % b]
        q = "icmp %d id=%d" % (a, b)
    else:
        fields = ["inner=%s:%s:%d>%s:%d" % (proto, qs, a, qd, b)]
        q = "%s %d>%d" % (proto, a, b)
    desc = "%s>%s icmp %d/%d quoting %s>%s %s" % (src, dst, typ, code, isrc,
                                                 idst, q)
    return Pkt(src, dst, l4, desc, ["proto=icmp", "icmp=%d/%d" % (typ, code)]
               + fields, expect)


def raw(src, dst, proto, expect=None):
    """A packet of a protocol without ports (generic tracking)."""
    def l4():
        from scapy.packet import Raw
        return Raw(b"gg")
    p = Pkt(src, dst, l4, "%s>%s proto %d" % (src, dst, proto),
            ["proto=%d" % proto], expect)
    p.ipproto = proto
    return p


class Wait:
    """The next packet of the sequence goes at least SECONDS after the
    previous one (other sequences run meanwhile)."""

    def __init__(self, seconds):
        self.seconds = seconds


# ---------------------------------------------------------------- sequences
# Every sequence uses ports, ids and addresses of its own, so that
# sequences are independent and can be interleaved.  EXPECT is what the
# kernel answered when the sequence was written (Linux 6.18, default
# conntrack sysctls); a different kernel answer fails the harness check,
# not the moat comparison.
def sequences():
    S = []

    def seq(name, *steps):
        S.append((name, list(steps)))

    # Long waits first: their later packets go while the others run.
    cp = 40500
    seq("TCP established, server RST, ACK and SYN after CLOSE's 10 s",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("s", "c", 80, cp, "R", 5001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        Wait(11.5),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="NEW"),
        tcp("s", "c", 80, cp, "A", 5001, 1001, expect="EST/R"))
    seq("UDP request, reply after the 30 s timeout",
        udp("c", "s", 5100, 53, expect="NEW"),
        Wait(31.5),
        udp("s", "c", 53, 5100, expect="NEW"),
        udp("c", "s", 5100, 53, expect="EST/R"))
    seq("ICMP echo request, reply after the 30 s timeout",
        icmp("c", "s", 8, 100, expect="NEW"),
        Wait(31.5),
        icmp("s", "c", 0, 100, expect="INV"))

    cp = 40001
    seq("TCP handshake, data, FIN close, packets after close",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("c", "s", cp, 80, "PA", 1001, 5001, b"x" * 10, expect="EST"),
        tcp("s", "c", 80, cp, "A", 5001, 1011, expect="EST/R"),
        tcp("c", "s", cp, 80, "FA", 1011, 5001, expect="EST"),
        tcp("s", "c", 80, cp, "A", 5001, 1012, expect="EST/R"),
        tcp("s", "c", 80, cp, "FA", 5001, 1012, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1012, 5002, expect="EST"),
        # TIME_WAIT: a retransmitted last ACK, then the port is reused.
        tcp("c", "s", cp, 80, "A", 1012, 5002, expect="EST"),
        tcp("c", "s", cp, 80, "S", 9000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 7000, 9001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 9001, 7001, expect="EST"))
    cp = 40002
    seq("TCP lone ACK (loose pickup)",
        tcp("c", "s", cp, 80, "A", 1000, 5000, expect="NEW"),
        tcp("c", "s", cp, 80, "PA", 1000, 5000, b"y" * 5, expect="NEW"),
        tcp("s", "c", 80, cp, "A", 5000, 1005, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1005, 5000, expect="EST"))
    seq("TCP lone SYN+ACK, then SYN on the same ports",
        tcp("c", "s", 40003, 80, "SA", 1000, 2000, expect="INV"),
        tcp("c", "s", 40003, 80, "S", 3000, expect="NEW"))
    seq("TCP SYN+FIN, then SYN on the same ports",
        tcp("c", "s", 40004, 80, "SF", 1000, expect="INV"),
        tcp("c", "s", 40004, 80, "S", 1000, expect="NEW"))
    seq("TCP without a connection: RST, RST+ACK, FIN+ACK, FIN, no flags",
        tcp("c", "s", 40005, 80, "R", 1000, expect="INV"),
        tcp("c", "s", 40006, 80, "RA", 1000, 1, expect="INV"),
        tcp("c", "s", 40007, 80, "FA", 1000, 1, expect="INV"),
        tcp("c", "s", 40008, 80, "F", 1000, expect="INV"),
        tcp("c", "s", 40009, 80, "", 1000, expect="INV"))
    cp = 40010
    seq("TCP SYN, server RST, then ACK",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "RA", 0, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 1, expect="NEW"))
    cp = 40011
    seq("TCP established, client RST, SYN reopens",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("c", "s", cp, 80, "R", 1001, expect="EST"),
        tcp("c", "s", cp, 80, "S", 4000, expect="NEW"))
    cp = 40012
    seq("TCP simultaneous open",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "S", 5000, expect="EST/R"),
        tcp("c", "s", cp, 80, "SA", 1000, 5001, expect="EST"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"))

    cp = 40013
    seq("TCP SYN, SYN retransmit, ACK before the SYN+ACK",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("c", "s", cp, 80, "A", 1001, 1, expect="INV"))
    cp = 40014
    seq("TCP established, SYN in established, client RST, data, SYN",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("c", "s", cp, 80, "S", 3000, expect="EST"),
        tcp("c", "s", cp, 80, "RA", 1001, 5001, expect="EST"),
        tcp("c", "s", cp, 80, "PA", 1001, 5001, b"z", expect="EST"),
        tcp("c", "s", cp, 80, "S", 4000, expect="EST"))
    cp = 40015
    seq("TCP server RST, client SYN ignored, server SYN+ACK resyncs",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("s", "c", 80, cp, "R", 5001, expect="EST/R"),
        tcp("c", "s", cp, 80, "S", 4000, expect="EST"),
        tcp("s", "c", 80, cp, "SA", 6000, 4001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 4001, 6001, expect="EST"))
    cp = 40016
    seq("TCP server closes first, SYN+ACK in established, FIN without ACK",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "F", 1001, expect="INV"),
        tcp("s", "c", 80, cp, "FA", 5001, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5002, expect="EST"),
        tcp("c", "s", cp, 80, "FA", 1001, 5002, expect="EST"),
        tcp("s", "c", 80, cp, "A", 5002, 1002, expect="EST/R"),
        tcp("s", "c", 80, cp, "S", 8000, expect="NEW"))
    cp = 40017
    seq("TCP SYN+ACK from the client after its SYN, SYN from the server",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("c", "s", cp, 80, "SA", 1000, 1, expect="INV"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("s", "c", 80, cp, "S", 5000, expect="INV"),
        tcp("s", "c", 80, cp, "A", 5001, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"))
    cp = 40018
    seq("TCP LAST_ACK: client SYN, server challenge ACK, client SYN",
        tcp("c", "s", cp, 80, "S", 1000, expect="NEW"),
        tcp("s", "c", 80, cp, "SA", 5000, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5001, expect="EST"),
        tcp("s", "c", 80, cp, "FA", 5001, 1001, expect="EST/R"),
        tcp("c", "s", cp, 80, "A", 1001, 5002, expect="EST"),
        tcp("c", "s", cp, 80, "FA", 1001, 5002, expect="EST"),
        tcp("c", "s", cp, 80, "S", 7000, expect="EST"),
        tcp("s", "c", 80, cp, "A", 5002, 1002, expect="EST/R"),
        tcp("c", "s", cp, 80, "S", 7000, expect="EST"))

    seq("UDP request, reply, request",
        udp("c", "s", 5000, 53, expect="NEW"),
        udp("s", "c", 53, 5000, expect="EST/R"),
        udp("c", "s", 5000, 53, expect="EST"))
    seq("UDP request, request (no reply)",
        udp("c", "s", 5001, 53, expect="NEW"),
        udp("c", "s", 5001, 53, expect="NEW"))

    seq("ICMP echo request, reply, reply, request",
        icmp("c", "s", 8, 11, expect="NEW"),
        icmp("s", "c", 0, 11, expect="EST/R"),
        icmp("s", "c", 0, 11, 2, expect="EST/R"),
        icmp("c", "s", 8, 11, 2, expect="EST"))
    seq("ICMP echo reply without request; reply with another id",
        icmp("s", "c", 0, 12, expect="INV"),
        icmp("c", "s", 8, 13, expect="NEW"),
        icmp("s", "c", 0, 14, expect="INV"))
    seq("ICMP timestamp request and reply, type 40",
        icmp("c", "s", 13, 15, expect="NEW"),
        icmp("s", "c", 14, 15, expect="EST/R"),
        icmp("c", "s", 40, 16, expect="INV"))

    seq("ICMP port unreachable quoting a tracked UDP flow, and untracked",
        udp("c", "s", 5010, 53, expect="NEW"),
        icmp_err("s", "c", 3, 3, ("udp", "c", "s", 5010, 53),
                 expect="REL/R"),
        icmp_err("c", "s", 3, 3, ("udp", "s", "c", 53, 5010),
                 expect="REL"),
        icmp_err("s", "c", 3, 3, ("udp", "c", "s", 5011, 53),
                 expect="INV"),
        udp("c", "s", 5010, 53, expect="NEW"))
    seq("ICMP port unreachable to another address than the quoted source",
        udp("c", "s", 5012, 53, expect="NEW"),
        icmp_err("s", "c2", 3, 3, ("udp", "c", "s", 5012, 53),
                 expect="INV"),
        icmp_err("s", "c", 3, 3, ("udp", "c", "s", 5012, 53),
                 expect="REL/R"))
    seq("ICMP host unreachable quoting a TCP SYN, then the SYN+ACK",
        tcp("c", "s", 40100, 80, "S", 1000, expect="NEW"),
        icmp_err("s", "c", 3, 1, ("tcp", "c", "s", 40100, 80),
                 expect="REL/R"),
        tcp("s", "c", 80, 40100, "SA", 5000, 1001, expect="EST/R"))
    seq("ICMP time exceeded from a hop quoting an echo request",
        icmp("c", "r", 8, 20, expect="NEW"),
        icmp_err("h", "c", 11, 0, ("icmp", "c", "r", 8, 20),
                 expect="REL/R"),
        icmp_err("h", "c", 11, 0, ("icmp", "c", "r", 8, 21), expect="INV"),
        icmp("r", "c", 0, 20, expect="EST/R"))

    seq("UDP NOTRACK in raw, the reply, ICMP error quoting it",
        udp("c", "s", 5020, 9999, expect="UNT"),
        udp("s", "c", 9999, 5020, expect="NEW"),
        udp("c", "s", 5020, 9999, expect="UNT"),
        icmp_err("s", "c", 3, 3, ("udp", "c", "s", 5020, 9999),
                 expect="REL"),
        udp("s", "c", 9999, 5020, expect="NEW"),
        udp("c", "s", 5021, 9998, expect="UNT"),
        icmp_err("s", "c", 3, 3, ("udp", "c", "s", 5021, 9998),
                 expect="INV"))

    seq("Protocol 253 (generic tracking) both ways",
        raw("c", "s", 253, expect="NEW"),
        raw("s", "c", 253, expect="EST/R"),
        raw("c", "s", 253, expect="EST"))

    # To the router itself (INPUT; its own echo replies in OUTPUT).
    seq("INPUT: echo requests to the router and its replies",
        icmp("c", "g", 8, 30, expect="NEW", reply="EST/R"),
        icmp("c", "g", 8, 30, 2, expect="EST", reply="EST/R"))
    seq("INPUT: UDP to the router, client's ICMP error quoting the reverse",
        udp("c", "g", 5030, 7, expect="NEW"),
        icmp_err("c", "g", 3, 3, ("udp", "g", "c", 7, 5030),
                 expect="REL"),
        udp("c", "g", 5030, 9999, expect="UNT"))
    seq("INPUT: lone ACK, SYN+FIN to the router",
        tcp("c", "g", 40200, 22, "A", 1000, 1, expect="NEW"),
        tcp("c", "g", 40201, 22, "SF", 1000, expect="INV"))
    return S


# ---------------------------------------------------------------- the kernel
def chain_view(snap, chain):
    chains, rules = snap
    return ({chain: chains[chain]}, [r for r in rules if r[0] == chain])


def decide_all(before, after):
    """{chain: kernel.decide() result} for every filter chain."""
    out = {}
    for c in ("INPUT", "FORWARD", "OUTPUT"):
        out[c] = kernel.decide(chain_view(before, c), chain_view(after, c), c)
    return out


def kernel_phase(router, seqs, args):
    """Sends every sequence's packets, one at a time, interleaving the
    sequences around their waits.  Returns the list of rows in send order:
    (sequence index, step index, packet or None (the router's reply), eval
    line, kernel (verdict, where) or None, problem or None)."""
    rows = []
    pos = [0] * len(seqs)            # next step per sequence
    ready = [0.0] * len(seqs)        # monotonic time it may go
    last = [0.0] * len(seqs)
    deadline = Deadline(TIME_LIMIT)
    t0 = time.monotonic()
    setns(router.gw)                # iptables-save runs here
    try:
        prev = kernel.read_counters(None)
        while not deadline.expired():
            now = time.monotonic()
            todo = [i for i, (_, st) in enumerate(seqs) if pos[i] < len(st)]
            if not todo:
                break
            go = [i for i in todo if ready[i] <= now]
            if not go:
                time.sleep(min(0.2, min(ready[i] for i in todo) - now))
                continue
            i = go[0]
            step = seqs[i][1][pos[i]]
            pos[i] += 1
            if isinstance(step, Wait):
                ready[i] = last[i] + step.seconds
                continue
            data = step.build()
            t = time.monotonic()
            router.send(step.ns, data)
            last[i] = t
            want = {step.chain: len(data)}
            if step.local_reply:
                want["OUTPUT"] = len(data)
            end = time.monotonic() + POLL_LIMIT
            n = 0
            while True:
                n += 1
                cur = kernel.read_counters(None)
                d = decide_all(prev, cur)
                if all(d[c][4] != "nothing decided" for c in want) or \
                        time.monotonic() > end:
                    break
                time.sleep(min(0.002 * n, 0.05))
            # Anything late or stray shows up in the next packet's check.
            prev = cur
            tt = t - t0
            stray = [c for c in d if c not in want and
                     d[c][4] != "nothing decided"]
            for c, line, pk in ((step.chain, step.eval_line(tt), step),
                                ("OUTPUT", step.reply_line(tt)
                                 if step.local_reply else None, None)):
                if line is None:
                    continue
                v, where, _, nbytes, problem = d[c]
                if problem is None and nbytes != want[c]:
                    problem = "byte counter moved by %s, packet is %d" % (
                        nbytes, want[c])
                if problem is None and stray:
                    problem = "other chains moved too: " + ", ".join(
                        "%s %s" % (x, d[x][4] or d[x][1]) for x in stray)
                ans = None if problem else (v, where)
                rows.append((i, pos[i] - 1, pk, line, ans, problem))
            if args.kernel_only:
                print("# %-58s %s" % (step.desc, " ".join(
                    "%s=%s" % (c, label(d[c][1]) if d[c][4] is None
                               else d[c][4]) for c in want)))
    finally:
        setns("")
    unsent = sum(1 for i, (_, st) in enumerate(seqs)
                 for s in st[pos[i]:] if not isinstance(s, Wait))
    return rows, unsent, time.monotonic() - t0


# -------------------------------------------------------------------- moat
def moat_eval(moatctl, rules_path, lines):
    """ONE `moatctl fw eval -f RULES` for all packets, in order; returns
    [(verdict, where)] or an error string."""
    try:
        p = subprocess.run([moatctl, "fw", "eval", "-f", rules_path],
                           input="".join(ln + "\n" for ln in lines),
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if p.returncode != 0:
        return "exit %d: %s" % (p.returncode, "\n".join(
            p.stderr.strip().splitlines()[-3:]))
    out = []
    for line in p.stdout.splitlines():
        w = line.split()
        if len(w) != 2:
            return "unexpected output line %r" % line
        out.append((w[0], w[1]))
    if len(out) != len(lines):
        return "%d output lines for %d packets" % (len(out), len(lines))
    return out


def show(ans):
    if ans is None:
        return "(none)"
    return "%s %s (%s)" % (ans[0], ans[1], label(ans[1]))


def report(tap, seqs, rows, answers):
    """One ok per sequence: every packet was sent and moat's deciding rule
    equals the kernel's for each; the first disagreement quoted."""
    for i, (name, steps) in enumerate(seqs):
        mine = [(k, r) for k, r in enumerate(rows) if r[0] == i]
        want = sum(1 + (s.local_reply is not None) for s in steps
                   if not isinstance(s, Wait))
        first = None
        for n, (k, r) in enumerate(mine):
            kans, problem = r[4], r[5]
            m = answers[k] if answers is not None else None
            if problem is not None:
                first = (n, "kernel: %s" % problem)
            elif m is None:
                first = (n, "moat: no answer")
            elif m != kans:
                first = (n, "kernel: %s\nmoat:   %s" % (show(kans), show(m)))
            if first:
                break
        if first is None and len(mine) != want:
            first = (len(mine), "only %d of its %d packets were sent (time "
                     "limit)" % (len(mine), want))
        tap.ok(first is None, "%s (%d packets)" % (name, want))
        if first is None:
            continue
        n, why = first
        tap.diag("first disagreement at packet %d of the sequence:" % (n + 1))
        for k, r in mine[:n + 1]:
            who = ("  router's reply" if r[2] is None else
                   "  " + seqs[i][1][r[1]].desc)
            tap.diag("%s -- kernel %s" % (who, label(r[4][1]) if r[4]
                                          else "?"))
            tap.diag("    " + r[3])
        tap.diag(why)


def harness_check(tap, seqs, rows):
    """The kernel gave every packet the state written in the sequence (so
    the harness and the sequences mean what they say)."""
    off = []
    for i, s, pk, line, ans, problem in rows:
        step = seqs[i][1][s]
        want = step.expect if pk is not None else step.local_reply[1]
        chain = line.split()[0][5:]
        if ans is None or ans != ("ACCEPT", where_of(chain, want)):
            off.append("%s: %s%s: kernel %s, sequence says %s" % (
                seqs[i][0], step.desc, "" if pk else " (router's reply)",
                problem or show(ans), want))
    tap.ok(not off, "kernel: every packet decided by exactly one counter, "
           "the state the sequence expects (harness check, %d packets)" %
           len(rows))
    for o in off[:8]:
        tap.diag(o)


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel-only", action="store_true")
    ap.add_argument("--only", default="",
                    help="comma-separated substrings of sequence names")
    return ap.parse_args()


def main():
    args = parse_args()
    tap = Tap()
    exit_on_signals()
    rc = preflight(tap, ["ip", "iptables", "iptables-restore",
                         "iptables-save", "sysctl"])
    if rc is not None:
        return rc
    if importlib.util.find_spec("scapy") is None:
        return tap.bail("this test needs python3-scapy (run "
                        "scripts/install-deps)")
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    import scapy.layers.inet  # noqa: F401 -- import errors fail here
    _, moatctl = moat_paths()
    if not args.kernel_only and not os.access(moatctl, os.X_OK):
        return tap.bail("no moatctl at %s (build it or set MOAT_BIN)" %
                        moatctl)
    seqs = sequences()
    if args.only:
        pats = args.only.split(",")
        seqs = [s for s in seqs if any(p in s[0] for p in pats)]
    tmp = tempfile.mkdtemp(prefix="fwct-")
    keep = os.environ.get("FWCT_KEEP") == "1"
    nss = Namespaces("fwct")
    t0 = time.monotonic()
    try:
        try:
            router = Router(nss)
            router.load(ruleset(True))
        except Exception as e:     # noqa: BLE001 -- report, don't traceback
            return tap.bail("router namespace with lan and ext neighbours "
                            "and the state ruleset: %s" % e)
        loose = router.sysctl("net.netfilter.nf_conntrack_tcp_loose")
        liberal = router.sysctl("net.netfilter.nf_conntrack_tcp_be_liberal")
        tap.ok(loose == "1" and liberal == "0",
               "router %s: conntrack defaults (tcp_loose=%s, "
               "tcp_be_liberal=%s)" % (router.gw, loose, liberal))
        rows, unsent, secs = kernel_phase(router, seqs, args)
        nss.delete_all()
        npk = sum(1 for _, st in seqs for s in st if not isinstance(s, Wait))
        tap.ok(unsent == 0, "kernel phase sent %d of %d packets within %ds "
               "(%.1fs)" % (npk - unsent, npk, TIME_LIMIT, secs))
        harness_check(tap, seqs, rows)
        rules = os.path.join(tmp, "ct.rules")
        with open(rules, "w") as f:
            f.write(ruleset(False))
        with open(os.path.join(tmp, "kernel.rules"), "w") as f:
            f.write(ruleset(True))
        with open(os.path.join(tmp, "ct.pkts"), "w") as f:
            for i, s, pk, line, ans, problem in rows:
                f.write("%s  # %s: kernel %s\n" % (
                    line, seqs[i][0], problem or show(ans)))
        if not args.kernel_only:
            lines = [r[3] for r in rows]
            answers = moat_eval(moatctl, rules, lines)
            if not tap.ok(not isinstance(answers, str),
                          "one moatctl fw eval -f ct.rules for all %d "
                          "packets" % len(lines)):
                tap.diag(answers)
                answers = None
            else:
                with open(os.path.join(tmp, "ct.moat"), "w") as f:
                    f.writelines("%s %s\n" % a for a in answers)
            report(tap, seqs, rows, answers)
        keep = keep or tap.failed > 0
    finally:
        nss.delete_all()
        if keep:
            tap.diag("files kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    tap.diag("total %.1fs" % (time.monotonic() - t0))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
