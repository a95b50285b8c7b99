#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""No circles between source files: fails when two .c files (or a ring of them) each call the
other's non-static functions.

Reads the symbols of each group's object files with nm (defined: T D B R C V W; used: U), draws
an edge from a file to every file of the same group that defines a symbol it uses, and reports
each strongly connected component of more than one file with the symbols behind every edge in
it. A layer calls down only: a file that needs something from a file above it gets it passed in
(a function pointer in a context, as credentials.c hands its providers the source-profile
runner), or the shared piece moves into a file below both (cred_util.c, run.c).

usage: cycles.py GROUP=OBJ[:OBJ...] ...   (the objects of one group separated by ":")
"""
import os
import subprocess
import sys

DEFINED = set("TDBRCVWG")


def file_name(obj):
    """lsched.c.o -> lsched"""
    name = os.path.basename(obj)
    for suffix in (".o", ".obj"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name[:-2] if name.endswith(".c") else name


def symbols(obj):
    out = subprocess.run(["nm", "-P", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        if parts[1] in DEFINED:
            defined.add(parts[0])
        elif parts[1] == "U":
            used.add(parts[0])
    return defined, used


def components(nodes, edges):
    """Tarjan's strongly connected components, iteratively; only those of two or more."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []
    counter = 0
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                comp = set()
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.add(top)
                    if top == node:
                        break
                if len(comp) > 1:
                    found.append(comp)
    return found


def check_group(group, objs):
    info = {file_name(o): symbols(o) for o in objs}
    owner = {}
    for name, (defined, _) in info.items():
        for sym in defined:
            owner[sym] = name
    edges = {name: set() for name in info}
    for name, (_, used) in info.items():
        for sym in used:
            if owner.get(sym, name) != name:
                edges[name].add(owner[sym])
    found = components(info, edges)
    for comp in found:
        print("%s: circle: %s" % (group, " ".join(sorted(comp))))
        for a in sorted(comp):
            for b in sorted(edges[a] & comp):
                syms = sorted(s for s in info[a][1] if owner.get(s) == b)
                print("    %s.c -> %s.c: %s" % (a, b, " ".join(syms)))
    print("%s: %d files, %d calls between them, %d circle(s)"
          % (group, len(info), sum(len(e) for e in edges.values()), len(found)))
    return len(found)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__.split("\n\n")[-1] + "\n")
        return 2
    failures = 0
    for arg in argv[1:]:
        group, _, objs = arg.partition("=")
        failures += check_group(group, [o for o in objs.split(":") if o])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
