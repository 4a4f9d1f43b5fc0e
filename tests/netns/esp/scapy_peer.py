"""scapy as the peer of a moatd gateway, for tests/netns/esp-scapy.t.

Run in the peer's namespace (extif holds 198.51.100.2 and .3). For each
algorithm, with and without UDP encapsulation, the gateway is rekeyed
through `moatctl setkey -c`; scapy's SecurityAssociation seals ICMP echo
requests from 10.0.2.7 to 10.0.1.10 in tunnel mode and opens the ESP
replies the gateway sends, while the gateway's SA counters, its data
plane counters and lana's kernel (InEchos) say what got through. Then
replays, a tampered packet, a packet older than the window, and
deleteall with a second SA pair that must keep working.

Each assertion is one line "CHECK<tab>got<tab>want<tab>description" for
the sh test to hand to tap.sh's `is`; other lines are diagnostics.
"""
import argparse
import os
import subprocess
import sys
import threading
import time

from scapy.all import (ICMP, IP, UDP, AsyncSniffer, Raw, conf, raw, send)
from scapy.supersocket import L3RawSocket
from scapy.layers.ipsec import ESP, SecurityAssociation

GW, PEER, PEER2 = "198.51.100.1", "198.51.100.2", "198.51.100.3"
LANA, LANB, LANC = "10.0.1.10", "10.0.2.7", "10.0.3.9"
WAIT = 3.0  # seconds for anything expected to happen

# setkey's algorithm, key bytes (salt included), setkey's integrity
# algorithm, key bytes, and scapy's names for the two.
ALGS = [
    ("aes-gcm-16 128", "aes-gcm-16", 20, None, 0, "AES-GCM", None),
    ("aes-gcm-16 256", "aes-gcm-16", 36, None, 0, "AES-GCM", None),
    ("chacha20-poly1305", "chacha20-poly1305", 36, None, 0,
     "CHACHA20-POLY1305", None),
    ("aes-cbc 128 hmac-sha256", "aes-cbc", 16, "hmac-sha256", 32,
     "AES-CBC", "SHA2-256-128"),
    ("aes-cbc 256 hmac-sha512", "aes-cbc", 32, "hmac-sha512", 64,
     "AES-CBC", "SHA2-512-256"),
    ("aes-cbc 128 hmac-sha1", "aes-cbc", 16, "hmac-sha1", 20,
     "AES-CBC", "HMAC-SHA1-96"),
    ("null hmac-sha256", "null", 0, "hmac-sha256", 32, "NULL",
     "SHA2-256-128"),
]

args = None
seen = []  # ESP packets from the gateway, as sniffed
lock = threading.Lock()


def check(got, want, desc):
    print("CHECK\t%s\t%s\t%s" % (got, want, desc), flush=True)


def diag(msg):
    print("# " + msg, flush=True)


def moatctl(*argv, stdin=None):
    r = subprocess.run([args.moatctl, "-S", args.sock] + list(argv),
                       input=stdin, capture_output=True, text=True,
                       timeout=10)
    if r.returncode != 0:
        diag("moatctl %s: %s" % (" ".join(argv), r.stderr.strip()))
    return r


def sad():
    """setkey -D as {spi: {counter: value}}."""
    out, spi = {}, None
    for line in moatctl("setkey", "-D").stdout.splitlines():
        f = line.split()
        if f and f[0] == "add":
            spi = f[4]
            out[spi] = {}
        elif f and f[0] == "#" and spi is not None:
            out[spi] = dict(kv.split("=", 1) for kv in f[1:] if "=" in kv)
            spi = None
    return out


def sa_field(spi, field):
    return sad().get("0x%08x" % spi, {}).get(field)


def stat(name):
    for line in moatctl("stats").stdout.splitlines():
        f = line.split()
        if len(f) == 2 and f[0] == name:
            return int(f[1])
    return None


