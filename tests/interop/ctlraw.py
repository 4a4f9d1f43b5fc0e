#!/usr/bin/python3
"""Raw bytes to moatd's control socket, for tests/interop/control.t.

  ctlraw.py SOCKET CASE      send CASE's bytes, print what came back:
                             "answer 0|1 TEXT" (the first line of the
                             text), "closed" (no answer), or "timeout"
  ctlraw.py SOCKET idle N    connect, send nothing; print how many
                             seconds later moatd closed (at most N)

The framing is src/lib/ctlmsg.h's: a 4-byte big-endian length, then the
request "VERB\\n" and its body.
"""
import random
import socket
import struct
import sys
import time


def frame(b):
    return struct.pack(">I", len(b)) + b


rng = random.Random(7)
CASES = {
    # Two bytes of the length, then the client goes.
    "short-length": b"\x00\x00",
    # Over CTLMSG_MAX (16 MiB), and the largest length there is.
    "over-max": struct.pack(">I", (16 << 20) + 1) + b"stats\n",
    "max-u32": b"\xff\xff\xff\xff",
    # A length that promises more than comes.
    "short-body": struct.pack(">I", 100) + b"stats\n",
    "no-verb-line": frame(b"stats"),
    "empty": frame(b""),
    "unknown-verb": frame(b"bogus\n"),
    "verb-with-nul": frame(b"st\x00ats\n"),
    "arg-with-nul": frame(b"status\n--json\x00x\n"),
    "too-many-args": frame(b"status\na\nb\nc\nd\ne\n"),
    "bad-arg": frame(b"status\n--bogus\n"),
    "garbage-framed": frame(bytes(rng.randrange(256) for _ in range(300))),
    "garbage-raw": bytes(rng.randrange(256) for _ in range(300)),
    "setkey-no-file": frame(b"setkey\n"),
    "down-bad-spi": frame(b"down\nzz12\n"),
    "down-long-spi": frame(b"down\n" + b"1" * 40 + b"\n"),
}


def recv_all(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b


def answer(s):
    h = recv_all(s, 4)
    if h is None:
        return None
    (n,) = struct.unpack(">I", h)
    return recv_all(s, n)


def send_case(path, name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    try:
        s.sendall(CASES[name])
        if name == "short-length":
            s.shutdown(socket.SHUT_WR)
        a = answer(s)
    except socket.timeout:
        return "timeout"
    except (BrokenPipeError, ConnectionResetError):
        return "closed"
    finally:
        s.close()
    if a is None:
        return "closed"
    text = a.decode("utf-8", "replace")
    status, _, rest = text.partition("\n")
    return "answer %s %s" % (status, rest.split("\n")[0])


def idle(path, most):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(most)
    s.connect(path)
    t0 = time.monotonic()
    try:
        b = s.recv(1)
    except socket.timeout:
        return "still open after %d s" % most
    return "closed after %d s%s" % (time.monotonic() - t0,
                                    "" if not b else " with an answer")


def main():
    path, case = sys.argv[1], sys.argv[2]
    if case == "idle":
        print(idle(path, int(sys.argv[3])))
    else:
        print(send_case(path, case))
    return 0


if __name__ == "__main__":
    sys.exit(main())
