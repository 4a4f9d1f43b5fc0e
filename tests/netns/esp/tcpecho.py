"""TCP through the tunnel, in the ESP tests.

tcpecho.py server PORT: accept one connection, echo it back until EOF.
tcpecho.py client HOST PORT NBYTES: send NBYTES seeded random bytes,
read them back, exit 0 if they are the same. Both give up after 15 s.
"""
import random
import socket
import sys
import threading
import time

LIMIT = 15


def server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(1)
    s.settimeout(LIMIT)
    c, _ = s.accept()
    c.settimeout(LIMIT)
    while True:
        b = c.recv(65536)
        if not b:
            break
        c.sendall(b)
    c.close()


def client(host, port, n):
    data = random.Random(n).randbytes(n)
    end = time.time() + LIMIT
    while True:
        try:
            c = socket.create_connection((host, port), timeout=LIMIT)
            break
        except OSError:
            if time.time() > end:
                raise
            time.sleep(0.1)
    c.settimeout(LIMIT)

    def send():
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=send)
    t.start()
    got = bytearray()
    while len(got) < n:
        b = c.recv(65536)
        if not b:
            break
        got += b
    t.join(LIMIT)
    print("echoed %d of %d bytes%s" % (len(got), n,
          "" if bytes(got) == data else ", not the same"))
    return 0 if bytes(got) == data else 1


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(int(sys.argv[2]))
    else:
        sys.exit(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
