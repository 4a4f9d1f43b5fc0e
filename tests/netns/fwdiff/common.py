# Shared helpers for the kernel differential tests: TAP output, network
# namespaces (created with unique fwd- names, always torn down), running
# commands inside them, and locating moatctl.
import ctypes
import difflib
import os
import shutil
import signal
import subprocess
import sys
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class Tap:
    """Minimal TAP producer: numbered ok/not ok lines, '# ' diagnostics."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
        sys.stdout.flush()
        return cond

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.stdout.flush()
        return 0 if self.failed == 0 and self.n > 0 else 1

    def bail(self, desc):
        """A test that cannot run fails and says why (never skips)."""
        self.ok(False, desc)
        return self.done()


def udiff(want, got, wname, gname, limit=60):
    lines = list(difflib.unified_diff(want.splitlines(), got.splitlines(),
                                      wname, gname, lineterm="", n=2))
    if len(lines) > limit:
        lines = lines[:limit] + ["... (%d more diff lines)" % (len(lines) - limit)]
    return "\n".join(lines)


def moat_paths():
    src = os.environ.get("MOAT_SRC") or os.path.abspath(
        os.path.join(os.path.dirname(__file__), "..", "..", ".."))
    binp = os.environ.get("MOAT_BIN") or os.path.join(src, "build")
    return src, os.path.join(binp, "moatctl")


def preflight(tap, cmds):
    """Returns None if the test can run, else an exit status after failing."""
    if os.geteuid() != 0:
        return tap.bail("this test needs root (network namespaces)")
    for c in cmds:
        if shutil.which(c) is None:
            return tap.bail("this test needs '%s', which is not installed "
                            "(run scripts/install-deps)" % c)
    return None


def run(argv, input=None, check=True, timeout=60):
    p = subprocess.run(argv, input=input, capture_output=True, text=True,
                       timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                                p.stderr.strip()))
    return p


class Namespaces:
    """Creates namespaces named PREFIX-<pid>-<tag> (PREFIX is fwd unless
    given); delete_all() removes exactly those (also safe to call twice)."""

    def __init__(self, prefix="fwd"):
        self.prefix = "%s-%d-" % (prefix, os.getpid())
        self.names = []

    def add(self, tag):
        name = self.prefix + tag
        run(["ip", "netns", "add", name])
        self.names.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])
        return name

    def delete(self, name):
        if name in self.names:
            self.names.remove(name)
            subprocess.run(["ip", "netns", "del", name], capture_output=True)

    def delete_all(self):
        for name in list(self.names):
            self.delete(name)

    @staticmethod
    def exec(name, argv, input=None, check=True, timeout=60):
        return run(["ip", "netns", "exec", name] + argv, input=input,
                   check=check, timeout=timeout)


def setns(name):
    """Moves the calling thread into namespace NAME ('' = the one we started
    in).  Sockets keep the namespace they were created in."""
    path = "/run/netns/" + name if name else _ORIG_NS
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


# Keep a handle on the namespace we started in, to return to it.
_ORIG_NS = "/proc/%d/ns/net" % os.getpid()
_orig_fd = os.open(_ORIG_NS, os.O_RDONLY)
_ORIG_NS = "/proc/self/fd/%d" % _orig_fd


def exit_on_signals():
    """SIGTERM/SIGHUP/SIGINT raise SystemExit so that `finally` blocks
    (namespace teardown) run when prove or a user stops the test."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(s, handler)


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return self.end - time.monotonic()

    def expired(self):
        return time.monotonic() >= self.end
