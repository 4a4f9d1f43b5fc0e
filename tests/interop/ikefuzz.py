#!/usr/bin/python3
"""Hostile IKEv2 datagrams against a running moatd (tests/interop/gw-badinput.t).

  ikefuzz.py GROUP --pid PID --log FILE --ctl MOATCTL --sock SOCK [options]

GROUP is one of:
  init      IKE_SA_INIT requests: truncated, wrong lengths, bad proposals,
            unknown and duplicated payloads, bad KE and Nonce, versions,
            header fields (RFC 7296 3.1 to 3.9)
  halfopen  a half-open IKE_SA of our own: IKE_AUTH, CREATE_CHILD_SA and
            INFORMATIONAL with garbage SK, and (python3-cryptography)
            authenticated ones that are out of state or fail AUTH
  state     the established IKE_SA --spi-i/--spi-r: garbage SK at message
            IDs 0, current, far ahead; truncated SK; responses; unknown SPIs
  junk      --count seeded random datagrams (--seed) of 0..2000 bytes, and
            as many with a plausible IKE header, to UDP 500 and 4500

Every datagram goes from --src (ports 500 and 4500, bound, so that answers
come back to us) to 198.51.100.1, on 4500 after the 4-byte non-ESP marker.
After each, moatd's pid must be alive (not a zombie); what it answered and
what it logged are checked against the case's expectation.

Output: TAP assertion lines without numbers ("ok - ..." / "not ok - ...")
and "# " comments, which the test turns into its own assertions; exit 2
if moatd died (the datagram that killed it is written to --crash-dir).
"""
import argparse
import os
import random
import re
import select
import socket
import struct
import subprocess
import sys
import time

GW = "198.51.100.1"

# RFC 7296 3.2 payload types, 3.1 exchange types and flags.
PT_SA, PT_KE, PT_IDI, PT_AUTH, PT_NONCE, PT_N = 33, 34, 35, 39, 40, 41
PT_D, PT_V, PT_TSI, PT_TSR, PT_SK = 42, 43, 44, 45, 46
IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL = 34, 35, 36, 37
F_I, F_R = 0x08, 0x20
# 3.10.1 notify types.
NOTIFY = {
    1: "UNSUPPORTED_CRITICAL_PAYLOAD", 4: "INVALID_IKE_SPI",
    5: "INVALID_MAJOR_VERSION", 7: "INVALID_SYNTAX",
    9: "INVALID_MESSAGE_ID", 14: "NO_PROPOSAL_CHOSEN",
    17: "INVALID_KE_PAYLOAD", 24: "AUTHENTICATION_FAILED",
    36: "FAILED_CP_REQUIRED", 38: "TS_UNACCEPTABLE",
    16388: "NAT_DETECTION_SOURCE_IP", 16390: "COOKIE", 16389: "NAT_DETECTION_DESTINATION_IP",
    16431: "SIGNATURE_HASH_ALGORITHMS",
}
N_UNSUPPORTED_CRITICAL_PAYLOAD, N_INVALID_MAJOR_VERSION = 1, 5
N_INVALID_SYNTAX, N_INVALID_KE_PAYLOAD, N_AUTHENTICATION_FAILED = 7, 17, 24
N_COOKIE = 16390

try:
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.asymmetric import x25519
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    HAVE_CRYPTO = True
except ImportError:
    HAVE_CRYPTO = False


# ---- building messages (RFC 7296 section 3) -----------------------------

class P:
    """One payload: type, body, and what a case may break in its header."""

    def __init__(self, t, body, crit=False, length=None, nxt=None):
        self.t, self.body, self.crit = t, body, crit
        self.length, self.nxt = length, nxt


def chain(pls):
    out = b""
    for i, p in enumerate(pls):
        nxt = p.nxt if p.nxt is not None else (
            pls[i + 1].t if i + 1 < len(pls) else 0)
        n = p.length if p.length is not None else 4 + len(p.body)
        out += struct.pack("!BBH", nxt, 0x80 if p.crit else 0,
                           n & 0xffff) + p.body
    return (pls[0].t if pls else 0), out


def header(spi_i, spi_r, nxt, exch, flags, msgid, length, version=0x20):
    # 3.1: SPIs, Next Payload, Version, Exchange Type, Flags, Message ID,
    # Length.
    return struct.pack("!QQBBBBII", spi_i, spi_r, nxt, version, exch, flags,
                       msgid & 0xffffffff, length & 0xffffffff)


def message(spi_i, spi_r, exch, flags, msgid, pls, version=0x20,
            length=None, first=None):
    f, body = chain(pls)
    if first is not None:
        f = first
    n = 28 + len(body) if length is None else length
    return header(spi_i, spi_r, f, exch, flags, msgid, n, version) + body


def transform(ttype, tid, attrs=b"", last=False, length=None, more=None):
    # 3.3.2: Last Substructure 3 (more follow) or 0, Transform Length,
    # Type, ID, attributes.
    n = 8 + len(attrs) if length is None else length
    m = (0 if last else 3) if more is None else more
    return struct.pack("!BBHBBH", m, 0, n & 0xffff, ttype, 0, tid) + attrs


def proposal(xfs, num=1, proto=1, last=True, length=None, nxf=None,
             spi=b""):
    # 3.3.1: Last Substructure 0 or 2, Length, Num, Protocol ID (1 IKE,
    # 3 ESP), SPI Size (0 in IKE_SA_INIT), # of Transforms, SPI.
    body = spi + b"".join(xfs)
    n = 8 + len(body) if length is None else length
    return struct.pack("!BBHBBBB", 0 if last else 2, 0, n & 0xffff, num,
                       proto, len(spi), len(xfs) if nxf is None else nxf) + \
        body


def suite(encr_len=None, prf_len=None, dh_len=None, dh_more=None):
    # aes128gcm16 (ENCR 20, Key Length 128 as a TV attribute, 3.3.5),
    # prfsha256 (PRF 5), x25519 (DH 31).
    return [transform(1, 20, struct.pack("!HH", 0x800e, 128),
                      length=encr_len),
            transform(2, 5, length=prf_len),
            transform(4, 31, last=True, length=dh_len, more=dh_more)]


