#!/usr/bin/python3
# fw-roundtrip: iptables-restore + iptables-save in a fresh namespace versus
# `moatctl fw save -f` on the same file, for the real rulesets of
# ../shared/corpus/iptables and for random files from savegen.py; moat's
# output must also be a fixed point of moat.
#
#   roundtrip.py [--seed N] [--count N] [--kernel-only]
#
# --kernel-only checks the corpus and the generator against the kernel
# alone (every generated file must load).
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (Deadline, Namespaces, Tap, exit_on_signals,  # noqa: E402
                    moat_paths, preflight, udiff)
import savegen  # noqa: E402

DEFAULT_SEED = 4242
TIME_LIMIT = 240
# Files iptables-restore 1.8.9 refuses (corpus README.md); moat's documented
# choice is to refuse them too, at the same line.
REFUSED = {"ugent.rules", "veroneau.rules"}


def kernel_save(nss, tag, path):
    """Returns (exit status, canonical text without # lines, stderr)."""
    ns = nss.add(tag)
    try:
        with open(path) as f:
            p = subprocess.run(["ip", "netns", "exec", ns, "iptables-restore"],
                               stdin=f, capture_output=True, text=True,
                               timeout=120)
        if p.returncode != 0:
            return p.returncode, None, p.stderr
        s = Namespaces.exec(ns, ["iptables-save"], timeout=120)
        text = "".join(ln + "\n" for ln in s.stdout.splitlines()
                       if not ln.startswith("#"))
        return 0, text, ""
    finally:
        nss.delete(ns)


