#!/usr/bin/env python3
"""Does the fuzzing catch real bugs? Plants realistic bugs in a copy of the sources, one at a
time, and fuzzes each for a bounded time.

  fuzz/teeth.py                    every bug, 60 s each, 2 at a time
  fuzz/teeth.py --seconds 30 --jobs 1 --only split-off-by-one --only bitmap-bit-left-set
  fuzz/teeth.py --list             the bugs and where they go
  fuzz/teeth.py --keep             keep the work directory (builds, logs, crashing inputs)

For each bug: copies src/, include/ and fuzz/ to a temporary directory (never touches the
repository), applies the bug as exact text substitutions, each of which must match exactly once
(the script stops, naming the bug, if the source has changed so that a pattern no longer
applies), builds the harness the bug is aimed at with the same flags as the Bazel libFuzzer
build (clang -fsanitize=fuzzer,address,undefined; src/override.c and src/cxx_new.cc left out),
and runs it over the seed corpus with -max_total_time. A bug is caught when the fuzzer reports
a finding (a Warden abort, a harness check, a sanitizer report) before the time is up. First an
unmodified build runs as a control: it must find nothing.

Prints one row per bug: name, harness, caught or not, seconds to the finding, the finding's
first line. Exit status 0 when every bug was caught and the control was clean.
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name, harness, what it models, [(file, old, new), ...][, WARDEN_OPTIONS to fuzz it with: for a
# bug that only shows with an option (the harness's own default, small_quarantine=8, is then
# given here too)]
BUGS = [
    ("split-off-by-one", "alloc_fuzzer",
     "medium split leaves the remainder 16 bytes short (a hole in the chunk)",
     [("src/medium_block.h", "  size_t rest = whole - first;\n  size_t j = i + mb_words(first);",
       "  size_t rest = whole - first - MB_ALIGN;\n  size_t j = i + mb_words(first);")]),
    ("coalesce-skips-prev", "alloc_fuzzer",
     "medium free never merges with the previous neighbour",
     [("src/medium.c", "  if (mb_is_free(c[i - 1])) {", "  if (false && mb_is_free(c[i - 1])) {")]),
    ("coalesce-skips-next", "alloc_fuzzer",
     "medium free never merges with the next neighbour",
     [("src/medium.c", "  size_t j = mb_next(c, i);\n  if (j < CHUNK_WORDS - MB_TAIL && mb_is_free(c[j])) {",
       "  size_t j = mb_next(c, i);\n  if (false && j < CHUNK_WORDS - MB_TAIL && mb_is_free(c[j])) {")]),
    ("bitmap-bit-left-set", "alloc_fuzzer",
     "removing the last block of a medium list leaves its bitmap bit set",
     [("src/medium_list.h", "  sl_map[fl] &= ~(1u << sl);\n", "")]),
    ("block-not-unlinked", "alloc_fuzzer",
     "medium allocation takes a block without removing it from its free list",
     [("src/medium.c", "  list_remove(a, c, i);\n  /* The links were the free block's",
       "  /* The links were the free block's")]),
    ("search-no-round-up", "alloc_fuzzer",
     "good-fit search starts at the request's own list (may return a block too small)",
     [("src/medium_block.h", "    size += ((size_t)1 << (k - MB_SL_SHIFT)) - 1;\n", "")]),
    ("grow-into-small-neighbour", "alloc_fuzzer",
     "medium realloc grows in place into a free neighbour that is too small",
     [("src/medium.c", "size + mb_size(c[j]) >= need", "size + mb_size(c[j]) + MB_MIN >= need")]),
    ("size-class-off-by-one", "alloc_fuzzer",
     "size-to-class mapping one class too small above 128 bytes",
     [("src/size_class.h", "return 8 + (k - 7) * 4 + q - 3;",
       "return 8 + (k - 7) * 4 + q - 4;")]),
    ("usable-includes-canary", "alloc_fuzzer",
     "malloc_usable_size of a small block counts the canary as usable",
     [("src/small.h", "small_geometry[c].slot_size - SMALL_CANARY;", "small_geometry[c].slot_size;")]),
    ("canary-not-checked", "alloc_fuzzer",
     "small free no longer checks the canary",
     [("src/small_slot.h",
       '    SMALL_CHECK(found == small_canary_for(p), MISUSE_CANARY_OVERWRITTEN, p, c);\n',
       "")]),
    ("zeroing-one-byte-short", "alloc_fuzzer",
     "zero-on-free of a small slot stops 16 bytes short",
     [("src/small_slot.h", "small_zero((char *)p, g->slot_size);", "small_zero((char *)p, g->slot_size - 16);")]),
    ("double-free-check-removed", "alloc_fuzzer",
     "small free no longer checks that the slot is live",
     [("src/small_slot.h",
       '  SMALL_CHECK(was_live, MISUSE_DOUBLE_FREE, p, c);\n', "")]),
    ("interior-free-named-double", "alloc_fuzzer",
     "a medium pointer that starts no block is named a double free, not an invalid free",
     [("src/medium.c",
       "REPORT_MEDIUM(gone->size));\n    report_fatal(bad, p, REPORT_MEDIUM_UNKNOWN);",
       "REPORT_MEDIUM(gone->size));\n    report_fatal(freed, p, REPORT_MEDIUM_UNKNOWN);")]),
    ("partial-list-not-pushed", "alloc_fuzzer",
     "a full slab that gets a slot back is not put back on its class's partial list",
     [("src/small.c", "if (s->free_slots++ == 0) partial_push(sc, meta, pl.slab);",
       "if (s->free_slots++ == 1) partial_push(sc, meta, pl.slab);")]),
    ("small-quarantine-too-early", "alloc_fuzzer",
     "a small slot evicted from the random quarantine skips the FIFO: reusable at once",
     [("src/small.c", "sc->q_fifo, fifo_len, class_below(", "sc->q_fifo, 0, class_below(")]),
    ("large-quarantine-too-early", "alloc_fuzzer",
     "a large mapping evicted from the random quarantine is unmapped at once",
     [("src/large.c", "large.q_fifo, (uint32_t)fifo_len, k, slot + 1)", "large.q_fifo, 0, k, slot + 1)")]),
    ("large-table-erase", "alloc_fuzzer",
     "removing a large record does not move back the entries that probed past it",
     [("src/large.c", "if (((i - want) & mask) >= ((i - hole) & mask)) {",
       "if (((i - want) & mask) > ((i - hole) & mask)) {")]),
    ("realloc-copy-short", "alloc_fuzzer",
     "realloc copies one byte less than it must",
     [("src/api.c", "memcpy(q, ptr, old < size ? old : size);", "memcpy(q, ptr, (old < size ? old : size) - 1);")]),
    ("calloc-medium-not-zeroed", "alloc_fuzzer",
     "calloc takes recycled medium blocks for zeroed memory when zeroing is off",
     [("src/api.c", "(r.tier == TIER_MEDIUM && medium_hands_out_zero())", "r.tier == TIER_MEDIUM")],
     "small_quarantine=8:zero_on_free=0"),
    ("medium-zeroing-skipped", "alloc_fuzzer",
     "a freed medium block enters the quarantine without being zeroed",
     [("src/medium.c", "  if (!sealed_zero_on_free()) {\n    clear_canary(c, i, size);\n  } else if",
       "  if (true) {\n    clear_canary(c, i, size);\n  } else if")]),
    ("medium-quarantine-at-once", "alloc_fuzzer",
     "a freed medium block leaves the quarantine as soon as it enters it",
     [("src/medium.c", "  uintptr_t out = quarantine_put(&a->q, a->q_random, a->q_fifo, q_fifo_len(), "
       "random_below(&a->rng, random_len),\n                                 (uintptr_t)&c[i]);",
       "  uintptr_t out = (uintptr_t)&c[i];")]),
    ("medium-quarantine-skips-fifo", "alloc_fuzzer",
     "a medium block drawn out of the random quarantine skips the FIFO: reusable at once",
     [("src/medium.c", "quarantine_put(&a->q, a->q_random, a->q_fifo, q_fifo_len(),",
       "quarantine_put(&a->q, a->q_random, a->q_fifo, 0,")]),
    ("medium-quarantine-unbounded", "alloc_fuzzer",
     "a medium arena's quarantine ignores its byte bound",
     [("src/medium.c", "  while (a->q_bytes > WD_MEDIUM_QUARANTINE_BYTES) {",
       "  while (false && a->q_bytes > WD_MEDIUM_QUARANTINE_BYTES) {")]),
    ("medium-exit-unchecked", "alloc_fuzzer",
     "a medium block leaving the quarantine is not checked for writes after its free",
     [("src/medium.c", '    WD_CHECK(words_zero(payload, mb_words(size) - 3), MISUSE_WRITE_AFTER_FREE, '
       'payload, REPORT_MEDIUM(size));\n', "")]),
    ("check-skips-quarantined-zero", "alloc_fuzzer",
     "wd_heap_check no longer checks that quarantined medium blocks are zero",
     [("src/medium.c", "    if (sealed_zero_on_free() && !words_zero(&c[i + 2], mb_words(size) - 3)) {",
       "    if (false) {")]),
    ("medium-canary-not-written", "alloc_fuzzer",
     "a medium block grown or shrunk in place keeps no canary after its new end",
     [("src/medium.c", "    put_canary(c, i);\n    a->live_bytes = a->live_bytes - size", "    a->live_bytes = a->live_bytes - size")]),
    ("medium-canary-not-checked", "alloc_fuzzer",
     "medium free, realloc and usable size no longer check the canary",
     [("src/medium.c",
       '  WD_CHECK(canary_intact(c, i, size), MISUSE_CANARY_OVERWRITTEN, p, REPORT_MEDIUM(size));\n', "")]),
    ("check-skips-medium-canary", "alloc_fuzzer",
     "wd_heap_check no longer checks the canaries of live medium blocks",
     [("src/medium.c", "    if (c[i] % MB_ALIGN == LIVE && !canary_intact(c, i, size)) report_check_failed(",
       "    if (false) report_check_failed(")]),
    ("canary-first-byte-set", "alloc_fuzzer",
     "canaries (small and medium) no longer start with a zero byte",
     [("src/secret.h", "return secret_mix(addr, key) & ~(uint64_t)0xff;", "return secret_mix(addr, key);")]),
    ("medium-need-forgets-canary", "alloc_fuzzer",
     "a medium request is given a block with no room for the canary",
     [("src/medium.c", "  size_t need = mb_block_for(n + CANARY);\n  size_t want", "  size_t need = mb_block_for(n);\n  size_t want")]),
    ("medium-links-handed-out", "alloc_fuzzer",
     "a medium block is handed out with the free-list links it had",
     [("src/medium.c", "  c[i + ML_NEXT] = 0;\n  c[i + ML_PREV] = 0;\n", "")]),
    ("medium-grow-keeps-canary", "alloc_fuzzer",
     "a medium block grown in place keeps its old canary inside the new usable bytes",
     [("src/medium.c", "    clear_canary(c, i, size);\n    if (sealed_zero_on_free() && need < size", "    if (sealed_zero_on_free() && need < size")]),
    ("medium-reuse-not-random", "alloc_fuzzer",
     "a medium request always takes the head of the list it is served from",
     [("src/medium.c", "    if (sealed_randomize()) {\n      for (uint32_t steps", "    if (false) {\n      for (uint32_t steps")]),
    ("lost-cross-thread-free", "thread_fuzzer",
     "a thread's buffer of freed slots (often other threads' blocks) is dropped when it exits",
     [("src/tcache.c", "    if (b->freed_count != 0) small_retire(c, b->freed_at, b->freed_count);\n", "")]),
]

CFLAGS = ["-g", "-fno-omit-frame-pointer", "-fsanitize=fuzzer-no-link,address,undefined",
          "-fno-sanitize-recover=undefined", "-fno-sanitize-coverage=trace-cmp", "-pthread",
          "-fsanitize-ignorelist=fuzz/checker_ignorelist.txt",
          "-fsanitize-coverage-ignorelist=fuzz/checker_ignorelist.txt", "-I", ".", "-I", "include",
          "-I", "src"]
LDFLAGS = ["-fsanitize=fuzzer,address,undefined", "-pthread"]


class SourceChanged(Exception):
    pass


def stale_patterns(root, bugs):
    """The seeded bugs whose patterns do not match the sources under `root` exactly once."""
    stale = []
    for bug in bugs:
        name, _, _, subs, _ = bug_fields(bug)
        for path, old, _ in subs:
            with open(os.path.join(root, path)) as f:
                n = f.read().count(old)
            if n != 1:
                stale.append("bug %s: the pattern for %s matches %d times (expected exactly once); "
                             "update BUGS in fuzz/teeth.py:\n%s" % (name, path, n, old))
    return stale


def copy_tree(dst):
    for d in ("src", "include", "fuzz"):
        shutil.copytree(os.path.join(ROOT, d), os.path.join(dst, d),
                        ignore=shutil.ignore_patterns("out", "bazel-*", "*.o"))


def apply_bug(tree, name, subs):
    for path, old, new in subs:
        full = os.path.join(tree, path)
        with open(full) as f:
            text = f.read()
        n = text.count(old)
        if n != 1:
            raise SourceChanged("bug %s: the pattern for %s matches %d times (expected exactly once):\n%s"
                                % (name, path, n, old))
        with open(full, "w") as f:
            f.write(text.replace(old, new))


def build(tree, harness, cc, log):
    """Compiles the library and the harness in `tree`; returns the fuzzer's path."""
    objs = []
    procs = []
    srcs = sorted(f for f in os.listdir(os.path.join(tree, "src"))
                  if f.endswith(".c") and f != "override.c")
    os.makedirs(os.path.join(tree, "obj"), exist_ok=True)
    for f in srcs:
        obj = os.path.join("obj", f + ".o")
        objs.append(obj)
        procs.append(subprocess.Popen([cc] + CFLAGS + ["-O2", "-std=gnu11", "-c", "src/" + f, "-o", obj],
                                      cwd=tree, stdout=log, stderr=subprocess.STDOUT))
    objs.append("obj/harness.o")
    procs.append(subprocess.Popen([cc] + CFLAGS + ["-O2", "-c", "fuzz/%s.c" % harness, "-o", "obj/harness.o"],
                                  cwd=tree, stdout=log, stderr=subprocess.STDOUT))
    if any(p.wait() != 0 for p in procs):
        raise RuntimeError("build failed in %s (see %s)" % (tree, log.name))
    out = os.path.join(tree, harness)
    if subprocess.call([cc] + LDFLAGS + objs + ["-o", out], cwd=tree, stdout=log, stderr=subprocess.STDOUT):
        raise RuntimeError("link failed in %s (see %s)" % (tree, log.name))
    return out


