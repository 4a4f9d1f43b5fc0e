#!/usr/bin/python3
"""Small network probes for the interop tests (run inside a namespace).

  probe.py listen PORT SECONDS   print each UDP payload received on PORT,
                                 one per line, for SECONDS
  probe.py send DST PORT TEXT    one UDP datagram, routed as usual
  probe.py forge IFACE MAC SRC DST PORT TEXT
                                 the same datagram built by scapy, sent
                                 raw out of IFACE to MAC (no tunnel)
  probe.py dns SERVER NAME       the A records of NAME from SERVER, one
                                 per line (exit 1 on no answer)
"""
import os
import select
import socket
import struct
import sys
import time


def listen(port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    end = time.monotonic() + float(seconds)
    # Ready: the test waits for this line before it sends anything.
    print("listening", flush=True)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return 0
        r, _, _ = select.select([s], [], [], left)
        if r:
            data, peer = s.recvfrom(2048)
            print("%s %s" % (peer[0], data.decode("ascii", "replace")),
                  flush=True)


def send(dst, port, text):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(text.encode(), (dst, int(port)))
    return 0


def forge(iface, mac, src, dst, port, text):
    import logging
    # scapy warns about the missing default route on import.
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.all import Ether, IP, UDP, conf, get_if_hwaddr, sendp
    conf.verb = 0
    # An explicit source: without a route scapy would use 00:00:00:00:00:00,
    # which a bridge drops.
    sendp(Ether(src=get_if_hwaddr(iface), dst=mac) / IP(src=src, dst=dst) /
          UDP(sport=40000, dport=int(port)) / text.encode(), iface=iface)
    return 0


def dns(server, name):
    # RFC 1035 4.1: header, one question (QTYPE A = 1, QCLASS IN = 1).
    qid = os.getpid() & 0xffff
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack("!HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(3):
        s.sendto(q, (server, 53))
        try:
            r = s.recv(4096)
        except socket.timeout:
            continue
        if len(r) >= 12 and struct.unpack("!H", r[:2])[0] == qid:
            break
    else:
        print("no answer from %s" % server, file=sys.stderr)
        return 1
    _, flags, qd, an, _, _ = struct.unpack("!HHHHHH", r[:12])
    if flags & 0xf:
        print("rcode %d" % (flags & 0xf), file=sys.stderr)
        return 1
    off = 12
    for _ in range(qd):
        off = skip_name(r, off) + 4
    found = 0
    for _ in range(an):
        off = skip_name(r, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", r[off:off + 10])
        off += 10
        if rtype == 1 and rdlen == 4:
            print(socket.inet_ntoa(r[off:off + 4]))
            found += 1
        off += rdlen
    return 0 if found else 1


def skip_name(r, off):
    while True:
        n = r[off]
        if n == 0:
            return off + 1
        if n & 0xc0 == 0xc0:
            return off + 2
        off += n + 1


CMDS = {"listen": (listen, 2), "send": (send, 3), "forge": (forge, 6),
        "dns": (dns, 2)}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS or \
            len(sys.argv) != CMDS[sys.argv[1]][1] + 2:
        sys.exit(__doc__)
    sys.exit(CMDS[sys.argv[1]][0](*sys.argv[2:]))
