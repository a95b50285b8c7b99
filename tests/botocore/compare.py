#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Check our serialiser and parser of every App Mesh operation against botocore's.

Generates deterministic inputs for all operations (every member of every input shape, over
several variants so that each union member is chosen once; labels that need percent-encoding;
query members; longs beyond 2^53), serialises them with botocore's rest-json serializer and with
ours (opcall_tool, through appmesh_client_call_preview), and compares method, path, query and
body (JSON-equal). Mutates those inputs (each required member removed at every depth, an
unknown member, empty unions, empty strings, wrong types): every input botocore's validator
refuses, ours must refuse too (ours refuses more: maximum lengths, enums, patterns). Then
generates outputs echoing the request's names (with unknown members and
nulls mixed in), parses them with botocore's rest-json parser and with ours, and compares them
(timestamps as epoch seconds on our side).

    compare.py OPCALL_TOOL
"""
import copy
import datetime
import json
import os
import subprocess
import sys
import urllib.parse

from botocore.exceptions import ParamValidationError
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL = os.path.join(ROOT, "core", "model", "appmesh-2019-01-25", "service-2.json")

BIG_LONG = 2**53 + 1  # not exactly representable as a double
LABEL_TEXT = "a b/c?d&e=f+g%h#i\u00e9\u4e2d"  # needs percent-encoding, UTF-8 included
IDENTIFYING = ("meshName", "virtualRouterName", "routeName", "virtualNodeName",
               "virtualServiceName", "virtualGatewayName", "gatewayRouteName", "meshOwner")


def fit(text, shape):
    lo = shape.metadata.get("min", 0)
    hi = shape.metadata.get("max")
    if hi is not None:
        text = text[:hi]
    while len(text) < lo:
        text += "x"
    return text


class Gen:
    """Values for shapes; `variant` picks union members and integer choices."""

    def __init__(self, variant, sparse, names=None, output=False):
        self.variant = variant
        self.sparse = sparse
        self.names = names or {}
        self.output = output
        self.counter = 0

    def value(self, shape, member_name, depth=0):
        t = shape.type_name
        self.counter += 1
        if t == "structure" and shape.is_union if hasattr(shape, "is_union") else False:
            pass
        if t == "structure":
            members = list(shape.members.items())
            if shape.metadata.get("union"):
                name, m = members[(self.variant + depth) % len(members)]
                return {name: self.value(m, name, depth + 1)}
            required = set(shape.required_members)
            out = {}
            for name, m in members:
                if self.sparse and name not in required:
                    if self.output and self.counter % 3 == 0:
                        out[name] = None  # JSON null: absent
                    continue
                out[name] = self.value(m, name, depth + 1)
            if self.output:
                out["zzUnknownMember"] = {"nested": [1, None, "x"]}
            return out
        if t == "list":
            n = max(shape.metadata.get("min", 0), min(shape.metadata.get("max", 2), 2))
            return [self.value(shape.member, member_name, depth + 1) for _ in range(n)]
        if t == "string":
            if shape.enum:
                return shape.enum[(self.variant + self.counter) % len(shape.enum)]
            if member_name in self.names:
                return self.names[member_name]
            pattern = shape.metadata.get("pattern")
            if pattern == "^[a-zA-Z0-9!-~]+$":
                return fit("key-%d!~" % self.counter, shape)
            if pattern:
                return fit("value %d with spaces" % self.counter, shape)
            return fit("%s-%d-\u00e9\"\\\n" % (member_name, self.counter), shape)
        if t in ("integer", "long"):
            lo = shape.metadata.get("min", 0)
            hi = shape.metadata.get("max")
            if t == "long" and hi is None:
                return [BIG_LONG, 2**50 + 7, 2**63 - 1][self.variant % 3]
            if hi is None:
                hi = lo + 100
            return [lo, hi, (lo + hi) // 2][self.variant % 3]
        if t == "boolean":
            return self.variant % 2 == 0
        if t == "timestamp":
            return 1563810000.125 + self.variant
        raise ValueError("unexpected shape type %s" % t)


def inputs_for(op):
    """Variants of an operation's input: every member, each union member once, sparse."""
    shape = op.input_shape
    unions = [1]

    def walk(s, seen):
        if s.name in seen:
            return
        seen.add(s.name)
        if s.type_name == "structure":
            if s.metadata.get("union"):
                unions.append(len(s.members))
            for m in s.members.values():
                walk(m, seen)
        elif s.type_name == "list":
            walk(s.member, seen)

    walk(shape, set())
    out = []
    for v in range(max(unions) + 1):
        value = Gen(v, sparse=False).value(shape, "")
        out.append(value)
    out.append(Gen(0, sparse=True).value(shape, ""))
    for value in out:
        for name, m in shape.members.items():
            if m.serialization.get("location") == "uri":
                value[name] = fit(LABEL_TEXT + name, m)
        if "clientToken" in shape.members:
            value["clientToken"] = "token-" + op.name
    return out


