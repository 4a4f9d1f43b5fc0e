# Random iptables-restore files for fw-roundtrip.t.  Everything the
# generator knows is in the tables MATCHES and TARGETS below: one row per
# option form, with where it is allowed.  A row's generator returns the text
# for one rule; every form here was checked to load with iptables 1.8.9
# (nf_tables) -- a file the kernel refuses is a generator bug.
import random

TABLES = {            # table -> built-in chains (in iptables' own order)
    "filter": ["INPUT", "FORWARD", "OUTPUT"],
    "nat": ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
    "mangle": ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    "raw": ["PREROUTING", "OUTPUT"],
}
IN_CHAINS = {"PREROUTING", "INPUT", "FORWARD"}       # where -i makes sense
OUT_CHAINS = {"FORWARD", "OUTPUT", "POSTROUTING"}    # where -o does
USER_CHAINS = ["in-ext", "LOG_DROP", "fw.lan", "x_1", "Chk", "a23456789012345678901234567",
               "tcp_ok", "RET"]
IFNAMES = ["eth0", "eth1", "extif", "wirif", "ppp+", "eth+", "lo", "br-lan",
           "wg0", "+", "veth1234"]
HOSTS = ["10.0.1.10", "10.0.2.77", "192.0.2.1", "198.51.100.200",
         "203.0.113.9", "0.0.0.0", "255.255.255.255", "172.16.5.4",
         "192.168.122.1", "10.0.0.0"]
DOTTED_MASKS = ["255.255.255.0", "255.255.0.0", "255.255.255.252",
                "255.0.255.0", "0.0.0.255", "255.255.255.255", "255.255.254.0"]
ICMP_TYPES = ["echo-request", "echo-reply", "destination-unreachable",
              "port-unreachable", "time-exceeded", "8", "0", "3/4", "11/1",
              "any", "fragmentation-needed", "parameter-problem", "redirect",
              "host-redirect", "source-quench", "timestamp-reply",
              "router-advertisement", "13", "255"]
STATES = ["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"]
CTSTATES = STATES + ["SNAT", "DNAT"]
CTSTATUS = ["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"]
TCP_FLAGS = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"]
COMMENTS = ["ssh", "allow web", "drop: bogons!", "LAN -> WAN", "x=1,y=2",
            "it's", "a" * 40, "tab\tok?"]
LOG_PREFIXES = ["IN-DROP: ", "fw", "[lan] ", "a b c", "x" * 29]
LOG_LEVELS = ["0", "1", "4", "6", "7", "emerg", "alert", "crit", "error",
              "warning", "notice", "info", "debug"]
REJECT_WITH = ["icmp-net-unreachable", "icmp-host-unreachable",
               "icmp-port-unreachable", "icmp-proto-unreachable",
               "icmp-net-prohibited", "icmp-host-prohibited",
               "icmp-admin-prohibited"]
LIMIT_UNITS = ["second", "sec", "s", "minute", "min", "m", "hour", "h",
               "day", "d"]


def neg(rng, p=0.25):
    return "! " if rng.random() < p else ""


def addr(rng, allow_list=False):
    a = rng.choice(HOSTS)
    if rng.random() < 0.6:           # host bits set under the mask
        parts = a.split(".")
        parts[3] = str(rng.randrange(256))
        if rng.random() < 0.3:
            parts[2] = str(rng.randrange(256))
        a = ".".join(parts)
    r = rng.random()
    if r < 0.45:
        a += "/%d" % rng.choice([1, 8, 12, 16, 20, 23, 24, 25, 28, 30, 31,
                                 32])
    elif r < 0.6:
        a += "/" + rng.choice(DOTTED_MASKS)
    if allow_list and rng.random() < 0.08:
        a += "," + addr(rng)        # `!` is refused with a list
    return a


def port(rng):
    # No service names: they depend on /etc/services, which this machine
    # may lack (iptables then says "invalid port/service").
    return str(rng.choice([0, 1, 22, 53, 80, 443, 1024, 8080, 40000, 65535]))


def portrange(rng):
    a = port(rng)
    r = rng.random()
    if r < 0.6:
        return a
    b = port(rng)
    if r < 0.7:
        return ":" + b
    if r < 0.8:
        return a + ":"
    lo, hi = sorted((int(a), int(b)))
    return "%d:%d" % (lo, hi)


