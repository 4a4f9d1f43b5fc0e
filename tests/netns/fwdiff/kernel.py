# The kernel side of fw-kernel-eval: a router namespace with three
# neighbours, packets injected one at a time, and the deciding rule read
# back from the filter table's counters.
import re
import socket
import subprocess

from common import Namespaces, run, setns
import stateless

# Locally originated test packets carry this mark; everything else the
# router itself sends (RSTs, ICMP errors, echo replies, REJECT's answers) is
# dropped in raw OUTPUT before it can touch the filter table's counters.
TEST_MARK = 0x6d6f6174

RAW_TABLE = """*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -j CT --notrack
-A OUTPUT -m mark ! --mark 0x%x -j DROP
-A OUTPUT -j CT --notrack
COMMIT
""" % TEST_MARK

# Neighbour namespaces: name tag, router-side interface, neighbour-side
# interface, addresses the neighbour owns (for ARP), routes the router gets.
NEIGHBOURS = [
    ("ext", "extif", "ext0", ["198.51.100.2", "198.51.100.50"],
     [["default", "via", "198.51.100.2"]]),
    ("lan", "wirif", "lan0", ["10.0.1.10", "10.0.1.20", "10.0.1.200"],
     [["10.0.4.0/24", "via", "10.0.1.10"]]),
    ("lan2", "wirif2", "lan20", ["10.0.3.10", "10.0.3.33"],
     [["10.0.5.0/24", "via", "10.0.3.10"]]),
]


def _sysctl(ns, kv):
    Namespaces.exec(ns, ["sysctl", "-qw"] + kv)


def _mac(ns, dev):
    out = Namespaces.exec(ns, ["cat", "/sys/class/net/%s/address" % dev])
    return bytes.fromhex(out.stdout.strip().replace(":", ""))


def raw_sender(gw, rif, ns, nif):
    """A raw socket in neighbour namespace ns on its interface nif, and the
    Ethernet header of frames from it to the router gw's interface rif."""
    hdr = _mac(gw, rif) + _mac(ns, nif) + b"\x08\x00"
    setns(ns)
    try:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((nif, 0))
    finally:
        setns("")
    return s, hdr


class Router:
    def __init__(self, nss):
        self.nss = nss
        self.gw = nss.add("gw")
        self.tx = {}       # router interface -> (AF_PACKET socket, header)
        gw = self.gw
        _sysctl(gw, ["net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                     "net.ipv4.conf.default.rp_filter=0",
                     "net.ipv4.conf.all.send_redirects=0",
                     "net.ipv4.conf.default.send_redirects=0",
                     "net.ipv6.conf.all.disable_ipv6=1",
                     "net.ipv6.conf.default.disable_ipv6=1"])
        for tag, rif, nif, addrs, routes in NEIGHBOURS:
            ns = nss.add(tag)
            _sysctl(ns, ["net.ipv6.conf.all.disable_ipv6=1",
                         "net.ipv6.conf.default.disable_ipv6=1"])
            run(["ip", "link", "add", rif, "netns", gw, "type", "veth",
                 "peer", "name", nif, "netns", ns])
            _sysctl(gw, ["net.ipv4.conf.%s.rp_filter=0" % rif])
            raddr = stateless.IFACES[rif][0]
            run(["ip", "-n", gw, "addr", "add", raddr + "/24", "dev", rif])
            for a in addrs:
                run(["ip", "-n", ns, "addr", "add", a + "/24", "dev", nif])
            run(["ip", "-n", gw, "link", "set", rif, "up"])
            run(["ip", "-n", ns, "link", "set", nif, "up"])
            for r in routes:
                run(["ip", "-n", gw, "route", "add"] + r)
            # The neighbour answers ARP but never an IP packet: its replies
            # would cross the router and move counters.
            Namespaces.exec(ns, ["iptables", "-t", "raw", "-A", "PREROUTING",
                                 "-j", "DROP"])
            Namespaces.exec(ns, ["iptables", "-P", "OUTPUT", "DROP"])
            self.tx[rif] = raw_sender(gw, rif, ns, nif)
        Namespaces.exec(gw, ["iptables-restore"], input=RAW_TABLE)
        setns(gw)
        try:
            self.out = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                                     socket.IPPROTO_RAW)
            self.out.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, TEST_MARK)
        finally:
            setns("")

    def load(self, text):
        """Replaces the filter table (the raw table stays)."""
        p = Namespaces.exec(self.gw, ["iptables-restore"], input=text,
                            check=False)
        return p.returncode, p.stderr

    def send(self, pkt, data):
        if pkt["hook"] == "OUTPUT":
            try:
                self.out.sendto(data, (pkt["dst"], 0))
            except PermissionError:
                pass       # the OUTPUT chain dropped or rejected it: EPERM
        else:
            s, hdr = self.tx[pkt["in"]]
            s.send(hdr + data)