FINDING = re.compile(r"^(warden: .*|warden fuzz harness: .*|SUMMARY: .*|==\d+==ERROR: .*)$", re.M)


def fuzz(tree, harness, binary, seconds, log_path, options):
    work = os.path.join(tree, "work-corpus")
    os.makedirs(work, exist_ok=True)
    dirs = [work, os.path.join(tree, "fuzz", "corpus", harness)]
    reg = os.path.join(tree, "fuzz", "regressions", harness)
    if os.path.isdir(reg):
        dirs.append(reg)
    cmd = [binary, "-max_total_time=%d" % seconds, "-timeout=30", "-dict=" + os.path.join(tree, "fuzz", "alloc.dict"),
           "-artifact_prefix=" + tree + "/", "-print_final_stats=1"] + dirs
    env = dict(os.environ)
    env.pop("WARDEN_OPTIONS", None)
    if options is not None:
        env["WARDEN_OPTIONS"] = options
    start = time.monotonic()
    with open(log_path, "w") as log:
        try:
            rc = subprocess.call(cmd, cwd=tree, stdout=log, stderr=subprocess.STDOUT, env=env,
                                 timeout=seconds + 60)
        except subprocess.TimeoutExpired:
            rc = None
    elapsed = time.monotonic() - start
    with open(log_path, errors="replace") as f:
        text = f.read()
    crashes = [f for f in os.listdir(tree) if re.match(r"(crash|timeout|oom|leak)-", f)]
    found = FINDING.findall(text)
    # The first line that names what went wrong: Warden's or the harness's own line if any.
    first = next((l for l in found if l.startswith("warden")), found[0] if found else "")
    caught = rc not in (0, None) and (bool(crashes) or bool(found))
    return caught, elapsed, first, crashes


