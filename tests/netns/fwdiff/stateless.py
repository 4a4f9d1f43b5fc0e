# Random STATELESS filter-table rulesets and packets for fw-kernel-eval.t,
# with a small reference evaluator (written from the kernel's semantics:
# ip_tables.c ip_packet_match, xt_tcpudp, xt_multiport, xt_iprange,
# xt_length, icmp_match, and nf_tables' jump/goto stack) used to check the
# harness itself: kernel counters and this model must agree on every packet.
#
# Rules are built as objects that can both print themselves as iptables
# command-line text and evaluate a packet; moat only ever sees the text.
import ipaddress

# ---------------------------------------------------------------- topology
# The router namespace gw: interface -> (its address, hosts behind it).  The
# hosts are what packets use as addresses; the rule generator draws from the
# same pools so that rules match often.
IFACES = {
    "extif": ("198.51.100.1", ["203.0.113.5", "203.0.113.9", "203.0.113.130",
                               "192.0.2.1", "192.0.2.77", "192.0.2.200",
                               "10.0.2.7", "10.0.2.129", "198.51.100.2",
                               "198.51.100.50"]),
    "wirif": ("10.0.1.1", ["10.0.1.10", "10.0.1.20", "10.0.1.200",
                           "10.0.4.1", "10.0.4.66"]),
    "wirif2": ("10.0.3.1", ["10.0.3.10", "10.0.3.33", "10.0.5.5",
                            "10.0.5.99"]),
}
LOCAL = [v[0] for v in IFACES.values()]
HOSTS = [h for v in IFACES.values() for h in v[1]]
IFNAMES = list(IFACES)
# Interface names as rules write them: exact, wildcards, and names that
# exist nowhere.
IFPATTERNS = ["extif", "wirif", "wirif2", "wirif+", "ext+", "w+", "+",
              "wirif2+", "lo", "eth0", "extif0"]

PORTS = [1, 22, 53, 80, 123, 443, 1023, 1024, 1025, 8080, 40000, 65535]
# ICMP (type, code) pairs packets use; names are iptables' own.
ICMPS = [(0, 0), (3, 0), (3, 1), (3, 3), (3, 4), (3, 13), (5, 1), (8, 0),
         (11, 0), (11, 1), (12, 0), (13, 0), (14, 0)]
ICMP_NAMES = {
    (0, None): "echo-reply", (3, None): "destination-unreachable",
    (3, 0): "network-unreachable", (3, 1): "host-unreachable",
    (3, 3): "port-unreachable", (3, 4): "fragmentation-needed",
    (3, 13): "communication-prohibited", (5, None): "redirect",
    (8, None): "echo-request", (11, None): "time-exceeded",
    (11, 0): "ttl-zero-during-transit", (12, None): "parameter-problem",
    (13, None): "timestamp-request",
}
TCP_FLAGS = [("FIN", 0x01), ("SYN", 0x02), ("RST", 0x04), ("PSH", 0x08),
             ("ACK", 0x10), ("URG", 0x20)]
# For packets: ECE and CWR too (no iptables name; moat's eval takes E, C).
PKT_FLAGS = TCP_FLAGS + [("ECE", 0x40), ("CWR", 0x80)]
FLAG_LETTERS = {"FIN": "F", "SYN": "S", "RST": "R", "PSH": "P", "ACK": "A",
                "URG": "U", "ECE": "E", "CWR": "C"}
PROTO_NUM = {"tcp": 6, "udp": 17, "icmp": 1, "esp": 50}
TERMINAL = ("ACCEPT", "DROP", "REJECT")


def ip2int(s):
    return int(ipaddress.IPv4Address(s))


def int2ip(n):
    return str(ipaddress.IPv4Address(n & 0xFFFFFFFF))