def portopt(rng, opt):
    """A tcp/udp port option.  Not `! --dport 0:65535`: iptables-nft 1.8.9
    drops it, negation and all (saved as a bare `-p tcp`)."""
    pr = portrange(rng)
    full = pr in ("0:", ":65535", "0:65535")
    return "%s%s %s" % ("" if full else neg(rng), opt, pr)


def portlist(rng, ranges=True):
    items, slots = [], 0
    for _ in range(rng.randint(1, 6)):
        if ranges and rng.random() < 0.3:
            # multiport refuses lo:lo ("invalid portrange specified")
            lo = rng.choice([1, 22, 1000, 6000])
            items.append("%d:%d" % (lo, lo + rng.choice([1, 99, 1000])))
            slots += 2
        else:
            items.append(port(rng))
            slots += 1
        if slots >= 14:
            break
    return ",".join(items)


def flags(rng):
    if rng.random() < 0.1:
        return "ALL " + rng.choice(["NONE", "ALL", "FIN,URG,PSH"])
    mask = rng.sample(TCP_FLAGS, rng.randint(1, 5))
    comp = rng.sample(mask, rng.randint(0, len(mask))) or ["NONE"]
    return ",".join(mask) + " " + ",".join(comp)


def some(rng, words, k=3):
    return ",".join(rng.sample(words, rng.randint(1, min(k, len(words)))))


def quote(s):
    return '"' + s + '"'


def mark(rng):
    v = rng.choice(["0x1", "5", "0x10/0xf0", "0xffffffff", "0x2/0x2", "7/0xff",
                    "0"])
    return v