def mutations(shape, value):
    """(what, mutated value) pairs of an input, each breaking one rule somewhere in it."""
    out = []

    def walk(s, v, path, setter):
        if s.type_name == "structure" and isinstance(v, dict):
            if s.metadata.get("union"):
                out.append((path + " = {}", setter({})))
            for name in s.required_members:
                if name in v:
                    w = dict(v)
                    del w[name]
                    out.append(("%s.%s removed" % (path, name), setter(w)))
            w = dict(v)
            w["bogusMember"] = 1
            out.append((path + ".bogusMember", setter(w)))
            for name, m in s.members.items():
                if name in v:
                    walk(m, v[name], path + "." + name,
                         lambda x, name=name, v=v: setter(dict(v, **{name: x})))
        elif s.type_name == "list" and isinstance(v, list) and v:
            walk(s.member, v[0], path + "[0]", lambda x, v=v: setter([x] + v[1:]))
        elif s.type_name == "string":
            if s.metadata.get("min", 0) >= 1 and not s.enum:
                out.append((path + ' = ""', setter("")))
            out.append((path + " = 5", setter(5)))
        elif s.type_name in ("integer", "long"):
            out.append((path + ' = "1"', setter("1")))
            if "min" in s.metadata:
                out.append((path + " below min", setter(s.metadata["min"] - 1)))
        elif s.type_name == "boolean":
            out.append((path + " = 1", setter(1)))

    walk(shape, value, "input", lambda x: copy.deepcopy(x))
    return out


def ours(tool, lines):
    proc = subprocess.run([tool], input="".join(lines), capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        sys.exit("opcall_tool failed (%d): %s" % (proc.returncode, proc.stderr))
    got = proc.stdout.splitlines()
    if len(got) != len(lines):
        sys.exit("opcall_tool answered %d lines for %d" % (len(got), len(lines)))
    return [json.loads(g) for g in got]


def normalise_botocore(value):
    if isinstance(value, dict):
        return {k: normalise_botocore(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise_botocore(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return value


def same(a, b, path=""):
    """JSON equality, with timestamps (floats) compared to a millisecond."""
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) < 1e-3:
            return None
        return "%s: %r != %r" % (path, a, b)
    if type(a) is not type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        if set(a) != set(b):
            return "%s: keys %s != %s" % (path, sorted(a), sorted(b))
        for k in a:
            d = same(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (path, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r != %r" % (path, a, b)


def main(argv):
    tool = argv[1]
    with open(MODEL, encoding="utf-8") as f:
        model = ServiceModel(json.load(f), service_name="appmesh")
    serializer = create_serializer("rest-json", include_validation=True)
    parser = create_parser("rest-json")
    failures = []

    # ---- requests ----
    cases = []
    for name in model.operation_names:
        op = model.operation_model(name)
        for value in inputs_for(op):
            cases.append((op, value))
    lines = ["request %s %s\n" % (op.name, json.dumps(v, ensure_ascii=False)) for op, v in cases]
    got = ours(tool, lines)
    members_seen = set()
    for (op, value), g in zip(cases, got):
        want = serializer.serialize_to_request(value, op)
        label = "%s %s" % (op.name, json.dumps(value)[:120])
        if "error" in g:
            failures.append("%s: ours refused: %s (%s)" % (label, g["error"], g["field"]))
            continue
        url = urllib.parse.urlsplit(g["url"])
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        want_query = {k: [("true" if v else "false") if isinstance(v, bool) else str(v)]
                      for k, v in want["query_string"].items()}
        want_body = json.loads(want["body"]) if want["body"] else None
        got_body = json.loads(g["body"]) if g["body"] else None
        for what, a, b in (("method", g["method"], want["method"]),
                           ("path", url.path, want["url_path"]),
                           ("query", query, want_query)):
            if a != b:
                failures.append("%s: %s %r != botocore %r" % (label, what, a, b))
        d = same(got_body, want_body, "body")
        if d:
            failures.append("%s: %s" % (label, d))
        members_seen.update((op.name, m) for m in value)
    missing = [(o, m) for o in model.operation_names
               for m in model.operation_model(o).input_shape.members
               if (o, m) not in members_seen]
    if missing:
        failures.append("input members never generated: %s" % missing)

    # ---- what botocore refuses, ours refuses ----
    mcases = []
    for name in model.operation_names:
        op = model.operation_model(name)
        for what, value in mutations(op.input_shape, inputs_for(op)[0]):
            try:
                serializer.serialize_to_request(value, op)
            except ParamValidationError:
                mcases.append((op, what, value))
    lines = ["request %s %s\n" % (op.name, json.dumps(v, ensure_ascii=False))
             for op, _, v in mcases]
    got = ours(tool, lines)
    for (op, what, _), g in zip(mcases, got):
        if "error" not in g:
            failures.append("%s, %s: botocore refuses it, ours sent it" % (op.name, what))

    # ---- responses ----
    rcases = []
    for op, value in cases:
        names = {k: v for k, v in value.items() if k in IDENTIFYING and isinstance(v, str)}
        shape = op.output_shape
        payload = shape.serialization.get("payload")
        for variant, sparse in ((0, False), (1, True), (2, False)):
            gen = Gen(variant, sparse, names, output=True)
            if payload:
                body = gen.value(shape.members[payload], payload)
            else:
                body = gen.value(shape, "")
            rcases.append((op, json.dumps(body, ensure_ascii=False)))
    lines = ["response %s %s\n" % (op.name, body) for op, body in rcases]
    got = ours(tool, lines)
    for (op, body), g in zip(rcases, got):
        parsed = parser.parse({"status_code": 200, "headers": {}, "body": body.encode()},
                              op.output_shape)
        parsed.pop("ResponseMetadata", None)
        d = same(g, normalise_botocore(parsed), "output")
        if d:
            failures.append("%s response %s: %s" % (op.name, body[:120], d))

    for f in failures[:40]:
        print("FAIL", f)
    print("botocore: %d requests, %d inputs botocore refuses and %d responses of %d operations "
          "compared, %d differences" % (len(cases), len(mcases), len(rcases),
                                        len(model.operation_names), len(failures)))
    return 1 if failures or len(model.operation_names) != 38 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