# ------------------------------------------------------------------ matches
class Addr:
    """-s / -d: address with random host bits, prefix, dotted or
    non-contiguous mask; sometimes a list `A,B`, which iptables expands into
    one rule per address (see Rule.expand)."""

    def __init__(self, rng, field):
        self.field = field
        self.alts = [self._one(rng) for _ in range(
            2 if rng.random() < 0.07 else 1)]
        # iptables-nft 1.8.9 refuses `! -s A/0` (RULE_APPEND failed), and
        # iptables refuses `!` with a list.
        self.neg = (len(self.alts) == 1 and self.alts[0][1] != 0 and
                    rng.random() < 0.25)

    @staticmethod
    def _one(rng):
        base = ip2int(rng.choice(HOSTS + LOCAL))
        if rng.random() < 0.06:      # non-contiguous: kernel compares bits
            mask = ip2int(rng.choice(["255.0.255.0", "255.255.0.255",
                                      "0.0.0.255", "255.255.255.254"]))
            return base ^ rng.getrandbits(8), mask, int2ip(mask)
        plen = rng.choice([0, 8, 12, 16, 20, 24, 24, 25, 28, 30, 31, 32, 32])
        mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        if rng.random() < 0.5:    # host bits the kernel must mask off
            base ^= rng.getrandbits(32 - plen) if plen < 32 else 0
        r = rng.random()
        mtext = int2ip(mask) if r < 0.2 else "" if (r < 0.3 and
                                                     plen == 32) else plen
        return base, mask, str(mtext)

    def text(self):
        return "%s-%s %s" % ("! " if self.neg else "",
                             "s" if self.field == "src" else "d",
                             ",".join(int2ip(a) + ("/" + m if m else "")
                                      for a, _, m in self.alts))

    def alternatives(self):
        """One single-address copy of this match per list element."""
        out = []
        for alt in self.alts:
            c = Addr.__new__(Addr)
            c.field, c.alts, c.neg = self.field, [alt], self.neg
            out.append(c)
        return out

    def match(self, p):
        assert len(self.alts) == 1, "expand() the rule first"
        a, mask, _ = self.alts[0]
        v = ip2int(p[self.field])
        return ((v & mask) == (a & mask)) != self.neg


class Iface:
    def __init__(self, rng, field):
        self.field = field
        self.name = rng.choice(IFPATTERNS)
        self.neg = rng.random() < 0.3

    def text(self):
        return "%s-%s %s" % ("! " if self.neg else "",
                             "i" if self.field == "in" else "o", self.name)

    def match(self, p):
        dev = p.get(self.field, "")
        if self.name.endswith("+"):
            m = dev.startswith(self.name[:-1])
        else:
            m = dev == self.name
        return m != self.neg


class Proto:
    def __init__(self, name, neg, word=None):
        self.name = name
        self.neg = neg
        self.word = word or name

    def text(self):
        return "%s-p %s" % ("! " if self.neg else "", self.word)

    def match(self, p):
        if self.name == "all":
            return not self.neg
        return (p["proto"] == self.name) != self.neg


def _portspec(rng):
    a = rng.choice(PORTS)
    r = rng.random()
    if r < 0.55:
        return (a, a)
    b = rng.choice(PORTS)
    lo, hi = min(a, b), max(a, b)
    if r < 0.65:
        return (0, hi)           # ":hi"
    if r < 0.72:
        return (lo, 65535)       # "lo:"
    if r < 0.76 and lo != hi:
        return (hi, lo)          # reversed: accepted, never matches
    return (lo, hi)


def _porttext(lo, hi, form):
    if lo == hi:
        return str(lo)
    if form == 1 and lo == 0:
        return ":%d" % hi
    if form == 1 and hi == 65535:
        return "%d:" % lo
    return "%d:%d" % (lo, hi)


class Port:
    """--sport/--dport of the implicit tcp/udp match."""

    def __init__(self, rng, field, proto):
        self.field = field
        self.lo, self.hi = _portspec(rng)
        if proto == "tcp" and self.lo > self.hi:
            # tcp refuses "invalid portrange (min > max)"; udp takes it
            self.lo, self.hi = self.hi, self.lo
        self.form = rng.randrange(2)
        # iptables-nft 1.8.9 drops `! --dport 0:65535` entirely (saved as
        # `-p udp`, matches everything); xt_tcpudp matches nothing.  Not
        # generated, see the report.
        self.neg = (self.lo, self.hi) != (0, 65535) and rng.random() < 0.25

    def text(self):
        return "%s--%s %s" % ("! " if self.neg else "",
                              "sport" if self.field == "sport" else "dport",
                              _porttext(self.lo, self.hi, self.form))

    def match(self, p):
        return (self.lo <= p[self.field] <= self.hi) != self.neg