# ------------------------------------------------------------ the vocabulary
# MATCHES rows: (weight, proto needed or None, chains allowed or None (= any,
# including user chains), generator).  Protocol-dependent rows get `-p`
# from the rule builder, placed before them.
MATCHES = [
    (6, "tcp", None, lambda r: portopt(r, "--dport")),
    (4, "tcp", None, lambda r: portopt(r, "--sport")),
    (2, "tcp", None, lambda r: "-m tcp " + portopt(r, "--destination-port")),
    (3, "tcp", None, lambda r: "%s--tcp-flags %s" % (neg(r), flags(r))),
    (3, "tcp", None, lambda r: neg(r) + "--syn"),
    (1, "tcp", None, lambda r: "-m tcp %s--tcp-option %d" % (
        neg(r), r.choice([2, 3, 8]))),
    (5, "udp", None, lambda r: portopt(r, "--dport")),
    (2, "udp", None, lambda r: "-m udp " + portopt(r, "--sport")),
    (4, "icmp", None, lambda r: "-m icmp %s--icmp-type %s" % (
        neg(r, 0.15), r.choice(ICMP_TYPES))),
    (2, "icmp", None, lambda r: "%s--icmp-type %s" % (
        neg(r, 0.15), r.choice(ICMP_TYPES))),
    (4, "tcpudp", None, lambda r: "-m multiport %s--%s %s" % (
        neg(r), r.choice(["dports", "sports", "ports"]), portlist(r))),
    (1, "tcpudp", None, lambda r: "-m multiport --destination-ports %s" %
     portlist(r, False)),
    (3, None, None, lambda r: "-m iprange %s--src-range %s-%s" % (
        neg(r), "10.0.1.%d" % r.randrange(100), "10.0.1.%d" %
        r.randrange(100, 256))),
    (2, None, None, lambda r: "-m iprange %s--dst-range 192.0.2.1-192.0.2.1"
     " %s--src-range 198.51.100.0-203.0.113.255" % (neg(r), neg(r))),
    (4, None, None, lambda r: "-m state %s--state %s" % (
        neg(r, 0.1), some(r, STATES))),
    (3, None, None, lambda r: "-m conntrack %s--ctstate %s" % (
        neg(r, 0.1), some(r, CTSTATES))),
    (2, None, None, lambda r: "-m conntrack --ctstatus %s --ctdir %s" % (
        some(r, CTSTATUS, 2), r.choice(["ORIGINAL", "REPLY"]))),
    (2, None, None, lambda r: "-m conntrack %s--ctorigsrc %s --ctproto %s" % (
        neg(r), addr(r), r.choice(["tcp", "udp", "6", "1"]))),
    (1, None, None, lambda r: "-m conntrack --ctorigdst %s --ctstate NEW" %
     addr(r)),
    (4, None, None, lambda r: "-m comment --comment %s" % quote(
        r.choice(COMMENTS))),
    (3, None, None, lambda r: "-m limit --limit %d/%s%s" % (
        r.choice([1, 3, 10, 100]), r.choice(LIMIT_UNITS),
        r.choice(["", " --limit-burst %d" % r.choice([1, 5, 20])]))),
    (3, None, None, lambda r: "-m mark %s--mark %s" % (neg(r), mark(r))),
    (2, None, None, lambda r: "-m length %s--length %s" % (
        neg(r), r.choice(["0:100", "1500", "64:", ":576", "40:40"]))),
    (1, None, None, lambda r: "-m pkttype --pkt-type %s" % r.choice(
        ["unicast", "broadcast", "multicast"])),
    (1, None, None, lambda r: "-m ttl --ttl-%s %d" % (
        r.choice(["eq", "gt", "lt"]), r.choice([1, 64, 128]))),
    (1, None, None, lambda r: "-m tos --tos %s" % r.choice(
        ["0x10", "Minimize-Delay", "0x08/0x0f"])),
    (1, None, None, lambda r: "-m dscp %s" % r.choice(
        ["--dscp 10", "--dscp 0x2e", "--dscp-class AF11", "--dscp-class EF"])),
    (1, None, None, lambda r: "-m addrtype --%s-type %s" % (
        r.choice(["src", "dst"]), r.choice(["LOCAL", "UNICAST", "BROADCAST",
                                            "MULTICAST", "LOCAL,BROADCAST"]))),
    (1, None, None, lambda r: "-m recent --name %s --%s --seconds %d" % (
        r.choice(["ssh", "scan"]), r.choice(["rcheck", "update"]),
        r.choice([60, 3600]))),
    (1, None, None, lambda r: "-m recent --set --name ssh"),
    (1, "tcp", None, lambda r: "-m connlimit --connlimit-above %d" %
     r.choice([2, 10])),
    (1, None, ["PREROUTING", "INPUT", "FORWARD"],
     lambda r: "-m mac %s--mac-source 02:00:5e:%02x:%02x:%02X" % (
         neg(r), r.randrange(256), r.randrange(256), r.randrange(256))),
    (1, None, ["OUTPUT", "POSTROUTING"], lambda r: "-m owner %s--uid-owner %s"
     % (neg(r), r.choice(["0", "1000", "root"]))),
    (1, None, ["PREROUTING", "INPUT", "FORWARD"],
     lambda r: "-m policy --dir in --pol %s" % r.choice(
         ["ipsec", "none",
          "ipsec --proto esp --mode tunnel --tunnel-src 203.0.113.9 "
          "--tunnel-dst 198.51.100.1",
          "ipsec --strict --reqid 1 --proto esp --mode transport"])),
    (1, None, ["FORWARD", "OUTPUT", "POSTROUTING"],
     lambda r: "-m policy --dir out --pol %s" % r.choice(
         ["ipsec", "none", "ipsec --mode tunnel --tunnel-dst 203.0.113.0/24 "
          "--tunnel-src 198.51.100.1 --spi 0x100"])),
]

