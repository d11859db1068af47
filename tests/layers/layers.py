#!/usr/bin/env python3
"""Checks src/ against the layer table at the top of src/BUILD.

  tests/layers/layers.py [SRC_DIR]      (default: src, from the repository root)

Fails, naming every offence, when
  - a source file of SRC_DIR is in no layer of the table, or in two;
  - a layer's cc_library lists other files than the table gives it;
  - a layer's target depends on a layer that is not below it in the table;
  - a file includes a header of a layer above its own, or of a layer below
    that its target does not name in deps (a tier's internals reached
    through another layer);
  - the includes of SRC_DIR's files form a cycle.
The last one is the only one Bazel itself would not refuse: a cycle of
headers inside one layer compiles, thanks to the include guards.
"""
import os
import re
import sys


def read_table(build):
    """The layers, bottom first: [(name, [files])], from the comment table."""
    layers = []
    in_table = False
    for line in build.splitlines():
        if re.match(r"#\s+layer\s+files\s*$", line):
            in_table = True
            continue
        if in_table:
            m = re.match(r"#\s+(\w+)\s+(\S.*)$", line)
            if m is None:
                break
            layers.append((m.group(1), m.group(2).split()))
    return layers


def string_list(block, attr):
    m = re.search(r"\b%s\s*=\s*(\[[^\]]*\]|\"[^\"]*\")" % attr, block)
    return re.findall(r"\"([^\"]*)\"", m.group(1)) if m else []


def read_targets(build):
    """cc_library name -> (files, local deps), from the BUILD file itself."""
    targets = {}
    for m in re.finditer(r"^cc_library\(\n(.*?)^\)", build, re.M | re.S):
        block = m.group(1)
        name = string_list(block, "name")[0]
        files = string_list(block, "srcs") + string_list(block, "hdrs")
        deps = [d[1:] for d in string_list(block, "deps") if d.startswith(":")]
        targets[name] = (files, deps)
    return targets


def includes(path):
    with open(path, errors="replace") as f:
        return re.findall(r'^\s*#\s*include\s+"([^"]+)"', f.read(), re.M)


def find_cycle(graph):
    """One include cycle as a list of files, or None."""
    state = {}
    stack = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "src"
    with open(os.path.join(src, "BUILD")) as f:
        build = f.read()
    errors = []
    layers = read_table(build)
    if not layers:
        sys.exit("layers: no layer table in %s/BUILD" % src)
    rank = {name: k for k, (name, _) in enumerate(layers)}
    layer_of = {}
    for name, files in layers:
        for f in files:
            if f in layer_of:
                errors.append("%s is in two layers: %s and %s" % (f, layer_of[f], name))
            layer_of[f] = name
    sources = sorted(f for f in os.listdir(src) if f.endswith((".c", ".cc", ".h")))
    for f in sources:
        if f not in layer_of:
            errors.append("%s is in no layer of the table in %s/BUILD" % (f, src))
    for f in sorted(set(layer_of) - set(sources)):
        errors.append("the table names %s, which %s does not hold" % (f, src))

    targets = read_targets(build)
    for name, files in layers:
        if name not in targets:
            errors.append("layer %s has no cc_library of that name" % name)
            continue
        listed, deps = targets[name]
        if sorted(listed) != sorted(files):
            errors.append("cc_library %s lists %s, the table %s" % (name, sorted(listed), sorted(files)))
        for d in deps:
            if d not in rank:
                errors.append("cc_library %s depends on %s, which is no layer" % (name, d))
            elif rank[d] >= rank[name]:
                errors.append("cc_library %s depends on %s, which is not below it" % (name, d))

    graph = {}
    for f in sources:
        graph[f] = set()
        for h in includes(os.path.join(src, f)):
            if h not in layer_of:
                continue  # a system header, or warden.h from include/
            graph[f].add(h)
            mine, theirs = layer_of.get(f), layer_of[h]
            if mine is None or mine == theirs:
                continue
            if rank[theirs] > rank[mine]:
                errors.append("%s (layer %s) includes %s of layer %s, above it" % (f, mine, h, theirs))
            elif mine in targets and theirs not in targets[mine][1]:
                errors.append("%s (layer %s) includes %s of layer %s, which %s does not depend on"
                              % (f, mine, h, theirs, mine))
    cycle = find_cycle(graph)
    if cycle:
        errors.append("include cycle: %s" % " -> ".join(cycle))

    for e in errors:
        print("layers: " + e, file=sys.stderr)
    if errors:
        return 1
    print("layers: %d files in %d layers, every include downward, no cycle" % (len(sources), len(layers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
