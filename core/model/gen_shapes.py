#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn App Mesh's service model into the C tables of core/src/shapes_gen.c.

Usage: gen_shapes.py MODEL_DIR > core/src/shapes_gen.c

MODEL_DIR holds service-2.json and paginators-1.json (core/model/appmesh-2019-01-25). The output
is deterministic: the CTest core.shapes_gen runs this again and compares it with the checked-in
file. Only the standard library is used.
"""
import html
import json
import os
import re
import sys

TYPES = {
    "structure": "AM_SHAPE_STRUCTURE",
    "list": "AM_SHAPE_LIST",
    "string": "AM_SHAPE_STRING",
    "integer": "AM_SHAPE_INTEGER",
    "long": "AM_SHAPE_LONG",
    "boolean": "AM_SHAPE_BOOLEAN",
    "timestamp": "AM_SHAPE_TIMESTAMP",
}
PATTERNS = {
    "^[a-zA-Z0-9!-~]+$": "AM_PATTERN_CLOUD_MAP_KEY",
    "^([a-zA-Z0-9!-~][  a-zA-Z0-9!-~]*){0,1}[a-zA-Z0-9!-~]{0,1}$": "AM_PATTERN_CLOUD_MAP_VALUE",
}
LOCATIONS = {None: "AM_LOC_BODY", "uri": "AM_LOC_URI", "querystring": "AM_LOC_QUERY"}
DOC_MAX = 200  # characters of a one-line documentation string


def fail(msg):
    sys.stderr.write("gen_shapes.py: %s\n" % msg)
    sys.exit(1)


def snake(name):
    """boto3's xform_name for App Mesh's names: CreateVirtualNode -> create_virtual_node."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return s.lower()


def first_sentence(doc):
    """The model's HTML documentation as one line of plain text: its first sentence."""
    text = re.sub(r"<[^>]+>", " ", doc or "")
    text = html.unescape(text)
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    if m:
        text = m.group(1)
    if len(text) > DOC_MAX:
        cut = text[: DOC_MAX - 3].rsplit(" ", 1)[0]
        text = cut + "..."
    return text


