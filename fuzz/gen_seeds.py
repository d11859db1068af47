#!/usr/bin/env python3
"""Writes the hand-made seeds and the dictionary of Warden's fuzz harnesses.

  fuzz/gen_seeds.py            rewrite fuzz/corpus/*/seed-* and fuzz/alloc.dict

Each seed is a short program in the input format of fuzz/harness.h (see fuzz/README.md,
"Input format") aimed at one feature: every small class edge, each tier boundary, medium
split/merge patterns with both neighbours, chunk release, realloc across tiers, every
alignment, impossible sizes, each misuse, quarantine cycling. Sizes are named by category
and index, not by value, so the seeds stay meaningful when the allocator's limits change.
Inputs that the fuzzers found (fuzz/corpus/*/ without the seed- prefix) are left alone.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Operation codes: the cumulative weights of op_weight[] in fuzz/harness.h, in order.
WEIGHTS = [
    ("malloc", 40), ("calloc", 16), ("realloc", 30), ("realloc_near", 20),
    ("reallocarray", 6), ("free", 36), ("free_sized", 20), ("posix_memalign", 16),
    ("aligned_alloc", 14), ("memalign", 8), ("valloc", 6), ("usable", 8), ("verify", 6),
    ("churn", 12), ("free_all", 4), ("misuse", 14),
]
assert sum(w for _, w in WEIGHTS) == 256
OP = {}
_acc = 0
for _name, _w in WEIGHTS:
    OP[_name] = _acc
    _acc += _w

MISUSE = ["double_free", "size_mismatch", "interior_free", "overflow", "write_after_free",
          "realloc_freed", "usable_freed", "zero_size_access", "check_overflow", "out_of_memory",
          "foreign_free", "overflow_word", "write_after_free_exit", "reuse_random"]

SMALL_CLASSES = 37


def size(cat, v=0):
    """Encodes a size draw (draw_size in harness.h): category selector and a 16-bit value."""
    sel = {
        "tiny": 0, "k": 1, "small": 2, "class_edge": 3, "small_medium": 5, "medium_low": 6,
        "medium": 7, "list_edge": 8, "medium_large": 10, "large": 11, "pages": 12, "zero": 13,
        "impossible": 14, "class_size": 15,
    }[cat]
    return bytes([sel]) + struct.pack("<H", v & 0xFFFF)


def class_edge(c, delta=0):
    """Class c's largest request + delta (delta in -2..2): draw_size picks class
    1 + v % 36 and delta (v >> 8) % 5 - 2."""
    c = (c - 1) % (SMALL_CLASSES - 1)
    v = next(v for v in range(1 << 16) if v % (SMALL_CLASSES - 1) == c and (v >> 8) % 5 == delta + 2)
    return size("class_edge", v)


def op(name, slot, *args):
    return bytes([OP[name], slot & 0xFF]) + b"".join(args)


def malloc(slot, sz):
    return op("malloc", slot, sz)


def free(slot):
    return op("free", slot)


def free_sized(slot):
    return op("free_sized", slot)


def realloc(slot, sz):
    return op("realloc", slot, sz)


def realloc_near(slot, how, d=0):
    return op("realloc_near", slot, bytes([how]), struct.pack("<H", d))


def calloc(slot, sz, count_byte=0, overflow_byte=1):
    return op("calloc", slot, sz, bytes([count_byte, overflow_byte]))


def aligned(kind, slot, sz, align_byte):
    return op(kind, slot, sz, bytes([align_byte]))


def churn(sz, count, window, mode):
    return op("churn", 0, sz, bytes([count - 1, window - 1, mode]))


def misuse(slot, kind):
    return op("misuse", slot, bytes([MISUSE.index(kind)]))


def seeds():
    s = {}
    # Every small class at its edge and one byte past it, then freed both ways.
    prog = b""
    for c in range(1, SMALL_CLASSES):
        prog += malloc(c, class_edge(c, 0)) + malloc(c + 40, class_edge(c, 1))
    for c in range(1, SMALL_CLASSES):
        prog += free_sized(c) + free(c + 40)
    s["small-class-edges"] = prog
    s["small-tiny"] = b"".join(malloc(i, size("tiny", i * 3)) for i in range(16)) + b"".join(
        op("usable", i) for i in range(16)) + b"".join(free(i) for i in range(0, 16, 2))
    s["zero-size"] = malloc(1, size("zero")) + malloc(2, size("zero")) + op("usable", 1) + \
        realloc(1, size("tiny", 5)) + realloc(2, size("zero")) + calloc(3, size("zero")) + free(3)
    # Tier boundaries, each side.
    s["small-medium-boundary"] = b"".join(malloc(i, size("small_medium", i)) for i in range(17)) + \
        b"".join(free_sized(i) for i in range(17))
    s["medium-large-boundary"] = b"".join(malloc(i + 4, size("medium_large", 16 + i)) for i in range(-4, 5)) + \
        b"".join(free_sized(i) for i in range(9))
    s["medium-list-edges"] = b"".join(malloc(i, size("list_edge", i * 37)) for i in range(24)) + \
        b"".join(free(i) for i in range(0, 24, 3)) + b"".join(free(i) for i in range(1, 24, 3)) + \
        b"".join(malloc(i, size("list_edge", i * 53 + 7)) for i in range(0, 24, 3))
    # Medium split and merge: a row of blocks, then frees that merge with the next, the
    # previous and both neighbours, and a realloc that grows into a free neighbour.
    row = b"".join(malloc(i, size("medium_low", 1000 * i)) for i in range(8))
    s["medium-merge-next"] = row + free(3) + free(2) + free(5) + free(4) + free_sized(6)
    s["medium-merge-prev"] = row + free(2) + free(3) + free(6) + free(5)
    s["medium-merge-both"] = row + free(2) + free(4) + free(3) + malloc(3, size("medium_low", 9000))
    s["medium-realloc-in-place"] = row + free(4) + realloc_near(3, 2, 200) + realloc_near(3, 7, 100) + \
        realloc_near(3, 5) + realloc_near(3, 3, 40) + realloc_near(5, 1) + realloc_near(5, 0)
    # Shrink a block so that a small free remainder sits between it and an allocated
    # neighbour, then grow it by a little less, exactly as much, and a little more than that
    # remainder holds: in place, or moved.
    for k, grow in enumerate((80, 96, 112, 128, 144, 160)):
        s["medium-grow-into-remainder-%d" % k] = row + realloc_near(1, 3, 100) + realloc_near(1, 2, grow) + \
            realloc_near(3, 3, 100 + k) + realloc_near(3, 2, grow + 7) + realloc_near(5, 3, 60) + \
            realloc_near(5, 2, grow - 40) + free(2) + free(4)
    # Fill chunks with the largest medium blocks, free them all: chunks are released.
    s["medium-chunks"] = b"".join(malloc(i, size("medium_large", 0)) for i in range(9)) + \
        b"".join(free(i) for i in (0, 2, 1, 4, 3, 8, 5, 7, 6)) + malloc(0, size("medium", 100))
    s["large"] = malloc(1, size("large", 5)) + malloc(2, size("pages", 300)) + \
        malloc(3, size("pages", 1024 + 2048)) + realloc_near(1, 0) + realloc_near(1, 1) + \
        realloc_near(2, 6, 1) + free_sized(1) + free(2) + free_sized(3)
    # realloc up and down through every tier and back, and across each boundary.
    s["realloc-tiers"] = malloc(0, size("tiny", 10)) + realloc(0, size("small", 9000)) + \
        realloc(0, size("small_medium", 8)) + realloc(0, size("small_medium", 9)) + \
        realloc(0, size("medium", 4000)) + realloc(0, size("medium_large", 16)) + \
        realloc(0, size("medium_large", 17)) + realloc(0, size("pages", 1000)) + \
        realloc(0, size("medium", 100)) + realloc(0, size("tiny", 3)) + realloc(0, size("zero"))
    s["realloc-near"] = malloc(0, class_edge(20)) + b"".join(realloc_near(0, h, 77) for h in range(8)) + \
        malloc(1, size("medium_low", 500)) + b"".join(realloc_near(1, h, 300) for h in range(8)) + \
        op("reallocarray", 2, size("k", 100), bytes([3, 1])) + op("reallocarray", 2, size("k", 10), bytes([3, 0]))
    s["calloc"] = calloc(1, size("k", 999), 5) + calloc(2, size("medium", 3000), 2) + \
        calloc(3, size("small", 100), 3, 0) + calloc(4, size("pages", 100)) + free(1) + \
        calloc(1, size("k", 999), 5) + calloc(5, size("impossible", 0))
    # Every alignment, every aligned entry point, valid and not, in every tier.
    prog = b""
    for a in range(23):
        prog += aligned("posix_memalign", a, size("tiny", 40), a)
        prog += aligned("aligned_alloc", 30 + a, size("medium_low", 100 * a), a)
    prog += b"".join(free_sized(i) for i in range(60))
    s["align-all"] = prog
    s["align-bad"] = b"".join(aligned(k, i, size("k", 100), 224 + i) for i in range(12)
                              for k in ("posix_memalign", "aligned_alloc", "memalign"))
    s["align-large"] = aligned("memalign", 1, size("large", 100), 13) + \
        aligned("posix_memalign", 2, size("medium", 100), 21) + \
        aligned("aligned_alloc", 3, size("small", 2000), 14) + realloc(3, size("small", 2000)) + \
        op("valloc", 4, size("k", 5), b"\x00") + op("valloc", 5, size("k", 5), b"\x01") + \
        op("valloc", 6, size("zero"), b"\x01") + free_sized(4) + free_sized(5) + free_sized(6)
    s["impossible"] = b"".join(op("valloc", 20 + i, size("impossible", i), bytes([1 - i % 2])) for i in range(6)) + \
        b"".join(malloc(i, size("impossible", i)) for i in range(6)) + \
        malloc(9, size("k", 8)) + b"".join(realloc(9, size("impossible", i)) for i in range(6)) + \
        calloc(10, size("k", 100), 3, 0) + op("reallocarray", 9, size("k", 100), bytes([3, 0]))
    # Quarantine cycling: long churns of one class with few live at a time.
    s["churn-small"] = churn(class_edge(4), 160, 1, 0) + churn(class_edge(12, -1), 120, 4, 1) + \
        churn(class_edge(30), 100, 3, 2 | 16) + churn(size("zero"), 100, 2, 8)
    s["churn-medium"] = churn(size("medium_low", 20000), 60, 6, 2 | 32) + \
        churn(size("list_edge", 400), 40, 16, 1 | 8) + churn(size("medium_large", 0), 10, 4, 0)
    s["churn-large"] = churn(size("pages", 700), 20, 2, 8) + churn(size("large", 300), 10, 1, 0)
    # Keep every block live: fills slabs of a class (the slot search wraps around), and with
    # big alignments sends tiny requests to the large tier until its table grows.
    s["churn-hold-all"] = churn(class_edge(4), 160, 1, 128) + churn(class_edge(1), 160, 1, 128 | 2) + \
        churn(size("tiny", 40), 160, 1, 128 | 64 | 3 | 8)
    s["churn-aligned"] = churn(size("k", 100), 60, 5, 64 | 1) + churn(size("medium_low", 900), 30, 3, 64 | 2 | 8) + \
        churn(size("small", 3000), 80, 8, 64 | 4)
    # A chunk filled by three of the largest blocks, then a request that only the remainder,
    # on its own exact-size list, can serve (the good-fit search skips that list).
    s["medium-exact-list"] = b"".join(malloc(i, size("medium_large", 0)) for i in range(3)) + \
        malloc(3, size("medium_large", 0x8000 | 11)) + malloc(4, size("medium_large", 0x8000 | 11)) + \
        free(1) + malloc(1, size("medium_large", 0x8000 | 3))
    # Each misuse in each tier, run in a forked child (at most two per input).
    blocks = [("small", class_edge(9)), ("medium", size("medium_low", 3000)),
              ("large", size("large", 10)), ("zero", size("zero"))]
    for kind in MISUSE:
        for tier, sz in blocks:
            s["misuse-%s-%s" % (kind, tier)] = malloc(7, sz) + malloc(8, sz) + misuse(7, kind) + \
                op("verify", 8) + misuse(8, kind)
    s["misuse-medium-released"] = b"".join(malloc(i, size("medium_large", 0)) for i in range(4)) + \
        b"".join(free(i) for i in range(3)) + misuse(3, "double_free")
    s["free-all"] = b"".join(malloc(i, size("medium_low", 700 * i)) for i in range(12)) + \
        op("free_all", 0) + b"".join(malloc(i, size("small", 1000 * i)) for i in range(12)) + \
        op("verify", 3) + op("free_all", 0)
    return s


def dictionary():
    """Operation heads and size draws that hit boundaries, for mutations to splice in."""
    entries = []
    for name, code in OP.items():
        entries.append(("op_" + name, bytes([code])))
    for v in range(0, 17):
        entries.append(("small_medium_%d" % v, size("small_medium", v)))
    for v in (0, 8, 15, 16, 17, 24, 32):
        entries.append(("medium_large_%d" % v, size("medium_large", v)))
    for c in range(1, SMALL_CLASSES):
        entries.append(("class_edge_%d" % c, class_edge(c)))
        entries.append(("class_edge_%d_plus1" % c, class_edge(c, 1)))
    for v in range(0, 96, 7):
        entries.append(("list_edge_%d" % v, size("list_edge", v)))
    for v in range(6):
        entries.append(("impossible_%d" % v, size("impossible", v)))
    entries.append(("zero", size("zero")))
    for a in range(23):
        entries.append(("align_2^%d" % a, bytes([a])))
    for kind in MISUSE:
        entries.append(("misuse_" + kind, bytes([OP["misuse"], 7, MISUSE.index(kind)])))
    lines = ["# Dictionary of Warden's fuzz harnesses, written by fuzz/gen_seeds.py: operation",
             "# codes and size draws at the allocator's boundaries (input format: fuzz/README.md)."]
    for name, b in entries:
        lines.append('%s="%s"' % (name, "".join("\\x%02x" % x for x in b)))
    return "\n".join(lines) + "\n"


def main():
    progs = seeds()
    for harness in ("alloc_fuzzer", "thread_fuzzer"):
        d = os.path.join(HERE, "corpus", harness)
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))
        for name, prog in sorted(progs.items()):
            if harness == "thread_fuzzer":
                if name.startswith("misuse"):
                    continue  # no death tests with two threads running
                # Byte 0 splits the input: both threads run a copy of the program, offset by
                # one slot so that they meet on shared blocks.
                shifted = bytes(prog)
                prog = bytes([128]) + prog + shifted
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(prog)
    with open(os.path.join(HERE, "alloc.dict"), "w") as f:
        f.write(dictionary())
    print("wrote %d seeds per harness and fuzz/alloc.dict" % len(progs), file=sys.stderr)


if __name__ == "__main__":
    main()
