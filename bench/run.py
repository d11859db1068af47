#!/usr/bin/env python3
"""Warden's benchmark runner (python3 standard library only).

Runs every workload in bench/ under every allocator through LD_PRELOAD, in
interleaved repeats, and writes the medians, the ratios to glibc and their
geometric means to a Markdown report with a gnuplot chart; measures start-up
time, fork time and a small program's peak RSS; with --peer, runs the peer
suite (mimalloc-bench's benchmarks from the user's checkout, bench/peer.py)
the same way; then measures the fast-path cost in instructions with
callgrind. Normally started through `./warden bench [--quick]` (bench/run.sh).

    bench/run.sh [--quick] [--repeats N] [--only P1,P2] [--allocators A1,A2]
                 [--out FILE] [--timeout S] [--no-fastpath] [--keep]
                 [--peer PATH [--peer-repeats N] [--peer-budget TIME]
                  [--peer-timeout S] [--peer-cache DIR]]
    bench/run.sh --report-from bench/results.json [--out FILE]

Outputs, for --out bench/RESULTS.md (the default): bench/RESULTS.md, the
charts bench/results.png and bench/results-peer.png and every single
measurement in bench/results.json (from which --report-from redraws the
report without running anything). The peer suite is built in
bench/peer-build/.
A --quick run writes bench/RESULTS-quick.md (results-quick.png, .json)
unless --out says otherwise.

Warden's libraries are built with `./warden build` and `./warden build
--light`, each copied aside as soon as it is built (both write the same
bazel-bin path), unless WARDEN_LIB / WARDEN_LIGHT_LIB name prebuilt ones.
For callgrind, Warden is built once more with smaller address ranges (see
CALLGRIND_COPTS), or taken from WARDEN_CG_LIB / WARDEN_LIGHT_CG_LIB.
"""
import argparse
import datetime
import glob
import hashlib
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH)
import peer  # noqa: E402  (bench/peer.py)
ROOT = os.path.dirname(BENCH)
LIBDIR = "/usr/lib/x86_64-linux-gnu"
PYTHON = "/usr/bin/python3"  # Debian's, not whatever is first on PATH
SQLITE = "/usr/bin/sqlite3"
TIME = "/usr/bin/time"

# Valgrind's address space for the client is about 128 GiB, and Warden
# reserves 8 GiB per size class and 64 GiB for the medium tier: it cannot
# start under valgrind. For callgrind it is built with 512 MiB per class and
# 8 GiB of medium range; the code on the fast path is the same (only
# constant shift amounts differ).
CALLGRIND_COPTS = ["--copt=-DWD_SMALL_CLASS_SHIFT=29", "--copt=-DWD_MEDIUM_REGION_SHIFT=33"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Allocators


def scudo_path():
    found = sorted(glob.glob("/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.scudo_standalone-x86_64.so"))
    return found[-1] if found else "/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.scudo_standalone-x86_64.so"


def pkg_version(pkg):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else "?"
    except OSError:
        return "?"


# name -> (library or None for the C library's own malloc, Debian package or None)
def system_allocators():
    return {
        "glibc": (None, "libc6"),
        "jemalloc": (LIBDIR + "/libjemalloc.so.2", "libjemalloc2"),
        "tcmalloc": (LIBDIR + "/libtcmalloc_minimal.so.4", "libtcmalloc-minimal4"),
        "mimalloc": (LIBDIR + "/libmimalloc.so.2", "libmimalloc2.0"),
        "scudo": (scudo_path(), "libclang-rt-14-dev"),
    }


ALL_ALLOCATORS = ["glibc", "jemalloc", "tcmalloc", "mimalloc", "scudo", "warden", "warden-light"]


def sha256_file(path, n=12):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:n]