def echos():
    snmp = subprocess.run(["ip", "netns", "exec", args.lana, "cat",
                           "/proc/net/snmp"], capture_output=True,
                          text=True, timeout=10).stdout.splitlines()
    icmp = [line.split() for line in snmp if line.startswith("Icmp:")]
    return int(icmp[1][icmp[0].index("InEchos")])


def until(fn, want, timeout=WAIT):
    """fn() until it returns want, for at most timeout seconds."""
    end = time.time() + timeout
    got = fn()
    while got != want and time.time() < end:
        time.sleep(0.05)
        got = fn()
    return got


def on_packet(p):
    if IP in p and p[IP].src == GW and ESP in p:
        with lock:
            seen.append(p)


def from_gw(spi, start):
    with lock:
        return [p for p in seen[start:] if p[ESP].spi == spi]


def mark():
    with lock:
        return len(seen)


def reply(spi, start, timeout=WAIT):
    """The first ESP packet of SA spi sniffed after start, or None."""
    end = time.time() + timeout
    while True:
        got = from_gw(spi, start)
        if got or time.time() >= end:
            return got[0] if got else None
        time.sleep(0.02)


def opened(sa, p):
    """Decrypt a sniffed packet, UDP-encapsulated or not, with sa."""
    e = IP(src=p[IP].src, dst=p[IP].dst) / ESP(raw(p[ESP]))
    return sa.decrypt(IP(raw(e)))


class Pair:
    """The SAs between the gateway and one peer address, both ways."""

    def __init__(self, alg, encap, peer, spi_in, spi_out):
        (self.name, self.ealg, elen, self.aalg, alen, self.scrypt,
         self.sauth) = alg
        self.encap, self.peer = encap, peer
        self.spi_in, self.spi_out = spi_in, spi_out
        self.ekey = [os.urandom(elen), os.urandom(elen)]  # in, out
        self.akey = [os.urandom(alen), os.urandom(alen)]
        # scapy 2.5.0's nat_t_header leaves the UDP length at 8 (an empty
        # datagram): packet() puts the UDP header in itself.
        self.seal = SecurityAssociation(
            ESP, spi=spi_in, crypt_algo=self.scrypt,
            crypt_key=self.ekey[0] or None, auth_algo=self.sauth,
            auth_key=self.akey[0] or None,
            tunnel_header=IP(src=peer, dst=GW))
        self.open = SecurityAssociation(
            ESP, spi=spi_out, crypt_algo=self.scrypt,
            crypt_key=self.ekey[1] or None, auth_algo=self.sauth,
            auth_key=self.akey[1] or None,
            tunnel_header=IP(src=GW, dst=peer))

    def setkey(self, net):
        def sa(src, dst, spi, ek, ak):
            if self.encap == "esp":
                s = "add %s %s esp 0x%08x" % (src, dst, spi)
            else:
                s = "add %s[4500] %s[4500] esp-udp 0x%08x" % (src, dst, spi)
            s += " -m tunnel -r 64 -E " + self.ealg
            if ek:
                s += " 0x" + ek.hex()
            if self.aalg:
                s += " -A %s 0x%s" % (self.aalg, ak.hex())
            return s + ";\n"
        t = sa(self.peer, GW, self.spi_in, self.ekey[0], self.akey[0])
        t += sa(GW, self.peer, self.spi_out, self.ekey[1], self.akey[1])
        for d in ("fwd", "in"):
            t += ("spdadd %s 10.0.1.0/24 any -P %s ipsec "
                  "esp/tunnel/%s-%s/require;\n" % (net, d, self.peer, GW))
        t += ("spdadd 10.0.1.0/24 %s any -P out ipsec "
              "esp/tunnel/%s-%s/require;\n" % (net, GW, self.peer))
        return t

    def packet(self, inner_src, ident, seq):
        """An echo request sealed with sequence number seq, as bytes."""
        inner = (IP(src=inner_src, dst=LANA) /
                 ICMP(id=ident, seq=seq) / Raw(b"moat-scapy-%d" % seq))
        p = self.seal.encrypt(inner, seq_num=seq)
        if self.encap == "esp-udp":
            # RFC 3948 2.1: the checksum SHOULD be zero, and then a
            # tampered packet reaches moat, not the kernel's check.
            p = (IP(src=self.peer, dst=GW) /
                 UDP(sport=4500, dport=4500, chksum=0) / raw(p[ESP]))
        return raw(p)


