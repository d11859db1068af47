"""Generates the multi-file C program that the gcc workload builds.

What the workload models: a compiler run over a small project, the real
program in the suite that allocates most (GCC's cc1 builds trees, RTL and
hash tables on the heap for every function, and frees much of it between
functions and passes). bench/gcc_build.sh compiles each generated file with
`gcc -O2 -c`, links them and runs the result, whose output is the checksum.

The code is fixed (seeded generator), so every allocator sees the same
build. Each module has a handful of functions of different shapes: loops
over arrays that GCC vectorizes and unrolls, a switch-based state machine,
struct-heavy code, a recursive function, string scanning and a small
open-addressing hash table, plus static helpers to inline.

Usage: python3 gen_cprog.py OUT_DIR NFILES
"""
import os
import random
import sys

HEADER = """\
#include <stddef.h>
#include <stdint.h>
#include <string.h>
"""


def module(i, rng):
    k = [rng.randint(3, 97) for _ in range(12)]
    n_states = rng.randint(6, 14)
    cases = "\n".join(
        "      case %d: acc = acc * %d + (c ^ %d); st = (st + %d + (c & 3)) %% %d; break;"
        % (s, rng.randint(3, 31), rng.randint(1, 255), rng.randint(1, 5), n_states)
        for s in range(n_states))
    fields = ["f%d" % j for j in range(rng.randint(4, 9))]
    struct_fields = "\n".join("  int32_t %s;" % f for f in fields)
    init = "\n".join("    v[j].%s = (int32_t)(j * %d + %d);" % (f, rng.randint(1, 9), rng.randint(0, 99))
                     for f in fields)
    combine = " + ".join("v[j].%s * %d" % (f, rng.randint(1, 7)) for f in fields)
    swap_cond = " || ".join("v[a].%s > v[b].%s" % (f, f) for f in fields[:3])
    return HEADER + """
/* module %(i)d */
typedef struct rec%(i)d {
%(struct_fields)s
} rec%(i)d_t;

static inline uint32_t rot%(i)d(uint32_t x, unsigned r) { return (x << (r & 31)) | (x >> ((32 - r) & 31)); }

static uint32_t mix%(i)d(uint32_t h, uint32_t v) {
  h ^= v + 0x9e3779b9u + (h << 6) + (h >> 2);
  return rot%(i)d(h, %(k0)d) * %(k1)du;
}

uint32_t m%(i)d_vec(uint32_t seed) {
  uint32_t a[256], b[256];
  for (int j = 0; j < 256; j++) { a[j] = seed * (uint32_t)j + %(k2)du; b[j] = (uint32_t)j ^ seed; }
  uint32_t s = 0;
  for (int r = 0; r < %(k3)d; r++) {
    for (int j = 0; j < 256; j++) a[j] = a[j] * %(k4)du + (b[j] >> 3);
    for (int j = 0; j < 256; j++) s += a[j] ^ b[(j + r) & 255];
  }
  return s;
}

uint32_t m%(i)d_fsm(const char *text, size_t len) {
  uint32_t acc = %(k5)du;
  int st = 0;
  for (size_t p = 0; p < len; p++) {
    unsigned c = (unsigned char)text[p];
    switch (st) {
%(cases)s
      default: st = 0; break;
    }
  }
  return acc ^ (uint32_t)st;
}

static void sort%(i)d(rec%(i)d_t *v, int n) {
  for (int a = 0; a < n; a++)
    for (int b = a + 1; b < n; b++)
      if (%(swap_cond)s) { rec%(i)d_t t = v[a]; v[a] = v[b]; v[b] = t; }
}

uint32_t m%(i)d_structs(uint32_t seed) {
  rec%(i)d_t v[48];
  for (int j = 0; j < 48; j++) {
%(init)s
    v[j].f0 ^= (int32_t)(seed >> (j & 7));
  }
  sort%(i)d(v, 48);
  uint32_t h = seed;
  for (int j = 0; j < 48; j++) h = mix%(i)d(h, (uint32_t)(%(combine)s));
  return h;
}

uint32_t m%(i)d_rec(uint32_t n, uint32_t x) {
  if (n < 2) return x + n;
  return m%(i)d_rec(n - 1, mix%(i)d(x, n)) ^ (n %% %(k6)d == 0 ? m%(i)d_rec(n - 2, x) : x);
}

uint32_t m%(i)d_strings(uint32_t seed) {
  char buf[512];
  uint32_t words = 0, h = seed;
  for (int j = 0; j < 511; j++) buf[j] = (char)((j * %(k7)d + (int)seed) %% 37 < 6 ? ' ' : 'a' + (j * %(k8)d) %% 26);
  buf[511] = 0;
  for (char *p = buf; *p;) {
    while (*p == ' ') p++;
    char *q = p;
    while (*q && *q != ' ') q++;
    if (q > p) { words++; h = mix%(i)d(h, (uint32_t)(q - p) * (unsigned char)*p); }
    p = q;
  }
  return h + words + (uint32_t)strlen(buf);
}

uint32_t m%(i)d_table(uint32_t seed) {
  uint32_t keys[512] = {0}, vals[512];
  for (uint32_t j = 1; j < 400; j++) {
    uint32_t key = j * %(k9)du + seed, slot = mix%(i)d(key, 0) & 511;
    while (keys[slot] != 0 && keys[slot] != key) slot = (slot + 1) & 511;
    keys[slot] = key;
    vals[slot] = j;
  }
  uint32_t s = 0;
  for (uint32_t j = 1; j < 400; j += %(k10)d) {
    uint32_t key = j * %(k9)du + seed, slot = mix%(i)d(key, 0) & 511;
    while (keys[slot] != key) slot = (slot + 1) & 511;
    s += vals[slot];
  }
  return s;
}

uint32_t m%(i)d_entry(uint32_t seed) {
  static const char text[] = "the quick brown fox %(i)d jumps over the lazy dog";
  uint32_t h = m%(i)d_vec(seed);
  h = mix%(i)d(h, m%(i)d_fsm(text, sizeof text - 1));
  h = mix%(i)d(h, m%(i)d_structs(seed));
  h = mix%(i)d(h, m%(i)d_rec(12, seed));
  h = mix%(i)d(h, m%(i)d_strings(seed));
  return mix%(i)d(h, m%(i)d_table(seed));
}
""" % dict(i=i, struct_fields=struct_fields, cases=cases, init=init, combine=combine,
           swap_cond=swap_cond, **{"k%d" % j: v for j, v in enumerate(k)})


def main():
    out, nfiles = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    rng = random.Random(4242)
    for i in range(nfiles):
        with open(os.path.join(out, "m%02d.c" % i), "w") as f:
            f.write(module(i, rng))
    decls = "".join("uint32_t m%d_entry(uint32_t seed);\n" % i for i in range(nfiles))
    calls = "".join("  h = h * 31u + m%d_entry(%du);\n" % (i, i + 1) for i in range(nfiles))
    with open(os.path.join(out, "main.c"), "w") as f:
        f.write("#include <stdint.h>\n#include <stdio.h>\n%s\nint main(void) {\n  uint32_t h = 0;\n%s"
                "  printf(\"checksum %%08x\\n\", (unsigned)h);\n  return 0;\n}\n" % (decls, calls))


if __name__ == "__main__":
    main()