def sa_body(**kw):
    return proposal(suite(**kw))


def ke_body(pub, group=31):
    return struct.pack("!HH", group, 0) + pub


class Init:
    """A valid IKE_SA_INIT request: SA, KE (x25519), Nonce."""

    def __init__(self, rnd, nonce_len=32):
        self.spi_i = rnd.getrandbits(64) | 1
        self.ni = bytes(rnd.getrandbits(8) for _ in range(nonce_len))
        if HAVE_CRYPTO:
            self.priv = x25519.X25519PrivateKey.generate()
            from cryptography.hazmat.primitives import serialization
            self.pub = self.priv.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        else:
            self.priv = None
            self.pub = bytes(rnd.getrandbits(8) for _ in range(32))
        self.cookie = None

    def pls(self):
        # RFC 7296 2.6: a COOKIE the responder asked for comes first.
        ck = [P(PT_N, struct.pack("!BBH", 0, 0, N_COOKIE) + self.cookie)] \
            if self.cookie is not None else []
        return ck + [P(PT_SA, sa_body()), P(PT_KE, ke_body(self.pub)),
                     P(PT_NONCE, self.ni)]

    def raw(self, **kw):
        return message(self.spi_i, 0, IKE_SA_INIT, F_I, 0, self.pls(), **kw)


# ---- reading answers ----------------------------------------------------

class Answer:
    def __init__(self, d):
        self.raw = d
        self.ok = len(d) >= 28
        if not self.ok:
            return
        (self.spi_i, self.spi_r, self.first, self.version, self.exch,
         self.flags, self.msgid, self.len) = struct.unpack("!QQBBBBII",
                                                           d[:28])
        self.pls = walk(d, 28, self.first)

    def types(self):
        return [t for t, _, _ in self.pls]

    def notifies(self, pls=None):
        out = []
        for t, _, b in (self.pls if pls is None else pls):
            if t == PT_N and len(b) >= 4:
                spisize = b[1]
                out.append((struct.unpack("!H", b[2:4])[0],
                            b[4 + spisize:]))
        return out

    def is_init_answer(self):
        t = self.types()
        return (self.ok and self.exch == IKE_SA_INIT and
                self.flags & F_R and PT_SA in t and PT_KE in t and
                PT_NONCE in t)

    def describe(self):
        if not self.ok:
            return "%d bytes, no IKE header" % len(self.raw)
        s = "%s%s msgid %d v%#x [%s]" % (
            {34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA",
             37: "INFORMATIONAL"}.get(self.exch, str(self.exch)),
            " response" if self.flags & F_R else " request", self.msgid,
            self.version, ",".join(str(t) for t in self.types()))
        ns = ["%s%s" % (NOTIFY.get(n, str(n)),
                        "(" + d.hex() + ")" if d and n < 16384 else "")
              for n, d in self.notifies()]
        return s + (" " + " ".join(ns) if ns else "")


def walk(d, off, nxt):
    out = []
    while nxt != 0 and off + 4 <= len(d):
        t = nxt
        nxt, flags, n = struct.unpack("!BBH", d[off:off + 4])
        if n < 4 or off + n > len(d):
            break
        out.append((t, flags, d[off + 4:off + n]))
        off += n
        if t == PT_SK:
            break
    return out


# ---- keys and SK (RFC 7296 2.14, RFC 5282) -------------------------------

def prf(k, s):
    h = hmac.HMAC(k, hashes.SHA256())
    h.update(s)
    return h.finalize()


