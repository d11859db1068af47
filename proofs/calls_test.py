#!/usr/bin/env python3
"""Every function of the proved headers is code that runs: called from the library's own
sources outside those headers, directly or through other proved functions. A proved routine
that nothing calls would mean the library does the same work somewhere else, unproved.

Usage: calls_test.py HEADER...   (paths of the proved headers, src/BUILD's proof_sources; the
library's other sources are read from the same directory)
"""
import os
import re
import sys

DEFINITION = re.compile(r"^[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\([^;{}]*\)\s*\{", re.M)
CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def without_comments(text):
    # ACSL contracts and ghost code live in comments, and proof statements (lemma functions,
    # trusted contracts of builtins) under #ifdef __FRAMAC__: proof, not code that runs.
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"^#ifdef __FRAMAC__\n.*?^#endif[^\n]*$", "", text, flags=re.S | re.M)


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
    for name in sorted(os.listdir(src)):
        if name in proved or not name.endswith((".c", ".h", ".cc")):
            continue
        with open(os.path.join(src, name)) as f:
            called |= set(CALL.findall(without_comments(f.read())))
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
    print("calls_test: %d proved functions, %d called" % (len(defined), len(reached)))
    return 1 if unused or not defined else 0


if __name__ == "__main__":
    sys.exit(main())