def c_string(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif 0x20 <= o < 0x7F:
            out.append(ch)
        else:
            for b in ch.encode("utf-8"):
                out.append("\\%03o" % b)
    out.append('"')
    return "".join(out)


def main():
    if len(sys.argv) != 2:
        fail("usage: gen_shapes.py MODEL_DIR")
    model_dir = sys.argv[1]
    with open(os.path.join(model_dir, "service-2.json"), encoding="utf-8") as f:
        model = json.load(f)
    with open(os.path.join(model_dir, "paginators-1.json"), encoding="utf-8") as f:
        paginators = json.load(f)["pagination"]

    shapes = model["shapes"]
    errors = sorted(n for n, s in shapes.items() if s.get("exception"))
    if len(errors) > 16:
        fail("more than 16 error shapes: widen am_operation.errors")
    # Error shapes are structures too (an operation's output never is one), but only their
    # names matter to the client: they are not in am_shapes.
    names = sorted(n for n in shapes if not shapes[n].get("exception"))
    index = {n: i for i, n in enumerate(names)}

    members = []  # (owner shape name, member name, member dict, required)
    enum_values = []
    shape_rows = []
    for n in names:
        s = shapes[n]
        t = s["type"]
        if t not in TYPES:
            fail("shape %s has type %s, which the tables do not know" % (n, t))
        row = {"name": n, "type": TYPES[t], "pattern": "AM_PATTERN_NONE", "first": 0, "count": 0}
        if t == "structure":
            if s.get("union"):
                row["type"] = "AM_SHAPE_UNION"
            required = set(s.get("required", []))
            row["first"] = len(members)
            row["count"] = len(s["members"])
            for mn, m in s["members"].items():
                if m["shape"] not in index:
                    fail("%s.%s refers to %s" % (n, mn, m["shape"]))
                members.append((n, mn, m, mn in required))
        elif t == "list":
            row["first"] = index[s["member"]["shape"]]
        elif t == "string":
            if "enum" in s:
                row["first"] = len(enum_values)
                row["count"] = len(s["enum"])
                enum_values.extend(s["enum"])
            if "pattern" in s:
                if s["pattern"] not in PATTERNS:
                    fail("shape %s has a pattern the tables do not know: %s" % (n, s["pattern"]))
                row["pattern"] = PATTERNS[s["pattern"]]
        for k in ("min", "max"):
            row[k] = s.get(k)
        shape_rows.append(row)
    if len(shape_rows) > 0xFFFF or len(members) > 0x7FFF or len(enum_values) > 0xFFFF:
        fail("tables too large for their index types")

    member_index = {(owner, mn): i for i, (owner, mn, _, _) in enumerate(members)}

    ops = []
    for name in sorted(model["operations"]):
        op = model["operations"][name]
        inp, outp = op["input"]["shape"], op["output"]["shape"]
        token = -1
        for mn, m in shapes[inp]["members"].items():
            if m.get("idempotencyToken"):
                if token != -1:
                    fail("%s has two idempotency tokens" % name)
                token = member_index[(inp, mn)]
        payload = -1
        if "payload" in shapes[outp]:
            payload = member_index[(outp, shapes[outp]["payload"])]
        if "payload" in shapes[inp]:
            fail("%s: input payloads are not supported" % name)
        mask = 0
        for e in op.get("errors", []):
            mask |= 1 << errors.index(e["shape"])
        if op["http"].get("responseCode", 200) != 200:
            fail("%s answers %s, not 200" % (name, op["http"]["responseCode"]))
        pag = paginators.get(name)
        ops.append(
            {
                "name": name,
                "snake": snake(name),
                "method": op["http"]["method"],
                "uri": op["http"]["requestUri"],
                "doc": first_sentence(op.get("documentation")),
                "input": index[inp],
                "output": index[outp],
                "payload": payload,
                "token": token,
                "errors": mask,
                "pag": pag,
            }
        )
    if [o["snake"] for o in ops] != sorted(o["snake"] for o in ops):
        fail("snake names do not sort as the API names do (am_operation_find relies on it)")
    for name, pag in paginators.items():
        if name not in model["operations"]:
            fail("paginator for unknown operation %s" % name)
        if isinstance(pag["result_key"], list):
            fail("%s: more than one result key" % name)

    w = sys.stdout.write
    w("/* SPDX-License-Identifier: MIT */\n")
    w("/* App Mesh's service model as C tables; generated by core/model/gen_shapes.py: do not edit. */\n")
    w('#include "shapes.h"\n\n')
    w("/* clang-format off */\n")

    def num(v):
        return "0" if v is None else str(int(v))

    w("const struct am_shape am_shapes[] = {\n")
    for i, r in enumerate(shape_rows):
        w(
            "    /* %d */ {%s, %s, %s, %s, %s, %s, %s, %d, %d},\n"
            % (
                i,
                c_string(r["name"]),
                r["type"],
                r["pattern"],
                "true" if r["min"] is not None else "false",
                "true" if r["max"] is not None else "false",
                num(r["min"]) + "LL",
                num(r["max"]) + "LL",
                r["first"],
                r["count"],
            )
        )
    w("};\n")
    w("const size_t am_shape_count = %d;\n\n" % len(shape_rows))

    w("const struct am_member am_members[] = {\n")
    for i, (owner, mn, m, required) in enumerate(members):
        flags = []
        if required:
            flags.append("AM_MEMBER_REQUIRED")
        if m.get("idempotencyToken"):
            flags.append("AM_MEMBER_IDEMPOTENCY_TOKEN")
        w(
            "    /* %d %s */ {%s, %s, %s, %d, %s, %s},\n"
            % (
                i,
                owner,
                c_string(mn),
                c_string(m.get("locationName", mn)),
                c_string(first_sentence(m.get("documentation"))),
                index[m["shape"]],
                LOCATIONS[m.get("location")],
                " | ".join(flags) if flags else "0",
            )
        )
    w("};\n")
    w("const size_t am_member_count = %d;\n\n" % len(members))

    w("const char *const am_enum_values[] = {\n")
    for v in enum_values:
        w("    %s,\n" % c_string(v))
    w("};\n\n")

    w("const struct am_error_shape am_error_shapes[] = {\n")
    for e in errors:
        s = shapes[e]
        status = s.get("error", {}).get("httpStatusCode", 0)
        retry = s.get("retryable")
        w(
            "    {%s, %d, %s, %s},\n"
            % (
                c_string(e),
                status,
                "true" if retry else "false",
                "true" if retry and retry.get("throttling") else "false",
            )
        )
    w("};\n")
    w("const size_t am_error_shape_count = %d;\n\n" % len(errors))

    w("const struct am_operation am_operations[] = {\n")
    for o in ops:
        pag = o["pag"]

        def pstr(key):
            return c_string(pag[key]) if pag else "NULL"

        w(
            "    {%s, %s, %s, %s,\n     %s,\n     %d, %d, %d, %d, 0x%04x, %s, %s, %s, %s},\n"
            % (
                c_string(o["name"]),
                c_string(o["snake"]),
                c_string(o["method"]),
                c_string(o["uri"]),
                c_string(o["doc"]),
                o["input"],
                o["output"],
                o["payload"],
                o["token"],
                o["errors"],
                pstr("result_key"),
                pstr("input_token"),
                pstr("output_token"),
                pstr("limit_key"),
            )
        )
    w("};\n")
    w("const size_t am_operation_count = %d;\n" % len(ops))
    w("/* clang-format on */\n")


if __name__ == "__main__":
    main()