# TARGETS rows: (weight, tables, proto needed or None, chains or None,
# generator).  "@user" in the text is replaced by a user chain.
_ALL = set(TABLES)
TARGETS = [
    (8, {"filter", "mangle", "raw"}, None, None, lambda r: "-j ACCEPT"),
    (6, {"filter", "mangle", "raw"}, None, None, lambda r: "-j DROP"),
    (3, _ALL, None, None, lambda r: "-j RETURN"),
    (2, {"nat"}, None, None, lambda r: "-j ACCEPT"),
    (5, _ALL, None, None, lambda r: "-j @user"),
    (2, _ALL, None, None, lambda r: "-g @user"),
    (2, _ALL, None, None, lambda r: ""),
    (3, {"filter"}, None, ["INPUT", "FORWARD", "OUTPUT"],
     lambda r: "-j REJECT" + r.choice(
         ["", " --reject-with " + r.choice(REJECT_WITH)])),
    (1, {"filter"}, "tcp", ["INPUT", "FORWARD", "OUTPUT"],
     lambda r: "-j REJECT --reject-with tcp-reset"),
    (4, _ALL, None, None, lambda r: "-j LOG" + "".join(
        x for x in [r.choice(["", " --log-prefix " + quote(
            r.choice(LOG_PREFIXES))]),
            r.choice(["", " --log-level " + r.choice(LOG_LEVELS)]),
            r.choice(["", " --log-tcp-options", " --log-ip-options",
                      " --log-uid", " --log-tcp-sequence"])])),
    (1, _ALL, None, None, lambda r: "-j NFLOG --nflog-group %d%s" % (
        r.choice([0, 1, 5]), r.choice(["", " --nflog-prefix \"nf x\""]))),
    (4, {"mangle"}, None, None, lambda r: "-j MARK --%s %s" % (
        r.choice(["set-mark", "set-xmark", "or-mark", "and-mark",
                  "xor-mark"]), r.choice(["0x1", "5", "0xff", "0x10"]))),
    (1, {"mangle"}, None, None, lambda r: "-j MARK --set-mark 0x10/0xf0"),
    (1, {"filter"}, None, None, lambda r: "-j MARK --set-mark 0x2"),
    (1, {"mangle"}, None, None, lambda r: "-j CONNMARK --%s" % r.choice(
        ["save-mark", "restore-mark", "set-mark 0x3"])),
    (1, {"mangle"}, "tcp", ["FORWARD", "OUTPUT", "POSTROUTING"],
     lambda r: "--tcp-flags SYN,RST SYN -j TCPMSS " + r.choice(
         ["--clamp-mss-to-pmtu", "--set-mss 1400"])),
    (1, {"mangle"}, None, None, lambda r: "-j DSCP --set-dscp %d" %
     r.choice([0, 10, 46])),
    (1, {"mangle"}, None, None, lambda r: "-j TOS --set-tos 0x10"),
    (2, {"nat"}, None, ["POSTROUTING"], lambda r: "-j MASQUERADE" +
     r.choice(["", " --random"])),
    (2, {"nat"}, None, ["POSTROUTING", "INPUT"],
     lambda r: "-j SNAT --to-source " + r.choice(
         ["198.51.100.1", "198.51.100.1-198.51.100.9", "192.0.2.5"])),
    (1, {"nat"}, "tcp", ["POSTROUTING"],
     lambda r: "-j SNAT --to-source 198.51.100.1:1024-2048"),
    (2, {"nat"}, "tcp", ["PREROUTING", "OUTPUT"],
     lambda r: "-j DNAT --to-destination " + r.choice(
         ["10.0.1.10", "10.0.1.10:8080", "10.0.1.10-10.0.1.12:80-81"])),
    (1, {"nat"}, "tcp", ["PREROUTING", "OUTPUT"],
     lambda r: "-j REDIRECT --to-ports " + r.choice(["3128", "8000-8010"])),
    (2, {"raw"}, None, None, lambda r: "-j NOTRACK"),
    (2, {"raw"}, None, None, lambda r: "-j CT " + r.choice(
        ["--notrack", "--zone 3"])),
]


def _weighted(rng, rows):
    total = sum(row[0] for row in rows)
    x = rng.uniform(0, total)
    for row in rows:
        x -= row[0]
        if x <= 0:
            return row
    return rows[-1]


def _key(text):
    """Options of the implicit tcp/udp/icmp match may appear once a rule."""
    for k, words in (("flags", ("--tcp-flags", "--syn")),
                     ("dport", ("--dport", "--destination-port")),
                     ("sport", ("--sport",)), ("opt", ("--tcp-option",)),
                     ("icmp", ("--icmp-type",))):
        if any(w in text for w in words):
            return k
    return None


def _ok_chain(allowed, chain):
    return allowed is None or chain in allowed