class TcpFlags:
    def __init__(self, rng):
        self.neg = rng.random() < 0.2
        if rng.random() < 0.3:
            self.syn = True
            self.mask, self.cmp = 0x17, 0x02
            return
        self.syn = False
        names = [n for n, _ in TCP_FLAGS]
        self.mnames = rng.sample(names, rng.randint(1, 4))
        if rng.random() < 0.1:
            self.mnames = ["ALL"]
        elif rng.random() < 0.04:
            self.mnames = ["NONE"]
        mbits = self._bits(self.mnames)
        cands = [n for n, b in TCP_FLAGS if b & mbits]
        self.cnames = rng.sample(cands, rng.randint(0, min(2, len(cands))))
        if rng.random() < 0.05 and mbits == 0x3F:
            self.cnames = ["ALL"]
        if not self.cnames:
            self.cnames = ["NONE"]
        self.mask, self.cmp = mbits, self._bits(self.cnames)

    @staticmethod
    def _bits(names):
        if names == ["ALL"]:
            return 0x3F
        if names == ["NONE"]:
            return 0
        d = dict(TCP_FLAGS)
        return sum(d[n] for n in names)

    def text(self):
        neg = "! " if self.neg else ""
        if self.syn:
            return neg + "--syn"
        return "%s--tcp-flags %s %s" % (neg, ",".join(self.mnames),
                                        ",".join(self.cnames))

    def match(self, p):
        return ((p["flags"] & self.mask) == self.cmp) != self.neg


class Multiport:
    def __init__(self, rng):
        self.kind = rng.choice(["sports", "dports", "dports", "ports"])
        self.items = []
        slots = 0
        for _ in range(rng.randint(1, 5)):
            # multiport refuses lo:hi unless lo < hi ("invalid portrange")
            lo, hi = sorted(_portspec(rng))
            if lo == 0 and hi != lo:
                lo = 1
            slots += 1 if lo == hi else 2
            if slots > 15:
                break
            self.items.append((lo, hi))
        self.neg = rng.random() < 0.25

    def text(self):
        return "-m multiport %s--%s %s" % (
            "! " if self.neg else "", self.kind,
            ",".join(_porttext(lo, hi, 0) for lo, hi in self.items))

    def match(self, p):
        def hit(port):
            return any(lo <= port <= hi for lo, hi in self.items)
        if self.kind == "sports":
            m = hit(p["sport"])
        elif self.kind == "dports":
            m = hit(p["dport"])
        else:
            m = hit(p["sport"]) or hit(p["dport"])
        return m != self.neg


class IpRange:
    def __init__(self, rng):
        self.ranges = []
        for field in rng.sample(["src", "dst"], rng.randint(1, 2)):
            a = ip2int(rng.choice(HOSTS + LOCAL))
            b = ip2int(rng.choice(HOSTS + LOCAL))
            if rng.random() < 0.4:
                b = a + rng.randint(0, 40)
            lo, hi = min(a, b), max(a, b)
            if rng.random() < 0.04 and lo != hi:
                lo, hi = hi, lo      # "reversed and will never match"
            self.ranges.append((field, lo, hi, rng.random() < 0.25))

    def text(self):
        out = ["-m iprange"]
        for field, lo, hi, neg in self.ranges:
            out.append("%s--%s-range %s-%s" % ("! " if neg else "", field,
                                               int2ip(lo), int2ip(hi)))
        return " ".join(out)

    def match(self, p):
        for field, lo, hi, neg in self.ranges:
            if (lo <= ip2int(p[field]) <= hi) == neg:
                return False
        return True


class IcmpType:
    def __init__(self, rng):
        self.neg = rng.random() < 0.2
        r = rng.random()
        if r < 0.07:
            self.type, self.code, self.word = None, None, rng.choice(
                ["any", "255"])          # type 255 means any
            return
        t, c = rng.choice(ICMPS)
        if r < 0.5:
            c = None                       # type only: every code
        self.type, self.code = t, c
        name = ICMP_NAMES.get((t, c))
        if name and rng.random() < 0.6:
            self.word = name
        else:
            self.word = str(t) if c is None else "%d/%d" % (t, c)

    def text(self):
        return "-m icmp %s--icmp-type %s" % ("! " if self.neg else "",
                                            self.word)

    def match(self, p):
        if self.type is None:
            m = True
        else:
            t, c = p["icmp"]
            m = t == self.type and (self.code is None or c == self.code)
        return m != self.neg