def run_one(bug, args, cc):
    name, harness, what, subs, options = bug_fields(bug)
    tree = os.path.join(args.work, name)
    # From the snapshot taken at the start: every bug sees the same sources, even while
    # someone edits the repository during the run.
    shutil.copytree(args.snapshot, tree)
    if subs:
        apply_bug(tree, name, subs)
    with open(os.path.join(tree, "build.log"), "w") as log:
        binary = build(tree, harness, cc, log)
    seconds = args.control_seconds if not subs else args.seconds
    caught, elapsed, first, crashes = fuzz(tree, harness, binary, seconds, os.path.join(tree, "fuzz.log"), options)
    return name, harness, what, caught, elapsed, first, crashes


def bug_fields(bug):
    """name, harness, what, subs, options (None: the harness's defaults)."""
    return tuple(bug[:4]) + (bug[4] if len(bug) > 4 else None,)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=60, help="fuzzing time per bug (default 60)")
    ap.add_argument("--control-seconds", type=int, default=60,
                    help="fuzzing time of the unmodified control build (default 60)")
    ap.add_argument("--jobs", type=int, default=2, help="bugs fuzzed at once (default 2)")
    ap.add_argument("--only", action="append", default=[], help="run only this bug (repeatable)")
    ap.add_argument("--no-control", action="store_true", help="skip the unmodified control run")
    ap.add_argument("--list", action="store_true", help="list the bugs and exit")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--check", action="store_true",
                    help="only check that every bug's pattern matches the sources once, and exit")
    args = ap.parse_args()

    if args.list:
        for bug in BUGS:
            name, harness, what, subs, options = bug_fields(bug)
            print("%-28s %-14s %s (%s)%s" % (name, harness, what, ", ".join(sorted({s[0] for s in subs})),
                                             "" if options is None else " WARDEN_OPTIONS=" + options))
        return 0
    if args.check:
        stale = stale_patterns(ROOT, BUGS)
        for message in stale:
            print("teeth: %s" % message, file=sys.stderr)
        print("teeth: %d bug(s), %d stale" % (len(BUGS), len(stale)))
        return 1 if stale else 0
    bugs = [b for b in BUGS if not args.only or b[0] in args.only]
    unknown = set(args.only) - {b[0] for b in BUGS}
    if unknown:
        print("teeth: unknown bug(s): %s (see --list)" % ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    cc = os.environ.get("CC", "clang")

    # One snapshot of the sources for the whole run; every pattern is checked against it
    # before anything is built.
    args.work = tempfile.mkdtemp(prefix="warden-teeth.")
    args.snapshot = os.path.join(args.work, "snapshot")
    copy_tree(args.snapshot)
    stale = stale_patterns(args.snapshot, bugs)
    if stale:
        print("teeth: %s" % stale[0], file=sys.stderr)
        shutil.rmtree(args.work, ignore_errors=True)
        return 2

    print("teeth: %d bug(s), %d s each, %d at a time; work in %s" % (len(bugs), args.seconds, args.jobs, args.work),
          file=sys.stderr)
    jobs = []
    if not args.no_control:
        jobs += [("control-alloc_fuzzer", "alloc_fuzzer", "unmodified sources", []),
                 ("control-thread_fuzzer", "thread_fuzzer", "unmodified sources", [])]
        # A bug fuzzed with options is judged against a control run with the same options.
        for options in sorted({bug_fields(b)[4] for b in bugs} - {None}):
            for harness in sorted({b[1] for b in bugs if bug_fields(b)[4] == options}):
                jobs.append(("control-%s:%s" % (harness, options), harness, "unmodified sources", [], options))
    jobs += bugs
    results = {}
    ok = True
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {pool.submit(run_one, bug, args, cc): bug[0] for bug in jobs}
        for fut in concurrent.futures.as_completed(futures):
            name = futures[fut]
            try:
                results[name] = fut.result()
            except Exception as e:  # a build failure fails this row, control runs included
                results[name] = (name, "?", str(e), None, 0.0, "error: %s" % e, [])
            r = results[name]
            print("teeth: %-30s %s" % (name, "build error" if r[3] is None else
                                        ("caught in %.0f s" % r[4]) if r[3] else "not caught"),
                  file=sys.stderr)

    print()
    width = max(len(j[0]) for j in jobs)
    print("%-*s %-14s %-8s %8s  %s" % (width, "bug", "harness", "caught", "seconds", "finding"))
    for name, *_ in jobs:
        _, harness, what, caught, elapsed, first, crashes = results[name]
        control = name.startswith("control-")
        if caught is None:
            good, verdict = False, "ERROR"
        elif control:
            good = not caught
            verdict = "clean" if good else "FINDING"
        else:
            good = caught
            verdict = "yes" if caught else "NO"
        ok &= good
        print("%-*s %-14s %-8s %8s  %s" % (width, name, harness, verdict, "%.1f" % elapsed if caught else "-",
                                              first[:110]))
    caught_n = sum(1 for b in bugs if results[b[0]][3])
    controls = [results[n][3] for n in results if n.startswith("control-")]
    print()
    print("teeth: %d of %d bugs caught%s" % (caught_n, len(bugs),
          "" if args.no_control else "; control runs clean" if all(c is False for c in controls)
          else "; CONTROL RUN FAILED"))
    if args.keep or not ok:
        print("teeth: builds, logs and crashing inputs kept in %s" % args.work, file=sys.stderr)
    else:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