def rule(rng, table, chain, users):
    """One `-A CHAIN ...` line.  Hook-restricted matches and targets stay in
    built-in chains so that no user chain is reachable from a hook that
    forbids them."""
    targets = [t for t in TARGETS if table in t[1] and
               _ok_chain(t[3], chain) and ("@user" not in t[4](rng) or users)]
    t = _weighted(rng, targets)
    ttext = t[4](rng).replace("@user", rng.choice(users) if users else "")
    proto = t[2]
    matches = []
    used = {"flags"} if "--tcp-flags" in ttext else set()
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        m = _weighted(rng, [m for m in MATCHES if _ok_chain(m[2], chain)])
        key = _key(m[3](random.Random(0)))
        if key and key in used:
            continue
        used.add(key)
        if m[1] and proto and m[1] != proto and not (
                m[1] == "tcpudp" and proto in ("tcp", "udp")) and not (
                proto == "tcpudp" and m[1] in ("tcp", "udp")):
            continue
        if m[1]:
            proto = m[1] if proto in (None, "tcpudp") else proto
        matches.append(m[3](rng))
    if proto == "tcpudp":
        proto = rng.choice(["tcp", "udp"])
    basic = []
    sd = []
    for p, opts in ((0.35, ["-s", "-s", "--source", "--src"]),
                    (0.3, ["-d", "-d", "--destination", "--dst"])):
        if rng.random() < p:
            sd.append([neg(rng, 0.2), rng.choice(opts), addr(rng, True)])
    if any("," in x[2] for x in sd):
        for x in sd:       # iptables: "! not allowed with multiple ..."
            x[0] = ""
    basic += ["%s%s %s" % tuple(x) for x in sd]
    user = chain not in TABLES[table]
    if rng.random() < 0.3 and (user or chain in IN_CHAINS):
        basic.append("%s-i %s" % (neg(rng), rng.choice(IFNAMES)))
    if rng.random() < 0.3 and (user or chain in OUT_CHAINS):
        basic.append("%s-o %s" % (neg(rng), rng.choice(IFNAMES)))
    if rng.random() < 0.04:
        basic.append(neg(rng, 0.5) + "-f")
    if proto is None and rng.random() < 0.25:
        basic.append("%s-p %s" % (neg(rng, 0.3), rng.choice(
            ["tcp", "udp", "icmp", "gre", "47", "esp", "ah", "sctp", "TCP",
             "50"])))
    rng.shuffle(basic)
    if proto:
        pword = rng.choice([proto, proto, proto.upper(),
                            {"tcp": "6", "udp": "17", "icmp": "1"}[proto]])
        basic.append("-p " + pword)
    # -f and port matches do not mix (iptables refuses nothing, but the
    # kernel never matches; keep the files plausible).
    if proto and any(b.endswith("-f") for b in basic):
        basic = [b for b in basic if not b.endswith("-f")]
    # Options of the implicit protocol match right after -p: later, after
    # some -m, `--dport` could be taken as an abbreviation of that match's
    # own option (multiport's --dports).
    implicit = [m for m in matches if not m.startswith("-m ")]
    explicit = [m for m in matches if m.startswith("-m ")]
    words = ["-A", chain] + basic + implicit + explicit
    if ttext:
        words.append(ttext)
    return " ".join(words)


def ruleset(rng):
    """A whole restore file: several tables, user chains, policies, blank
    lines and comments, tables in random order."""
    tables = rng.sample(list(TABLES), rng.randint(1, 4))
    out = []
    if rng.random() < 0.5:
        out.append("# generated by fwdiff/savegen.py")
    for table in tables:
        users = rng.sample(USER_CHAINS, rng.randint(0, 4))
        out.append("*" + table)
        for c in TABLES[table]:
            if rng.random() < 0.85:
                pol = "ACCEPT" if table == "nat" else rng.choice(
                    ["ACCEPT", "ACCEPT", "DROP"])
                cnt = "[0:0]" if rng.random() < 0.7 else "[%d:%d]" % (
                    rng.randrange(1000), rng.randrange(100000))
                out.append(":%s %s %s" % (c, pol, cnt))
        for c in users:
            out.append(":%s - [0:0]" % c)
        lines = []
        # Jumps only go "forward" in the user chain list: no loops.
        for c in TABLES[table]:
            for _ in range(rng.randint(0, 6)):
                lines.append(rule(rng, table, c, users))
        for i, c in enumerate(users):
            for _ in range(rng.randint(0, 4)):
                lines.append(rule(rng, table, c, users[i + 1:]))
        if rng.random() < 0.3:
            rng.shuffle(lines)      # -A lines of the chains interleaved
        for ln in lines:
            if rng.random() < 0.05:
                out.append("")
            out.append(ln)
        out.append("COMMIT")
    return "\n".join(out) + "\n"