_RULE = re.compile(r"^\[(\d+):(\d+)\] -A (\S+)(?: (.*))?$")
_CHAIN = re.compile(r"^:(\S+) (\S+) \[(\d+):(\d+)\]$")


def read_counters(gw):
    """One `iptables-save -c -t filter` in GW (None: the namespace this
    thread is in): returns ({chain: (policy,
    pkts, bytes)}, [(chain, n, pkts, bytes, target)])."""
    pre = ["ip", "netns", "exec", gw] if gw else []
    p = subprocess.run(pre + ["iptables-save", "-c", "-t", "filter"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise RuntimeError("iptables-save -c: " + p.stderr)
    chains, rules, num = {}, [], {}
    for line in p.stdout.splitlines():
        m = _CHAIN.match(line)
        if m:
            chains[m.group(1)] = (m.group(2), int(m.group(3)),
                                  int(m.group(4)))
            continue
        m = _RULE.match(line)
        if m:
            c = m.group(3)
            num[c] = num.get(c, 0) + 1
            t = re.search(r"(?:^| )-([jg]) (\S+)", m.group(4) or "")
            tgt = (t.group(1) + " " + t.group(2)) if t else ""
            rules.append((c, num[c], int(m.group(1)), int(m.group(2)), tgt))
    return chains, rules


def decide(before, after, hook):
    """Deciding rule from two counter snapshots around one packet.
    Returns (verdict, where, {(chain, n): times moved}, bytes of the
    deciding counter, problem-or-None)."""
    (c0, r0), (c1, r1) = before, after
    moved, term, nbytes = {}, [], None
    for a, b in zip(r0, r1):
        dp, db = b[2] - a[2], b[3] - a[3]
        if dp == 0:
            continue
        # A user chain reached twice (jumped to from two rules) moves its
        # rules twice; only a verdict must be unique.
        moved[(b[0], b[1])] = dp
        verdict = b[4][2:] if b[4].startswith("j ") else ""
        if verdict in stateless.TERMINAL:
            if dp != 1:
                return None, None, moved, None, "%s:%d moved by %d" % (
                    b[0], b[1], dp)
            term.append((verdict, "%s:%d" % (b[0], b[1]), db))
    pol = []
    for c, (policy, p1, b1) in c1.items():
        dp = p1 - c0[c][1]
        if dp:
            pol.append((c, dp, policy, b1 - c0[c][2]))
    if len(term) + len(pol) == 0:
        return None, None, moved, None, "nothing decided"
    if len(term) + len(pol) > 1 or (pol and (pol[0][0] != hook or
                                             pol[0][1] != 1)):
        return None, None, moved, None, "several verdicts: %r %r" % (term,
                                                                     pol)
    if term:
        v, where, nbytes = term[0]
    else:
        v, where, nbytes = pol[0][2], hook + ":policy", pol[0][3]
    return v, where, moved, nbytes, None