def send_raw(b):
    send(IP(b), verbose=0)


def ping(pair, label, inner_src, ident, seq, b=None):
    """Send one sealed echo request; check its decrypted reply."""
    b = b or pair.packet(inner_src, ident, seq)
    start = mark()
    send_raw(b)
    p = reply(pair.spi_out, start)
    check(p is not None, True, "%s: the gateway answers (ESP SPI 0x%08x)"
          % (label, pair.spi_out))
    if p is None:
        return b
    if pair.encap == "esp-udp":
        check("%s %s" % (UDP in p and p[UDP].sport, UDP in p and p[UDP].dport),
              "4500 4500", "%s: the answer is in UDP 4500" % label)
    else:
        check(p[IP].proto, 50, "%s: the answer is IP protocol 50" % label)
    try:
        q = opened(pair.open, p)
    except Exception as e:  # a failed ICV raises
        check("decryption failed: %s" % e, "decrypted", label)
        return b
    got = "%s>%s type=%s id=%s seq=%s %s" % (
        q.src, q.dst, q[ICMP].type, q[ICMP].id, q[ICMP].seq,
        bytes(q[ICMP].payload).decode(errors="replace"))
    want = "%s>%s type=0 id=%d seq=%d moat-scapy-%d" % (
        LANA, inner_src, ident, seq, seq)
    check(got, want, "%s: scapy decrypts the echo reply" % label)
    return b


def no_answer(pair, start, label):
    time.sleep(0.3)
    check(len(from_gw(pair.spi_out, start)), 0,
          "%s: no answer from the gateway" % label)


def one_alg(alg, encap, k):
    label = "%s %s" % (alg[0], encap)
    pair = Pair(alg, encap, PEER, 0x20000200 + k, 0x10000200 + k)
    ident = 0x6d00 + k
    r = moatctl("setkey", "-c",
                stdin="flush;\nspdflush;\n" + pair.setkey("10.0.2.0/24"))
    check(r.returncode, 0, "%s: the gateway is rekeyed" % label)
    f = lambda name: (lambda: sa_field(pair.spi_in, name))  # noqa: E731
    e0 = echos()

    p1 = ping(pair, label + " seq 1", LANB, ident, 1)
    check(until(f("packets"), "1"), "1", "%s: the inbound SA opened it"
          % label)
    check(f("replay-top")(), "1", "%s: the window's top is 1" % label)
    check(until(echos, e0 + 1), e0 + 1, "%s: lana received it" % label)

    # The same packet again.
    start = mark()
    send_raw(p1)
    check(until(f("replayed"), "1"), "1",
          "%s: a replayed packet is dropped and counted" % label)
    check(f("packets")(), "1", "%s: and not opened" % label)
    no_answer(pair, start, label + " replay")
    check(echos(), e0 + 1, "%s: lana saw nothing of the replay" % label)

    # Sequence number 2, one byte of its ciphertext flipped.
    p2 = pair.packet(LANB, ident, 2)
    hdr = 28 if encap == "esp-udp" else 20
    iv = {"AES-CBC": 16, "NULL": 0}.get(pair.scrypt, 8)
    t = bytearray(p2)
    t[hdr + 8 + iv + 3] ^= 0x01
    start = mark()
    send_raw(bytes(t))
    check(until(f("bad-icv"), "1"), "1",
          "%s: a tampered packet is dropped and counted as bad-icv" % label)
    check(f("replay-top")(), "1", "%s: the window did not move" % label)
    no_answer(pair, start, label + " tampered")
    check(echos(), e0 + 1, "%s: lana saw nothing of it" % label)
    # The untampered packet of the same number is still new.
    ping(pair, label + " seq 2", LANB, ident, 2, p2)
    check(until(f("replay-top"), "2"), "2",
          "%s: seq 2 intact is accepted after the tampered one" % label)

    # Ahead, inside the window, and behind it (-r 64).
    ping(pair, label + " seq 100", LANB, ident, 100)
    ping(pair, label + " seq 50", LANB, ident, 50)
    start = mark()
    send_raw(pair.packet(LANB, ident, 30))
    check(until(f("replayed"), "2"), "2",
          "%s: seq 30, older than the window under 100, is dropped" % label)
    no_answer(pair, start, label + " seq 30")
    check(f("replay-top")(), "100", "%s: the window's top is 100" % label)
    check(f("packets")(), "4", "%s: the SA opened 4 packets" % label)
    check(until(echos, e0 + 4), e0 + 4, "%s: lana received 4" % label)