def moat_save(moatctl, path):
    try:
        p = subprocess.run([moatctl, "fw", "save", "-f", path],
                           capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, "", str(e)
    return p.returncode, p.stdout, p.stderr


def compare_one(tap, moatctl, tmp, path, want, label):
    """moat save == kernel save, and moat's output is a fixed point."""
    rc, got, err = moat_save(moatctl, path)
    if rc != 0:
        tap.ok(False, "%s: moatctl fw save loads it" % label)
        errs = [ln for ln in err.splitlines() if "error" in ln]
        tap.diag("exit %d: %s" % (rc, "\n".join(
            errs[:3] or err.strip().splitlines()[-3:])))
        return False
    if not tap.ok(got == want, "%s: moat save == iptables-save" % label):
        tap.diag(udiff(want, got, "iptables-save", "moatctl fw save"))
        return False
    again = os.path.join(tmp, os.path.basename(path) + ".moat")
    with open(again, "w") as f:
        f.write(got)
    rc, got2, err = moat_save(moatctl, again)
    ok = rc == 0 and got2 == got
    if not tap.ok(ok, "%s: moat save is a fixed point" % label):
        tap.diag("exit %d: %s" % (rc, err.strip()[:500]) if rc else
                 udiff(got, got2, "save", "save of save"))
        return False
    return True


def corpus(tap, args, nss, moatctl, tmp):
    src, _ = moat_paths()
    cdir = os.path.normpath(os.path.join(src, "..", "shared", "corpus",
                                         "iptables"))
    files = sorted(f for f in os.listdir(cdir) if f.endswith(".rules")) \
        if os.path.isdir(cdir) else []
    if not tap.ok(len(files) > 0, "corpus of real rulesets in %s" % cdir):
        tap.diag("missing: the corpus is ../shared/corpus/iptables next to "
                 "the source tree (MOAT_SRC=%s)" % src)
        return
    for i, name in enumerate(files):
        path = os.path.join(cdir, name)
        rc, want, err = kernel_save(nss, "c%d" % i, path)
        if name in REFUSED:
            m = re.search(r"Error occurred at line: (\d+)", err)
            if not tap.ok(rc != 0 and m, "%s: iptables-restore refuses it "
                          "(corpus README)" % name):
                tap.diag(err.strip())
                continue
            line = m.group(1)
            if args.kernel_only:
                continue
            mrc, out, merr = moat_save(moatctl, path)
            want_loc = "%s:%s: error:" % (path, line)
            ok = mrc == 2 and want_loc in merr and out == ""
            if not tap.ok(ok, "%s: moat refuses it too, at line %s" % (
                    name, line)):
                tap.diag("want exit 2 and stderr with %r, got exit %d:\n%s" % (
                    want_loc, mrc, merr.strip()[:1000]))
            continue
        if not tap.ok(rc == 0, "%s: iptables-restore loads it" % name):
            tap.diag(err.strip())
            continue
        if not args.kernel_only:
            compare_one(tap, moatctl, tmp, path, want, name)


def generated(tap, args, nss, moatctl, tmp):
    rng = random.Random(args.seed)
    deadline = Deadline(TIME_LIMIT)
    refused, mism, done, first_bad = [], 0, 0, None
    moat_fail = []
    for k in range(args.count):
        if deadline.expired():
            break
        text = savegen.ruleset(rng)
        path = os.path.join(tmp, "gen%03d.rules" % k)
        with open(path, "w") as f:
            f.write(text)
        rc, want, err = kernel_save(nss, "g%d" % k, path)
        done += 1
        if rc != 0:
            refused.append("%s: %s" % (path, err.strip()))
            continue
        if args.kernel_only:
            continue
        mrc, got, merr = moat_save(moatctl, path)
        if mrc != 0:
            errs = [ln for ln in merr.splitlines() if "error" in ln]
            moat_fail.append("%s: exit %d: %s" % (path, mrc, "\n".join(
                errs[:2] or merr.strip().splitlines()[-2:])))
            continue
        if got != want:
            mism += 1
            if first_bad is None:
                first_bad = (path, udiff(want, got, "iptables-save",
                                         "moatctl fw save"))
            continue
        again = path + ".moat"
        with open(again, "w") as f:
            f.write(got)
        mrc2, got2, merr2 = moat_save(moatctl, again)
        if mrc2 != 0 or got2 != got:
            mism += 1
            if first_bad is None:
                first_bad = (again, "not a fixed point:\n" + (
                    merr2.strip()[:600] if mrc2 else
                    udiff(got, got2, "save", "save of save")))
    tap.ok(done == args.count, "generated %d of %d rulesets within %ds "
           "(seed %d)" % (done, args.count, TIME_LIMIT, args.seed))
    tap.ok(not refused, "iptables-restore loads every generated ruleset "
           "(a refusal is a generator bug)")
    for r in refused[:5]:
        tap.diag(r)
    if args.kernel_only:
        return not refused
    tap.ok(not moat_fail, "moatctl fw save loads every generated ruleset: "
           "%d refused" % len(moat_fail))
    for r in moat_fail[:5]:
        tap.diag(r)
    if len(moat_fail) > 5:
        why = {}
        for r in moat_fail:
            m = re.search(r"error: (.*)", r)
            k = re.sub(r"\d+", "N", m.group(1)) if m else r
            why[k] = why.get(k, 0) + 1
        tap.diag("refusals by reason:")
        for k, n in sorted(why.items(), key=lambda x: -x[1])[:15]:
            tap.diag("  %4d  %s" % (n, k))
    tap.ok(mism == 0, "moat save == iptables-save, and is a fixed point, "
           "for %d generated rulesets (seed %d): %d differ" % (
               done - len(refused) - len(moat_fail), args.seed, mism))
    if first_bad:
        tap.diag("first difference: " + first_bad[0])
        tap.diag(first_bad[1])
    return not (refused or moat_fail or mism)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("FWDIFF_SEED", DEFAULT_SEED)))
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--kernel-only", action="store_true")
    args = ap.parse_args()
    tap = Tap()
    exit_on_signals()
    rc = preflight(tap, ["ip", "iptables-restore", "iptables-save"])
    if rc is not None:
        return rc
    _, moatctl = moat_paths()
    if not args.kernel_only and not os.access(moatctl, os.X_OK):
        return tap.bail("moatctl not found at %s (set MOAT_BIN)" % moatctl)
    tmp = tempfile.mkdtemp(prefix="fwd-rt-")
    nss = Namespaces()
    t0 = time.monotonic()
    try:
        corpus(tap, args, nss, moatctl, tmp)
        generated(tap, args, nss, moatctl, tmp)
    finally:
        nss.delete_all()
        if tap.failed or os.environ.get("FWDIFF_KEEP") == "1":
            tap.diag("files kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    tap.diag("%.1fs" % (time.monotonic() - t0))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
