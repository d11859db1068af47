"""The peer suite: mimalloc-bench's self-contained benchmarks, from a checkout
the user names (`./warden bench --peer PATH`). Python standard library only.

The project holds no code of that suite. This module knows the benchmarks'
command lines and how upstream's bench.sh scores each (the argument sets are
those of bench.sh with its $procs set to the number of CPUs), builds them
with cmake into a cache directory, and reads their scores. bench/run.py runs
them under every allocator, interleaved, and writes the report.

Scoring: most benchmarks do a fixed amount of work and are scored by wall
time. The fixed-duration ones (larson, xmalloc-test, rptest, glibc-thread)
print a throughput, and bench.sh turns it into a "relative time" (lower is
better) so that every score reads the same way; SCORERS below do the same.
"""
import os
import re
import shutil
import subprocess


class PeerBench:
    def __init__(self, name, target, args, kind="wall", stdin=None, threads=1, models=""):
        self.name = name
        self.target = target  # cmake executable
        self.args = args  # function(srcdir, procs) -> list of arguments
        self.kind = kind  # key of SCORERS
        self.stdin = stdin  # file under the sources fed on standard input, or None
        self.threads = threads  # function(procs) -> int, or an int
        self.models = models

    def argv(self, binary, src, procs):
        return [binary] + [str(a) for a in self.args(src, procs)]

    def nthreads(self, procs):
        return self.threads(procs) if callable(self.threads) else self.threads


def fixed(*args):
    return lambda src, procs: list(args)


def N(p):
    return p


PEER_BENCHMARKS = [
    PeerBench("cfrac", "cfrac", fixed("17545186520507317056371138836327483792789528"),
              models="factoring with many small bignums"),
    PeerBench("espresso", "espresso", lambda s, p: [os.path.join(s, "espresso", "largest.espresso")],
              models="logic minimizer, small objects"),
    PeerBench("barnes", "barnes", fixed(), stdin=os.path.join("barnes", "input"),
              models="n-body simulation, few allocations"),
    PeerBench("larsonN", "larson", lambda s, p: [5, 8, 1000, 5000, 100, 4141, p], kind="larson", threads=N,
              models="server: objects freed by other threads (throughput)"),
    PeerBench("larsonN-sized", "larson-sized", lambda s, p: [5, 8, 1000, 5000, 100, 4141, p], kind="larson",
              threads=N, models="larson with sized delete (throughput)"),
    PeerBench("mstressN", "mstress", lambda s, p: [p, 50, 25], threads=N,
              models="threads allocate, share and free in bulk"),
    PeerBench("rptestN", "rptest", lambda s, p: [p, 0, 1, 2, 500, 1000, 100, 8, 16000], kind="rptest",
              threads=N, models="rpmalloc's test: random sizes to 16 KB, cross-thread (throughput)"),
    PeerBench("alloc-test1", "alloc-test", fixed(1), models="OLTP-like allocation pattern, 1 thread"),
    PeerBench("alloc-testN", "alloc-test", lambda s, p: [min(p, 16)], threads=lambda p: min(p, 16),
              models="the same, N threads"),
    PeerBench("xmalloc-testN", "xmalloc-test", lambda s, p: ["-w", p, "-t", 5, "-s", 64], kind="xmalloc",
              threads=N, models="producer threads, consumer threads free (throughput)"),
    PeerBench("cache-scratch1", "cache-scratch", lambda s, p: [1, 1000, 1, 2000000, p],
              models="passive false sharing, 1 thread"),
    PeerBench("cache-scratchN", "cache-scratch", lambda s, p: [p, 1000, 1, 2000000, p], threads=N,
              models="passive false sharing, N threads"),
    PeerBench("cache-thrash1", "cache-thrash", lambda s, p: [1, 1000, 1, 2000000, p],
              models="active false sharing, 1 thread"),
    PeerBench("cache-thrashN", "cache-thrash", lambda s, p: [p, 1000, 1, 2000000, p], threads=N,
              models="active false sharing, N threads"),
    PeerBench("glibc-simple", "glibc-simple", fixed(), models="glibc's malloc micro-benchmark"),
    PeerBench("glibc-thread", "glibc-thread", lambda s, p: [p], kind="glibc-thread", threads=N,
              models="glibc's threaded micro-benchmark (throughput)"),
    PeerBench("malloc-large", "malloc-large", fixed(), models="large blocks, 5-25 MB"),
    PeerBench("mleak10", "mleak", fixed(5), models="threads that leak a little"),
    PeerBench("mleak100", "mleak", fixed(50), models="threads that leak more"),
]
PEER_NAMES = [b.name for b in PEER_BENCHMARKS]


# --------------------------------------------------------------------------
# Scores


def last_float(pattern, text):
    found = re.findall(pattern, text, re.MULTILINE)
    if not found:
        return None
    try:
        return float(found[-1])
    except ValueError:
        return None


def per_throughput(work, pattern, text):
    """bench.sh's relative time of a throughput benchmark: work / rate."""
    rate = last_float(pattern, text)
    return work / rate if rate else None


# kind -> function(wall seconds, stdout) -> score (lower is better) or None
SCORERS = {
    "wall": lambda wall, out: wall,
    # "Throughput = N operations per second, relative time: Xs."
    "larson": lambda wall, out: last_float(r"relative time:\s*([0-9]+(?:\.[0-9]*)?)", out),
    # "rtime: X, free/sec: ..."
    "xmalloc": lambda wall, out: last_float(r"^\s*rtime:\s*([0-9]+(?:\.[0-9]*)?)", out),
    # "...N memory ops/CPU second (...)"
    "rptest": lambda wall, out: per_throughput(2e6, r"([0-9]+) memory ops", out),
    # "N iterations"
    "glibc-thread": lambda wall, out: per_throughput(1e9, r"^\s*([0-9]+(?:\.[0-9]*)?) iterations", out),
}