def prf_plus(k, s, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(k, t + s + bytes([i]))
        out += t
        i += 1
    return out[:n]


class Keys:
    """An IKE_SA's keys for aes128gcm16/prfsha256: SK_d, SK_ai and SK_ar
    empty (AEAD), SK_ei, SK_er (16-byte key + 4-byte salt), SK_pi, SK_pr."""

    def __init__(self, init, ans):
        ke = [b for t, _, b in ans.pls if t == PT_KE][0]
        nr = [b for t, _, b in ans.pls if t == PT_NONCE][0]
        shared = init.priv.exchange(
            x25519.X25519PublicKey.from_public_bytes(ke[4:]))
        seed = prf(init.ni + nr, shared)
        km = prf_plus(seed, init.ni + nr + struct.pack(
            "!QQ", init.spi_i, ans.spi_r), 32 + 20 + 20 + 32 + 32)
        self.sk_ei, self.sk_er = km[32:52], km[52:72]
        self.spi_i, self.spi_r = init.spi_i, ans.spi_r
        self.iv = 0

    def seal(self, exch, msgid, inner, flags=F_I):
        f, body = chain(inner)
        pt = body + b"\x00"  # no padding, the Pad Length byte (RFC 5282 3)
        self.iv += 1
        iv = struct.pack("!Q", self.iv)
        n = 28 + 4 + 8 + len(pt) + 16
        h = header(self.spi_i, self.spi_r, PT_SK, exch, flags, msgid, n)
        g = struct.pack("!BBH", f, 0, n - 28)
        ct = AESGCM(self.sk_ei[:16]).encrypt(self.sk_ei[16:] + iv, pt, h + g)
        return h + g + iv + ct

    def open(self, ans):
        """The inner payloads of an answer, or None."""
        sk = [(t, b) for t, _, b in ans.pls if t == PT_SK]
        if not sk or len(sk[0][1]) < 24:
            return None
        b = sk[0][1]
        off = len(ans.raw) - len(b)
        try:
            pt = AESGCM(self.sk_er[:16]).decrypt(
                self.sk_er[16:] + b[:8], b[8:], ans.raw[:off])
        except Exception:
            return None
        pt = pt[:len(pt) - 1 - pt[-1]]
        inner_first = ans.raw[off - 4]
        return walk(pt, 0, inner_first)


def sk_garbage(rnd, spi_i, spi_r, exch, msgid, flags=F_I, inner=PT_IDI,
               size=80):
    """A message whose SK payload is random: IV, ciphertext and ICV that
    cannot authenticate."""
    body = bytes(rnd.getrandbits(8) for _ in range(size))
    return message(spi_i, spi_r, exch, flags, msgid,
                   [P(PT_SK, body, nxt=inner)])


# ---- sending and judging --------------------------------------------------

def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    # a zombie is dead: its parent (the test) has not waited yet
    return st[st.rindex(")") + 2] not in "ZX"


class Fuzz:
    def __init__(self, a):
        self.a = a
        # a seed per group: the same SPIs again would be retransmissions
        self.rnd = random.Random("%d %s" % (a.seed, a.group))
        self.socks = {}
        for port in (500, 4500):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((a.src, port))
            self.socks[port] = s
        self.logf = open(a.log, "rb")
        self.logf.seek(0, 2)
        self.logbuf = b""
        self.sent = 0
        self.halfopen = {}  # spi_i -> (spi_r, case)
        self.nfail = 0
        self.unlogged = []
        self.nlogged = 0
        if a.state and os.path.exists(a.state):
            with open(a.state) as fp:
                for l in fp:
                    k, r, t, name = l.rstrip("\n").split(" ", 3)
                    self.halfopen[int(k, 16)] = (int(r, 16), name, float(t))

    def save(self):
        if self.a.state:
            with open(self.a.state, "w") as fp:
                for k, (r, name, t) in self.halfopen.items():
                    fp.write("%016x %016x %f %s\n" % (k, r, t, name))

    def emit(self, good, desc, detail=()):
        print("%s - %s" % ("ok" if good else "not ok", desc), flush=True)
        if not good:
            self.nfail += 1
        for d in detail:
            print("#   " + d, flush=True)

    def newlog(self):
        self.logbuf += self.logf.read()
        if b"\n" not in self.logbuf:
            return []
        lines, self.logbuf = self.logbuf.rsplit(b"\n", 1)
        return [l.decode("utf-8", "replace") for l in lines.split(b"\n")]

    def drain(self):
        for s in self.socks.values():
            while select.select([s], [], [], 0)[0]:
                s.recv(65536)
        self.newlog()

    def died(self, name, data, port):
        os.makedirs(self.a.crash_dir, exist_ok=True)
        fn = os.path.join(self.a.crash_dir, "crash-%d.hex" % os.getpid())
        with open(fn, "w") as f:
            f.write("# %s, to %s:%d\n%s\n" % (name, GW, port, data.hex()))
        self.emit(False, "moatd is alive after '%s' (it is gone; the "
                  "datagram is in %s)" % (name, fn),
                  ["to %s:%d%s: %s" % (GW, port, " after the marker" if
                                       port == 4500 else "", data.hex())])
        print("# last log lines:")
        for l in self.newlog()[-20:]:
            print("#   " + l)
        sys.exit(2)

    def send(self, port, data, wait=0.3, answer=False, settle=0.01,
             name="?"):
        """Send one datagram; answers (Answer list) and new log lines.
        wait: at most this long; settle: this long after a log line (or
        an answer) for anything else."""
        self.drain()
        s = self.socks[port]
        s.sendto((b"\0\0\0\0" + data) if port == 4500 else data, (GW, port))
        self.sent += 1
        answers, logs = [], []
        now = time.monotonic()
        end = now + wait
        while now < end:
            r = select.select([s], [], [], min(end - now, 0.005))[0]
            if r:
                d = s.recv(65536)
                if port == 4500:
                    d = d[4:] if d[:4] == b"\0\0\0\0" else b""
                answers.append(Answer(d))
                end = min(end, time.monotonic() + settle)
            l = self.newlog()
            if l:
                logs += l
                if not answer:
                    end = min(end, time.monotonic() + settle)
            now = time.monotonic()
        if not pid_alive(self.a.pid):
            self.died(name, data, port)
        return answers, logs

    def status(self):
        r = subprocess.run([self.a.ctl, "-S", self.a.sock, "status"],
                           capture_output=True, text=True, timeout=5)
        return r.returncode, r.stdout.splitlines()

    def connecting(self):
        """Half-open IKE_SAs from us: {spi_i: spi_r}."""
        out = {}
        for l in self.status()[1]:
            m = re.match(r"IKE_SA ([0-9a-f]{16})_i ([0-9a-f]{16})_r "
                         r"connecting: ([0-9.]+):", l)
            if m and m.group(3) == self.a.src:
                out[int(m.group(1), 16)] = int(m.group(2), 16)
        return out

    def logged(self, logs, spi_i, port):
        """A log line about this datagram: it names our address and port,
        or the IKE_SA by its initiator's SPI."""
        keys = ["%s:%d" % (self.a.src, port), "%016x" % spi_i]
        return [l for l in logs if any(k in l for k in keys)]

    def case(self, name, port, data, expect, spi_i=0, log=True,
             notify_data=None, wait=0.3, quiet=False):
        """One datagram, judged. expect: a list of what may come back:
        "silent", "answer" (an IKE_SA_INIT answer: SA, KE, Nonce) or a
        notify number (an IKE_SA_INIT response of that notify alone).
        log: a log line must say why it was dropped. Returns
        (good, what came back, answers)."""
        want_answer = any(e != "silent" for e in expect) and \
            "silent" not in expect
        answers, logs = self.send(port, data, wait=wait, answer=want_answer,
                                  name=name)
        good, why = True, []
        got = "silent"
        if answers:
            a = answers[0]
            if a.is_init_answer() and a.spi_i == spi_i:
                got = "answer"
                self.halfopen[spi_i] = (a.spi_r, name, time.time())
            elif (a.ok and a.exch == IKE_SA_INIT and a.flags & F_R and
                  len(a.notifies()) == 1 and a.spi_i == spi_i):
                got = a.notifies()[0][0]
                if notify_data is not None and \
                        a.notifies()[0][1] != notify_data:
                    good = False
                    why.append("notify data %s, want %s" % (
                        a.notifies()[0][1].hex(), notify_data.hex()))
                if a.version != 0x20:
                    good = False
                    why.append("answer's version %#x, not 0x20" % a.version)
            else:
                got = "other"
                why.append("an answer that is no IKE_SA_INIT answer of "
                           "ours")
            if len(answers) > 1:
                why.append("%d answers" % len(answers))
        if got not in expect:
            good = False
        mine = self.logged(logs, spi_i, port)
        if log and not mine:
            self.unlogged.append("[%d] %s" % (port, name))
        elif log:
            self.nlogged += 1
        if not quiet or not good:
            gotname = NOTIFY.get(got, got) if isinstance(got, int) else got
            self.emit(good, "[%d] %s: %s (want %s)" % (
                port, name, gotname,
                " or ".join(NOTIFY.get(e, e) if isinstance(e, int) else e
                            for e in expect)),
                why + ["answer: " + a.describe() for a in answers] +
                ["log: " + l for l in mine[:2]] +
                (["sent: " + data.hex()] if not good else []))
        return good, got, answers

    def check_halfopen(self, what):
        have = self.connecting()
        want = {k: v[0] for k, v in self.halfopen.items()}
        extra = {k: v for k, v in have.items() if k not in want}
        # 30 s after its IKE_SA_INIT a half-open SA may be gone
        missing = [self.halfopen[k][1] for k in want if k not in have and
                   time.time() - self.halfopen[k][2] < 29]
        self.emit(not extra and not missing,
                  "%s: moatctl status lists %d half-open IKE_SAs from %s, "
                  "those of the %d IKE_SA_INITs it answered" % (
                      what, len(have), self.a.src, len(want)),
                  ["extra: %016x_i %016x_r" % kv for kv in extra.items()] +
                  ["missing: " + m for m in missing])

    def check_logged(self, what):
        self.emit(not self.unlogged,
                  "%s: moatd logged why for %d malformed datagrams "
                  "(unlogged: %d)" % (what, self.nlogged,
                                      len(self.unlogged)),
                  self.unlogged[:20])
        self.unlogged, self.nlogged = [], 0


# ---- the groups ---------------------------------------------------------

SILENT = ["silent"]
SYNTAX = ["silent", N_INVALID_SYNTAX]


def group_init(f):
    rnd = f.rnd
    for port in (500, 4500):
        # Truncated at every length below a valid one's, the header's
        # length left as it was (3.1: it must match the datagram) and
        # then made to match (the payload chain ends early).
        v = Init(rnd)
        full = v.raw()
        bad = []
        for n in range(len(full)):
            # below 28 bytes after the marker the data plane itself
            # drops a datagram on 4500 (it cannot be IKE): no log
            log = not (port == 4500 and n < 28)
            g, got, _ = f.case("IKE_SA_INIT cut to %d of %d bytes" % (
                n, len(full)), port, full[:n], SILENT, spi_i=v.spi_i,
                log=log, wait=0.3 if log else 0.05, quiet=True)
            if not g:
                bad.append("%d: %s" % (n, got))
        f.emit(not bad, "[%d] IKE_SA_INIT truncated to 0..%d bytes (header "
               "length %d): no answer, moatd alive after each" % (
                   port, len(full) - 1, len(full)), bad)
        bad = []
        for n in range(28, len(full)):
            d = full[:24] + struct.pack("!I", n) + full[28:n]
            g, got, _ = f.case("IKE_SA_INIT cut to %d bytes, header length "
                               "%d" % (n, n), port, d, SYNTAX,
                               spi_i=v.spi_i, quiet=True)
            if not g:
                bad.append("%d: %s" % (n, got))
        f.emit(not bad, "[%d] IKE_SA_INIT truncated to 28..%d bytes with "
               "the header's length to match: no answer, moatd alive" % (
                   port, len(full) - 1), bad)
        f.case("a valid IKE_SA_INIT (%d bytes)" % len(full), port, full,
               ["answer"], spi_i=v.spi_i, log=False)

        def c(name, data, expect, spi, **kw):
            f.case(name, port, data, expect, spi_i=spi, **kw)

        def mk(pls, **kw):
            i = Init(rnd)
            return i.spi_i, message(i.spi_i, 0, IKE_SA_INIT, F_I, 0,
                                    pls(i), **kw)

        # The header's length.
        for d in (1, 100, 0xffffffff - len(full), -1, -(len(full) - 28),
                  -len(full)):
            i = Init(rnd)
            c("header length %d, datagram %d bytes" % (len(full) + d,
              len(full)), i.raw(length=len(full) + d), SILENT, i.spi_i)
        # Each payload's length: one more, one less, below the generic
        # header, zero, and far past the end.
        for k, pname in enumerate(("SA", "KE", "Nonce")):
            for what, fn in (("+1", lambda n: n + 1), ("-1", lambda n: n - 1),
                             ("3", lambda n: 3), ("0", lambda n: 0),
                             ("0xffff", lambda n: 0xffff)):
                def pls(i, k=k, fn=fn):
                    p = i.pls()
                    p[k].length = fn(4 + len(p[k].body))
                    return p
                s, d = mk(pls)
                c("%s payload length %s" % (pname, what), d, SYNTAX, s)
        # The proposal's and transforms' lengths and counts (3.3.1, 3.3.2).
        for name, body in (
                ("ENCR transform length 8 (attribute outside)",
                 proposal(suite(encr_len=8))),
                ("ENCR transform length 11", proposal(suite(encr_len=11))),
                ("ENCR transform length 13", proposal(suite(encr_len=13))),
                ("ENCR transform length 0", proposal(suite(encr_len=0))),
                ("ENCR transform length 0xffff",
                 proposal(suite(encr_len=0xffff))),
                ("PRF transform length 7", proposal(suite(prf_len=7))),
                ("last transform length 9", proposal(suite(dh_len=9))),
                ("last transform says more follow",
                 proposal(suite(dh_more=3))),
                ("proposal length +1", proposal(suite(), length=37)),
                ("proposal length -1", proposal(suite(), length=35)),
                ("proposal length 0xffff", proposal(suite(), length=0xffff)),
                ("proposal says 2 transforms of 3", proposal(suite(), nxf=2)),
                ("proposal says 4 transforms of 3", proposal(suite(), nxf=4)),
                ("proposal says 0 transforms", proposal(suite(), nxf=0)),
                ("proposal says more proposals follow",
                 proposal(suite(), last=False)),
                ("SA payload without proposals", b"")):
            def pls(i, body=body):
                p = i.pls()
                p[0].body = body
                return p
            s, d = mk(pls)
            c(name, d, SYNTAX, s)
        # Overlong: many proposals, transforms, payloads; big datagrams.
        other = [transform(1, 3), transform(2, 1), transform(4, 2, last=True)]

        def props(n, good_last=True, nums=None):
            out = b""
            for k in range(1, n + 1):
                xf = suite() if k == n and good_last else other
                out += proposal(xf, num=k if nums is None else nums[k - 1],
                                last=k == n)
            return out
        for name, body, want in (
                ("16 proposals, ours last", props(16), ["answer"]),
                ("17 proposals, ours last (more than moatd keeps)",
                 props(17), SYNTAX),
                ("proposals numbered 1, 1", props(2, nums=[1, 1]), SYNTAX),
                ("64 transforms in the proposal",
                 proposal([transform(1, 12, struct.pack("!HH", 0x800e, 256))
                           for _ in range(61)] + suite()), ["answer"]),
                ("65 transforms in the proposal",
                 proposal([transform(1, 12, struct.pack("!HH", 0x800e, 256))
                           for _ in range(62)] + suite()), SYNTAX),
                ("255 transforms in the proposal",
                 proposal([transform(3, 12) for _ in range(252)] + suite()),
                 SYNTAX)):
            def pls(i, body=body):
                p = i.pls()
                p[0].body = body
                return p
            s, d = mk(pls)
            c(name, d, want, s, log=want == SYNTAX)
        s, d = mk(lambda i: i.pls() + [P(PT_V, b"v%02d" % k)
                                       for k in range(61)])
        c("64 payloads (61 Vendor IDs)", d, ["answer"], s, log=False)
        s, d = mk(lambda i: i.pls() + [P(PT_V, b"v%02d" % k)
                                       for k in range(62)])
        c("65 payloads (62 Vendor IDs)", d, SYNTAX, s)
        for n in (1200, 9000, 20000, 65000):
            def pls(i, n=n):
                return i.pls() + [P(PT_V, b"\xa5" * (n - 144 - 4))]
            s, d = mk(pls)
            # the data plane reads 9216 bytes at most (dp.c's SLOT)
            c("IKE_SA_INIT of %d bytes (a Vendor ID of %d)" % (
                len(d), n - 148), d, ["answer"] if n <= 9000 else SILENT,
              s, log=n > 9000)
        # 2.5: an unknown payload, critical (the message is refused) and
        # not (it is skipped). What moatd does with a critical one is
        # recorded: UNSUPPORTED_CRITICAL_PAYLOAD naming 99, or silence.
        s, d = mk(lambda i: i.pls() + [P(99, b"unknown!", crit=True)])
        c("unknown payload 99, critical, last", d,
          ["silent", N_UNSUPPORTED_CRITICAL_PAYLOAD], s, notify_data=b"\x63")
        s, d = mk(lambda i: [P(99, b"unknown!", crit=True)] + i.pls())
        c("unknown payload 99, critical, first", d,
          ["silent", N_UNSUPPORTED_CRITICAL_PAYLOAD], s, notify_data=b"\x63")
        s, d = mk(lambda i: i.pls()[:1] + [P(99, b"x" * 40)] + i.pls()[1:])
        c("unknown payload 99, not critical (skipped, 2.5)", d, ["answer"],
          s, log=False)
        # Duplicated payloads.
        s, d = mk(lambda i: i.pls() + [P(PT_KE, ke_body(i.pub))])
        c("two KE payloads", d, SYNTAX, s)
        s, d = mk(lambda i: i.pls() + [P(PT_NONCE, i.ni)])
        c("two Nonce payloads", d, SYNTAX, s)
        s, d = mk(lambda i: i.pls()[:1] + i.pls())
        c("two SA payloads", d, SYNTAX, s)
        s, d = mk(lambda i: i.pls()[1:])
        c("no SA payload", d, SYNTAX, s)
        s, d = mk(lambda i: i.pls()[:2])
        c("no Nonce payload", d, SYNTAX, s)
        # The key exchange (RFC 8031 2: 32 bytes; an all-zero shared
        # secret, from a low-order point such as 0, is refused).
        for name, kb in (("KE of 31 bytes", ke_body(b"\x09" * 31)),
                         ("KE of 33 bytes", ke_body(b"\x09" * 33)),
                         ("KE of 0 bytes", ke_body(b"")),
                         ("KE x25519 public value all zero",
                          ke_body(b"\0" * 32)),
                         ("KE x25519 public value 1 (low order)",
                          ke_body(b"\x01" + b"\0" * 31))):
            def pls(i, kb=kb):
                p = i.pls()
                p[1].body = kb
                return p
            s, d = mk(pls)
            c(name, d, SYNTAX, s)
        # 1.2, 2.7: a KE in a group the proposal does not name.
        s, d = mk(lambda i: [i.pls()[0], P(PT_KE, ke_body(i.pub, 19)),
                             i.pls()[2]])
        c("KE in group 19, SA offers 31 only", d, [N_INVALID_KE_PAYLOAD], s,
          notify_data=b"\x00\x1f", log=False)
        # 3.9: a nonce of 16 to 256 bytes.
        for n, want in ((15, SYNTAX), (16, ["answer"]), (256, ["answer"]),
                        (257, SYNTAX), (0, SYNTAX)):
            i = Init(rnd, nonce_len=n)
            c("Nonce of %d bytes" % n, i.raw(), want, i.spi_i,
              log=want == SYNTAX)
        # 3.1: versions; header fields of a first message.
        i = Init(rnd)
        c("version 0x30 (major 3)", i.raw(version=0x30),
          [N_INVALID_MAJOR_VERSION], i.spi_i)
        i = Init(rnd)
        c("version 0xf0 (major 15)", i.raw(version=0xf0),
          [N_INVALID_MAJOR_VERSION], i.spi_i)
        i = Init(rnd)
        c("version 0x10 (IKEv1's major)", i.raw(version=0x10), SILENT,
          i.spi_i)
        i = Init(rnd)
        c("version 0x2f (minor 15, ignored)", i.raw(version=0x2f),
          ["answer"], i.spi_i, log=False)
        i = Init(rnd)
        c("responder SPI not zero", message(i.spi_i, 0x1122334455667788,
          IKE_SA_INIT, F_I, 0, i.pls()), SILENT, i.spi_i)
        i = Init(rnd)
        c("message ID 1", message(i.spi_i, 0, IKE_SA_INIT, F_I, 1, i.pls()),
          SILENT, i.spi_i)
        i = Init(rnd)
        c("response flag set", message(i.spi_i, 0, IKE_SA_INIT, F_I | F_R, 0,
          i.pls()), SILENT, i.spi_i, log=False)
        i = Init(rnd)
        c("initiator SPI zero", message(0, 0, IKE_SA_INIT, F_I, 0, i.pls()),
          SILENT, 0)
        i = Init(rnd)
        c("exchange type 99", message(i.spi_i, 0, 99, F_I, 0, i.pls()),
          SILENT, i.spi_i)
        # 2.1: a retransmission is answered again, byte for byte, and
        # makes no second SA.
        i = Init(rnd)
        _, _, a1 = f.case("IKE_SA_INIT, first", port, i.raw(), ["answer"],
                          spi_i=i.spi_i, log=False)
        _, _, a2 = f.case("the same IKE_SA_INIT again", port, i.raw(),
                          ["silent", "answer"], spi_i=i.spi_i, log=False)
        f.emit(bool(a1) and bool(a2) and a1[0].raw == a2[0].raw,
               "[%d] the retransmitted IKE_SA_INIT got the same answer" %
               port)
    f.check_halfopen("after the IKE_SA_INIT cases")
    f.check_logged("IKE_SA_INIT cases")


def init_sa(f, port, name):
    """A half-open SA of ours; past moatd's threshold of half-open SAs
    it asks for a COOKIE first (RFC 7296 2.6), which we send back."""
    i = Init(f.rnd)
    _, got, a = f.case(name, port, i.raw(), ["answer", N_COOKIE],
                       spi_i=i.spi_i, log=False)
    if got == N_COOKIE:
        i.cookie = a[0].notifies()[0][1]
        _, got, a = f.case(name + " with the COOKIE it asked for", port,
                           i.raw(), ["answer"], spi_i=i.spi_i, log=False)
    return i, (a[0] if got == "answer" else None)


def sealed(f, k, exch, mid, inner, name):
    """An authenticated request on our half-open SA; the answer, the
    notify names inside it (None: no answer that opens) and the log."""
    ans, logs = f.send(4500, k.seal(exch, mid, inner), answer=True,
                       name=name)
    pls = k.open(ans[0]) if ans else None
    notes = None if pls is None else [
        NOTIFY.get(n, str(n)) for n, _ in Answer(b"").notifies(pls)]
    return ans, notes, logs


def group_halfopen(f):
    rnd = f.rnd
    ia, aa = init_sa(f, 500, "half-open SA A: a valid IKE_SA_INIT")
    ib, ab = init_sa(f, 4500, "half-open SA B: a valid IKE_SA_INIT")
    if aa is None or ab is None:
        f.emit(False, "both half-open SAs answered")
        return
    A = (ia.spi_i, aa.spi_r)

    def g(name, data, expect=SILENT, port=4500, log=True, **kw):
        return f.case("half-open A: " + name, port, data, expect,
                      spi_i=A[0], log=log, **kw)

    for mid in (1, 0, 2, 0xffffffff):
        g("IKE_AUTH, garbage SK, message ID %d" % mid,
          sk_garbage(rnd, A[0], A[1], IKE_AUTH, mid))
    for n in (0, 8, 23, 24):
        g("IKE_AUTH, SK of %d bytes (IV 8 + ICV 16)" % n,
          sk_garbage(rnd, A[0], A[1], IKE_AUTH, 1, size=n))
    g("CREATE_CHILD_SA, garbage SK", sk_garbage(rnd, A[0], A[1],
      CREATE_CHILD_SA, 1, inner=PT_SA))
    g("INFORMATIONAL, garbage SK", sk_garbage(rnd, A[0], A[1],
      INFORMATIONAL, 1, inner=0))
    g("IKE_AUTH without SK", message(A[0], A[1], IKE_AUTH, F_I, 1,
      [P(PT_IDI, b"\x02\0\0\0rw.example")]))
    g("IKE_AUTH, response flag", sk_garbage(rnd, A[0], A[1], IKE_AUTH, 1,
      flags=F_I | F_R), log=False)
    # 2.1: IKE_SA_INIT again, after all that: the same answer.
    _, _, a = f.case("half-open A: its IKE_SA_INIT again", 500, ia.raw(),
                     ["answer"], spi_i=A[0], log=False)
    f.emit(bool(a) and a[0].raw == aa.raw,
           "half-open A: still answers its IKE_SA_INIT with the same bytes")
    if not HAVE_CRYPTO:
        print("# python3-cryptography missing: no authenticated messages")
        return
    k = Keys(ia, aa)
    # Authenticated but out of state (the SA is not established): dropped,
    # with no answer and no change.
    g("INFORMATIONAL, authenticated, out of state (2.25)",
      k.seal(INFORMATIONAL, 1, []))
    g("CREATE_CHILD_SA, authenticated, out of state",
      k.seal(CREATE_CHILD_SA, 1, [P(PT_NONCE, b"n" * 32)]))
    # IKE_AUTH that decrypts, with an inner chain that does not parse:
    # INVALID_SYNTAX in the protected answer (2.21.2), the SA half-open.
    mid = 1
    ans, notes, logs = sealed(f, k, IKE_AUTH, mid, [P(PT_NONCE, b"abc")],
                              "half-open A: IKE_AUTH, authenticated, inner "
                              "Nonce of 3 bytes")
    f.emit(notes in (None, ["INVALID_SYNTAX"]),
           "half-open A: authenticated IKE_AUTH with a 3-byte Nonce inside: "
           "%s (want INVALID_SYNTAX or nothing)" % (
               ",".join(notes) if notes is not None else "no answer"),
           ["log: " + l for l in logs[:3]])
    if notes is not None:
        mid += 1  # answered: moatd's window moved on
    c1 = f.connecting()
    f.emit(A[0] in c1 and ib.spi_i in c1,
           "half-open A and B are still half-open after those")
    # IKE_AUTH for a configured client with a wrong AUTH: refused
    # (AUTHENTICATION_FAILED, 2.21.2), never established.
    # 3.13: one TS, IPv4 (7), any protocol, all ports, 0.0.0.0-255...
    ts = struct.pack("!B3xBBHHH", 1, 7, 0, 16, 0, 0xffff) + \
        b"\0\0\0\0\xff\xff\xff\xff"
    esp = proposal([transform(1, 20, struct.pack("!HH", 0x800e, 128)),
                    transform(5, 0, last=True)], proto=3,
                   spi=b"\x12\x34\x56\x78")
    ans, notes, logs = sealed(f, k, IKE_AUTH, mid, [
        P(PT_IDI, b"\x02\0\0\0rw.example"),
        P(PT_AUTH, b"\x02\0\0\0" + bytes(32)),
        P(PT_SA, esp), P(PT_TSI, ts), P(PT_TSR, ts)],
        "half-open A: IKE_AUTH with a wrong PSK AUTH")
    f.emit(notes is not None and "AUTHENTICATION_FAILED" in notes,
           "half-open A: IKE_AUTH with a wrong AUTH for rw.example is "
           "answered AUTHENTICATION_FAILED (%s)" % (
               ",".join(notes) if notes is not None else
               "no answer that opens"),
           ["log: " + l for l in logs[:3]])
    c2 = f.connecting()
    st = f.status()[1]
    est = [l for l in st if ("%016x_i" % A[0]) in l and "connecting" not in l]
    f.emit(not est, "half-open A did not become established (%s)" % (
        "gone" if A[0] not in c2 else "still half-open"), est)
    if A[0] not in c2:
        print("# half-open A was deleted after its failed IKE_AUTH")
        del f.halfopen[A[0]]
    f.emit(ib.spi_i in c2, "its neighbour, half-open B, is still there")
    f.check_halfopen("after the half-open cases")
    f.check_logged("half-open cases")


def group_state(f):
    rnd = f.rnd
    I, R = int(f.a.spi_i, 16), int(f.a.spi_r, 16)
    # The message ID moatd expects next, from its debug line about a
    # request far out of its window.
    _, _, _ = f.case("IKE_AUTH, garbage SK, message ID 0x7fffffff", 4500,
                     sk_garbage(rnd, I, R, IKE_AUTH, 0x7fffffff), SILENT,
                     spi_i=I)
    cur = None
    # (the window line came with the case above; read it again)
    for l in open(f.a.log, errors="replace").read().splitlines()[::-1]:
        m = re.search(r"%016x_i: request 2147483647 out of the window "
                      r"\((\d+)\)" % I, l)
        if m:
            cur = int(m.group(1))
            break
    print("# the established IKE_SA expects message ID %s next" % cur)
    if cur is None:
        cur = 2
    ids = sorted(set([0, cur - 1, cur, cur + 1, cur + 1000, 0xffffffff]))
    for exch, xn, inner in ((IKE_AUTH, "IKE_AUTH", PT_IDI),
                            (CREATE_CHILD_SA, "CREATE_CHILD_SA", PT_SA),
                            (INFORMATIONAL, "INFORMATIONAL", PT_D)):
        for mid in ids:
            # 2.1: the request before the current one is a retransmission
            # and must not get the last response again: moatd resends
            # it only for the very request it answered.
            retr = mid == cur - 1
            for port in (500, 4500):
                _, got, a = f.case(
                    "%s, garbage SK, message ID %d%s" % (
                        xn, mid, " (the last one: a retransmission)"
                        if retr else " (current)" if mid == cur else ""),
                    port, sk_garbage(rnd, I, R, exch, mid, inner=inner),
                    SILENT, spi_i=I, log=not retr)
    # The smallest such "retransmission": a bare header, no payloads.
    bare = message(I, R, INFORMATIONAL, F_I, cur - 1, [])
    f.case("INFORMATIONAL, a bare 28-byte header, message ID %d (the last "
           "one): no reflected answer" % (cur - 1), 500, bare, SILENT,
           spi_i=I, log=False)
    for n in (0, 1, 8, 23, 24):
        f.case("INFORMATIONAL, SK of %d bytes" % n, 4500,
               sk_garbage(rnd, I, R, INFORMATIONAL, cur, size=n), SILENT,
               spi_i=I)
    f.case("INFORMATIONAL, SK not the last payload", 4500,
           message(I, R, INFORMATIONAL, F_I, cur,
                   [P(PT_SK, bytes(40), nxt=0), P(PT_V, b"vendor")]),
           SILENT, spi_i=I)
    f.case("INFORMATIONAL, a Delete in the clear (no SK)", 4500,
           message(I, R, INFORMATIONAL, F_I, cur,
                   [P(PT_D, struct.pack("!BBH", 1, 0, 0))]),
           SILENT, spi_i=I)
    for mid in (0, cur - 1, cur):
        f.case("INFORMATIONAL response, garbage SK, message ID %d" % mid,
               4500, sk_garbage(rnd, I, R, INFORMATIONAL, mid,
                                flags=F_I | F_R, inner=0), SILENT, spi_i=I,
               log=False)
    for name, si, sr in (("unknown SPIs", rnd.getrandbits(64) | 1,
                          rnd.getrandbits(64) | 1),
                         ("its initiator SPI, an unknown responder SPI",
                          I, rnd.getrandbits(64) | 1),
                         ("an unknown initiator SPI, its responder SPI",
                          rnd.getrandbits(64) | 1, R),
                         ("its SPIs swapped", R, I),
                         ("its initiator SPI, responder SPI zero", I, 0)):
        for exch in (IKE_AUTH, INFORMATIONAL):
            f.case("%s, %s, garbage SK" % (
                {IKE_AUTH: "IKE_AUTH", INFORMATIONAL: "INFORMATIONAL"}[exch],
                name), 4500, sk_garbage(rnd, si, sr, exch, cur), SILENT,
                spi_i=si)
    f.check_logged("established-SA cases")


def group_junk(f):
    rnd = f.rnd
    I = int(f.a.spi_i, 16) if f.a.spi_i else 1
    R = int(f.a.spi_r, 16) if f.a.spi_r else 2
    answers, recent, inits = [], [], {}
    sent = [0]

    def collect():
        for port, s in f.socks.items():
            while select.select([s], [], [], 0)[0]:
                d = s.recv(65536)
                if port == 4500:
                    d = d[4:] if d[:4] == b"\0\0\0\0" else b""
                answers.append(Answer(d))

    def shoot(port, d, marker=True, what="junk"):
        f.socks[port].sendto((b"\0\0\0\0" + d) if port == 4500 and marker
                             else d, (GW, port))
        sent[0] += 1
        f.sent += 1
        recent.append("%s to %d%s: %s" % (what, port, "" if marker or
                                           port == 500 else
                                           " (no marker)", d.hex()))
        del recent[:-4]
        collect()
        if not pid_alive(f.a.pid):
            # the culprit is among the last few: all of them, oldest first
            f.died("%s (seed %d); the last datagrams:\n%s" % (
                what, f.a.seed, "\n".join(recent)), d, port)

    for k in range(f.a.count):
        for port in (500, 4500):
            # random bytes; on 4500 half of them without the marker, for
            # the ESP path
            d = bytes(rnd.getrandbits(8) for _ in
                      range(rnd.randrange(0, 2001)))
            shoot(port, d, marker=k % 2 == 1, what="random")
            # a plausible header: random SPIs (or the established SA's),
            # exchange, flags, message ID, first payload; a random body
            spis = rnd.choice([(rnd.getrandbits(64), 0), (I, R),
                               (rnd.getrandbits(64), rnd.getrandbits(64))])
            nxt = rnd.choice([0, 33, 34, 35, 39, 40, 41, 42, 44, 46, 47,
                              rnd.randrange(256)])
            body = bytes(rnd.getrandbits(8) for _ in
                         range(rnd.randrange(0, 600)))
            shoot(port, header(spis[0], spis[1], nxt,
                               rnd.choice([34, 35, 36, 37,
                                           rnd.randrange(256)]),
                               rnd.choice([F_I, F_R, F_I | F_R, 0]),
                               rnd.choice([0, 1, 2, rnd.getrandbits(32)]),
                               28 + len(body),
                               version=rnd.choice([0x20, 0x20, 0x21])) +
                  body, what="header")
            # a valid IKE_SA_INIT with 1 to 4 bytes changed (most are
            # refused; those that only touch KE or Nonce data are valid
            # and make half-open SAs, which expire with the others)
            v = Init(rnd)
            d = bytearray(v.raw())
            for _ in range(rnd.randint(1, 4)):
                d[rnd.randrange(len(d))] = rnd.getrandbits(8)
            inits[struct.unpack("!Q", bytes(d[:8]))[0]] = True
            shoot(port, bytes(d), what="mutated IKE_SA_INIT")
        time.sleep(0.002)
    time.sleep(0.3)
    collect()
    f.emit(pid_alive(f.a.pid), "moatd is alive after %d junk datagrams "
           "(seed %d)" % (sent[0], f.a.seed))
    # Junk is answered only when it is an IKE_SA_INIT request: an answer,
    # or a refusal in the clear with one notify (a newer major version,
    # 2.5's critical payload, INVALID_SYNTAX, NO_PROPOSAL_CHOSEN...).
    made = [a for a in answers if a.ok and a.is_init_answer()]
    refused = [a for a in answers if a.ok and a.exch == IKE_SA_INIT and
               a.flags & F_R and len(a.notifies()) == 1 and
               not a.is_init_answer()]
    bad = [a.describe() for a in answers
           if a not in made and a not in refused]
    bad += ["an answer to %016x_i, which we did not send" % a.spi_i
            for a in made + refused if a.spi_i not in inits]
    kinds = {}
    for a in refused:
        n = NOTIFY.get(a.notifies()[0][0], str(a.notifies()[0][0]))
        kinds[n] = kinds.get(n, 0) + 1
    f.emit(not bad, "%d answers to the junk: %d IKE_SA_INITs answered "
           "(half-open SAs), %d refused (%s), none else" % (
               len(answers), len(made), len(refused), ", ".join(
                   "%s %d" % kv for kv in sorted(kinds.items()))),
           bad[:10])
    for a in made:
        f.halfopen[a.spi_i] = (a.spi_r, "mutated IKE_SA_INIT", time.time())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=["init", "halfopen", "state", "junk"])
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--ctl", required=True)
    ap.add_argument("--sock", required=True)
    ap.add_argument("--src", default="198.51.100.3")
    ap.add_argument("--spi-i")
    ap.add_argument("--spi-r")
    ap.add_argument("--seed", type=int, default=7296)
    ap.add_argument("--count", type=int, default=150)
    ap.add_argument("--crash-dir", default="/tmp")
    ap.add_argument("--state", help="the half-open SAs made so far")
    a = ap.parse_args()
    f = Fuzz(a)
    if not pid_alive(a.pid):
        f.emit(False, "moatd runs before the %s group" % a.group)
        return 2
    {"init": group_init, "halfopen": group_halfopen, "state": group_state,
     "junk": group_junk}[a.group](f)
    f.save()
    print("# %d datagrams sent; %d half-open IKE_SAs of ours so far%s" % (
        f.sent, len(f.halfopen), ": " + " ".join(
            "%016x_i" % k for k in f.halfopen)
        if len(f.halfopen) <= 8 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