class Length:
    def __init__(self, rng):
        a = rng.choice([20, 28, 40, 41, 60, 100, 576, 1000, 1500])
        b = rng.choice([28, 40, 60, 64, 100, 512, 1500, 65535])
        if rng.random() < 0.4:
            self.lo = self.hi = a
        elif rng.random() < 0.05 and a != b:
            self.lo, self.hi = max(a, b), min(a, b)    # never matches
        else:
            self.lo, self.hi = min(a, b), max(a, b)
        self.neg = rng.random() < 0.25

    def text(self):
        v = str(self.lo) if self.lo == self.hi else "%d:%d" % (self.lo,
                                                              self.hi)
        return "-m length %s--length %s" % ("! " if self.neg else "", v)

    def match(self, p):
        return (self.lo <= p["len"] <= self.hi) != self.neg


class Literal:
    """Text that changes nothing (an explicit `-m tcp`)."""

    def __init__(self, text):
        self._text = text

    def text(self):
        return self._text

    def match(self, p):
        return True


# -------------------------------------------------------------------- rules
class Rule:
    def __init__(self, parts, target):
        self.parts = parts          # ordered match objects
        self.target = target        # ("ACCEPT",) ("jump", c) ("goto", c) None

    def text(self, chain):
        s = " ".join(["-A", chain] + [m.text() for m in self.parts])
        t = self.target
        if t is None:
            return s
        if t[0] == "jump":
            return s + " -j " + t[1]
        if t[0] == "goto":
            return s + " -g " + t[1]
        if t[0] == "REJECT" and len(t) > 1:
            return s + " -j REJECT --reject-with " + t[1]
        return s + " -j " + t[0]

    def expand(self):
        """The rules iptables makes of this line: -s A,B -d C,D gives
        A/C, A/D, B/C, B/D (source outer), each a rule of its own."""
        def alts(field):
            for m in self.parts:
                if isinstance(m, Addr) and m.field == field:
                    return m.alternatives()
            return [None]
        out = []
        for s in alts("src"):
            for d in alts("dst"):
                parts = [(s if m.field == "src" else d)
                         if isinstance(m, Addr) else m for m in self.parts]
                out.append(Rule(parts, self.target))
        return out

    def match(self, p):
        return all(m.match(p) for m in self.parts)


BUILTIN = ("INPUT", "FORWARD", "OUTPUT")
USER_NAMES = ["u_a", "chk", "LAN-in", "x1", "deep", "tail"]
REJECT_WITH = ["icmp-net-unreachable", "icmp-host-unreachable",
               "icmp-port-unreachable", "icmp-proto-unreachable",
               "icmp-net-prohibited", "icmp-host-prohibited",
               "icmp-admin-prohibited"]


def _avoid_nft_port_pair_bug(parts):
    """iptables-nft 1.8.9 turns `! --sport A ! --dport B` (both single
    ports, both negated) into one 4-byte compare of the port pair, so the
    kernel matches unless BOTH ports equal -- not xt_tcpudp's meaning
    (sport != A and dport != B), which moat follows.  Not generated; see
    the report in fw-kernel-eval.t."""
    ports = [m for m in parts if isinstance(m, Port)]
    if (len(ports) == 2 and all(m.neg and m.lo == m.hi for m in ports)):
        ports[1].neg = False


