#!/usr/bin/python3
# fw-kernel-eval: random stateless filter rulesets, packets injected into a
# router namespace one at a time, the kernel's deciding rule read from the
# counters, and `moatctl fw eval` asked about the same packets.
#
#   kernel_eval.py [--self-check] [--seed N] [--rulesets N] [--packets N]
#
# --self-check leaves moat out: only the kernel and the reference model in
# stateless.py are compared (use it to check the harness).  FWDIFF_KEEP=1
# keeps the temporary directory (kept anyway on failure): rsNNN.rules,
# rsNNN.pkts (eval input) and rsNNN.kernel (the kernel's answers).
import argparse
import importlib.util
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import (Deadline, Namespaces, Tap, exit_on_signals,  # noqa: E402
                    moat_paths, preflight, setns)
import kernel  # noqa: E402
import stateless  # noqa: E402

DEFAULT_SEED = 20240611
TIME_LIMIT = 420          # seconds for the whole packet loop
MAX_SHOW = 8              # disagreements quoted per comparison


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--self-check", action="store_true")
    ap.add_argument("--seed", type=int,
                    default=int(os.environ.get("FWDIFF_SEED", DEFAULT_SEED)))
    ap.add_argument("--rulesets", type=int, default=100)
    ap.add_argument("--packets", type=int, default=101,
                    help="packets per ruleset")
    return ap.parse_args()


def kernel_phase(tap, args, tmp, router):
    """Loads every ruleset, injects its packets, and returns a list of
    (ruleset file, [(packet, kernel answer, reference answer)])."""
    rng = random.Random(args.seed)
    deadline = Deadline(TIME_LIMIT)
    results, load_errors, problems = [], [], []
    npkt = 0
    setns(router.gw)       # iptables-save runs here without `ip netns exec`
    try:
        for k in range(args.rulesets):
            if deadline.expired():
                break
            rs = stateless.Ruleset(rng)
            text = rs.text()
            path = os.path.join(tmp, "rs%03d.rules" % k)
            with open(path, "w") as f:
                f.write(text)
            rc, err = router.load(text)
            if rc != 0:
                load_errors.append("%s: iptables-restore: %s" % (path,
                                                                 err.strip()))
                continue
            prev = kernel.read_counters(None)
            rows = []
            for _ in range(args.packets):
                p = stateless.gen_packet(rng)
                router.send(p, stateless.packet_bytes(p, rng))
                for attempt in range(20):
                    cur = kernel.read_counters(None)
                    d = kernel.decide(prev, cur, p["hook"])
                    if d[4] != "nothing decided":
                        break
                    time.sleep(0.002 * (attempt + 1))
                prev = cur
                v, where, moved, nbytes, problem = d
                if problem is None and nbytes != p["len"]:
                    problem = "byte counter moved by %s, packet is %d" % (
                        nbytes, p["len"])
                if problem:
                    problems.append("%s: %s: %s" % (
                        path, stateless.eval_line(p), problem))
                    v = None
                rows.append((p, (v, where, moved), rs.evaluate(p)))
                npkt += 1
            results.append((path, rows))
            # For reproducing by hand: moatctl fw eval -f rsNNN.rules
            # < rsNNN.pkts, to compare with rsNNN.kernel.
            base = path[:-len(".rules")]
            with open(base + ".pkts", "w") as f:
                f.writelines(stateless.eval_line(r[0]) + "\n" for r in rows)
            with open(base + ".kernel", "w") as f:
                f.writelines("%s %s\n" % (r[1][0], r[1][1]) for r in rows)
    finally:
        setns("")
    tap.ok(not load_errors, "all %d generated rulesets load into the kernel "
           "(seed %d)" % (len(results) + len(load_errors), args.seed))
    for e in load_errors[:MAX_SHOW]:
        tap.diag(e)
    tap.ok(len(results) == args.rulesets and
           npkt >= args.rulesets * args.packets,
           "kernel phase finished %d packets in %d rulesets within %ds" % (
               npkt, len(results), TIME_LIMIT))
    tap.ok(not problems, "kernel: each of %d packets moved exactly one "
           "verdict counter, by its length" % npkt)
    for e in problems[:MAX_SHOW]:
        tap.diag(e)
    return results


