#!/usr/bin/env python3
"""Warden's benchmark runner (python3 standard library only).

Runs every workload in bench/ under every allocator through LD_PRELOAD, in
interleaved repeats, and writes the medians, the ratios to glibc and their
geometric means to a Markdown report with a gnuplot chart; then measures the
fast-path cost in instructions with callgrind. Normally started through
`./warden bench [--quick]` (bench/run.sh).

    bench/run.sh [--quick] [--repeats N] [--only W1,W2] [--allocators A1,A2]
                 [--out FILE] [--timeout S] [--no-fastpath] [--keep]
    bench/run.sh --report-from bench/results.json [--out FILE]

Outputs, for --out bench/RESULTS.md (the default): bench/RESULTS.md, the
chart bench/results.png and every single measurement in bench/results.json
(from which --report-from redraws the report without running anything).
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
C_SOURCES = ["churn", "realloc", "prodcons", "larson", "threads", "large", "frag"]
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


def run_once(argv, lib, work, timeout):
    """One measured run. Returns a dict with status, wall, cpu, maxrss_kb, digest, metrics, note."""
    tfile = os.path.join(work, "time.out")
    if os.path.exists(tfile):
        os.unlink(tfile)
    # /usr/bin/time runs `env`, which sets LD_PRELOAD and execs the workload:
    # the preload applies to the workload and everything it starts, not to time.
    pre = ["env", "LD_PRELOAD=" + lib] if lib else ["env"]
    cmd = [TIME, "-f", "%e %U %S %M", "-o", tfile] + pre + argv
    res = {"status": "ok", "wall": None, "wall_time1": None, "cpu": None, "maxrss_kb": None,
           "digest": None, "metrics": {}, "note": ""}
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=work, env=run_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        res.update(status="timeout", note="killed after %d s" % timeout)
        return res
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


def summarize(data):
    """Medians per (workload, allocator), or the failure that stopped the pair."""
    cells = {}
    for r in data["runs"]:
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
        walls = [r["wall"] for r in c["ok"]]
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


def write_chart(data, cells, workloads, allocs, png, work):
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
    dat = os.path.join(work, "chart.dat")
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
        plots.append("'%s' index IDX using %d:xtic(1) title '%s' lc rgb '%s'" % (dat, i + 2, a, colors[i % len(colors)]))
    plot_cmd = ", ".join(plots) + ", 1 with lines dt 2 lc rgb 'black' notitle"
    title = "%s, %d repeats, medians relative to glibc (log scale, lower is better)" % (
        "quick mode" if data["meta"]["quick"] else "full mode", data["meta"]["repeats"])
    script = """