def _rule(rng, chain, later_user):
    parts = []
    builtin = chain in BUILTIN
    if rng.random() < 0.35:
        parts.append(Addr(rng, "src"))
    if rng.random() < 0.35:
        parts.append(Addr(rng, "dst"))
    if any(len(a.alts) > 1 for a in parts):
        for a in parts:      # "! not allowed with multiple ... addresses"
            a.neg = False
    if rng.random() < 0.3 and chain not in ("OUTPUT",):
        parts.append(Iface(rng, "in"))
    elif rng.random() < 0.1 and not builtin:
        parts.append(Iface(rng, "in"))
    if rng.random() < 0.3 and chain not in ("INPUT",):
        parts.append(Iface(rng, "out"))
    rng.shuffle(parts)
    r = rng.random()
    proto = None
    if r < 0.3:
        proto = "tcp"
    elif r < 0.5:
        proto = "udp"
    elif r < 0.62:
        proto = "icmp"
    elif r < 0.67:
        proto = "all"
    elif r < 0.7:
        proto = "esp"
    if proto:
        neg = proto != "all" and rng.random() < 0.12
        word = proto
        if rng.random() < 0.15:
            word = {"tcp": "6", "udp": "17", "icmp": "1", "all": "0",
                    "esp": "50"}[proto]
        elif rng.random() < 0.1:
            word = proto.upper()
        parts.append(Proto(proto, neg, word))
        if proto in ("tcp", "udp") and not neg and rng.random() < 0.15:
            parts.append(Literal("-m " + proto))
        if proto in ("tcp", "udp") and not neg:
            if rng.random() < 0.4:
                parts.append(Port(rng, "sport", proto))
            if rng.random() < 0.5:
                parts.append(Port(rng, "dport", proto))
                _avoid_nft_port_pair_bug(parts)
            if proto == "tcp" and rng.random() < 0.35:
                parts.append(TcpFlags(rng))
            if rng.random() < 0.3:
                parts.append(Multiport(rng))
        if proto == "icmp" and not neg and rng.random() < 0.7:
            parts.append(IcmpType(rng))
    if rng.random() < 0.15:
        parts.append(IpRange(rng))
    if rng.random() < 0.15:
        parts.append(Length(rng))
    r = rng.random()
    if later_user and r < 0.22:
        target = ("jump", rng.choice(later_user))
    elif later_user and r < 0.3:
        target = ("goto", rng.choice(later_user))
    elif r < 0.5:
        target = ("ACCEPT",)
    elif r < 0.68:
        target = ("DROP",)
    elif r < 0.78:
        target = ("REJECT",) if rng.random() < 0.5 else \
            ("REJECT", rng.choice(REJECT_WITH))
        if proto == "tcp" and not neg and rng.random() < 0.3:
            target = ("REJECT", "tcp-reset")
    elif r < 0.9:
        target = ("RETURN",)
    else:
        target = None
    return Rule(parts, target)


class Ruleset:
    def __init__(self, rng):
        self.policy = {c: rng.choice(["ACCEPT", "DROP"]) for c in BUILTIN}
        self.users = rng.sample(USER_NAMES, rng.randint(0, 4))
        self.lines = {}      # chain -> rules as written
        for c in BUILTIN:
            self.lines[c] = [_rule(rng, c, self.users)
                             for _ in range(rng.randint(0, 9))]
        for i, c in enumerate(self.users):
            self.lines[c] = [_rule(rng, c, self.users[i + 1:])
                             for _ in range(rng.randint(0, 6))]
        # chain -> rules as the kernel numbers them (lists expanded)
        self.chains = {c: [x for r in rules for x in r.expand()]
                       for c, rules in self.lines.items()}

    def text(self, extra=""):
        out = ["*filter"]
        out += [":%s %s [0:0]" % (c, self.policy[c]) for c in BUILTIN]
        out += [":%s - [0:0]" % c for c in self.users]
        for c in list(BUILTIN) + self.users:
            out += [r.text(c) for r in self.lines[c]]
        out.append("COMMIT")
        return "\n".join(out) + "\n" + extra

    def evaluate(self, p):
        """Reference traversal: returns (verdict, 'CHAIN:N'|'CHAIN:policy',
        {(chain, n): times its counter moves})."""
        hook = p["hook"]
        moved = {}
        stack = []
        chain, i = hook, 0
        for _ in range(10000):
            rules = self.chains[chain]
            if i >= len(rules):
                if chain in BUILTIN or not stack:
                    return self.policy[hook], hook + ":policy", moved
                chain, i = stack.pop()
                continue
            r = rules[i]
            i += 1
            if not r.match(p):
                continue
            moved[(chain, i)] = moved.get((chain, i), 0) + 1
            t = r.target
            if t is None:
                continue
            if t[0] in TERMINAL:
                return t[0], "%s:%d" % (chain, i), moved
            if t[0] == "RETURN":
                if chain in BUILTIN or not stack:
                    return self.policy[hook], hook + ":policy", moved
                chain, i = stack.pop()
            elif t[0] == "jump":
                stack.append((chain, i))
                chain, i = t[1], 0
            else:
                chain, i = t[1], 0
        raise RuntimeError("reference evaluator: no verdict")


# ------------------------------------------------------------------ packets
def _route_iface(dst):
    for name, (_, hosts) in IFACES.items():
        if dst in hosts:
            return name
    raise ValueError(dst)