def deleteall():
    alg = ALGS[0]
    a = Pair(alg, "esp", PEER, 0x2000a001, 0x1000a001)
    b = Pair(alg, "esp", PEER2, 0x2000b001, 0x1000b001)
    r = moatctl("setkey", "-c", stdin="flush;\nspdflush;\n" +
                a.setkey("10.0.2.0/24") + b.setkey("10.0.3.0/24"))
    check(r.returncode, 0, "deleteall: two SA pairs, .2 and .3")
    e0 = echos()
    ping(a, "deleteall: before, via .2", LANB, 0x6e01, 1)
    ping(b, "deleteall: before, via .3", LANC, 0x6e02, 1)
    r = moatctl("setkey", "-c",
                stdin="deleteall %s %s esp;\n" % (PEER, GW))
    check(r.returncode, 0, "deleteall %s %s esp; is applied" % (PEER, GW))
    check(" ".join(sorted(sad())), "0x1000a001 0x1000b001 0x2000b001",
          "deleteall: only the SA from .2 to .1 is gone")
    no_sa = stat("no-sa")
    start = mark()
    send_raw(a.packet(LANB, 0x6e01, 2))
    check(until(lambda: stat("no-sa"), no_sa + 1), no_sa + 1,
          "deleteall: a packet for the deleted SA is counted as no-sa")
    no_answer(a, start, "deleteall: the deleted SA")
    ping(b, "deleteall: after, via .3", LANC, 0x6e02, 2)
    check(until(echos, e0 + 3), e0 + 3,
          "deleteall: lana received the 3 packets of live SAs")
    # The other direction to .2 is still there and carries traffic.
    start = mark()
    subprocess.run(["ip", "netns", "exec", args.lana, "ping", "-c", "1",
                    "-W", "1", LANB], capture_output=True, timeout=10)
    p = reply(a.spi_out, start)
    check(p is not None, True,
          "deleteall: lana's ping to 10.0.2.7 still leaves by SA 0x1000a001")
    if p is not None:
        q = opened(a.open, p)
        check("%s>%s type=%s" % (q.src, q.dst, q[ICMP].type),
              "%s>%s type=8" % (LANA, LANB),
              "deleteall: scapy decrypts lana's echo request")


def main():
    global args
    ap = argparse.ArgumentParser()
    ap.add_argument("--moatctl", required=True)
    ap.add_argument("--sock", required=True)
    ap.add_argument("--lana", required=True)
    args = ap.parse_args()
    conf.verb = 0
    conf.L3socket = L3RawSocket  # the kernel routes and resolves ARP
    ready = threading.Event()
    sn = AsyncSniffer(iface="extif", prn=on_packet, store=False,
                      started_callback=ready.set)
    sn.start()
    if not ready.wait(5):
        check("no", "yes", "the sniffer on extif started")
        return 1
    time.sleep(0.2)
    k = 0
    for alg in ALGS:
        for encap in ("esp", "esp-udp"):
            k += 1
            one_alg(alg, encap, k)
    deleteall()
    sn.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