set terminal pngcairo size 1500,1000 font 'DejaVu Sans,10'
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
set xtics nomirror
set multiplot layout 2,1 title '%(title)s'
set ylabel 'wall time / glibc'
set title 'Wall time'
plot %(plot0)s
set ylabel 'peak RSS / glibc'
set title 'Peak RSS'
plot %(plot1)s
unset multiplot
""" % {"png": png, "ticks": ticks, "xmax": len(rows) - 0.4, "ymin": ymin, "ymax": ymax, "title": title,
       "plot0": plot_cmd.replace("IDX", "0"), "plot1": plot_cmd.replace("IDX", "1")}
    gp = os.path.join(work, "chart.gp")
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if p.returncode != 0:
        return "gnuplot failed: " + p.stderr[-300:]
    return None


def write_report(data, out, png, work):
    meta = data["meta"]
    cells = summarize(data)
    allocs = [a for a in meta["allocators"] if a in {r["allocator"] for r in data["runs"]}]
    workloads = [w for w in WORKLOAD_NAMES if w in {r["workload"] for r in data["runs"]}]
    wdesc = {w.name: w for w in WORKLOADS}
    L = []
    L.append("# " + meta.get("title", "Warden benchmark results"))
    L.append("")
    L.append("Generated by `%s` (bench/run.py) on %s; %s mode, %d interleaved repeats, %d workloads, "
             "%d allocators, %.0f minutes." % (
                 meta["command"], meta["date"], "quick" if meta["quick"] else "full", meta["repeats"],
                 len(workloads), len(allocs), meta.get("duration_s", 0) / 60.0))
    L.append("Every number is the median of the repeats; ratios are to glibc on the same workload; lower "
             "is better. Warden's targets: default time <= 1.0x glibc and memory <= 1.1x, light time "
             "<= 0.85x.")
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
    # Summary
    L.append("## Summary: geometric mean over the workloads, relative to glibc")
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
    def median_table(key, fmt, scale):
        """One row per workload: each allocator's median of `key`, and its
        ratio to glibc's."""
        rows = []
        for w in workloads:
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
        return md_table(["workload"] + allocs, rows)

    L.append("## Wall time (median seconds, ratio to glibc)")
    L.append("")
    L.append(median_table("wall", "%.3f", 1.0))
    L.append("")
    L.append("## Peak RSS (median MiB, ratio to glibc)")
    L.append("")
    L.append(median_table("rss", "%.1f", 1.0 / 1024.0))
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
    # Fast path
    fp = data.get("fastpath")
    if fp:
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
    # Workloads
    L.append("## Workloads")
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
             "Each workload first runs once, unrecorded, under glibc (warm caches, reference output).")
    L.append("- Each run is `/usr/bin/time -f '%%e %%U %%S %%M' env LD_PRELOAD=LIB PROGRAM ...`; wall "
             "time is taken by the runner around that command (finer than `%%e`), peak RSS is `%%M`. "
             "Timeout: %d s per run." % meta["timeout"])
    L.append("- Before measuring, `bench/preload_check` runs under each allocator and must find `malloc` and "
             "`free` in the preloaded library (dlsym + dladdr); fastpath does the same under valgrind.")
    L.append("- Warden: %s." % meta.get("warden_note", ""))
    L.append("- Every single run is kept in `%s`; `bench/run.sh --report-from %s --out %s` redraws this "
             "report and its chart." % (meta.get("json_name", "results.json"), rel(meta.get("json_path", "")),
                                        rel(out)))
    L.append("")
    # Spread and failures
    L.append("<details><summary>Run-to-run spread of wall time ((max - min) / median)</summary>")
    L.append("")
    rows = []
    for w in workloads:
        row = [w]
        for a in allocs:
            c = cells.get((w, a))
            row.append("" if c is None else ("-" if "fail" in c else "%.0f%%" % (100 * c["spread"])))
        rows.append(row)
    L.append(md_table(["workload"] + allocs, rows))
    L.append("")
    L.append("</details>")
    L.append("")
    fails = [(k, c) for k, c in sorted(cells.items()) if "fail" in c]
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
    chart_err = write_chart(data, cells, workloads, allocs, png, work)
    if chart_err:
        L.append("(chart not drawn: %s)" % chart_err)
        L.append("")
    with open(out, "w") as f:
        f.write("\n".join(L))
    return cells


# --------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description="Warden benchmark suite (see bench/run.py's docstring).")
    ap.add_argument("--quick", action="store_true", help="5x smaller workloads, 5 repeats")
    ap.add_argument("--repeats", type=int, help="interleaved repeats (default 9, quick 5)")
    ap.add_argument("--only", help="comma-separated workloads to run (and/or 'fastpath'); default all")
    ap.add_argument("--allocators", help="comma-separated, from: " + ",".join(ALL_ALLOCATORS))
    ap.add_argument("--out", help="report file (default bench/RESULTS.md; with --quick bench/RESULTS-quick.md, so "
                    "that a quick run does not replace the full results)")
    ap.add_argument("--timeout", type=int, help="seconds per run (default 180, quick 60)")
    ap.add_argument("--no-fastpath", action="store_true", help="skip the callgrind fast-path measurement")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--report-from", metavar="JSON", help="only redraw the report from a saved results file")
    ap.add_argument("--title", help="the report's title (default: Warden benchmark results)")
    args = ap.parse_args()

    if args.out is None:
        args.out = os.path.join(BENCH, "RESULTS-quick.md" if args.quick else "RESULTS.md")
    out = os.path.abspath(args.out)
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
    for s in only:
        if s not in WORKLOAD_NAMES + ["fastpath"]:
            ap.error("unknown workload %r (have: %s, fastpath)" % (s, ", ".join(WORKLOAD_NAMES)))
    do_fastpath = not args.no_fastpath and (not only or "fastpath" in only)
    args.only = [s for s in only if s != "fastpath"]  # empty: all workloads
    do_timed = not only or bool(args.only)
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
        if do_timed:
            data["runs"] = run_suite(args, allocs, ctx, work)
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