def gen_packet(rng):
    r = rng.random()
    if r < 0.55:
        hook = "FORWARD"
    elif r < 0.8:
        hook = "INPUT"
    else:
        hook = "OUTPUT"
    p = {"hook": hook}
    if hook == "OUTPUT":
        p["src"] = rng.choice(LOCAL) if rng.random() < 0.8 else \
            rng.choice(HOSTS)
    else:
        p["in"] = rng.choice(IFNAMES)
        p["src"] = rng.choice(HOSTS)
    if hook == "INPUT":
        p["dst"] = rng.choice(LOCAL)
    else:
        p["dst"] = rng.choice([h for h in HOSTS if h != p["src"]])
        p["out"] = _route_iface(p["dst"])
    r = rng.random()
    proto = "tcp" if r < 0.45 else "udp" if r < 0.75 else \
        "icmp" if r < 0.95 else "esp"
    p["proto"] = proto
    hdr = 20
    if proto in ("tcp", "udp"):
        def port():
            v = rng.choice(PORTS) + rng.choice([0, 0, 0, -1, 1])
            if rng.random() < 0.1:
                v = rng.randint(1, 65535)
            if rng.random() < 0.01:
                return 0
            return min(max(v, 1), 65535)
        p["sport"], p["dport"] = port(), port()
        hdr += 20 if proto == "tcp" else 8
    if proto == "tcp":
        r = rng.random()
        if r < 0.35:
            fl = 0x02
        elif r < 0.55:
            fl = 0x10
        elif r < 0.65:
            fl = 0x12
        else:
            fl = rng.getrandbits(8)      # incl. none, ECE and CWR
        p["flags"] = fl
    if proto == "icmp":
        p["icmp"] = rng.choice(ICMPS)
        hdr += 8
    if proto == "esp":
        p["spi"] = rng.randint(256, 0xFFFFFFFF)
        hdr += 8
    r = rng.random()
    if r < 0.4:
        extra = 0
    elif r < 0.8:
        extra = rng.randint(1, 120)
    else:
        extra = rng.randint(0, 1500 - hdr)
    p["len"] = hdr + extra
    return p


def flagstr(bits):
    return "".join(FLAG_LETTERS[n] for n, b in PKT_FLAGS if bits & b) or \
        "none"


def eval_line(p):
    """The packet as a `moatctl fw eval` input line (DESIGN.md contract)."""
    f = ["hook=" + p["hook"]]
    if "in" in p:
        f.append("in=" + p["in"])
    if "out" in p:
        f.append("out=" + p["out"])
    f += ["src=" + p["src"], "dst=" + p["dst"], "proto=" + p["proto"]]
    if "sport" in p:
        f += ["sport=%d" % p["sport"], "dport=%d" % p["dport"]]
    if "flags" in p:
        f.append("flags=" + flagstr(p["flags"]))
    if "icmp" in p:
        f.append("icmp=%d/%d" % p["icmp"])
    if "spi" in p:
        f.append("spi=0x%08x" % p["spi"])
    f.append("len=%d" % p["len"])
    return " ".join(f)


def packet_bytes(p, rng):
    """The IPv4 datagram (scapy builds it; checksums are correct)."""
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.packet import Raw
    from scapy.utils import checksum
    ip = IP(src=p["src"], dst=p["dst"], ttl=64, id=rng.getrandbits(16))
    if p["proto"] == "tcp":
        l4 = TCP(sport=p["sport"], dport=p["dport"], flags=p["flags"],
                 seq=rng.getrandbits(32), ack=rng.getrandbits(32)
                 if p["flags"] & 0x10 else 0, window=1024)
    elif p["proto"] == "udp":
        l4 = UDP(sport=p["sport"], dport=p["dport"])
    elif p["proto"] == "icmp":
        # By hand: scapy sizes some types' bodies (timestamps) itself.
        body = rng.getrandbits(32).to_bytes(4, "big")
        body += bytes(rng.getrandbits(8) for _ in range(p["len"] - 28))
        csum = checksum(bytes([p["icmp"][0], p["icmp"][1], 0, 0]) + body)
        ip.proto = 1
        l4 = Raw(bytes([p["icmp"][0], p["icmp"][1]]) +
                 csum.to_bytes(2, "big") + body)
    else:
        ip.proto = 50
        l4 = Raw(p["spi"].to_bytes(4, "big") + (1).to_bytes(4, "big"))
    pkt = ip / l4
    pad = p["len"] - len(pkt)
    if pad:
        pkt = pkt / Raw(bytes(rng.getrandbits(8) for _ in range(pad)))
    b = bytes(pkt)
    assert len(b) == p["len"], (len(b), p)
    return b
