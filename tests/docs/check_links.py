#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every link to a repository path in the given Markdown files resolves, and every #anchor names
a heading of the file it points into (GitHub's heading slugs).

usage: check_links.py ROOT FILE_OR_DIR...   check README.md, docs/*.md ... under ROOT
       check_links.py --self-test           check that the checker itself finds broken links

Links to other sites (http:, https:, mailto:) are not followed. Links inside code (fenced
blocks, `spans`) are not links. Exit 0 when all resolve, 1 with one line per broken link.
"""
import os
import re
import sys
import tempfile

INLINE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$")
FENCE = re.compile(r"^\s{0,3}(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(text, spans=False):
    """(line number, line) of the lines outside fenced code, with code spans blanked unless
    `spans` (a heading's code spans are part of its anchor)."""
    fence = None
    for number, line in enumerate(text.split("\n"), 1):
        m = FENCE.match(line)
        if m:
            if fence is None:
                fence = m.group(1)
            elif m.group(1) == fence:
                fence = None
            continue
        if fence is None:
            yield number, line if spans else CODE_SPAN.sub(lambda s: " " * len(s.group(0)), line)


def slug(heading):
    """GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to '-'."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path, cache):
    if path not in cache:
        found, counts = set(), {}
        with open(path, encoding="utf-8") as f:
            for _, line in prose_lines(f.read(), spans=True):
                m = HEADING.match(line)
                if m:
                    base = slug(m.group(2))
                    n = counts.get(base, 0)
                    counts[base] = n + 1
                    found.add(base if n == 0 else "%s-%d" % (base, n))
        cache[path] = found
    return cache[path]


def links(text):
    for number, line in prose_lines(text):
        for m in INLINE.finditer(line):
            yield number, m.group(1)
        m = REFERENCE.match(line)
        if m:
            yield number, m.group(1)


def check_file(root, path, cache):
    """The broken links of one Markdown file, as 'file:line: message' lines."""
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    shown = os.path.relpath(path, root)
    for number, target in links(text):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target):
            continue  # another site (http:, https:, mailto:)
        where, _, anchor = target.partition("#")
        if where:
            if where.startswith("/"):
                problems.append("%s:%d: %s: an absolute path, not a repository link" %
                                (shown, number, target))
                continue
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), where))
            if os.path.relpath(resolved, root).startswith(".."):
                problems.append("%s:%d: %s: outside the repository" % (shown, number, target))
                continue
            if not os.path.exists(resolved):
                problems.append("%s:%d: %s: no such file or directory" % (shown, number, target))
                continue
        else:
            resolved = path
        if anchor:
            if not resolved.endswith(".md") or not os.path.isfile(resolved):
                problems.append("%s:%d: %s: an anchor into a file that is not Markdown" %
                                (shown, number, target))
            elif anchor not in anchors(resolved, cache):
                problems.append("%s:%d: %s: no heading with the anchor '#%s' in %s" %
                                (shown, number, target, anchor, os.path.relpath(resolved, root)))
    return problems


def check(root, names):
    files = []
    for name in names:
        path = os.path.join(root, name)
        if os.path.isdir(path):
            files += sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(".md"))
        elif os.path.isfile(path):
            files.append(path)
        else:
            return ["%s: no such file or directory" % name], 0
    cache, problems = {}, []
    for path in files:
        problems += check_file(root, path, cache)
    return problems, len(files)


def self_test():
    """The checker must report each kind of broken link, and nothing for good ones."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "docs"))
        os.makedirs(os.path.join(root, "src"))
        with open(os.path.join(root, "src", "a.c"), "w") as f:
            f.write("int a;\n")
        with open(os.path.join(root, "docs", "b.md"), "w") as f:
            f.write("# B\n\n## The `x` option: more\n\n## Again\n\n## Again\n")
        with open(os.path.join(root, "README.md"), "w") as f:
            f.write("\n".join([
                "# Top",
                "[ok](src/a.c) [ok](docs/b.md#the-x-option-more) [ok](docs/b.md#again-1)",
                "[ok](#top) [ok](https://example.com/none) [ok](docs/) ![ok](src/a.c)",
                "`[not a link](src/none.c)`",
                "```",
                "[not a link](src/none.c)",
                "```",
                "[gone](src/none.c)",
                "[bad anchor](docs/b.md#nothing)",
                "[ref]: docs/none.md",
                "[up](../outside.md)",
                "[own](#missing)",
            ]) + "\n")
        problems, _ = check(root, ["README.md"])
    expected = [
        "README.md:8: src/none.c: no such file or directory",
        "README.md:9: docs/b.md#nothing: no heading with the anchor '#nothing' in docs/b.md",
        "README.md:10: docs/none.md: no such file or directory",
        "README.md:11: ../outside.md: outside the repository",
        "README.md:12: #missing: no heading with the anchor '#missing' in README.md",
    ]
    if problems != expected:
        print("check_links.py --self-test: expected\n  %s\ngot\n  %s" %
              ("\n  ".join(expected), "\n  ".join(problems)), file=sys.stderr)
        return 1
    print("check_links.py --self-test: %d broken links found, as expected" % len(expected))
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    root = os.path.abspath(argv[1])
    problems, count = check(root, argv[2:])
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print("check_links.py: %d broken links" % len(problems), file=sys.stderr)
        return 1
    print("check_links.py: every repository link of %d files resolves" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