def compare(tap, results, name, pick, desc):
    """PICK(path, i, row) -> (verdict, where) of the side compared to the
    kernel, for packet I of ruleset PATH, or None if it has no answer (that
    side refused the whole ruleset, reported elsewhere)."""
    agree, bad, missing = 0, [], 0
    for path, rows in results:
        for i, row in enumerate(rows):
            p, kv = row[0], row[1]
            if kv[0] is None:
                continue
            other = pick(path, i, row)
            if other is None:
                missing += 1
            elif other == (kv[0], kv[1]):
                agree += 1
            else:
                bad.append("%s packet %d: %s\n  kernel: %s %s\n  %s: %s" % (
                    path, i + 1, stateless.eval_line(p), kv[0], kv[1], name,
                    " ".join(str(x) for x in other)))
    tap.ok(not bad and not missing and agree > 0,
           "%s: %d agree, %d disagree%s" % (
               desc, agree, len(bad), ", %d not evaluated" % missing
               if missing else ""))
    for b in bad[:MAX_SHOW]:
        tap.diag(b)
    return agree, len(bad)


def ref_pick(path, i, row):
    """The reference answer; a different set of moved counters counts as a
    disagreement too (it checks the model, not moat)."""
    ref, kv = row[2], row[1]
    if ref[:2] == kv[:2] and ref[2] != kv[2]:
        return ref[0], ref[1], "counters moved: kernel %s, model %s" % (
            sorted(kv[2].items()), sorted(ref[2].items()))
    return ref[:2]


def moat_eval(moatctl, path, rows):
    """Runs `moatctl fw eval -f PATH` on the rows' packets; returns a list of
    (verdict, where) or an error string."""
    inp = "".join(stateless.eval_line(r[0]) + "\n" for r in rows)
    try:
        p = subprocess.run([moatctl, "fw", "eval", "-f", path], input=inp,
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if p.returncode != 0:
        errs = [ln for ln in p.stderr.splitlines() if "error" in ln]
        return "exit %d: %s" % (p.returncode, "\n".join(
            errs[:3] or p.stderr.strip().splitlines()[-3:]))
    out = []
    for line in p.stdout.splitlines():
        w = line.split()
        if len(w) != 2:
            return "unexpected output line %r" % line
        out.append((w[0].split("(")[0], w[1]))
    if len(out) != len(rows):
        return "%d output lines for %d packets" % (len(out), len(rows))
    return out


def main():
    args = parse_args()
    tap = Tap()
    exit_on_signals()
    rc = preflight(tap, ["ip", "iptables-restore", "iptables-save"])
    if rc is not None:
        return rc
    if importlib.util.find_spec("scapy") is None:
        return tap.bail("this test needs python3-scapy (run "
                        "scripts/install-deps)")
    _, moatctl = moat_paths()
    tmp = tempfile.mkdtemp(prefix="fwd-eval-")
    nss = Namespaces()
    t0 = time.monotonic()
    keep = os.environ.get("FWDIFF_KEEP") == "1"
    try:
        try:
            router = kernel.Router(nss)
        except Exception as e:     # noqa: BLE001 -- report, don't traceback
            return tap.bail("router namespace with 3 neighbours: %s" % e)
        tap.ok(True, "router namespace %s with neighbours on extif, wirif, "
               "wirif2" % router.gw)
        results = kernel_phase(tap, args, tmp, router)
        tap.diag("kernel phase: %.1fs" % (time.monotonic() - t0))
        nss.delete_all()
        compare(tap, results, "reference", ref_pick,
                "reference model agrees with the kernel (harness check)")
        if not args.self_check:
            answers, errors = {}, []
            for path, rows in results:
                a = moat_eval(moatctl, path, rows)
                if isinstance(a, str):
                    errors.append("%s: %s" % (path, a))
                    answers[path] = [None] * len(rows)
                    keep = True
                else:
                    answers[path] = a
            if tap.ok(not errors, "moatctl fw eval runs on all %d rulesets" %
                      len(results)) is False:
                keep = True
            for e in errors[:MAX_SHOW]:
                tap.diag(e)
            _, nbad = compare(tap, results, "moat",
                              lambda path, i, row: answers[path][i],
                              "moatctl fw eval agrees with the kernel on "
                              "verdict and deciding rule (seed %d)" %
                              args.seed)
            keep = keep or nbad > 0
        keep = keep or tap.failed > 0
    finally:
        nss.delete_all()
        if keep:
            tap.diag("rulesets kept in " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    tap.diag("total %.1fs" % (time.monotonic() - t0))
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
