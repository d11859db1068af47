#!/usr/bin/env python3
"""Every function of the proved headers is code that runs: called from the library's own
sources outside those headers, directly or through other proved functions. A proved routine
that nothing calls would mean the library does the same work somewhere else, unproved. And no
code outside the proved headers makes a boundary tag itself (assigns an mb_tag(...) value):
tags are written by the proved mb_set, mb_init, mb_split and mb_merge only.

Usage: calls_test.py HEADER...   (paths of the proved headers, src/BUILD's proof_sources; the
library's other sources are read from the same directory)
"""
import os
import re
import sys

DEFINITION = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{", re.M)
CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")
TAG_WRITE = re.compile(r"[^=!<>]=\s*mb_tag\s*\([^;]*;")


def without_comments(text):
    # ACSL contracts and ghost code live in comments, and proof statements (lemma functions,
    # trusted contracts of builtins) under #ifdef __FRAMAC__: proof, not code that runs.
    # Newlines are kept, so that line numbers still point at the source.
    def blank(m):
        return " " + "\n" * m.group(0).count("\n")
    text = re.sub(r"/\*.*?\*/", blank, text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"^#ifdef __FRAMAC__\n.*?^#endif[^\n]*$", blank, text, flags=re.S | re.M)


def bodies(text):
    """Function name -> body, for the functions defined in text (comments removed)."""
    out = {}
    for m in DEFINITION.finditer(text):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        out[m.group(1)] = text[m.end():i]
    return out


def main():
    src = os.path.dirname(sys.argv[1])
    proved = {os.path.basename(p) for p in sys.argv[1:]}
    defined = {}
    for h in proved:
        with open(os.path.join(src, h)) as f:
            defined.update(bodies(without_comments(f.read())))
    called = set()
    bad = []
    for name in sorted(os.listdir(src)):
        if name in proved or not name.endswith((".c", ".h", ".cc")):
            continue
        with open(os.path.join(src, name)) as f:
            code = without_comments(f.read())
        called |= set(CALL.findall(code))
        for m in TAG_WRITE.finditer(code):
            line = code.count("\n", 0, m.start()) + 1
            bad.append("calls_test: %s:%d writes a boundary tag itself: %s" % (name, line, m.group(0)))
    reached = set()
    todo = [n for n in defined if n in called]
    while todo:
        n = todo.pop()
        if n in reached:
            continue
        reached.add(n)
        todo += [m for m in CALL.findall(defined[n]) if m in defined and m not in reached]
    unused = sorted(set(defined) - reached)
    for n in unused:
        print("calls_test: %s is proved but the library never calls it" % n, file=sys.stderr)
    for b in bad:
        print(b, file=sys.stderr)
    print("calls_test: %d proved functions, %d called; %d tag writes outside them"
          % (len(defined), len(reached), len(bad)))
    return 1 if unused or bad or not defined else 0


if __name__ == "__main__":
    sys.exit(main())