def warden_build(light, libdir, extra=None, suffix=None):
    """Builds Warden and copies the library to libdir; returns its path or raises."""
    if extra is None:
        cmd = [os.path.join(ROOT, "warden"), "build"] + (["--light"] if light else [])
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("%s failed:\n%s%s" % (" ".join(cmd), out.stdout[-2000:], out.stderr[-2000:]))
        lines = [l for l in out.stdout.splitlines() if l.strip()]
        src = lines[-1].strip() if lines else ""
    else:
        # A variant with extra flags: its own output directory (platform
        # suffix) and no convenience symlinks, so bazel-bin stays as it was.
        # --config=light comes first: it sets a platform suffix of its own,
        # and the last one given wins.
        flags = (["--config=light"] if light else []) + \
            ["--noshow_progress", "--symlink_prefix=/", "--platform_suffix=" + suffix] + extra
        out = subprocess.run(["bazel", "build"] + flags + ["//:libwarden.so"], cwd=ROOT,
                             capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("bazel build %s failed:\n%s" % (" ".join(flags), out.stderr[-3000:]))
        info = subprocess.run(["bazel", "info"] + flags + ["bazel-bin"], cwd=ROOT, capture_output=True, text=True)
        src = os.path.join(info.stdout.strip(), "libwarden.so")
    if not os.path.isfile(src):
        raise RuntimeError("build did not produce %r" % src)
    name = "libwarden-%s%s.so" % ("light" if light else "default", "-" + suffix if suffix else "")
    dst = os.path.join(libdir, name)
    shutil.copyfile(src, dst)
    os.chmod(dst, 0o755)
    return dst


# --------------------------------------------------------------------------
# Workloads


class Workload:
    def __init__(self, name, source, models, threads, full, quick):
        self.name = name
        self.source = source  # file in bench/ that describes it
        self.models = models
        self.threads = threads
        self.full = full  # function(ctx) -> argv
        self.quick = quick

    def argv(self, ctx, quick):
        return (self.quick if quick else self.full)(ctx)


def c_prog(name, *args):
    return lambda ctx: [os.path.join(ctx["bin"], name)] + [str(a) for a in args]


WORKLOADS = [
    Workload("churn", "churn.c", "single-thread small-object churn (8 B-1 KiB, 50k live)", 1,
             c_prog("churn", 16000000, 50000), c_prog("churn", 3200000, 50000)),
    Workload("realloc", "realloc.c", "mixed sizes 1 B-256 KiB, growing buffers by realloc", 1,
             c_prog("realloc", 4000000, 512), c_prog("realloc", 800000, 512)),
    Workload("prodcons", "prodcons.c", "producer/consumer, every free remote (2 threads)", 2,
             c_prog("prodcons", 10000000, 2), c_prog("prodcons", 2000000, 2)),
    Workload("larson", "larson.c", "larson-style server: tables handed to new threads (2 threads)", 2,
             c_prog("larson", 150, 25000, 20000, 2), c_prog("larson", 30, 25000, 20000, 2)),
    Workload("threads", "threads.c", "many short-lived threads, 2 at a time", 2,
             c_prog("threads", 12000, 300, 2), c_prog("threads", 2400, 300, 2)),
    Workload("large", "large.c", "large-allocation churn, 64 KiB-8 MiB, pages touched", 1,
             c_prog("large", 4000, 24), c_prog("large", 800, 24)),
    Workload("frag", "frag.c", "fragmentation: 1 in 24 kept among short-lived bursts", 1,
             c_prog("frag", 20, 300000), c_prog("frag", 20, 60000)),
    Workload("python", "py_workload.py", "python3: dicts, strings, JSON", 1,
             lambda ctx: [PYTHON, os.path.join(BENCH, "py_workload.py"), "25"],
             lambda ctx: [PYTHON, os.path.join(BENCH, "py_workload.py"), "5"]),
    Workload("sqlite", "sqlite_workload.sql", "sqlite3: in-memory table from a recursive CTE, queries", 1,
             lambda ctx: [SQLITE, ":memory:", ".read " + ctx["sql_full"]],
             lambda ctx: [SQLITE, ":memory:", ".read " + ctx["sql_quick"]]),
    Workload("gcc", "gen_cprog.py", "gcc -O2 build of a generated 30-file C program (-j2)", 2,
             lambda ctx: ["bash", os.path.join(BENCH, "gcc_build.sh"), ctx["csrc_full"], ctx["cout"], "2"],
             lambda ctx: ["bash", os.path.join(BENCH, "gcc_build.sh"), ctx["csrc_quick"], ctx["cout"], "2"]),
]
WORKLOAD_NAMES = [w.name for w in WORKLOADS]
PROGRAMS = ["python", "sqlite", "gcc"]
C_SOURCES = ["churn", "realloc", "prodcons", "larson", "threads", "large", "frag", "fork", "tiny"]
SQLITE_ROWS = {"full": 70000, "quick": 14000}
GCC_FILES = {"full": 30, "quick": 6}


def prepare(work, cc):
    """Compiles the C workloads and generates the inputs of the real programs."""
    ctx = {"bin": os.path.join(work, "bin")}
    os.makedirs(ctx["bin"], exist_ok=True)
    for name in C_SOURCES:
        cmd = [cc, "-O2", "-pthread", "-o", os.path.join(ctx["bin"], name), os.path.join(BENCH, name + ".c")]
        subprocess.run(cmd, check=True)
    subprocess.run([cc, "-O2", "-fno-builtin", "-o", os.path.join(ctx["bin"], "fastpath"),
                    os.path.join(BENCH, "fastpath.c"), "-ldl"], check=True)
    subprocess.run([cc, "-O2", "-o", os.path.join(ctx["bin"], "preload_check"),
                    os.path.join(BENCH, "preload_check.c"), "-ldl"], check=True)
    # Static, so that its own memory stays below the programs' it measures
    # (see bench/launch.c); without a static C library, linked as usual.
    launch = [cc, "-O2", "-o", os.path.join(ctx["bin"], "launch"), os.path.join(BENCH, "launch.c")]
    ctx["launch_static"] = subprocess.run(launch + ["-static"], capture_output=True).returncode == 0
    if not ctx["launch_static"]:
        log("warden bench: bench/launch.c does not link statically; small programs' peak RSS may show "
            "the launcher's")
        subprocess.run(launch, check=True)
    with open(os.path.join(BENCH, "sqlite_workload.sql")) as f:
        sql = f.read()
    for mode, rows in SQLITE_ROWS.items():
        path = os.path.join(work, "sqlite_%s.sql" % mode)
        with open(path, "w") as f:
            f.write(sql.replace("@N@", str(rows)))
        ctx["sql_" + mode] = path
    for mode, n in GCC_FILES.items():
        d = os.path.join(work, "csrc_" + mode)
        subprocess.run([PYTHON, os.path.join(BENCH, "gen_cprog.py"), d, str(n)], check=True)
        ctx["csrc_" + mode] = d
    ctx["cout"] = os.path.join(work, "cout")
    return ctx


# --------------------------------------------------------------------------
# Running


def run_env():
    env = dict(os.environ)
    for k in ("LD_PRELOAD", "WARDEN_OPTIONS", "MALLOC_CONF", "MIMALLOC_OPTIONS", "SCUDO_OPTIONS",
              "GLIBC_TUNABLES", "PYTHONMALLOC", "PYTHONSTARTUP"):
        env.pop(k, None)
    env["LC_ALL"] = "C"
    env["PYTHONHASHSEED"] = "0"  # the same dict layouts in every run
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def output_digest(stdout):
    """Checksum of a run's output, with the measurement lines ("metric ...") left out."""
    kept = [l for l in stdout.splitlines() if not l.startswith("metric ")]
    return hashlib.sha256("\n".join(kept).encode()).hexdigest()[:16]


def run_once(argv, lib, work, timeout, stdin=None, keep_output=False):
    """One measured run. Returns a dict with status, wall, cpu, maxrss_kb, digest, metrics, note;
    with keep_output, also "stdout" (the whole output). stdin: a file fed to the program."""
    tfile = os.path.join(work, "time.out")
    if os.path.exists(tfile):
        os.unlink(tfile)
    # /usr/bin/time runs `env`, which sets LD_PRELOAD and execs the workload:
    # the preload applies to the workload and everything it starts, not to time.
    pre = ["env", "LD_PRELOAD=" + lib] if lib else ["env"]
    cmd = [TIME, "-f", "%e %U %S %M", "-o", tfile] + pre + argv
    res = {"status": "ok", "wall": None, "wall_time1": None, "cpu": None, "maxrss_kb": None,
           "digest": None, "metrics": {}, "note": ""}
    fin = open(stdin, "rb") if stdin else None
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(cmd, cwd=work, env=run_env(), stdin=fin, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            res.update(status="timeout", note="killed after %d s" % timeout)
            return res
    finally:
        if fin:
            fin.close()
    res["wall"] = time.perf_counter() - t0
    out = out.decode(errors="replace")
    err = err.decode(errors="replace")
    tlines = []
    if os.path.exists(tfile):
        with open(tfile) as f:
            tlines = [l.strip() for l in f if l.strip()]
    for l in tlines:
        m = re.search(r"terminated by signal (\d+)", l)
        if m:
            sig = int(m.group(1))
            try:
                sname = signal.Signals(sig).name
            except ValueError:
                sname = "signal %d" % sig
            res.update(status="crash", note=sname)
        m = re.search(r"exited with non-zero status (\d+)", l)
        if m and res["status"] == "ok":
            res.update(status="crash", note="exit %s" % m.group(1))
    if tlines:
        f = tlines[-1].split()
        try:
            res["wall_time1"] = float(f[0])
            res["cpu"] = float(f[1]) + float(f[2])
            res["maxrss_kb"] = int(f[3])
        except (ValueError, IndexError):
            pass
    if p.returncode != 0 and res["status"] == "ok":
        res.update(status="crash", note="exit %d" % p.returncode)
    if res["status"] != "ok":
        tail = [l for l in err.splitlines() if l.strip()][-2:]
        if tail:
            res["note"] += ": " + " / ".join(t[:160] for t in tail)
        return res
    res["digest"] = output_digest(out)
    res["head"] = out.splitlines()[:4]
    if keep_output:
        res["stdout"] = out
    for l in out.splitlines():
        if l.startswith("metric "):
            parts = l.split()
            if len(parts) == 3:
                try:
                    res["metrics"][parts[1]] = float(parts[2])
                except ValueError:
                    pass
    return res


def check_preload(name, lib, ctx, work):
    """Verifies that the allocator really serves malloc and free. Returns (ok, detail)."""
    env = run_env()
    if lib:
        env["LD_PRELOAD"] = lib
    try:
        out = subprocess.run([os.path.join(ctx["bin"], "preload_check")], cwd=work, env=env,
                             capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return False, "preload check timed out"
    if out.returncode != 0:
        return False, "preload check failed: exit %d %s" % (out.returncode, out.stderr.strip()[-200:])
    owners = dict(l.split(" ", 1) for l in out.stdout.splitlines() if " " in l)
    for sym in ("malloc", "free"):
        got = owners.get(sym, "?")
        if lib:
            ok = os.path.exists(got) and os.path.realpath(got) == os.path.realpath(lib)
        else:
            ok = os.path.basename(got).startswith("libc.so")
        if not ok:
            return False, "%s resolves to %s" % (sym, got)
    return True, owners.get("malloc")


def fmt_s(s):
    return "%.2f" % s if s is not None else "-"


def run_suite(args, allocs, ctx, work):
    workloads = [w for w in WORKLOADS if not args.only or w.name in args.only]
    names = [a for a in allocs]
    runs = []
    reference = {}
    failed = {}  # (workload, allocator) -> first failure; such a pair is not run again
    # Warm-up: one unrecorded glibc run per workload (page cache, and the
    # reference output when glibc is in the list).
    for w in workloads:
        argv = w.argv(ctx, args.quick)
        r = run_once(argv, None, work, args.timeout)
        log("warm-up %-9s glibc   %6ss  %s" % (w.name, fmt_s(r["wall"]), r["status"]))
        if r["status"] == "ok":
            reference[w.name] = r["digest"]
    total = args.repeats * len(workloads) * len(names)
    done = 0
    t_start = time.time()
    for rep in range(args.repeats):
        k = rep % len(names)
        order = names[k:] + names[:k]
        for w in workloads:
            argv = w.argv(ctx, args.quick)
            for a in order:
                done += 1
                if (w.name, a) in failed:
                    continue
                lib = allocs[a]
                r = run_once(argv, lib, work, args.timeout)
                if r["status"] == "ok":
                    ref = reference.setdefault(w.name, r["digest"])
                    if r["digest"] != ref:
                        r["status"] = "wrong-output"
                        r["note"] = "output %s differs from the reference %s (glibc's)" % (r["digest"], ref)
                if r["status"] != "ok":
                    failed[(w.name, a)] = r
                r.update(repeat=rep, workload=w.name, allocator=a, position=order.index(a))
                runs.append(r)
                el = time.time() - t_start
                eta = el / done * (total - done)
                log("[%d/%d %3d%% eta %4.0fs] %-9s %-13s %7ss %8.1f MiB  %s%s" % (
                    rep + 1, args.repeats, 100 * done // total, eta, w.name, a, fmt_s(r["wall"]),
                    (r["maxrss_kb"] or 0) / 1024.0, r["status"], (" " + r["note"]) if r["note"] else ""))
    return runs


# --------------------------------------------------------------------------
# Start-up, fork and a small program's memory

# (name, how the report shows it, argv given the context)
STARTUP_PROGRAMS = [
    ("true", "`/bin/true`", lambda ctx: ["/bin/true"]),
    ("python", "`python3 -c pass`", lambda ctx: [PYTHON, "-c", "pass"]),
    ("tiny", "`bench/tiny`", lambda ctx: [os.path.join(ctx["bin"], "tiny")]),
]
STARTUP_ROUNDS = {"full": 150, "quick": 40}
FORK_ROUNDS = {"full": 11, "quick": 5}
FORKS = {"full": 500, "quick": 200}


def launch_once(ctx, lib, argv, env):
    """One run of a short program through bench/launch; returns (seconds, peak RSS in KiB, exit
    code), or raises RuntimeError when the launcher itself failed."""
    p = subprocess.run([os.path.join(ctx["bin"], "launch"), lib or "-"] + argv, env=env, capture_output=True,
                       text=True, timeout=60)
    f = p.stdout.split()
    if p.returncode != 0 or len(f) != 3:
        raise RuntimeError("launch failed: %s" % (p.stderr.strip()[-200:] or "exit %d" % p.returncode))
    return int(f[0]) / 1e9, int(f[1]), int(f[2])


def run_startup(args, allocs, ctx):
    """Many short runs of each start-up program under every allocator, interleaved."""
    rounds = args.startup_rounds
    names = list(allocs)
    env = run_env()
    runs, failed = [], {}
    # Unrecorded: every program and library in the page cache once.
    for prog, _, argv in STARTUP_PROGRAMS:
        for a in names:
            try:
                launch_once(ctx, allocs[a], argv(ctx), env)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass  # recorded by the first measured run
    t_start = time.time()
    for rep in range(rounds):
        k = rep % len(names)
        order = names[k:] + names[:k]
        for prog, _, argv in STARTUP_PROGRAMS:
            for a in order:
                if (prog, a) in failed:
                    continue
                try:
                    wall, rss, code = launch_once(ctx, allocs[a], argv(ctx), env)
                    r = {"program": prog, "allocator": a, "repeat": rep, "wall": wall, "maxrss_kb": rss,
                         "status": "ok" if code == 0 else "crash", "note": "" if code == 0 else "exit %d" % code}
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    code = -1
                    r = {"program": prog, "allocator": a, "repeat": rep, "wall": None, "maxrss_kb": None,
                         "status": "crash", "note": str(e)[:200]}
                if code != 0:
                    failed[(prog, a)] = r
                runs.append(r)
        if rep % 25 == 24 or rep == rounds - 1:
            log("start-up: round %d/%d, %.0f s" % (rep + 1, rounds, time.time() - t_start))
    return {"rounds": rounds, "runs": runs, "launcher_static": ctx.get("launch_static", False)}


def run_fork(args, allocs, ctx, work):
    """bench/fork under every allocator, interleaved rounds; it times its own forks."""
    names = list(allocs)
    argv = [os.path.join(ctx["bin"], "fork"), str(args.forks)]
    runs, failed, reference = [], {}, None
    for rep in range(args.fork_rounds):
        k = rep % len(names)
        order = names[k:] + names[:k]
        for a in order:
            if a in failed:
                continue
            r = run_once(argv, allocs[a], work, args.timeout)
            if r["status"] == "ok":
                reference = reference or r["digest"]
                if r["digest"] != reference:
                    r.update(status="wrong-output", note="output differs from the first run's")
                elif "fork_us" not in r["metrics"]:
                    r.update(status="no-result", note="no fork_us line")
            if r["status"] != "ok":
                failed[a] = r
            r.update(repeat=rep, allocator=a)
            runs.append(r)
            log("fork %d/%d %-13s %s us per fork  %s%s" % (
                rep + 1, args.fork_rounds, a, "%.1f" % r["metrics"]["fork_us"] if r["status"] == "ok" else "-",
                r["status"], (" " + r["note"]) if r["note"] else ""))
    return {"forks": args.forks, "rounds": args.fork_rounds, "runs": runs}


def summarize_startup(data):
    """Medians per (program, allocator): wall seconds and peak RSS (KiB), or the failure."""
    cells = {}
    groups = {}
    for r in (data.get("startup") or {}).get("runs", []):
        groups.setdefault((r["program"], r["allocator"]), []).append(r)
    for r in (data.get("fork") or {}).get("runs", []):
        groups.setdefault(("fork", r["allocator"]), []).append(r)
    for key, rs in groups.items():
        bad = [r for r in rs if r["status"] != "ok"]
        if bad:
            cells[key] = {"fail": bad[0]["status"], "note": bad[0].get("note", "")}
            continue
        c = {"rss": statistics.median(r["maxrss_kb"] for r in rs), "n": len(rs)}
        if key[0] == "fork":
            c["wall"] = statistics.median(r["metrics"]["fork_us"] for r in rs)  # microseconds
        else:
            c["wall"] = statistics.median(r["wall"] for r in rs)
        cells[key] = c
    return cells


# --------------------------------------------------------------------------
# The peer suite (mimalloc-bench, from the user's checkout)


def prepare_peer(args, cache, work):
    """Builds the chosen peer benchmarks. Returns (list of (PeerBench, argv, stdin)), excluded, info)."""
    chosen = [b for b in peer.PEER_BENCHMARKS if b.name in args.peer_only]
    targets = sorted({b.target for b in chosen})
    log("peer: building %s from %s in %s" % (" ".join(targets), args.peer, cache))
    src, bins, why = peer.build(args.peer, cache, targets, os.cpu_count() or 1, log)
    procs = os.cpu_count() or 1
    benches, excluded = [], {}
    for b in chosen:
        if bins.get(b.target) is None:
            excluded[b.name] = why.get(b.target, "not built")
            log("peer: %s left out: %s" % (b.name, excluded[b.name]))
            continue
        stdin = os.path.join(src, b.stdin) if b.stdin else None
        benches.append((b, b.argv(bins[b.target], src, procs), stdin))
    info = {"source": os.path.abspath(args.peer), "cache": cache, "procs": procs,
            "git": peer_checkout_version(args.peer)}
    return benches, excluded, info


def peer_checkout_version(path):
    try:
        out = subprocess.run(["git", "-C", path, "describe", "--always", "--dirty", "--tags"],
                             capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 and out.stdout.strip() else None
    except OSError:
        return None


def run_peer(args, allocs, benches, work):
    """Every peer benchmark under every allocator in interleaved rounds, as
    run_suite does. Stops before a round that would end after the budget,
    judged by the last round's duration; the first round always runs."""
    names = list(allocs)
    pwork = os.path.join(work, "peer")
    os.makedirs(pwork, exist_ok=True)
    runs, failed = [], {}
    t_start = time.time()
    last_round = None
    rounds_done, stopped = 0, ""
    per_round = len(benches) * len(names)
    for rep in range(args.peer_repeats):
        used = time.time() - t_start
        if rep > 0 and args.peer_budget and used + last_round > args.peer_budget:
            stopped = ("stopped after %d of %d rounds: the next would end at about %.1f min, past the budget "
                       "of %.1f min" % (rep, args.peer_repeats, (used + last_round) / 60, args.peer_budget / 60))
            log("peer: " + stopped)
            break
        t_round = time.time()
        k = rep % len(names)
        order = names[k:] + names[:k]
        done = 0
        for b, argv, stdin in benches:
            for a in order:
                done += 1
                if (b.name, a) in failed:
                    continue
                r = run_once(argv, allocs[a], pwork, args.peer_timeout, stdin=stdin, keep_output=True)
                out = r.pop("stdout", "")
                if r["status"] == "ok":
                    sc = peer.score(b.kind, r["wall"], out)
                    if sc is None:
                        tail = [l for l in out.splitlines() if l.strip()][-1:]
                        r.update(status="no-result", note="no score in the output%s" % (
                            ": " + tail[0][:160] if tail else ""))
                    else:
                        r["score"] = sc
                r.pop("digest", None)  # the output holds timings: not compared
                if r["status"] != "ok":
                    failed[(b.name, a)] = r
                r.update(repeat=rep, workload=b.name, allocator=a, position=order.index(a))
                runs.append(r)
                el = time.time() - t_round
                eta = "eta %4.0fs" % (last_round * (args.peer_repeats - rep) - el) if last_round else \
                    "round 1 %3d%%" % (100 * done // per_round)
                log("[peer %d/%d %s] %-14s %-13s %7ss  score %8s %8.1f MiB  %s%s" % (
                    rep + 1, args.peer_repeats, eta, b.name, a, fmt_s(r["wall"]),
                    "%.3f" % r["score"] if "score" in r else "-", (r["maxrss_kb"] or 0) / 1024.0,
                    r["status"], (" " + r["note"]) if r["note"] else ""))
        last_round = time.time() - t_round
        rounds_done += 1
    return runs, rounds_done, stopped


# --------------------------------------------------------------------------
# Fast path (callgrind)


def callgrind_ir(fastpath, mode, n, lib, work):
    out_file = os.path.join(work, "callgrind.out")
    if os.path.exists(out_file):
        os.unlink(out_file)
    env = run_env()
    if lib:
        env["LD_PRELOAD"] = lib  # valgrind passes it on to the client (callgrind does not replace malloc)
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file, "--dump-line=no",
           "--compress-strings=no", fastpath, mode, str(n)]
    p = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=900)
    owner = None
    for l in p.stdout.splitlines():
        if l.startswith("malloc "):
            owner = l.split(" ", 1)[1]
    if p.returncode != 0 or owner is None:
        lines = [l for l in p.stderr.splitlines() if l.strip() and not l.startswith("==")]
        raise RuntimeError((lines[0] if lines else "exit %d" % p.returncode)[:120])
    if lib and os.path.realpath(owner) != os.path.realpath(lib):
        raise RuntimeError("malloc came from %s" % owner)
    if not lib and not os.path.basename(owner).startswith("libc.so"):
        raise RuntimeError("malloc came from %s" % owner)
    with open(out_file) as f:
        for l in f:
            if l.startswith("summary:") or l.startswith("totals:"):
                return int(l.split()[1])
    raise RuntimeError("no summary in callgrind output")


def run_fastpath(args, cg_allocs, ctx, work):
    n1, n2 = (20000, 120000) if args.quick else (50000, 550000)
    fastpath = os.path.join(ctx["bin"], "fastpath")
    result = {"n1": n1, "n2": n2, "rows": {}}
    for name, lib in cg_allocs.items():
        row = {}
        for mode in ("lifo", "ring"):
            try:
                a = callgrind_ir(fastpath, mode, n1, lib, work)
                b = callgrind_ir(fastpath, mode, n2, lib, work)
                row[mode] = (b - a) / float(n2 - n1)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                row[mode] = None
                row["note"] = str(e)
                break
        log("fastpath %-13s lifo %s  ring %s %s" % (
            name, "%.1f" % row["lifo"] if row.get("lifo") is not None else "n/a",
            "%.1f" % row["ring"] if row.get("ring") is not None else "n/a", row.get("note", "")))
        result["rows"][name] = row
    return result


# --------------------------------------------------------------------------
# Machine description


def machine_info():
    info = {}
    info["nproc"] = os.cpu_count()
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    model = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = model
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        info["memory"] = "%.1f GiB" % (kb / 1024.0 / 1024.0)
    except (OSError, ValueError, IndexError):
        info["memory"] = "?"
    info["kernel"] = platform.release()
    info["glibc"] = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "?"
    try:
        with open("/etc/debian_version") as f:
            info["debian"] = f.read().strip()
    except OSError:
        info["debian"] = "?"
    info["load"] = " ".join("%.2f" % x for x in os.getloadavg())
    return info


def git_describe():
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "include", "BUILD"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return head + (" (with uncommitted changes in src/include)" if dirty else "")
    except OSError:
        return "?"


# --------------------------------------------------------------------------
# Report


def rel(path):
    """A path as the user would type it from the repository root."""
    if path.startswith(ROOT + os.sep):
        return os.path.relpath(path, ROOT)
    return path


def geomean(xs):
    xs = [x for x in xs if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def summarize(runs):
    """Medians per (workload, allocator), or the failure that stopped the pair.
    "wall" is the score where a run has one (the peer suite's throughput
    benchmarks), else the wall time."""
    cells = {}
    for r in runs:
        c = cells.setdefault((r["workload"], r["allocator"]), {"ok": [], "fail": None})
        if r["status"] == "ok":
            c["ok"].append(r)
        elif c["fail"] is None:
            c["fail"] = r
    out = {}
    for key, c in cells.items():
        if c["fail"] is not None or not c["ok"]:
            f = c["fail"] or {"status": "no runs", "note": ""}
            out[key] = {"fail": f["status"], "note": f.get("note", "")}
            continue
        walls = [r.get("score", r["wall"]) for r in c["ok"]]
        med = statistics.median(walls)
        out[key] = {
            "wall": med,
            "spread": (max(walls) - min(walls)) / med if med > 0 else 0.0,
            "cpu": statistics.median([r["cpu"] for r in c["ok"] if r["cpu"] is not None] or [0.0]),
            "rss": statistics.median([r["maxrss_kb"] for r in c["ok"] if r["maxrss_kb"] is not None] or [0]),
            "n": len(c["ok"]),
            "metrics": {m: statistics.median([r["metrics"][m] for r in c["ok"] if m in r["metrics"]])
                        for m in c["ok"][0]["metrics"]},
        }
    return out


def md_table(header, rows, numeric=True):
    """A Markdown table; numeric columns (all but the first) are right-aligned."""
    align = "--:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + [align] * (len(header) - 1)) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    return "\n".join(lines)


def fail_text(cell):
    return "**%s**" % cell["fail"].upper()


def write_chart(title, cells, workloads, allocs, png, work):
    """Two panels of grouped bars: time ratio and peak-RSS ratio per workload, geomean last."""
    if shutil.which("gnuplot") is None:
        return "gnuplot not found"
    rows = []
    for label, wl in [(w, [w]) for w in workloads] + [("geomean", workloads)]:
        vals_t, vals_m = [], []
        for a in allocs:
            ts, ms = [], []
            for w in wl:
                g, c = cells.get((w, "glibc")), cells.get((w, a))
                if g and c and "wall" in g and "wall" in c:
                    ts.append(c["wall"] / g["wall"])
                    ms.append(c["rss"] / g["rss"])
            if label == "geomean":
                vals_t.append(geomean(ts))
                vals_m.append(geomean(ms))
            else:
                vals_t.append(ts[0] if ts else None)
                vals_m.append(ms[0] if ms else None)
        rows.append((label, vals_t, vals_m))
    stem = os.path.splitext(os.path.basename(png))[0]
    dat = os.path.join(work, stem + ".dat")
    with open(dat, "w") as f:
        for label, vt, _ in rows:
            f.write(label + " " + " ".join("%.4f" % v if v else "?" for v in vt) + "\n")
        f.write("\n\n")
        for label, _, vm in rows:
            f.write(label + " " + " ".join("%.4f" % v if v else "?" for v in vm) + "\n")
    allv = [v for _, vt, vm in rows for v in vt + vm if v]
    ymax = max(allv + [2.0]) * 1.8
    ymin = min(allv + [0.5]) / 1.3
    ticks = ", ".join("'%g' %g" % (t, t) for t in (0.125, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 32,
                                                   48, 64, 128) if ymin <= t <= ymax)
    colors = ["#7f7f7f", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#d62728", "#e377c2"]
    plots = []
    for i, a in enumerate(allocs):
        # One colour per allocator, whichever of them a run includes.
        ci = ALL_ALLOCATORS.index(a) if a in ALL_ALLOCATORS else i
        plots.append("'%s' index IDX using %d:xtic(1) title '%s' lc rgb '%s'" % (dat, i + 2, a, colors[ci % len(colors)]))
    plot_cmd = ", ".join(plots) + ", 1 with lines dt 2 lc rgb 'black' notitle"
    script = """
set terminal pngcairo size %(width)d,1000 font 'DejaVu Sans,10'
set output '%(png)s'
set datafile missing '?'
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [%(ymin)g:%(ymax)g]
set xrange [-0.6:%(xmax)g]
set ytics (%(ticks)s)
set grid ytics
set key top left horizontal
set xtics nomirror%(rotate)s
set multiplot layout 2,1 title '%(title)s'
set ylabel 'time / glibc'
set title 'Time'
plot %(plot0)s
set ylabel 'peak RSS / glibc'
set title 'Peak RSS'
plot %(plot1)s
unset multiplot
""" % {"png": png, "ticks": ticks, "width": max(1500, 110 * len(rows) + 200), "rotate": " rotate by -35" if len(rows) > 12 else "", "xmax": len(rows) - 0.4, "ymin": ymin, "ymax": ymax, "title": title,
       "plot0": plot_cmd.replace("IDX", "0"), "plot1": plot_cmd.replace("IDX", "1")}
    gp = os.path.join(work, stem + ".gp")
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode != 0:
        return "gnuplot failed: " + p.stderr[-300:]
    return None


def median_table(cells, names, allocs, key, fmt, scale, first="workload"):
    """One row per workload: each allocator's median of `key`, and its ratio to glibc's."""
    rows = []
    for w in names:
        row = [w]
        for a in allocs:
            c, g = cells.get((w, a)), cells.get((w, "glibc"))
            if c is None:
                row.append("")
            elif "fail" in c:
                row.append(fail_text(c))
            elif g and key in g and a != "glibc":
                row.append((fmt + " (%.2fx)") % (c[key] * scale, c[key] / g[key]))
            else:
                row.append(fmt % (c[key] * scale))
        rows.append(row)
    return md_table([first] + allocs, rows)


def spread_table(cells, names, allocs, first="workload"):
    rows = []
    for w in names:
        row = [w]
        for a in allocs:
            c = cells.get((w, a))
            row.append("" if c is None else ("-" if "fail" in c else "%.0f%%" % (100 * c["spread"])))
        rows.append(row)
    return md_table([first] + allocs, rows)


def suite_stats(cells, names, a):
    """An allocator's geometric means over one suite: {"time", "rss", "n", "failed", "ratios"}."""
    ts, ms, bad, ratios = [], [], [], {}
    for w in names:
        g, c = cells.get((w, "glibc")), cells.get((w, a))
        if c is None:
            continue
        if "fail" in c:
            bad.append("%s (%s)" % (w, c["fail"]))
            continue
        if g and "wall" in g:
            ts.append(c["wall"] / g["wall"])
            ms.append(c["rss"] / g["rss"])
            ratios[w] = ts[-1]
    return {"time": geomean(ts), "rss": geomean(ms), "n": len(ts), "failed": bad, "ratios": ratios}


# The targets for Warden, relative to glibc.
TARGET_TIME = {"warden": 1.0, "warden-light": 0.85}
TARGET_RSS = 1.1  # default build
TARGET_WORST = 2.0  # default build: no workload slower than this
TARGET_STARTUP_MS = 1.0  # over glibc
TARGET_FORK = 1.2


def verdict(ok):
    return "met" if ok else "**missed**"


def startup_section(data, cells, allocs):
    L = []
    su, fk = data.get("startup"), data.get("fork")
    L.append("## Start-up, fork and a small program's memory")
    L.append("")
    progs = [(p, label) for p, label, _ in STARTUP_PROGRAMS if any(k[0] == p for k in cells)]
    if progs:
        L.append("Median over %d interleaved rounds of each program run to its end, started by "
                 "`bench/launch` (posix_spawn to wait4, so the time includes loading the allocator and its "
                 "set-up), and its peak RSS from wait4. `bench/tiny` is a small C tool's heap: 2000 nodes "
                 "of 8-512 B, four I/O buffers and a 256 KiB table.%s" % (
                     su["rounds"], "" if su.get("launcher_static", True) else
                     " (The launcher could not be linked statically: a peak RSS near 1 MiB may be its own.)"))
        L.append("")
        def table(key, own, versus):
            rows = []
            for a in allocs:
                row = [a]
                for p, _ in progs:
                    c, g = cells.get((p, a)), cells.get((p, "glibc"))
                    if c is None:
                        row.append("")
                    elif "fail" in c:
                        row.append(fail_text(c))
                    elif a == "glibc" or not g or key not in g:
                        row.append(own(c[key]))
                    else:
                        row.append("%s (%s)" % (own(c[key]), versus(c[key], g[key])))
                rows.append(row)
            return md_table(["allocator"] + [label for _, label in progs], rows)

        L.append("Time (median ms; in brackets, ms over glibc):")
        L.append("")
        L.append(table("wall", lambda v: "%.2f" % (v * 1e3), lambda v, g: "%+.2f" % ((v - g) * 1e3)))
        L.append("")
        L.append("Peak RSS (median MiB, ratio to glibc):")
        L.append("")
        L.append(table("rss", lambda v: "%.2f" % (v / 1024.0), lambda v, g: "%.2fx" % (v / g)))
        L.append("")
    if fk and any(k[0] == "fork" for k in cells):
        L.append("Fork: `bench/fork %d` builds a heap of 4096 live objects (16 B-16 KiB), then forks "
                 "and waits %d times (each child allocates and frees once and exits) and prints the "
                 "time per fork; median over %d interleaved rounds." % (fk["forks"], fk["forks"], fk["rounds"]))
        L.append("")
        rows = []
        for a in allocs:
            c, g = cells.get(("fork", a)), cells.get(("fork", "glibc"))
            if c is None:
                continue
            if "fail" in c:
                rows.append([a, fail_text(c), ""])
                continue
            rows.append([a, "%.1f" % c["wall"] + (" (%.2fx)" % (c["wall"] / g["wall"]) if g and "wall" in g and
                                                  a != "glibc" else ""),
                         "%.1f" % (c["rss"] / 1024.0)])
        L.append(md_table(["allocator", "µs per fork and wait (ratio)", "peak RSS, MiB"], rows))
        L.append("")
    return L


def peer_section(data, pcells, allocs, ppng):
    pd = data["peer"]
    names = [b.name for b in peer.PEER_BENCHMARKS if any(k[0] == b.name for k in pcells)]
    bdesc = {b.name: b for b in peer.PEER_BENCHMARKS}
    L = []
    L.append("## Peer suite: mimalloc-bench")
    L.append("")
    L.append("The self-contained benchmarks of mimalloc-bench, built with cmake from `%s`%s into `%s`, "
             "%d round%s (of %d asked%s), %d benchmarks; thread counts use %d, the number of CPUs, as "
             "upstream's `bench.sh` uses its `$procs`. Scores are wall time, except for the "
             "fixed-duration benchmarks, which report a throughput that is turned into a relative time "
             "(lower is better) as `bench.sh` does (below). Peak RSS as for the own workloads." % (
                 pd["source"], " (%s)" % pd["git"] if pd.get("git") else "", rel(pd["cache"]),
                 pd["rounds_done"], "" if pd["rounds_done"] == 1 else "s", pd["repeats"],
                 ", budget %.1f min" % (pd["budget_s"] / 60.0) if pd.get("budget_s") else "",
                 len(names), pd["procs"]))
    L.append("")
    if pd.get("stopped"):
        L.append("The run %s." % pd["stopped"])
        L.append("")
    rows = []
    for a in allocs:
        st = suite_stats(pcells, names, a)
        f2 = lambda x: "%.2f" % x if x else "-"
        rows.append(["**%s**" % a, "**%s**" % f2(st["time"]), "**%s**" % f2(st["rss"]),
                     "%d/%d" % (st["n"], len(names)), ", ".join(st["failed"])])
    L.append(md_table(["allocator", "time", "peak RSS", "benchmarks", "failed"], rows))
    L.append("")
    L.append("Geometric means of the ratios to glibc over the benchmarks each allocator completed.")
    L.append("")
    L.append("![peer suite: time and peak RSS relative to glibc](%s)" % os.path.basename(ppng))
    L.append("")
    L.append("### Peer suite: time (median score, ratio to glibc)")
    L.append("")
    L.append(median_table(pcells, names, allocs, "wall", "%.3f", 1.0, "benchmark"))
    L.append("")
    L.append("### Peer suite: peak RSS (median MiB, ratio to glibc)")
    L.append("")
    L.append(median_table(pcells, names, allocs, "rss", "%.1f", 1.0 / 1024.0, "benchmark"))
    L.append("")
    rows = []
    for n in names:
        b = bdesc[n]
        argv = pd["benchmarks"].get(n, [])
        shown = " ".join([b.target] + [os.path.basename(x) if os.sep in x else x for x in argv[1:]])
        if b.stdin:
            shown += " < " + os.path.basename(b.stdin)
        rows.append([n, b.models, "`%s`" % shown, "wall time" if b.kind == "wall" else peer.SCORE_TEXT[b.kind]])
    L.append(md_table(["benchmark", "what it models", "command", "score"], rows, numeric=False))
    L.append("")
    if pd.get("excluded"):
        L.append("Left out: " + "; ".join("%s (%s)" % kv for kv in sorted(pd["excluded"].items())) + ".")
        L.append("")
    return L


def write_report(data, out, png, work):
    meta = data["meta"]
    cells = summarize(data["runs"])
    pd = data.get("peer")
    pcells = summarize(pd["runs"]) if pd else {}
    scells = summarize_startup(data)
    used = {r["allocator"] for r in data["runs"]} | {k[1] for k in pcells} | {k[1] for k in scells}
    if data.get("fastpath"):
        used |= set(data["fastpath"]["rows"])
    allocs = [a for a in meta["allocators"] if a in used]
    workloads = [w for w in WORKLOAD_NAMES if w in {r["workload"] for r in data["runs"]}]
    pnames = [b.name for b in peer.PEER_BENCHMARKS if any(k[0] == b.name for k in pcells)]
    ppng = os.path.join(os.path.dirname(png), os.path.splitext(os.path.basename(png))[0] + "-peer.png")
    wdesc = {w.name: w for w in WORKLOADS}
    f2 = lambda x: "%.2f" % x if x else "-"
    L = []
    L.append("# " + meta.get("title", "Warden benchmark results"))
    L.append("")
    parts = []
    if workloads:
        parts.append("own workloads: %d, %d interleaved repeats" % (len(workloads), meta["repeats"]))
    if pnames:
        parts.append("peer suite (mimalloc-bench): %d benchmarks, %d round%s" % (
            len(pnames), pd["rounds_done"], "" if pd["rounds_done"] == 1 else "s"))
    if data.get("startup"):
        parts.append("start-up: %d rounds" % data["startup"]["rounds"])
    if data.get("fork"):
        parts.append("fork: %d rounds" % data["fork"]["rounds"])
    L.append("Generated by `%s` (bench/run.py) on %s; %s mode; %s; %d allocators, %.0f minutes." % (
        meta["command"], meta["date"], "quick" if meta["quick"] else "full", "; ".join(parts) or "nothing timed",
        len(allocs), meta.get("duration_s", 0) / 60.0))
    L.append("Every number is the median of the repeats; ratios are to glibc on the same workload; lower "
             "is better.")
    L.append("")
    m = meta["machine"]
    L.append("**Machine:** %s, nproc %s, %s RAM, Linux %s, %s (Debian %s). Load average at the start: "
             "%s, at the end: %s (the machine is shared, hence the interleaved repeats)." % (
                 m["cpu"], m["nproc"], m["memory"], m["kernel"], m["glibc"], m["debian"], m["load"],
                 meta.get("load_end", "?")))
    L.append("")
    L.append("**Allocators:**")
    L.append("")
    arows = []
    for a in allocs:
        info = meta["allocator_info"].get(a, {})
        arows.append([a, "`%s`" % info.get("lib", "-"), info.get("version", "?")])
    L.append(md_table(["name", "library (LD_PRELOAD)", "version"], arows, numeric=False))
    L.append("")
    # Side by side
    own = {a: suite_stats(cells, workloads, a) for a in allocs}
    prs = {a: suite_stats(pcells, pnames, a) for a in allocs}

    def startup_cell(p, a, key):
        c, g = scells.get((p, a)), scells.get((p, "glibc"))
        if c is None:
            return None
        if "fail" in c or not g or "fail" in g:
            return "fail"
        if key == "ms":
            return (c["wall"] - g["wall"]) * 1e3
        return c[key] / g[key]

    def show(v, fmt):
        return "-" if v is None else ("**FAIL**" if v == "fail" else fmt % v)

    L.append("## Summary, side by side")
    L.append("")
    head, which = ["allocator"], []
    if workloads:
        head += ["own workloads: time", "own: peak RSS"]
        which.append("own")
    if pnames:
        head += ["peer suite: time", "peer: peak RSS"]
        which.append("peer")
    sprogs = [p for p, _, _ in STARTUP_PROGRAMS if any(k[0] == p for k in scells)]
    if "true" in sprogs:
        head.append("start-up `/bin/true`, ms over glibc")
    if "python" in sprogs:
        head.append("start-up `python3 -c pass`, ms over glibc")
    if any(k[0] == "fork" for k in scells):
        head.append("fork")
    if "tiny" in sprogs:
        head.append("small program peak RSS")
    rows = []
    for a in allocs:
        row = ["**%s**" % a]
        if "own" in which:
            row += ["**%s**" % f2(own[a]["time"]), f2(own[a]["rss"])]
        if "peer" in which:
            row += ["**%s**" % f2(prs[a]["time"]), f2(prs[a]["rss"])]
        for p in ("true", "python"):
            if p in sprogs:
                row.append(show(startup_cell(p, a, "ms"), "%+.2f"))
        if any(k[0] == "fork" for k in scells):
            row.append(show(startup_cell("fork", a, "wall"), "%.2f"))
        if "tiny" in sprogs:
            row.append(show(startup_cell("tiny", a, "rss"), "%.2f"))
        rows.append(row)
    L.append(md_table(head, rows))
    L.append("")
    L.append("Time and peak RSS: geometric means of the ratios to glibc over each suite (details below). "
             "Start-up: the median run time of the program over glibc's, in ms. Fork and small program "
             "(`bench/tiny`) peak RSS: ratios to glibc.")
    L.append("")
    # Targets
    wardens = [a for a in ("warden", "warden-light") if a in allocs]
    if wardens:
        L.append("## Warden's targets")
        L.append("")
        rows = []
        suites = [(n, s) for n, s in (("own workloads", own), ("peer suite", prs)) if
                  (n == "own workloads" and workloads) or (n == "peer suite" and pnames)]
        for label, st in suites:
            row = ["time, %s: geometric mean <= %s" % (label, " / ".join(
                "%.2fx (%s)" % (TARGET_TIME[a], "default" if a == "warden" else "light") for a in wardens))]
            for a in wardens:
                t = st[a]["time"]
                row.append("-" if t is None else "%.2fx, %s" % (t, verdict(t <= TARGET_TIME[a] and not st[a]["failed"])))
            rows.append(row)
        for label, st in suites:
            row = ["peak RSS, %s: geometric mean <= %.2fx (default)" % (label, TARGET_RSS)]
            for a in wardens:
                x = st[a]["rss"]
                row.append("-" if x is None else "%.2fx%s" % (x, ", " + verdict(x <= TARGET_RSS) if a == "warden" else ""))
            rows.append(row)
        for label, st in suites:
            row = ["time, %s: none over %.0fx (default)" % (label, TARGET_WORST)]
            for a in wardens:
                over = sorted(((r, w) for w, r in st[a]["ratios"].items() if r > TARGET_WORST), reverse=True)
                fails = st[a]["failed"]
                txt = ", ".join("%s %.2fx" % (w, r) for r, w in over) + (
                    (", " if over else "") + "failed: " + ", ".join(fails) if fails else "")
                if a == "warden":
                    row.append("%s%s" % (verdict(not over and not fails), (": " + txt) if txt else ""))
                else:
                    row.append(txt or "none")
            rows.append(row)
        for p, label in (("true", "`/bin/true`"), ("python", "`python3 -c pass`")):
            if p in sprogs:
                row = ["start-up, %s: <= glibc + %.0f ms" % (label, TARGET_STARTUP_MS)]
                for a in wardens:
                    v = startup_cell(p, a, "ms")
                    row.append(show(v, "%+.2f ms") + (", " + verdict(v <= TARGET_STARTUP_MS)
                                                      if isinstance(v, float) else ""))
                rows.append(row)
        if any(k[0] == "fork" for k in scells):
            row = ["fork: <= %.1fx glibc's" % TARGET_FORK]
            for a in wardens:
                v = startup_cell("fork", a, "wall")
                row.append(show(v, "%.2fx") + (", " + verdict(v <= TARGET_FORK) if isinstance(v, float) else ""))
            rows.append(row)
        L.append(md_table(["target"] + wardens, rows, numeric=False))
        L.append("")
        L.append("A suite's time target counts as missed when a benchmark failed under that allocator. "
                 "Rows marked (default) are targets of the default build; the light build's values are "
                 "shown beside them for comparison.")
        L.append("")
    if workloads:
        L.extend(own_section(data, cells, workloads, allocs, png))
    if pnames:
        L.extend(peer_section(data, pcells, allocs, ppng))
    if scells:
        L.extend(startup_section(data, scells, allocs))
    fp = data.get("fastpath")
    if fp:
        L.extend(fastpath_section(fp))
    # Workloads
    if workloads:
        L.append("## Own workloads")
        L.append("")
        rows = []
        for w in workloads:
            d = wdesc[w]
            rows.append([w, d.models, "`bench/%s`" % d.source, str(d.threads)])
        L.append(md_table(["workload", "what it models", "source", "threads"], rows, numeric=False))
        L.append("")
        L.append("Each workload's header comment says what it models and why. The C programs are compiled "
                 "with `%s -O2`; the real programs are Debian's `/usr/bin/python3`, `/usr/bin/sqlite3` and "
                 "`gcc` (driver, cc1, as and ld all preloaded). Every run's output is compared with glibc's: "
                 "a different output, a crash or a timeout is recorded as a failure and that pair is not "
                 "run again." % meta.get("cc", "gcc"))
        L.append("")
    # Method
    L.append("## Method")
    L.append("")
    L.append("- For each repeat, for each workload, every allocator runs once; the allocator order rotates "
             "by one place per repeat, so a burst of load on the machine hits every allocator alike. "
             "Each own workload first runs once, unrecorded, under glibc (warm caches, reference output).%s" % (
                 " The peer suite runs last, in rounds of its own, the same way." if pd else ""))
    L.append("- Each run is `/usr/bin/time -f '%%e %%U %%S %%M' env LD_PRELOAD=LIB PROGRAM ...`; wall "
             "time is taken by the runner around that command (finer than `%%e`), peak RSS is `%%M`. "
             "Timeout: %d s per run%s." % (meta["timeout"], ", %d s in the peer suite" % pd["timeout"] if pd else ""))
    if pd:
        L.append("- Peer suite: a benchmark's output holds timings, so it is not compared between "
                 "allocators; a crash, a timeout or an output without its score is a failure, and that pair "
                 "is not run again. %s" % (
                     "With a budget, a round starts only if, at the last round's pace, it ends within the "
                     "budget; the first round always runs." if pd.get("budget_s") else ""))
    L.append("- Before measuring, `bench/preload_check` runs under each allocator and must find `malloc` and "
             "`free` in the preloaded library (dlsym + dladdr); fastpath does the same under valgrind.")
    L.append("- Warden: %s." % meta.get("warden_note", ""))
    L.append("- Every single run is kept in `%s`; `bench/run.sh --report-from %s --out %s` redraws this "
             "report and its charts." % (meta.get("json_name", "results.json"), rel(meta.get("json_path", "")),
                                         rel(out)))
    L.append("")
    # Spread and failures
    L.append("<details><summary>Run-to-run spread of the time ((max - min) / median)</summary>")
    L.append("")
    if workloads:
        L.append(spread_table(cells, workloads, allocs))
        L.append("")
    if pnames:
        L.append(spread_table(pcells, pnames, allocs, "peer benchmark"))
        L.append("")
    L.append("</details>")
    L.append("")
    fails = [(k, c) for part in (cells, pcells, scells) for k, c in sorted(part.items()) if "fail" in c]
    if fails:
        L.append("## Failures")
        L.append("")
        for (w, a), c in fails:
            L.append("- %s under %s: %s %s" % (w, a, c["fail"], c["note"]))
        L.append("")
    excluded = meta.get("excluded", {})
    if excluded:
        L.append("Allocators left out: " + "; ".join("%s (%s)" % (a, why) for a, why in excluded.items()))
        L.append("")
    for title, cs, names, path in (
            ("own workloads, %s mode, %d repeats" % ("quick" if meta["quick"] else "full", meta["repeats"]),
             cells, workloads, png),
            ("peer suite (mimalloc-bench), %d round%s" % ((pd or {}).get("rounds_done", 0),
                                                            "" if (pd or {}).get("rounds_done") == 1 else "s"),
             pcells, pnames, ppng)):
        if not names:
            continue
        err = write_chart(title + ", medians relative to glibc (log scale, lower is better)", cs, names, allocs,
                          path, work)
        if err:
            L.append("(%s chart not drawn: %s)" % (title.split(",")[0], err))
            L.append("")
    with open(out, "w") as f:
        f.write("\n".join(L))
    return cells


def own_section(data, cells, workloads, allocs, png):
    L = []
    L.append("## Own workloads: geometric mean over the workloads, relative to glibc")
    L.append("")
    srows = []
    f2 = lambda x: "%.2f" % x if x else "-"
    for a in allocs:
        ts, ms, cs, tc, tp, bad = [], [], [], [], [], []
        for w in workloads:
            g, c = cells.get((w, "glibc")), cells.get((w, a))
            if c is None:
                continue
            if "fail" in c:
                bad.append("%s (%s)" % (w, c["fail"]))
                continue
            if g and "wall" in g:
                ts.append(c["wall"] / g["wall"])
                (tp if w in PROGRAMS else tc).append(ts[-1])
                ms.append(c["rss"] / g["rss"])
                if g["cpu"] > 0 and c["cpu"] > 0:
                    cs.append(c["cpu"] / g["cpu"])
        srows.append(["**%s**" % a, "**%s**" % f2(geomean(ts)), "**%s**" % f2(geomean(ms)), f2(geomean(tc)),
                      f2(geomean(tp)), f2(geomean(cs)), "%d/%d" % (len(ts), len(workloads)),
                      ", ".join(bad) if bad else ""])
    L.append(md_table(["allocator", "time", "peak RSS", "time, C workloads", "time, real programs",
                       "CPU time (user+sys)", "workloads", "failed"], srows))
    L.append("")
    L.append("Each geometric mean covers the workloads that allocator completed; a failed workload is "
             "named, not counted. CPU time is shown because it is less disturbed by "
             "other load on the machine; the comparison is wall time.")
    L.append("")
    L.append("![time and peak RSS relative to glibc](%s)" % os.path.basename(png))
    L.append("")
    L.append("## Own workloads: wall time (median seconds, ratio to glibc)")
    L.append("")
    L.append(median_table(cells, workloads, allocs, "wall", "%.3f", 1.0))
    L.append("")
    L.append("## Own workloads: peak RSS (median MiB, ratio to glibc)")
    L.append("")
    L.append(median_table(cells, workloads, allocs, "rss", "%.1f", 1.0 / 1024.0))
    L.append("")
    L.append("Peak RSS is `/usr/bin/time`'s maximum resident set size; for the gcc build it is that of "
             "the largest process in the tree (usually cc1).")
    L.append("")
    # Fragmentation
    if any(w == "frag" for w in workloads):
        L.append("## Fragmentation: final memory with the long-lived blocks still live")
        L.append("")
        live = None
        rows = []
        rrow, prow = ["final RSS, MiB (ratio)"], ["peak RSS, MiB (ratio)"]
        g = cells.get(("frag", "glibc"))
        for a in allocs:
            c = cells.get(("frag", a))
            if c is None or "fail" in c:
                rrow.append(fail_text(c) if c else "")
                prow.append(fail_text(c) if c else "")
                continue
            fin = c["metrics"].get("rss_final_kb")
            gfin = g["metrics"].get("rss_final_kb") if g and "metrics" in g else None
            rrow.append("%.1f (%.2fx)" % (fin / 1024.0, fin / gfin) if fin and gfin else
                        ("%.1f" % (fin / 1024.0) if fin else "-"))
            prow.append("%.1f (%.2fx)" % (c["rss"] / 1024.0, c["rss"] / g["rss"]) if g and "rss" in g else
                        "%.1f" % (c["rss"] / 1024.0))
        for r in data["runs"]:
            if r["workload"] == "frag" and r["status"] == "ok":
                for l in r.get("head", []):
                    if l.startswith("live_kb "):
                        live = float(l.split()[1])
                break
        L.append(md_table(["frag"] + allocs, [prow, rrow]))
        L.append("")
        L.append("Final RSS is VmRSS read by the program itself after its last phase, while the "
                 "survivors (one object in 24, %s) are still allocated." % (
                     "%.1f MiB" % (live / 1024.0) if live else "see bench/frag.c"))
        L.append("")
    return L


def fastpath_section(fp):
    L = []
    L.append("## Fast path: instructions per malloc(32)/free pair (callgrind)")
    L.append("")
    L.append("`valgrind --tool=callgrind bench/fastpath MODE N` for N = %d and N = %d; instructions "
             "per pair = (Ir(N2) - Ir(N1)) / (N2 - N1), which removes start-up and initialization. "
             "*lifo*: malloc then free at once; *ring*: 64 live objects, the oldest freed and replaced "
             "(FIFO reuse). Counts include about 10 instructions of the benchmark's own loop and call "
             "sequence. Where *lifo* costs much more than *ring* (mimalloc), the single live "
             "object's page empties at every free, which takes the allocator off its fastest "
             "path; *ring* is the steadier measure." % (fp["n1"], fp["n2"]))
    L.append("")
    rows = []
    for a, row in fp["rows"].items():
        rows.append([a, "%.1f" % row["lifo"] if row.get("lifo") is not None else "n/a",
                     "%.1f" % row["ring"] if row.get("ring") is not None else "n/a", row.get("note", "")])
    L.append(md_table(["allocator", "lifo", "ring of 64", "note"], rows))
    L.append("")
    if any(a.startswith("warden") for a in fp["rows"]):
        L.append("Warden cannot start under valgrind with its default address ranges (it reserves "
                 "8 GiB per size class; valgrind gives a client about 128 GiB), so its rows use a build "
                 "with `%s` (512 MiB per class, 8 GiB medium range): the same code with other "
                 "shift constants. Scudo's row is n/a for the same reason." % " ".join(
                     c.replace("--copt=", "") for c in CALLGRIND_COPTS))
        L.append("")
    return L


# --------------------------------------------------------------------------


def duration(text):
    """Seconds from "5400", "5400s", "90m" or "1.5h"."""
    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([smh]?)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError("not a duration: %r (e.g. 5400, 90m, 1.5h)" % text)
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def main():
    ap = argparse.ArgumentParser(description="Warden benchmark suite (see bench/run.py's docstring).")
    ap.add_argument("--quick", action="store_true", help="5x smaller workloads, 5 repeats")
    ap.add_argument("--repeats", type=int, help="interleaved repeats (default 9, quick 5)")
    ap.add_argument("--only", help="comma-separated parts to run, default all: own workloads by name, 'fastpath', "
                    "'startup', 'fork', 'peer' (the whole peer suite) or peer benchmarks by name")
    ap.add_argument("--allocators", help="comma-separated, from: " + ",".join(ALL_ALLOCATORS))
    ap.add_argument("--out", help="report file (default bench/RESULTS.md; with --quick bench/RESULTS-quick.md, so "
                    "that a quick run does not replace the full results)")
    ap.add_argument("--timeout", type=int, help="seconds per run (default 180, quick 60)")
    ap.add_argument("--no-fastpath", action="store_true", help="skip the callgrind fast-path measurement")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--report-from", metavar="JSON", help="only redraw the report from a saved results file")
    ap.add_argument("--title", help="the report's title (default: Warden benchmark results)")
    ap.add_argument("--peer", metavar="PATH", default=os.environ.get("WARDEN_PEER_BENCH") or None,
                    help="a mimalloc-bench checkout: also run its self-contained benchmarks (default "
                    "$WARDEN_PEER_BENCH; none: no peer suite)")
    ap.add_argument("--peer-repeats", type=int, help="interleaved rounds of the peer suite (default 3, quick 1)")
    ap.add_argument("--peer-budget", type=duration, metavar="TIME",
                    help="time budget of the peer suite, e.g. 5400, 90m, 1.5h: no round is started that "
                    "would end after it (the first round always runs)")
    ap.add_argument("--peer-timeout", type=int, help="seconds per peer run (default 180)")
    ap.add_argument("--peer-cache", metavar="DIR", help="where the peer benchmarks are built (default: "
                    "peer-build/ beside the report)")
    args = ap.parse_args()

    if args.out is None:
        args.out = os.path.join(BENCH, "RESULTS-quick.md" if args.quick else "RESULTS.md")
    out = os.path.abspath(args.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    stem = os.path.splitext(os.path.basename(out))[0].lower()
    png = os.path.join(os.path.dirname(out), stem + ".png")
    jsn = os.path.join(os.path.dirname(out), stem + ".json")

    if args.report_from:
        with open(args.report_from) as f:
            data = json.load(f)
        data["meta"]["json_name"] = os.path.basename(args.report_from)
        data["meta"]["json_path"] = os.path.abspath(args.report_from)
        if args.title:
            data["meta"]["title"] = args.title
        work = tempfile.mkdtemp(prefix="warden-bench-")
        try:
            write_report(data, out, png, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        log("wrote %s and %s" % (out, png))
        return 0

    if args.repeats is None:
        args.repeats = 5 if args.quick else 9
    if args.timeout is None:
        args.timeout = 60 if args.quick else 180
    only = [s.strip() for s in args.only.split(",")] if args.only else []
    parts = ["fastpath", "startup", "fork", "peer"]
    for s in only:
        if s not in WORKLOAD_NAMES + parts + peer.PEER_NAMES:
            ap.error("unknown part %r (have: %s; %s; peer benchmarks: %s)" % (
                s, ", ".join(WORKLOAD_NAMES), ", ".join(parts), ", ".join(peer.PEER_NAMES)))
    do_fastpath = not args.no_fastpath and (not only or "fastpath" in only)
    do_startup = not only or "startup" in only
    do_fork = not only or "fork" in only
    args.only = [s for s in only if s in WORKLOAD_NAMES]  # empty: all workloads
    do_timed = not only or bool(args.only)
    if not only or "peer" in only:
        args.peer_only = list(peer.PEER_NAMES)
    else:
        args.peer_only = [s for s in only if s in peer.PEER_NAMES]
    if args.peer_only and only and not args.peer:
        ap.error("the peer suite needs --peer PATH (a mimalloc-bench checkout)")
    do_peer = bool(args.peer and args.peer_only)
    if do_peer and peer.find_sources(args.peer) is None:
        ap.error("--peer %s: no mimalloc-bench sources there (bench/CMakeLists.txt, bench/larson/)" % args.peer)
    if do_peer and not shutil.which("cmake"):
        log("warden bench: cmake is missing (./warden setup installs it)")
        return 2
    if args.peer_repeats is None:
        args.peer_repeats = 1 if args.quick else 3
    if args.peer_timeout is None:
        args.peer_timeout = 180
    args.startup_rounds = STARTUP_ROUNDS["quick" if args.quick else "full"]
    args.fork_rounds = FORK_ROUNDS["quick" if args.quick else "full"]
    args.forks = FORKS["quick" if args.quick else "full"]
    wanted = [s.strip() for s in args.allocators.split(",")] if args.allocators else list(ALL_ALLOCATORS)
    for a in wanted:
        if a not in ALL_ALLOCATORS:
            ap.error("unknown allocator %r (have: %s)" % (a, ", ".join(ALL_ALLOCATORS)))
    if "glibc" not in wanted:
        wanted.insert(0, "glibc")  # ratios are to glibc
    for tool in (TIME, "gnuplot"):
        if not (os.path.exists(tool) or shutil.which(tool)):
            log("warden bench: %s is missing (./warden setup installs it)" % tool)
            return 2

    t_begin = time.time()
    work = tempfile.mkdtemp(prefix="warden-bench-")
    cc = os.environ.get("CC", "gcc")
    try:
        log("warden bench: scratch directory %s" % work)
        ctx = prepare(work, cc)
        libdir = os.path.join(work, "lib")
        os.makedirs(libdir)
        sysalloc = system_allocators()
        allocs, info, excluded = {}, {}, {}
        cg_allocs = {}
        warden_note = []
        for a in wanted:
            if a in sysalloc:
                lib, pkg = sysalloc[a]
                if lib and not os.path.exists(lib):
                    excluded[a] = "%s not installed (Debian package %s)" % (lib, pkg)
                    continue
                allocs[a] = lib
                info[a] = {"lib": lib or "(none: the C library's malloc)", "version": "%s %s" % (pkg, pkg_version(pkg))}
                cg_allocs[a] = lib
        git = git_describe()
        # Warden for callgrind: its own output directories, bazel-bin untouched.
        for a, light, env_lib, env_cg in (("warden-light", True, "WARDEN_LIGHT_LIB", "WARDEN_LIGHT_CG_LIB"),
                                          ("warden", False, "WARDEN_LIB", "WARDEN_CG_LIB")):
            if a not in wanted:
                continue
            cg = os.environ.get(env_cg)
            if cg is None and do_fastpath:
                if os.environ.get(env_lib):
                    cg = os.environ[env_lib]  # try it as is; fails if its ranges are too big
                else:
                    try:
                        log("warden bench: building %s for callgrind" % a)
                        cg = warden_build(light, libdir, CALLGRIND_COPTS, "wdbench-cg" + ("-light" if light else ""))
                    except RuntimeError as e:
                        log(str(e))
                        cg = None
            if cg:
                cg_allocs[a] = os.path.abspath(cg)
        for a, light, env_lib in (("warden-light", True, "WARDEN_LIGHT_LIB"), ("warden", False, "WARDEN_LIB")):
            if a not in wanted:
                continue
            lib = os.environ.get(env_lib)
            how = "given by %s" % env_lib
            if lib:
                lib = os.path.abspath(lib)
                if not os.path.exists(lib):
                    excluded[a] = "%s=%s does not exist" % (env_lib, lib)
                    continue
            else:
                try:
                    log("warden bench: ./warden build%s" % (" --light" if light else ""))
                    lib = warden_build(light, libdir)
                    how = "built by `./warden build%s`" % (" --light" if light else "")
                except RuntimeError as e:
                    excluded[a] = "build failed"
                    log(str(e))
                    continue
            allocs[a] = lib
            info[a] = {"lib": os.path.basename(lib) if lib.startswith(work) else lib,
                       "version": "%s at %s, sha256 %s" % (how, git, sha256_file(lib))}
        if "warden" in allocs and "warden-light" in allocs and \
                sha256_file(allocs["warden"], 64) == sha256_file(allocs["warden-light"], 64):
            log("warden bench: the default and light libraries are identical; the build did not switch variants")
            return 1
        warden_note.append("built from commit %s; default and light each copied aside right after its "
                           "build" % git)
        # Is every allocator really the one serving malloc?
        for a in list(allocs):
            ok, detail = check_preload(a, allocs[a], ctx, work)
            log("preload check %-13s %s %s" % (a, "ok" if ok else "FAILED", detail))
            if not ok:
                excluded[a] = "preload did not take: " + detail
                del allocs[a]
                cg_allocs.pop(a, None)
        order = [a for a in ALL_ALLOCATORS if a in allocs]
        allocs = {a: allocs[a] for a in order}
        if "glibc" not in allocs:
            log("warden bench: glibc baseline unavailable")
            return 1
        meta = {
            "command": os.environ.get("WARDEN_BENCH_COMMAND") or " ".join(shlex.quote(a) for a in ["bench/run.py"] + sys.argv[1:]),
            "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "quick": args.quick, "repeats": args.repeats, "timeout": args.timeout,
            "machine": machine_info(), "allocators": order, "allocator_info": info,
            "excluded": excluded, "cc": subprocess.run([cc, "--version"], capture_output=True,
                                                       text=True).stdout.splitlines()[0],
            "warden_note": "; ".join(warden_note), "json_name": os.path.basename(jsn), "json_path": jsn,
            "title": args.title or "Warden benchmark results",
            "workloads": {w.name: w.argv(ctx, args.quick) for w in WORKLOADS},
        }
        data = {"meta": meta, "runs": []}

        def save():
            # After every part, so that a long run stopped midway keeps what it measured.
            meta["duration_s"] = time.time() - t_begin
            with open(jsn, "w") as f:
                json.dump(data, f, indent=1)

        if do_peer:
            # Built first: a build error shows at once, not after the own workloads.
            cache = os.path.abspath(args.peer_cache or os.path.join(os.path.dirname(out), "peer-build"))
            try:
                benches, pexcluded, pinfo = prepare_peer(args, cache, work)
            except (RuntimeError, OSError) as e:
                log("warden bench: peer suite: %s" % e)
                return 1
            if not benches:
                log("warden bench: peer suite: no benchmark could be built (%s)" % (
                    "; ".join("%s: %s" % kv for kv in pexcluded.items())))
                return 1
        if do_timed:
            data["runs"] = run_suite(args, allocs, ctx, work)
            save()
        if do_startup:
            data["startup"] = run_startup(args, allocs, ctx)
            save()
        if do_fork:
            data["fork"] = run_fork(args, allocs, ctx, work)
            save()
        if do_peer:
            t_peer = time.time()
            pinfo.update(repeats=args.peer_repeats, budget_s=args.peer_budget, timeout=args.peer_timeout,
                         excluded=pexcluded, benchmarks={b.name: argv for b, argv, _ in benches})
            data["peer"] = pinfo
            pinfo["runs"], pinfo["rounds_done"], pinfo["stopped"] = run_peer(args, allocs, benches, work)
            pinfo["duration_s"] = time.time() - t_peer
            save()
        if do_fastpath:
            fp_allocs = {a: cg_allocs[a] for a in ALL_ALLOCATORS if a in cg_allocs and a in allocs}
            data["fastpath"] = run_fastpath(args, fp_allocs, ctx, work)
            for a, row in data["fastpath"]["rows"].items():
                if fp_allocs[a] != allocs[a] and "note" not in row:
                    row["note"] = "build with smaller address ranges (below)"
        meta["load_end"] = " ".join("%.2f" % x for x in os.getloadavg())
        meta["duration_s"] = time.time() - t_begin
        with open(jsn, "w") as f:
            json.dump(data, f, indent=1)
        write_report(data, out, png, work)
        log("warden bench: wrote %s, %s and %s in %.1f min" % (out, png, jsn, meta["duration_s"] / 60))
        return 0
    finally:
        if args.keep:
            log("warden bench: kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