SCORE_TEXT = {
    "larson": "the relative time larson prints",
    "xmalloc": "the `rtime` xmalloc-test prints",
    "rptest": "2e6 / (memory ops per CPU second)",
    "glibc-thread": "1e9 / iterations",
}


def score(kind, wall, stdout):
    return SCORERS[kind](wall, stdout)


# --------------------------------------------------------------------------
# Sources and build


def find_sources(path):
    """The benchmarks' source folder in a checkout (PATH/bench) or PATH itself."""
    for d in (os.path.join(path, "bench"), path):
        if os.path.isfile(os.path.join(d, "CMakeLists.txt")) and os.path.isdir(os.path.join(d, "larson")):
            return os.path.abspath(d)
    return None


STATEMENT = re.compile(r"^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(([^()]*)\)", re.MULTILINE)
EXE_KEYWORDS = {"WIN32", "MACOSX_BUNDLE", "EXCLUDE_FROM_ALL"}


def buildable_cmakelists(text, srcdir):
    """The checkout's CMakeLists.txt with what cannot or need not build taken
    out: executables whose listed source files are missing (upstream
    downloads some, shbench for one, in a separate step) with every
    statement about them, and subdirectories (the security tests, which are
    not timed). Returns (text, names of the executables taken out)."""
    dropped = set()
    for m in STATEMENT.finditer(text):
        if m.group(1).lower() != "add_executable":
            continue
        words = m.group(2).split()
        if not words:
            continue
        for w in words[1:]:
            if w in EXE_KEYWORDS or "${" in w or "$<" in w:
                continue
            if not os.path.exists(os.path.join(srcdir, w)):
                dropped.add(words[0])
                break

    def keep(m):
        cmd, words = m.group(1).lower(), m.group(2).split()
        if cmd == "add_subdirectory":
            return False
        if words and words[0] in dropped and (cmd == "add_executable" or cmd.startswith("target_") or
                                              cmd == "set_target_properties"):
            return False
        return True

    def edit(m):
        return m.group(0) if keep(m) else "# (left out by warden bench) " + m.group(0).strip().replace("\n", " ")

    return STATEMENT.sub(edit, text), sorted(dropped)


def sync_tree(src, dst):
    """Copies src to dst, rewriting only files whose content changed, so that
    make rebuilds only what changed."""
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        out = os.path.join(dst, rel)
        os.makedirs(out, exist_ok=True)
        for f in files:
            a, b = os.path.join(root, f), os.path.join(out, f)
            if os.path.islink(a) and not os.path.exists(a):
                continue
            if os.path.exists(b) and os.path.getsize(a) == os.path.getsize(b):
                with open(a, "rb") as fa, open(b, "rb") as fb:
                    if fa.read() == fb.read():
                        continue
            shutil.copyfile(a, b)


def write_if_changed(path, text):
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return
    with open(path, "w") as f:
        f.write(text)


def build(checkout, cache, targets, jobs, log):
    """Builds the given cmake targets of the checkout's benchmarks in cache
    (cache/src: a copy of the sources, cache/build: cmake's build tree).
    Returns (srcdir of the copy, {target: binary path or None}, {target: why
    not built}). Raises RuntimeError when nothing can be built at all."""
    src = find_sources(checkout)
    if src is None:
        raise RuntimeError("%s: no mimalloc-bench sources (expected bench/CMakeLists.txt and bench/larson/)"
                           % checkout)
    stamp = os.path.join(cache, "source")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read().strip() != src:
                log("peer: %s was built from another checkout; starting afresh" % cache)
                shutil.rmtree(cache)
    os.makedirs(cache, exist_ok=True)
    write_if_changed(stamp, src + "\n")
    copy = os.path.join(cache, "src")
    sync_tree(src, copy)
    with open(os.path.join(src, "CMakeLists.txt")) as f:
        text, dropped = buildable_cmakelists(f.read(), src)
    write_if_changed(os.path.join(copy, "CMakeLists.txt"), text)
    bdir = os.path.join(cache, "build")
    blog = os.path.join(cache, "build.log")
    with open(blog, "a") as lf:
        if not os.path.exists(os.path.join(bdir, "CMakeCache.txt")):
            p = subprocess.run(["cmake", "-S", copy, "-B", bdir, "-DCMAKE_BUILD_TYPE=Release"],
                               stdout=lf, stderr=subprocess.STDOUT)
            if p.returncode != 0:
                shutil.rmtree(bdir, ignore_errors=True)
                raise RuntimeError("cmake configure failed, see %s" % blog)
        bins, why = {}, {}
        for t in targets:
            if t in dropped:
                bins[t], why[t] = None, "sources missing from the checkout"
                continue
            lf.flush()
            p = subprocess.run(["cmake", "--build", bdir, "--target", t, "--parallel", str(jobs)],
                               stdout=lf, stderr=subprocess.STDOUT)
            path = os.path.join(bdir, t)
            if p.returncode != 0 or not os.access(path, os.X_OK):
                bins[t], why[t] = None, "build failed, see %s" % blog
            else:
                bins[t] = path
    return copy, bins, why
