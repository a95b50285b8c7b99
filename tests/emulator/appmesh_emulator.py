#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A local AWS App Mesh emulator for tests: App Mesh's rest-json API, SigV4, faults, TLS, STS, IMDS.

Start it with Debian's Python (standard library plus python3-botocore):

    /usr/bin/python3 tests/emulator/appmesh_emulator.py --port 0 [--state FILE] [--tls]

The first line on stdout is the base URL; with --tls the second line is the path of the CA
certificate that signed the server's certificate. It serves until SIGTERM (or SIGINT), then closes
its listening socket and exits 0. README.md beside this file documents the state file, the
control endpoint under /_emulator/, the faults and the credential endpoints.
"""

import argparse
import base64
import binascii
import bisect
import collections
import copy
import datetime
import email.utils
import hashlib
import hmac
import http.server
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
from xml.sax.saxutils import escape as xml_escape

try:
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import botocore.loaders
    import botocore.model
    from botocore.compat import HTTPHeaders
except ImportError:  # pragma: no cover - depends on the interpreter
    sys.stderr.write(
        "appmesh_emulator: botocore is missing; run it with Debian's /usr/bin/python3 "
        "(package python3-botocore)\n"
    )
    sys.exit(2)

VERSION = "0.1.0"
DOC_ACCESS_KEY = "AKIDEXAMPLE"
DOC_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
CONTROL_PREFIX = "/_emulator/"
MAX_BODY = 1 << 20
ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.appmesh/"
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

class Kind:
    """One App Mesh resource kind: its wire names, its spec shape, where it lives.

    Every kind has the same lifecycle (create, describe, update, delete, list); they differ only
    in this data. `parent` is the kind whose records hold this kind's records (None for meshes).
    """

    def __init__(self, kind, noun, words, parent, plural=None):
        self.kind = kind  # "virtualRouter": the payload member and the ARN segment
        self.noun = noun  # "VirtualRouter": in operation and shape names
        self.words = words  # "Virtual router": in messages
        self.parent = parent
        self.name_key = kind + "Name"
        self.spec_shape = noun + "Spec"
        self.list_key = plural or kind + "s"  # the list member and the state-file key
        self.list_op = "List" + self.list_key[0].upper() + self.list_key[1:]
        self.children = []  # the kinds this kind holds, filled in below

    def chain(self):
        """The kinds from the mesh down to this one: mesh, [virtualRouter,] route."""
        return ([] if self.parent is None else KINDS[self.parent].chain()) + [self]


KINDS = {
    k.kind: k
    for k in (
        Kind("mesh", "Mesh", "Mesh", None, plural="meshes"),
        Kind("virtualNode", "VirtualNode", "Virtual node", "mesh"),
        Kind("virtualRouter", "VirtualRouter", "Virtual router", "mesh"),
        Kind("virtualService", "VirtualService", "Virtual service", "mesh"),
        Kind("virtualGateway", "VirtualGateway", "Virtual gateway", "mesh"),
        Kind("route", "Route", "Route", "virtualRouter"),
        Kind("gatewayRoute", "GatewayRoute", "Gateway route", "virtualGateway"),
    )
}
for _kind in KINDS.values():
    if _kind.parent is not None:
        KINDS[_kind.parent].children.append(_kind)

# operation -> (verb, kind); the verb names the State method that serves it.
OPERATIONS = {"TagResource": ("tag", None), "UntagResource": ("untag", None),
              "ListTagsForResource": ("list_tags", None)}
for _kind in KINDS.values():
    for _verb in ("create", "describe", "update", "delete"):
        OPERATIONS[_verb.capitalize() + _kind.noun] = (_verb, _kind.kind)
    OPERATIONS[_kind.list_op] = ("list", _kind.kind)

# Where a spec names another resource: (the steps from the spec to the name, a tuple being any
# of those keys and "*" every item of a list; the kind it names; whether it must exist).
# Providers and (gateway) route targets must exist when the spec is written; a node's backends
# need not, but they keep the service in use.
ROUTE_TYPES = ("grpcRoute", "http2Route", "httpRoute", "tcpRoute")
REFERENCES = {
    "virtualService": [
        (("provider", "virtualNode", "virtualNodeName"), "virtualNode", True),
        (("provider", "virtualRouter", "virtualRouterName"), "virtualRouter", True),
    ],
    "route": [
        ((ROUTE_TYPES, "action", "weightedTargets", "*", "virtualNode"), "virtualNode", True),
    ],
    "gatewayRoute": [
        ((ROUTE_TYPES, "action", "target", "virtualService", "virtualServiceName"),
         "virtualService", True),
    ],
    "virtualNode": [
        (("backends", "*", "virtualService", "virtualServiceName"), "virtualService", False),
    ],
}

MAX_TAGS = 50  # per resource (the model's TagList); more is TooManyTagsException
# The `quotas` setting's keys: how many of a kind one account (meshes), one mesh, one router
# (routes) or one gateway (gateway routes) may hold; a create beyond it is LimitExceededException.
QUOTA_KEYS = frozenset(kind.list_key for kind in KINDS.values())

DEFAULT_CONFIG = {
    "clockOffset": 0.0,
    "maxSkew": 900,
    "credentialTtl": None,
    "containerAuthToken": "emulator-container-token",
    "imdsRole": "appmesh-emulator-role",
    "imdsAllowV1": False,
    "roleAccount": DEFAULT_ACCOUNT,
    "errorTypeSuffix": True,
    "webIdentityTokens": None,
    "ssoTokens": ["emulator-sso-token"],
    "quotas": None,
}

METADATA_KEYS = {"uid", "version", "createdAt", "lastUpdatedAt", "resourceOwner"}
DECIMAL_RE = re.compile(r"^\s*[0-9]{1,12}\s*$")
CLIENT_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
ACCOUNT_RE = re.compile(r"^[0-9]{12}$")
REGION_RE = re.compile(r"^[a-z0-9-]{1,64}$")
ROLE_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:iam::([0-9]{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]{1,64})$"
)
SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
SSO_ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
SSO_PATH = "/federation/credentials"
SSO_BEARER_HEADER = "x-amz-sso_bearer_token"
SURROGATE_RE = re.compile("[\ud800-\udfff]")


class ApiError(Exception):
    """An error answered to the client: HTTP status, AWS error code and message."""

    def __init__(self, status, code, message, headers=None, close=False):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = list(headers or [])
        self.close = close


class SetupError(Exception):
    """A bad command line or state document; the message names the thing that is wrong."""


def bad_request(message):
    return ApiError(400, "BadRequestException", message)


def method_not_allowed(allowed):
    return ApiError(405, "MethodNotAllowed", "Method not allowed", headers=[("Allow", allowed)])


def too_large():
    message = "The request body is larger than %d bytes" % MAX_BODY
    return ApiError(413, "RequestEntityTooLargeException", message, close=True)


def not_found(message):
    return ApiError(404, "NotFoundException", message)


def conflict(message):
    return ApiError(409, "ConflictException", message)


def iso8601(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def amz_timestamp(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def epoch(t):
    return round(t, 3)


def shorten(value, limit=64):
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


def json_type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def join_path(path, name):
    return name if not path else path + "." + name


def constraint(value, path, rule):
    shown = "null" if value is None else "'%s'" % shorten(value)
    return bad_request(
        "1 validation error detected: Value %s at '%s' failed to satisfy constraint: %s"
        % (shown, path, rule)
    )


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def parse_json_object(body, what="The request body"):
    """Parse a JSON object from bytes; an empty body is an empty object."""
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise bad_request("%s is not valid UTF-8 (bad byte at offset %d)" % (what, e.start))
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise bad_request("%s nests too deeply" % what)
    except ValueError as e:
        raise bad_request("%s is not valid JSON: %s" % (what, e))
    if not isinstance(doc, dict):
        raise bad_request("%s must be a JSON object, not %s" % (what, json_type(doc)))
    return doc


def split_query(query):
    """Split a raw query string into decoded (name, value) pairs; '+' stays a plus, as in SigV4."""
    pairs = []
    if not query:
        return pairs
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((urllib.parse.unquote(name), urllib.parse.unquote(value)))
    return pairs


# --------------------------------------------------------------------------------------------
# The App Mesh model: routing, input parsing and validation, output bodies
# --------------------------------------------------------------------------------------------


def _check_bounds(meta, value, measure, path, what):
    """App Mesh's min/max constraints; what is "length" (strings, lists) or "value" (numbers)."""
    if "min" in meta and measure < meta["min"]:
        rule = "Member must have %s greater than or equal to %d" % (what, meta["min"])
        raise constraint(value, path, rule)
    if "max" in meta and measure > meta["max"]:
        rule = "Member must have %s less than or equal to %d" % (what, meta["max"])
        raise constraint(value, path, rule)


def _expected(what, path, value):
    return bad_request("Expected %s at '%s', got %s" % (what, path, json_type(value)))


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def validate(shape, value, path):
    """Check a JSON value against a botocore shape; raise BadRequestException naming the path."""
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            raise _expected("an object", path, value)
        members = shape.members
        for key in value:
            if key not in members:
                raise bad_request("Unknown member '%s' at '%s'" % (key, path or "(body)"))
        for name in shape.required_members:
            if value.get(name) is None:
                raise constraint(None, join_path(path, name), "Member must not be null")
        present = [k for k, v in value.items() if v is not None]
        for key in present:
            validate(members[key], value[key], join_path(path, key))
        if meta.get("union") and len(present) != 1:
            found = (": " + ", ".join(present)) if present else ""
            raise bad_request(
                "Exactly one member of '%s' must be set (one of %s), found %d%s"
                % (path, ", ".join(members), len(present), found)
            )
    elif kind == "list":
        if not isinstance(value, list):
            raise _expected("an array", path, value)
        _check_bounds(meta, value, len(value), path, "length")
        for i, item in enumerate(value):
            where = "%s[%d]" % (path, i)
            if item is None:
                raise constraint(None, where, "Member must not be null")
            validate(shape.member, item, where)
    elif kind == "map":
        if not isinstance(value, dict):
            raise _expected("an object", path, value)
        for key, item in value.items():
            validate(shape.key, key, "%s.%s(key)" % (path, key))
            if item is None:
                raise constraint(None, "%s.%s" % (path, key), "Member must not be null")
            validate(shape.value, item, "%s.%s" % (path, key))
    elif kind == "string":
        if not isinstance(value, str):
            raise _expected("a string", path, value)
        if SURROGATE_RE.search(value):
            raise bad_request("The string at '%s' is not valid Unicode (lone surrogate)" % path)
        _check_bounds(meta, value, len(value), path, "length")
        enum = meta.get("enum")
        if enum and value not in enum:
            rule = "Member must satisfy enum value set: [%s]" % ", ".join(enum)
            raise constraint(value, path, rule)
        if "pattern" in meta and not re.search(meta["pattern"], value):
            rule = "Member must satisfy regular expression pattern: %s" % meta["pattern"]
            raise constraint(value, path, rule)
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _expected("an integer", path, value)
        _check_bounds(meta, value, value, path, "value")
    elif kind in ("double", "float"):
        if not _is_number(value):
            raise _expected("a number", path, value)
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _expected("a boolean", path, value)
    elif kind == "timestamp":
        if not _is_number(value):
            raise _expected("epoch seconds", path, value)
    elif kind == "blob":
        if not isinstance(value, str):
            raise _expected("base64 text", path, value)
    else:  # pragma: no cover - App Mesh uses none of the other types
        raise bad_request("The emulator cannot check the type %s at '%s'" % (kind, path))


def _template_regex(template):
    parts = re.split(r"(\{[^}]+\})", template)
    out = []
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            if name.endswith("+"):
                out.append("(?P<%s>.+)" % name[:-1])
            else:
                out.append("(?P<%s>[^/]+)" % name)
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "$")


class AppMeshModel:
    """The App Mesh API as botocore ships it: routes, input shapes, output payloads."""

    def __init__(self):
        raw = botocore.loaders.Loader().load_service_model("appmesh", "service-2")
        self.service = botocore.model.ServiceModel(raw, service_name="appmesh")
        self.routes = []
        for name in self.service.operation_names:
            op = self.service.operation_model(name)
            template = op.http["requestUri"].split("?", 1)[0]
            self.routes.append((_template_regex(template), op.http["method"], name))
        missing = set(self.service.operation_names) ^ set(OPERATIONS)
        if missing:  # a botocore whose model the emulator does not know
            raise SetupError("the App Mesh model and the emulator differ on: %s"
                             % ", ".join(sorted(missing)))

    def shape(self, name):
        return self.service.shape_for(name)

    def route(self, method, path):
        """Return (operation, raw labels) for a request, or raise 404/405."""
        allowed = set()
        for regex, op_method, name in self.routes:
            match = regex.match(path)
            if match is None:
                continue
            if op_method == method:
                return name, match.groupdict()
            allowed.add(op_method)
        if allowed:
            methods = ", ".join(sorted(allowed))
            raise ApiError(
                405,
                "UnknownOperationException",
                "Method %s is not allowed on %s (allowed: %s)" % (method, path, methods),
                headers=[("Allow", methods)],
            )
        message = "No App Mesh operation matches %s %s" % (method, path)
        raise ApiError(404, "UnknownOperationException", message)

    def parse_input(self, name, labels, query_pairs, body):
        """Decode labels, query and JSON body into the operation's validated input parameters."""
        shape = self.service.operation_model(name).input_shape
        query = {}
        for key, value in query_pairs:
            query.setdefault(key, value)
        params = {}
        body_members = {}
        for member, mshape in shape.members.items():
            location = mshape.serialization.get("location")
            wire = mshape.serialization.get("name", member)
            if location == "uri":
                try:
                    value = urllib.parse.unquote(labels[wire], errors="strict")
                except UnicodeDecodeError:
                    raise bad_request("The path label '%s' is not UTF-8 once decoded" % wire)
                validate(mshape, value, wire)
                params[member] = value
            elif location == "querystring":
                if wire not in query:
                    continue
                value = query[wire]
                if mshape.type_name in ("integer", "long"):
                    if not re.fullmatch(r"-?[0-9]{1,18}", value):
                        message = "Value '%s' at '%s' is not a valid integer"
                        raise bad_request(message % (shorten(value), wire))
                    value = int(value)
                validate(mshape, value, wire)
                params[member] = value
            elif location is None:
                body_members[wire] = (member, mshape)
        if body_members:
            doc = parse_json_object(body)
            for key in doc:
                if key not in body_members:
                    raise bad_request("Unknown member '%s' at '(body)'" % key)
            for wire, (member, mshape) in body_members.items():
                value = doc.get(wire)
                if value is None:
                    if member in shape.required_members:
                        raise constraint(None, wire, "Member must not be null")
                    continue
                validate(mshape, value, wire)
                params[member] = value
            params["__body__"] = {k: v for k, v in doc.items() if v is not None}
        for member in shape.required_members:  # a required query member (resourceArn)
            if member not in params:
                wire = shape.members[member].serialization.get("name", member)
                raise constraint(None, wire, "Member must not be null")
        token = params.get("clientToken")
        if token is not None and not CLIENT_TOKEN_RE.match(token):
            rule = "Member must be 1 to 36 letters, digits, hyphens or underscores"
            raise constraint(token, "clientToken", rule)
        return params

    def output_body(self, name, result):
        """The response body: the payload member alone when the output has one (App Mesh's rule)."""
        shape = self.service.operation_model(name).output_shape
        payload = shape.serialization.get("payload")
        if payload:
            return result[payload]
        return result


# --------------------------------------------------------------------------------------------
# State: meshes, the resources in them, their tags
# --------------------------------------------------------------------------------------------


def spec_references(kind, spec):
    """(dotted path, kind, name, must exist) for every resource a spec of `kind` names."""
    out = []

    def walk(value, steps, path, ref_kind, required):
        if not steps:
            if isinstance(value, str):
                out.append((path, ref_kind, value, required))
            return
        step, rest = steps[0], steps[1:]
        if step == "*":
            for i, item in enumerate(value if isinstance(value, list) else []):
                walk(item, rest, "%s[%d]" % (path, i), ref_kind, required)
            return
        if not isinstance(value, dict):
            return
        for key in step if isinstance(step, tuple) else (step,):
            if key in value:
                walk(value[key], rest, join_path(path, key), ref_kind, required)

    for steps, ref_kind, required in REFERENCES.get(kind, ()):
        walk(spec or {}, steps, "spec", ref_kind, required)
    return out


def _dedupe_tags(tags):
    """A TagList with one entry per key (the last wins), in first-seen order."""
    merged = {}
    for tag in tags or []:
        merged[tag["key"]] = tag["value"]
    return [{"key": k, "value": v} for k, v in merged.items()]


class Record:
    """One App Mesh resource: its kind, name, spec, metadata, tags and the resources it holds."""

    def __init__(self, kind, name, spec, owner, now, parent=None, meta=None, status="ACTIVE",
                 tags=None):
        meta = meta or {}
        self.kind = KINDS[kind]
        self.name = name
        self.spec = spec
        self.parent = parent
        self.owner = meta.get("resourceOwner", owner)
        self.uid = meta.get("uid") or str(uuid.uuid4())
        self.version = meta.get("version", 1)
        self.created = meta.get("createdAt", epoch(now))
        self.updated = meta.get("lastUpdatedAt", self.created)
        self.status = status
        self.tags = _dedupe_tags(tags)
        self.children = {child.kind: {} for child in self.kind.children}

    @property
    def mesh(self):
        return self if self.parent is None else self.parent.mesh

    def chain(self):
        """The records from the mesh down to this one."""
        return ([] if self.parent is None else self.parent.chain()) + [self]

    def walk(self):
        """This record and every record it holds, depth first, by name."""
        yield self
        for kind in self.kind.children:
            for name in sorted(self.children[kind.kind]):
                yield from self.children[kind.kind][name].walk()

    def arn(self):
        mesh = self.mesh
        out = "arn:aws:appmesh:%s:%s:mesh/%s" % (mesh.region, mesh.mesh_owner, mesh.name)
        for rec in self.chain()[1:]:
            out += "/%s/%s" % (rec.kind.kind, rec.name)
        return out

    def names(self):
        """The identifying members: meshName, then the parent's and this resource's names."""
        return {rec.kind.name_key: rec.name for rec in self.chain()}

    def touch(self, now):
        self.version += 1
        self.updated = max(epoch(now), self.updated)

    def data(self):
        """The API's MeshData, VirtualNodeData, RouteData, GatewayRouteData, ..."""
        out = self.names()
        out["metadata"] = {
            "arn": self.arn(),
            "createdAt": self.created,
            "lastUpdatedAt": self.updated,
            "meshOwner": self.mesh.mesh_owner,
            "resourceOwner": self.owner,
            "uid": self.uid,
            "version": self.version,
        }
        out["spec"] = copy.deepcopy(self.spec)
        out["status"] = {"status": self.status}
        return out

    def ref(self):
        """The API's MeshRef, VirtualNodeRef, RouteRef, ... for list results."""
        out = self.names()
        out.update(
            {
                "arn": self.arn(),
                "createdAt": self.created,
                "lastUpdatedAt": self.updated,
                "meshOwner": self.mesh.mesh_owner,
                "resourceOwner": self.owner,
                "version": self.version,
            }
        )
        return out

    def meta_doc(self):
        return {
            "uid": self.uid,
            "version": self.version,
            "createdAt": self.created,
            "lastUpdatedAt": self.updated,
            "resourceOwner": self.owner,
        }

    def to_doc(self):
        """This record in the state-file format, with the records it holds."""
        out = {self.kind.name_key: self.name, "spec": copy.deepcopy(self.spec),
               "status": self.status, "metadata": self.meta_doc()}
        if self.tags:
            out["tags"] = copy.deepcopy(self.tags)
        for kind in self.kind.children:
            records = self.children[kind.kind]
            out[kind.list_key] = [records[n].to_doc() for n in sorted(records)]
        return out


class Mesh(Record):
    def __init__(self, name, spec, owner, region, shared_with, now, meta=None, status="ACTIVE",
                 tags=None):
        super().__init__("mesh", name, spec, owner, now, None, meta, status, tags)
        self.mesh_owner = owner
        self.region = region
        self.shared_with = list(shared_with)

    def to_doc(self):
        out = {"meshName": self.name, "owner": self.mesh_owner, "region": self.region,
               "sharedWith": list(self.shared_with)}
        out.update(super().to_doc())
        return out


def _default_mesh_spec():
    return {"egressFilter": {"type": "DROP_ALL"}}


def in_use(message):
    return ApiError(409, "ResourceInUseException", message)


class State:
    """All meshes, the clientToken memory, and the state-file round trip.

    One lock serialises every operation; each validates everything before it changes anything.
    """

    def __init__(self, emu):
        self.emu = emu
        self.lock = threading.RLock()
        self.meshes = {}
        self.region = DEFAULT_REGION
        self.tokens = {}

    # -- the state document ---------------------------------------------------------------

    def load(self, doc, where):
        """Replace everything with a state document; raise SetupError naming the bad field."""
        meshes, region, keys = StateParser(self.emu, where).parse(doc)
        with self.lock:
            self.meshes = meshes
            self.region = region
            self.tokens = {}
        return keys

    def to_doc(self, keys=None):
        with self.lock:
            out = {"region": self.region}
            if keys is not None:
                out["keys"] = keys
            out["meshes"] = [mesh.to_doc() for mesh in self.meshes.values()]
            return out

    # -- looking things up ------------------------------------------------------------------

    def execute(self, operation, params, ident):
        verb, kind = OPERATIONS[operation]
        with self.lock:
            if kind is None:
                result = getattr(self, "_" + verb)(params, ident)
            else:
                result = getattr(self, "_" + verb)(KINDS[kind], operation, params, ident)
            return copy.deepcopy(result)

    def _mesh(self, params, ident):
        name = params["meshName"]
        mesh = self.meshes.get(name)
        owner = params.get("meshOwner")
        if mesh is None:
            raise not_found("Mesh %s not found" % name)
        if owner is not None and owner != mesh.mesh_owner:
            raise not_found("Mesh %s not found for mesh owner %s" % (name, owner))
        if ident.account != mesh.mesh_owner:
            if owner is None:
                # Without meshOwner, App Mesh looks the mesh up in the caller's own account.
                raise not_found("Mesh %s not found in account %s" % (name, ident.account))
            if ident.account not in mesh.shared_with:
                message = "Mesh %s (owner %s) is not shared with account %s"
                raise ApiError(403, "ForbiddenException", message % (name, owner, ident.account))
        return mesh

    @staticmethod
    def _child(container, kind, name):
        rec = container.children[kind.kind].get(name)
        if rec is None:
            where = " of ".join(
                "%s %s" % (r.kind.words.lower(), r.name) for r in reversed(container.chain())
            )
            raise not_found("%s %s not found in %s" % (kind.words, name, where))
        return rec

    def _container(self, kind, p, ident):
        """The record that holds records of `kind` (the mesh, a router, a gateway); None for
        meshes, which live in the emulator itself."""
        if kind.parent is None:
            return None
        mesh = self._mesh(p, ident)
        if kind.parent == "mesh":
            return mesh
        parent = KINDS[kind.parent]
        return self._child(mesh, parent, p[parent.name_key])

    def _siblings(self, kind, container):
        return self.meshes if container is None else container.children[kind.kind]

    def _find(self, kind, container, p, ident):
        if container is None:
            return self._mesh(p, ident)
        return self._child(container, kind, p[kind.name_key])

    def _check_references(self, mesh, kind, spec):
        """404 for a provider, route target or gateway-route target that does not exist."""
        for path, ref_kind, name, required in spec_references(kind.kind, spec):
            if required and name not in mesh.children[ref_kind]:
                raise not_found(
                    "%s %s (at '%s') not found in mesh %s"
                    % (KINDS[ref_kind].words, name, path, mesh.name)
                )

    def _users(self, rec):
        """Why a record cannot be deleted yet: what it holds, and who names it."""
        reasons = []
        for kind in rec.kind.children:
            held = sorted(rec.children[kind.kind])
            if held:
                reasons.append("it has %s: %s" % (kind.list_key, ", ".join(held)))
        if rec.parent is not None and rec.parent.kind.kind == "mesh":
            users = []
            for other in rec.mesh.walk():
                for _path, ref_kind, name, _required in spec_references(other.kind.kind,
                                                                        other.spec):
                    if ref_kind == rec.kind.kind and name == rec.name:
                        users.append("%s %s" % (other.kind.words.lower(), other.name))
            if users:
                reasons.append("it is used by " + ", ".join(sorted(set(users))))
        return reasons

    # -- idempotency --------------------------------------------------------------------------

    def _replay(self, operation, ident, kind, p):
        """Idempotency: (stored result, None) for a reused token, 409 if the request differs,
        (None, memo) for a new token, (None, None) without one."""
        token = p.get("clientToken")
        if token is None:
            return None, None
        names = tuple(p.get(k.name_key) for k in kind.chain())
        key = (ident.account, operation, names, token)
        fingerprint = json.dumps(
            {k: v for k, v in p["__body__"].items() if k != "clientToken"}, sort_keys=True
        )
        seen = self.tokens.get(key)
        if seen is None:
            return None, (key, fingerprint)
        if seen[0] != fingerprint:
            raise conflict(
                "The clientToken %s was already used for a %s request with a different "
                "specification; use a new client token" % (token, operation)
            )
        return copy.deepcopy(seen[1]), None

    def _remember(self, memo, result):
        if memo is not None:
            self.tokens[memo[0]] = (memo[1], copy.deepcopy(result))

    def _changed(self):
        self.emu.state_changed()

    # -- the lifecycle every kind shares ----------------------------------------------------

    def _create(self, kind, operation, p, ident):
        container = self._container(kind, p, ident)
        replay, memo = self._replay(operation, ident, kind, p)
        if replay is not None:
            return replay
        name = p[kind.name_key]
        siblings = self._siblings(kind, container)
        if name in siblings:
            where = "" if container is None else " in %s %s" % (
                container.kind.words.lower(), container.name)
            raise conflict("%s %s already exists%s" % (kind.words, name, where))
        self._check_quota(kind, container, siblings, ident)
        now = self.emu.now()
        if container is None:
            spec = p.get("spec") or _default_mesh_spec()
            rec = Mesh(name, spec, ident.account, ident.region, [], now, tags=p.get("tags"))
        else:
            self._check_references(container.mesh, kind, p["spec"])
            rec = Record(kind.kind, name, p["spec"], ident.account, now, container,
                         tags=p.get("tags"))
        siblings[name] = rec
        result = {kind.kind: rec.data()}
        self._remember(memo, result)
        self._changed()
        return result

    def _check_quota(self, kind, container, siblings, ident):
        quota = (self.emu.config["quotas"] or {}).get(kind.list_key)
        if quota is None:
            return
        if container is None:
            held = sum(1 for mesh in siblings.values() if mesh.mesh_owner == ident.account)
            where = "account %s" % ident.account
        else:
            held = len(siblings)
            where = "%s %s" % (container.kind.words.lower(), container.name)
        if held >= quota:
            message = "%s already holds %d %s, the most the emulator's quotas setting allows" % (
                where, held, kind.list_key)
            raise ApiError(400, "LimitExceededException", message[0].upper() + message[1:])

    def _describe(self, kind, operation, p, ident):
        container = self._container(kind, p, ident)
        return {kind.kind: self._find(kind, container, p, ident).data()}

    def _update(self, kind, operation, p, ident):
        container = self._container(kind, p, ident)
        replay, memo = self._replay(operation, ident, kind, p)
        if replay is not None:
            return replay
        rec = self._find(kind, container, p, ident)
        spec = p.get("spec")
        if spec is None:  # only UpdateMesh may leave the spec out: the spec stays as it is
            spec = rec.spec
        self._check_references(rec.mesh, kind, spec)
        rec.spec = spec
        rec.touch(self.emu.now())
        result = {kind.kind: rec.data()}
        self._remember(memo, result)
        self._changed()
        return result

    def _delete(self, kind, operation, p, ident):
        container = self._container(kind, p, ident)
        rec = self._find(kind, container, p, ident)
        reasons = self._users(rec)
        if reasons:
            raise in_use("%s %s cannot be deleted: %s" % (kind.words, rec.name, "; ".join(reasons)))
        del self._siblings(kind, container)[rec.name]
        rec.status = "DELETED"
        rec.touch(self.emu.now())
        self._changed()
        return {kind.kind: rec.data()}

    def _list(self, kind, operation, p, ident):
        container = self._container(kind, p, ident)
        records = self._siblings(kind, container)
        if container is None:  # ListMeshes: the caller's meshes and those shared with it
            records = {
                n: m for n, m in records.items()
                if ident.account == m.mesh_owner or ident.account in m.shared_with
            }
        scope = [kind.list_op] + [p.get(k.name_key) for k in kind.chain()[:-1]]
        page, token = self._page(sorted(records), p, scope, 100)
        out = {kind.list_key: [records[n].ref() for n in page]}
        if token is not None:
            out["nextToken"] = token
        return out

    # -- tags ---------------------------------------------------------------------------------

    def _by_arn(self, arn, ident):
        match = re.match(r"^arn:aws[a-z-]*:appmesh:[a-z0-9-]+:([0-9]{12}):mesh/", arn)
        if match is None:
            raise constraint(arn, "resourceArn", "Member must be an App Mesh resource ARN "
                             "(arn:aws:appmesh:REGION:ACCOUNT:mesh/NAME...)")
        for mesh in self.meshes.values():
            if not arn.startswith(mesh.arn()):
                continue
            for rec in mesh.walk():
                if rec.arn() == arn:
                    self._mesh({"meshName": mesh.name, "meshOwner": match.group(1)}, ident)
                    return rec
        raise not_found("No App Mesh resource has the ARN %s" % arn)

    def _tag(self, p, ident):
        rec = self._by_arn(p["resourceArn"], ident)
        merged = _dedupe_tags(rec.tags + p["tags"])
        if len(merged) > MAX_TAGS:
            message = "The resource would have %d tags; at most %d are allowed" % (
                len(merged), MAX_TAGS)
            raise ApiError(400, "TooManyTagsException", message)
        rec.tags = merged
        self._changed()
        return {}

    def _untag(self, p, ident):
        rec = self._by_arn(p["resourceArn"], ident)
        drop = set(p["tagKeys"])
        rec.tags = [t for t in rec.tags if t["key"] not in drop]
        self._changed()
        return {}

    def _list_tags(self, p, ident):
        rec = self._by_arn(p["resourceArn"], ident)
        values = {t["key"]: t["value"] for t in rec.tags}
        page, token = self._page(sorted(values), p, ["ListTagsForResource", rec.arn()], MAX_TAGS)
        out = {"tags": [{"key": k, "value": values[k]} for k in page]}
        if token is not None:
            out["nextToken"] = token
        return out

    # -- paging ---------------------------------------------------------------------------------

    def _page(self, names, p, scope, default_limit):
        """One page of sorted names after the nextToken's name, and the next token (or None).

        The token holds the last name returned, so a page never repeats or skips a name that
        exists through the whole listing, whatever is created or deleted between the pages."""
        limit = p.get("limit", default_limit)
        start = 0
        token = p.get("nextToken")
        if token is not None:
            after = self._decode_token(token, scope)
            start = bisect.bisect_right(names, after)
        page = names[start : start + limit]
        if start + limit >= len(names):
            return page, None
        doc = {"scope": scope, "after": page[-1]}
        return page, base64.b64encode(json.dumps(doc).encode("utf-8")).decode("ascii")

    @staticmethod
    def _decode_token(token, scope):
        try:
            doc = json.loads(base64.b64decode(token, validate=True).decode("utf-8"))
            if doc["scope"] == scope and isinstance(doc["after"], str):
                return doc["after"]
        except (ValueError, KeyError, TypeError, binascii.Error):
            pass
        where = " ".join(str(s) for s in scope[1:])
        message = "The nextToken '%s' is not valid for %s %s" % (shorten(token, 40), scope[0],
                                                                 where)
        raise bad_request(message.rstrip())


class StateParser:
    """Reads a state document into meshes; every problem is a SetupError naming its path."""

    def __init__(self, emu, where):
        self.model = emu.model
        self.now = emu.now()
        self.where = where

    def fail(self, path, message):
        raise SetupError("%s: %s: %s" % (self.where, path, message))

    def check_keys(self, obj, path, allowed):
        if not isinstance(obj, dict):
            self.fail(path, "expected an object, got %s" % json_type(obj))
        for key in obj:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                self.fail(path, "unknown key '%s' (allowed: %s)" % (key, names))

    def check_shape(self, shape_name, value, path, what):
        try:
            validate(self.model.shape(shape_name), value, what)
        except ApiError as e:
            self.fail(path, e.message)

    def check_meta(self, obj, path):
        meta = obj.get("metadata")
        if meta is None:
            return None
        path += ".metadata"
        self.check_keys(meta, path, METADATA_KEYS)
        for key in ("createdAt", "lastUpdatedAt"):
            if key in meta and not _is_number(meta[key]):
                self.fail(path + "." + key, "expected epoch seconds")
        version = meta.get("version", 1)
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.fail(path + ".version", "expected an integer >= 1")
        if not isinstance(meta.get("uid", ""), str):
            self.fail(path + ".uid", "expected a string")
        if not is_account(meta.get("resourceOwner", DEFAULT_ACCOUNT)):
            self.fail(path + ".resourceOwner", "expected a 12-digit account id")
        return meta

    def check_status(self, obj, path):
        status = obj.get("status", "ACTIVE")
        if status not in ("ACTIVE", "INACTIVE", "DELETED"):
            self.fail(path + ".status", "expected ACTIVE, INACTIVE or DELETED")
        return status

    def check_region(self, value, path):
        if not isinstance(value, str) or not REGION_RE.match(value):
            self.fail(path, "expected a region name such as us-east-1")
        return value

    def parse(self, doc):
        self.check_keys(doc, "(top level)", {"region", "keys", "meshes"})
        region = self.check_region(doc.get("region", DEFAULT_REGION), "region")
        keys = self.parse_keys(doc.get("keys", []))
        raw_meshes = doc.get("meshes", [])
        if not isinstance(raw_meshes, list):
            self.fail("meshes", "expected an array")
        meshes = {}
        for i, raw in enumerate(raw_meshes):
            mesh = self.parse_mesh(raw, "meshes[%d]" % i, region)
            if mesh.name in meshes:
                self.fail("meshes[%d].meshName" % i, "mesh '%s' appears twice" % mesh.name)
            meshes[mesh.name] = mesh
        return meshes, region, keys

    def parse_keys(self, raw_keys):
        if not isinstance(raw_keys, list):
            self.fail("keys", "expected an array")
        keys = []
        for i, key in enumerate(raw_keys):
            path = "keys[%d]" % i
            self.check_keys(key, path, {"accessKeyId", "secretAccessKey", "account"})
            for field in ("accessKeyId", "secretAccessKey"):
                if not isinstance(key.get(field), str) or not key.get(field):
                    self.fail(path + "." + field, "expected a non-empty string")
            account = key.get("account", DEFAULT_ACCOUNT)
            if not is_account(account):
                self.fail(path + ".account", "expected a 12-digit account id")
            keys.append((key["accessKeyId"], key["secretAccessKey"], account))
        return keys

    def parse_mesh(self, raw, path, region):
        kind = KINDS["mesh"]
        allowed = {"meshName", "owner", "region", "sharedWith", "spec", "status", "metadata",
                   "tags"}
        allowed.update(child.list_key for child in kind.children)
        self.check_keys(raw, path, allowed)
        name = raw.get("meshName")
        self.check_shape("ResourceName", name, path + ".meshName", "meshName")
        owner = raw.get("owner", DEFAULT_ACCOUNT)
        if not is_account(owner):
            self.fail(path + ".owner", "expected a 12-digit account id")
        mesh_region = self.check_region(raw.get("region", region), path + ".region")
        shared = raw.get("sharedWith", [])
        if not isinstance(shared, list) or not all(is_account(a) for a in shared):
            self.fail(path + ".sharedWith", "expected an array of 12-digit account ids")
        spec = raw.get("spec", _default_mesh_spec())
        self.check_shape("MeshSpec", spec, path + ".spec", "spec")
        tags = self.parse_tags(raw, path)
        meta, status = self.check_meta(raw, path), self.check_status(raw, path)
        mesh = Mesh(name, spec, owner, mesh_region, shared, self.now, meta, status, tags)
        placed = []
        self.parse_children(mesh, raw, path, placed)
        for rec, rpath in placed:
            for ref_path, ref_kind, ref_name, required in spec_references(rec.kind.kind,
                                                                          rec.spec):
                if required and ref_name not in mesh.children[ref_kind]:
                    self.fail("%s.%s" % (rpath, ref_path), "%s %s not found in mesh %s"
                              % (KINDS[ref_kind].words, ref_name, name))
        return mesh

    def parse_tags(self, raw, path):
        tags = raw.get("tags", [])
        self.check_shape("TagList", tags, path + ".tags", "tags")
        return tags

    def parse_children(self, container, raw, path, placed):
        """The lists of the records a mesh, router or gateway holds; `placed` collects
        (record, path) for the reference checks once the whole mesh is read."""
        for kind in container.kind.children:
            items = raw.get(kind.list_key, [])
            list_path = path + "." + kind.list_key
            if not isinstance(items, list):
                self.fail(list_path, "expected an array")
            for j, item in enumerate(items):
                ipath = "%s[%d]" % (list_path, j)
                allowed = {kind.name_key, "spec", "status", "metadata", "tags"}
                allowed.update(child.list_key for child in kind.children)
                self.check_keys(item, ipath, allowed)
                name = item.get(kind.name_key)
                name_shape = self.model.shape(kind.noun + "Data").members[kind.name_key]
                try:
                    validate(name_shape, name, kind.name_key)
                except ApiError as e:
                    self.fail(ipath + "." + kind.name_key, e.message)
                if name in container.children[kind.kind]:
                    self.fail(ipath + "." + kind.name_key,
                              "%s '%s' appears twice" % (kind.words, name))
                spec = item.get("spec", {})
                self.check_shape(kind.spec_shape, spec, ipath + ".spec", "spec")
                tags = self.parse_tags(item, ipath)
                meta, status = self.check_meta(item, ipath), self.check_status(item, ipath)
                owner = container.mesh.mesh_owner
                rec = Record(kind.kind, name, spec, owner, self.now, container, meta, status, tags)
                container.children[kind.kind][name] = rec
                placed.append((rec, ipath))
                self.parse_children(rec, item, ipath, placed)


def is_account(value):
    return isinstance(value, str) and ACCOUNT_RE.match(value) is not None


# --------------------------------------------------------------------------------------------
# Credentials: the known keys, temporary credentials, SigV4 verification by botocore
# --------------------------------------------------------------------------------------------


class Key:
    __slots__ = ("access_key", "secret", "account", "token", "expires", "arn", "source", "issued")

    def __init__(self, access_key, secret, account, source, token=None, expires=None, arn=None,
                 issued=None):
        self.access_key = access_key
        self.secret = secret
        self.account = account
        self.source = source
        self.token = token
        self.expires = expires
        self.arn = arn or "arn:aws:iam::%s:user/emulator" % account
        self.issued = issued

    def describe(self, now):
        out = {
            "accessKeyId": self.access_key,
            "account": self.account,
            "source": self.source,
            "arn": self.arn,
        }
        if self.expires is not None:
            out["expiration"] = iso8601(self.expires)
            out["expired"] = now >= self.expires
        return out


class KeyStore:
    def __init__(self):
        self.lock = threading.Lock()
        self.keys = {}

    def add(self, access_key, secret, account, source):
        with self.lock:
            self.keys[access_key] = Key(access_key, secret, account, source)

    def remove_source(self, source):
        with self.lock:
            for akid in [k for k, v in self.keys.items() if v.source == source]:
                del self.keys[akid]

    def get(self, access_key):
        with self.lock:
            return self.keys.get(access_key)

    def issue(self, account, arn, ttl, source, now):
        akid = "ASIA" + "".join(secrets.choice(BASE32) for _ in range(16))
        secret = base64.b64encode(secrets.token_bytes(30)).decode("ascii")
        token = base64.b64encode(secrets.token_bytes(240)).decode("ascii")
        key = Key(akid, secret, account, source, token, now + ttl, arn, now)
        with self.lock:
            self.keys[akid] = key
        return key

    def listing(self, now):
        with self.lock:
            return [k.describe(now) for k in self.keys.values()]

    def expire_temporary(self, now):
        count = 0
        with self.lock:
            for key in self.keys.values():
                if key.token is not None and key.expires > now - 1:
                    key.expires = now - 1
                    count += 1
        return count

    def drop_temporary(self):
        with self.lock:
            for akid in [k for k, v in self.keys.items() if v.token is not None]:
                del self.keys[akid]


class Identity:
    def __init__(self, key, region):
        self.access_key = key.access_key
        self.account = key.account
        self.arn = key.arn
        self.region = region


class _ClaimedHeadersSigner(botocore.auth.SigV4Auth):
    """botocore's SigV4 signer, told to sign exactly the headers the client said it signed."""

    def __init__(self, credentials, service, region, signed, header_pairs):
        super().__init__(credentials, service, region)
        self._signed = signed
        self._pairs = header_pairs

    def headers_to_sign(self, request):
        headers = HTTPHeaders()
        for name, value in self._pairs:
            if name.lower() in self._signed:
                headers[name.lower()] = value
        return headers


# AWS's error codes for authentication failures, as App Mesh (rest-json) and STS (query) say them.
AUTH_CODES = {
    "missing": ((403, "MissingAuthenticationTokenException"), (403, "MissingAuthenticationToken")),
    "incomplete": ((403, "IncompleteSignatureException"), (400, "IncompleteSignature")),
    "signature": ((403, "InvalidSignatureException"), (403, "SignatureDoesNotMatch")),
    "unknown-key": ((403, "UnrecognizedClientException"), (403, "InvalidClientTokenId")),
    "expired-token": ((403, "ExpiredTokenException"), (400, "ExpiredToken")),
}


class SigV4Verifier:
    """Checks AWS Signature Version 4 with botocore's own signer against the known keys."""

    def __init__(self, emu):
        self.emu = emu

    @staticmethod
    def claimed_access_key(headers):
        auth = headers.get("Authorization") or ""
        match = re.search(r"Credential=([^/,\s]+)/", auth)
        return match.group(1) if match else None

    @staticmethod
    def deny(service, kind, message):
        status, code = AUTH_CODES[kind][0 if service == "appmesh" else 1]
        return ApiError(status, code, message)

    def verify(self, ctx, service):
        """Return the caller's Identity, or raise the error AWS would answer."""

        def deny(kind, message):
            return self.deny(service, kind, message)

        emu = self.emu
        headers = ctx.headers
        auth = headers.get("Authorization")
        if not auth:
            if any(k == "X-Amz-Signature" for k, _ in ctx.query_pairs):
                raise deny("incomplete", "The emulator does not accept presigned (query) requests")
            raise deny("missing", "Missing Authentication Token")
        scheme, _, rest = auth.strip().partition(" ")
        if scheme != "AWS4-HMAC-SHA256":
            message = "Unsupported authorization scheme '%s'; expected AWS4-HMAC-SHA256"
            raise deny("incomplete", message % shorten(scheme, 32))
        parts = {}
        for item in rest.split(","):
            name, _, value = item.strip().partition("=")
            parts[name.strip()] = value.strip()
        for needed in ("Credential", "SignedHeaders", "Signature"):
            if not parts.get(needed):
                raise deny("incomplete", "Authorization header requires '%s' parameter" % needed)
        scope = parts["Credential"].split("/")
        if len(scope) != 5:
            raise deny(
                "incomplete",
                "Credential should have exactly 5 slash-delimited elements, "
                "e.g. keyid/date/region/service/aws4_request",
            )
        access_key, scope_date, region, scope_service, terminator = scope
        ctx.access_key = access_key
        ctx.region = region
        amz_date = headers.get("X-Amz-Date")
        if not amz_date:
            raise deny("incomplete", "Authorization header requires a 'X-Amz-Date' header")
        try:
            parsed = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
        except ValueError:
            message = "X-Amz-Date must be in ISO8601 basic format yyyyMMdd'T'HHmmss'Z', not '%s'"
            raise deny("incomplete", message % shorten(amz_date, 32))
        signed_at = parsed.replace(tzinfo=datetime.timezone.utc).timestamp()
        if scope_date != amz_date[:8]:
            message = (
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                "date from HTTP: '%s' != '%s'" % (shorten(scope_date, 16), amz_date[:8])
            )
            raise deny("signature", message)
        if scope_service != service:
            message = "Credential should be scoped to correct service: '%s'." % service
            raise deny("signature", message)
        if not REGION_RE.match(region):
            raise deny("signature", "Credential should be scoped to a valid region.")
        if terminator != "aws4_request":
            message = "Credential should be scoped with a valid terminator: 'aws4_request'."
            raise deny("signature", message)
        signed = parts["SignedHeaders"].split(";")
        if "host" not in signed:
            message = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
            raise deny("signature", message)
        invalid_token = "The security token included in the request is invalid."
        key = emu.keys.get(access_key)
        if key is None:
            raise deny("unknown-key", invalid_token)
        now = emu.now()
        skew = emu.config["maxSkew"]
        minutes = "%g min." % (skew / 60.0)
        if now - signed_at > skew:
            message = "Signature expired: %s is now earlier than %s (%s - %s)"
            args = (amz_date, amz_timestamp(now - skew), amz_timestamp(now), minutes)
            raise deny("signature", message % args)
        if signed_at - now > skew:
            message = "Signature not yet current: %s is still later than %s (%s + %s)"
            args = (amz_date, amz_timestamp(now + skew), amz_timestamp(now), minutes)
            raise deny("signature", message % args)
        token = headers.get("X-Amz-Security-Token")
        if key.token is None:
            if token is not None:
                raise deny("unknown-key", invalid_token)
        else:
            given = (token or "").encode("utf-8", "replace")
            if token is None or not hmac.compare_digest(given, key.token.encode("ascii")):
                raise deny("unknown-key", invalid_token)
            if now >= key.expires:
                message = "The security token included in the request is expired"
                raise deny("expired-token", message)
        # Ask botocore for the signature it would have made for exactly this request.
        query = "&".join(
            "%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
            for k, v in ctx.query_pairs
        )
        url = "http://emulator" + ctx.path + ("?" + query if query else "")
        request = botocore.awsrequest.AWSRequest(
            method=ctx.method, url=url, headers=dict(headers.items()), data=ctx.body
        )
        request.context["timestamp"] = amz_date
        signer = _ClaimedHeadersSigner(
            botocore.credentials.Credentials(key.access_key, key.secret, key.token),
            service,
            region,
            set(signed),
            list(headers.items()),
        )
        canonical = signer.canonical_request(request)
        string_to_sign = signer.string_to_sign(request, canonical)
        expected = signer.signature(string_to_sign, request).encode("ascii")
        if not hmac.compare_digest(expected, parts["Signature"].encode("utf-8", "replace")):
            redacted = canonical
            if key.token:
                redacted = redacted.replace(key.token, "<redacted>")
            ctx.signature_debug = {"canonicalRequest": redacted, "stringToSign": string_to_sign}
            raise deny(
                "signature",
                "The request signature we calculated does not match the signature you provided. "
                "Check your AWS Secret Access Key and signing method. "
                "Consult the service documentation for details.",
            )
        claimed = headers.get("X-Amz-Content-SHA256")
        if claimed and claimed != "UNSIGNED-PAYLOAD" and not claimed.startswith("STREAMING-"):
            if claimed != hashlib.sha256(ctx.body).hexdigest():
                message = "The provided 'x-amz-content-sha256' header does not match the body."
                raise deny("signature", message)
        return Identity(key, region)


# --------------------------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------------------------

FAULT_KINDS = (
    "error", "throttle", "drop", "delay", "truncate", "garbage", "slow_body", "content_type",
)
FAULT_TARGETS = ("appmesh", "sts", "imds", "container", "sso", "any")
FAULT_COMMON = {
    "kind", "count", "skip", "probability", "target", "operation", "method", "pathPrefix", "phase",
}
FAULT_EXTRA = {
    "error": {"status", "code", "message", "body"},
    "throttle": {"rate", "burst", "status", "code", "message"},
    "drop": {"reset"},
    "delay": {"seconds"},
    "truncate": {"bytes"},
    "garbage": {"status", "body", "size"},
    "slow_body": {"chunk", "interval"},
    "content_type": {"contentType"},
}
# Faults that act on the real response, so only after the request was processed.
FAULT_AFTER_ONLY = ("truncate", "slow_body", "content_type")


class Fault:
    """One fault rule: which requests it matches, how often it fires, what it does."""

    def __init__(self, spec, fid):
        if not isinstance(spec, dict):
            raise ValueError("a fault must be a JSON object, not %s" % json_type(spec))
        kind = spec.get("kind")
        if kind == "slow-body":
            kind = "slow_body"
        if kind not in FAULT_KINDS:
            kinds = ", ".join(FAULT_KINDS)
            raise ValueError("fault kind must be one of %s, not %r" % (kinds, kind))
        allowed = FAULT_COMMON | FAULT_EXTRA[kind]
        for key in spec:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                message = "unknown key '%s' for a %s fault (allowed: %s)"
                raise ValueError(message % (key, kind, names))
        self.id = fid
        self.kind = kind
        self.spec = dict(spec, kind=kind)

        def number(name, default, low=None, high=None, integer=False):
            value = spec.get(name, default)
            if value is None:
                return None
            if not _is_number(value) or (integer and not isinstance(value, int)):
                what = "an integer" if integer else "a number"
                raise ValueError("fault field '%s' must be %s" % (name, what))
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError("fault field '%s' must be between %s and %s" % (name, low, high))
            return value

        def text(name, default=None, choices=None):
            value = spec.get(name, default)
            if value is None:
                return None
            if not isinstance(value, str) or (choices and value not in choices):
                what = ("one of " + ", ".join(choices)) if choices else "a string"
                raise ValueError("fault field '%s' must be %s" % (name, what))
            return value

        self.remaining = number("count", None, 1, None, True)
        self.skip = number("skip", 0, 0, None, True)
        self.probability = number("probability", 1.0, 0.0, 1.0)
        self.target = text("target", "appmesh", FAULT_TARGETS)
        self.operation = text("operation")
        self.method = text("method")
        self.path_prefix = text("pathPrefix")
        default_phase = "after" if kind in FAULT_AFTER_ONLY else "before"
        self.phase = text("phase", default_phase, ("before", "after"))
        if kind == "throttle" and self.phase != "before":
            raise ValueError("a throttle fault acts before the request is processed (phase before)")
        if kind in FAULT_AFTER_ONLY and self.phase != "after":
            raise ValueError("a %s fault acts on the real response (phase 'after')" % kind)
        default_status = {"garbage": 200, "throttle": 429}.get(kind, 500)
        self.status = number("status", default_status, 100, 599, True)
        self.code = text("code")
        self.message = text("message")
        self.body = text("body")
        self.seconds = number("seconds", 1.0, 0.0, 300.0)
        self.rate = number("rate", 1.0, 0.0, None)
        self.burst = number("burst", max(1, int(self.rate or 1)), 1, None, True)
        self.bytes = number("bytes", None, 0, None, True)
        self.chunk = number("chunk", 16, 1, None, True)
        self.interval = number("interval", 0.05, 0.0, 10.0)
        self.size = number("size", None, 0, 64 * 1024 * 1024, True)
        self.content_type = text("contentType", "text/html")
        reset = spec.get("reset", False)
        if not isinstance(reset, bool):
            raise ValueError("fault field 'reset' must be a boolean")
        self.reset = reset
        self.tokens = float(self.burst)
        self.refilled = time.monotonic()
        self.hits = 0

    def matches(self, ctx):
        if self.target != "any" and self.target != ctx.target:
            return False
        if self.operation is not None and self.operation != ctx.operation:
            return False
        if self.method is not None and self.method.upper() != ctx.method:
            return False
        if self.path_prefix is not None and not ctx.path.startswith(self.path_prefix):
            return False
        return True

    def take_token(self):
        """Token bucket: True when the request may pass."""
        now = time.monotonic()
        self.tokens = min(float(self.burst), self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def to_json(self):
        out = dict(self.spec)
        out.update(
            {
                "id": self.id,
                "hits": self.hits,
                "remaining": self.remaining,
                "phase": self.phase,
                "target": self.target,
            }
        )
        return out

    def summary(self):
        out = {"id": self.id, "kind": self.kind, "phase": self.phase}
        if self.kind in ("error", "throttle", "garbage"):
            out["status"] = self.status
        return out


class FaultInjector:
    def __init__(self, seed):
        self.lock = threading.Lock()
        self.rules = []
        self.ids = itertools.count(1)
        self.rng = random.Random(seed)

    def add(self, specs, replace=False):
        """Validate every rule first, then install them all; returns the new ids."""
        with self.lock:
            rules = [Fault(spec, next(self.ids)) for spec in specs]
            if replace:
                self.rules = []
            self.rules.extend(rules)
            return [r.id for r in rules]

    def clear(self):
        with self.lock:
            count = len(self.rules)
            self.rules = []
            return count

    def reseed(self, seed):
        with self.lock:
            self.rng = random.Random(seed)

    def listing(self):
        with self.lock:
            return [r.to_json() for r in self.rules]

    def select(self, ctx):
        """The fault this request gets (the first rule that fires), or None."""
        with self.lock:
            for rule in self.rules:
                if rule.remaining == 0 or not rule.matches(ctx):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.kind == "throttle" and rule.take_token():
                    continue
                if rule.probability < 1.0 and self.rng.random() >= rule.probability:
                    continue
                rule.hits += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule
            return None


# --------------------------------------------------------------------------------------------
# Request log
# --------------------------------------------------------------------------------------------


class RequestLog:
    def __init__(self, capacity=10000):
        self.lock = threading.Lock()
        self.entries = collections.deque(maxlen=capacity)
        self.seq = itertools.count(1)

    def next_seq(self):
        with self.lock:
            return next(self.seq)

    def add(self, entry):
        with self.lock:
            self.entries.append(entry)

    def listing(self, since=0, limit=None):
        with self.lock:
            out = sorted((e for e in self.entries if e["seq"] > since), key=lambda e: e["seq"])
        return out if limit is None else out[:limit]

    def clear(self):
        with self.lock:
            count = len(self.entries)
            self.entries.clear()
            return count


# --------------------------------------------------------------------------------------------
# Responses
# --------------------------------------------------------------------------------------------


class Response:
    def __init__(self, status, body=b"", content_type=None, headers=None, error_code=None,
                 close=False):
        self.status = status
        self.body = body
        self.headers = list(headers or [])
        if content_type:
            self.headers.insert(0, ("Content-Type", content_type))
        self.error_code = error_code
        self.close = close


def json_response(status, obj, headers=None):
    # Raw UTF-8 rather than \u escapes, as AWS sends it (state never holds lone surrogates).
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status, body, "application/json", headers)


def text_response(status, text, content_type="text/plain", error_code=None):
    return Response(status, text.encode("utf-8"), content_type, error_code=error_code)


def sts_xml(action, result_xml, request_id):
    body = (
        '<%sResponse xmlns="%s">\n  <%sResult>\n%s  </%sResult>\n'
        "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n"
        "</%sResponse>\n"
        % (action, STS_NAMESPACE, action, result_xml, action, request_id, action)
    )
    return Response(200, body.encode("utf-8"), "text/xml")


DEFAULT_ERROR_CODES = {
    400: "BadRequestException",
    403: "ForbiddenException",
    404: "NotFoundException",
    409: "ConflictException",
    429: "TooManyRequestsException",
    500: "InternalServerErrorException",
    503: "ServiceUnavailableException",
}


# --------------------------------------------------------------------------------------------
# The emulator: configuration, credentials endpoints, control endpoint
# --------------------------------------------------------------------------------------------


class Context:
    """What the handler knows about one request; most of it goes into the request log."""

    def __init__(self, seq, conn, method):
        self.seq = seq
        self.conn = conn
        self.method = method
        self.started = time.time()
        self.t0 = time.monotonic()
        self.path = ""
        self.query = ""
        self.query_pairs = []
        self.headers = None
        self.body = b""
        self.target = "appmesh"
        self.operation = None
        self.labels = None
        self.route_error = None
        self.client_token = None
        self.access_key = None
        self.region = None
        self.status = None
        self.error_code = None
        self.fault = None
        self.request_id = str(uuid.uuid4())
        self.signature_debug = None
        self.note = None
        self.logged = True
        self.recorded = False
        self.close = False

    def record(self, log):
        """Add the log entry once, before the last bytes go out, so a client sees it at once."""
        if self.logged and not self.recorded:
            self.recorded = True
            log.add(self.entry())

    def entry(self):
        out = {
            "seq": self.seq,
            "time": round(self.started, 6),
            "connection": self.conn,
            "target": self.target,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operation": self.operation,
            "clientToken": self.client_token,
            "accessKeyId": self.access_key,
            "region": self.region,
            "status": self.status,
            "errorCode": self.error_code,
            "requestId": self.request_id,
            "fault": self.fault,
            "durationMs": round((time.monotonic() - self.t0) * 1000.0, 3),
            "userAgent": self.headers.get("User-Agent") if self.headers is not None else None,
            "sdkRequest": self.headers.get("amz-sdk-request") if self.headers is not None else None,
        }
        if self.headers is not None:
            auth = self.headers.get("Authorization") or ""
            match = re.search(r"SignedHeaders=([^,\s]+)", auth)
            out["signedHeaders"] = match.group(1).split(";") if match else None
            out["sessionToken"] = self.headers.get("X-Amz-Security-Token") is not None
        if self.signature_debug:
            out["signatureDebug"] = self.signature_debug
        if self.note:
            out["note"] = self.note
        return out


class Emulator:
    def __init__(self, args):
        self.args = args
        self.started = time.time()
        self.model = AppMeshModel()
        self.keys = KeyStore()
        self.config = dict(DEFAULT_CONFIG)
        self.log = RequestLog()
        self.faults = FaultInjector(args.seed)
        self.state = State(self)
        self.verifier = SigV4Verifier(self)
        self.url = None
        self.ca_path = None
        self.connections = itertools.count(1)
        self.connection_count = 0
        self.tls_failures = 0
        self.misc_lock = threading.Lock()
        self.imds_tokens = {}
        self.role_credentials = {}
        self.save_path = args.state if args.save else None
        self._apply_flags()
        self.initial_config = dict(self.config)
        self.initial_doc = None
        self.state_keys = []
        if args.state and os.path.exists(args.state):
            try:
                with open(args.state, "rb") as f:
                    doc = json.loads(f.read().decode("utf-8"))
            except (OSError, ValueError) as e:
                raise SetupError("%s: cannot read the state file: %s" % (args.state, e))
            self.load_state(doc, args.state)
            self.initial_doc = doc
        elif args.state and not args.save:
            message = "the state file does not exist (use --save to start empty and create it)"
            raise SetupError("%s: %s" % (args.state, message))
        elif args.state:
            # Create the missing file now, so an unwritable place stops the start, not a change.
            try:
                self._write_state()
            except OSError as e:
                message = "cannot create the state file: %s" % (e.strerror or e)
                raise SetupError("%s: %s" % (args.state, message))
        self.initial_faults = [self._flag_fault(text) for text in args.fault]
        if args.throttle:
            self.initial_faults.append(self._throttle_flag(args.throttle))
        try:
            self.faults.add(self.initial_faults)
        except ValueError as e:
            raise SetupError("--fault: %s" % e)

    def _apply_flags(self):
        args = self.args
        self.keys.add(DOC_ACCESS_KEY, DOC_SECRET_KEY, DEFAULT_ACCOUNT, "builtin")
        for text in args.key:
            parts = text.split(":")
            if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
                raise SetupError("--key %s: expected ACCESS_KEY_ID:SECRET[:ACCOUNT]" % parts[0])
            account = parts[2] if len(parts) == 3 else DEFAULT_ACCOUNT
            if not ACCOUNT_RE.match(account):
                raise SetupError("--key %s: the account must be 12 digits" % parts[0])
            self.keys.add(parts[0], parts[1], account, "flag")
        if args.credential_ttl is not None:
            self.config["credentialTtl"] = args.credential_ttl
        if args.container_token is not None:
            self.config["containerAuthToken"] = args.container_token or None
        if args.imds_role is not None:
            self.config["imdsRole"] = args.imds_role
        if args.sso_token:
            self.config["ssoTokens"] = list(args.sso_token)
        self.config["clockOffset"] = args.clock_offset
        self.config["maxSkew"] = args.max_skew
        self.config["errorTypeSuffix"] = not args.no_error_type_suffix

    @staticmethod
    def _flag_fault(text):
        try:
            spec = json.loads(text)
        except ValueError as e:
            raise SetupError("--fault %s: not valid JSON: %s" % (shorten(text), e))
        return spec

    @staticmethod
    def _throttle_flag(text):
        rate, _, burst = text.partition(":")
        try:
            spec = {"kind": "throttle", "rate": float(rate)}
            if burst:
                spec["burst"] = int(burst)
        except ValueError:
            raise SetupError("--throttle %s: expected RATE[:BURST], e.g. 5:10" % text)
        return spec

    def now(self):
        return time.time() + self.config["clockOffset"]

    def next_connection_id(self):
        with self.misc_lock:
            self.connection_count += 1
            return next(self.connections)

    def load_state(self, doc, where):
        keys = self.state.load(doc, where)
        self.keys.remove_source("state")
        for akid, secret, account in keys:
            self.keys.add(akid, secret, account, "state")
        self.state_keys = [
            {"accessKeyId": akid, "secretAccessKey": secret, "account": account}
            for akid, secret, account in keys
        ]

    def state_changed(self):
        if self.save_path is None:
            return
        # Under the state lock, so two writers (an App Mesh change and a control request) never
        # share the temporary file or replace a newer state with an older one.
        with self.state.lock:
            try:
                self._write_state()
            except OSError as e:
                # Not a client's network error: say so, loudly, instead of dropping the connection.
                message = "the change was made but --save could not write %s: %s" % (
                    self.save_path, e.strerror or e)
                sys.stderr.write("appmesh_emulator: %s\n" % message)
                raise ApiError(500, "InternalFailure", "The emulator failed: " + message)

    def _write_state(self):
        doc = self.state.to_doc(self.state_keys)
        # A name of this process's own: two emulators saving to one file must not write into
        # each other's temporary file (a failed or torn save); the last complete save wins.
        tmp = "%s.%d.tmp" % (self.save_path, os.getpid())
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2, sort_keys=False)
            f.write("\n")
        os.replace(tmp, self.save_path)

    def credential_ttl(self, requested=None):
        ttl = self.config["credentialTtl"]
        if ttl is not None:
            return float(ttl)
        return float(requested if requested is not None else 3600)

    # -- error rendering --------------------------------------------------------------------

    def appmesh_error(self, err):
        code = err.code
        header = code + (ERROR_TYPE_SUFFIX if self.config["errorTypeSuffix"] else "")
        headers = [("x-amzn-ErrorType", header)] + err.headers
        resp = json_response(err.status, {"message": err.message}, headers)
        resp.error_code = code
        resp.close = err.close
        return resp

    def sts_error(self, err, request_id):
        kind = "Receiver" if err.status >= 500 else "Sender"
        body = (
            '<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            "    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n"
            % (STS_NAMESPACE, kind, xml_escape(err.code), xml_escape(err.message), request_id)
        )
        return Response(
            err.status, body.encode("utf-8"), "text/xml", err.headers, err.code, err.close
        )

    def error_for(self, target, err, request_id):
        if target == "sts":
            return self.sts_error(err, request_id)
        if target == "sso":
            # The SSO portal is rest-json like App Mesh, without App Mesh's ErrorType suffix.
            headers = [("x-amzn-ErrorType", err.code)] + err.headers
            resp = json_response(err.status, {"message": err.message}, headers)
            resp.error_code = err.code
            resp.close = err.close
            return resp
        if target in ("imds", "container"):
            resp = text_response(err.status, err.message + "\n", error_code=err.code)
            resp.headers.extend(err.headers)
            resp.close = err.close
            return resp
        return self.appmesh_error(err)

    def fault_response(self, ctx, fault):
        target = ctx.target
        if fault.kind == "garbage":
            body = b"\x00\xff<html>garbage, not JSON {{{"
            if fault.body is not None:
                body = fault.body.encode("utf-8")
            if fault.size is not None:
                # exactly `size` bytes: the body repeated and cut (an oversized response)
                body = (body or b"x") * (fault.size // max(1, len(body)) + 1)
                body = body[: fault.size]
            return Response(fault.status, body, "application/json", error_code="(garbage)")
        status = fault.status
        if fault.kind == "throttle" and target == "sts" and "status" not in fault.spec:
            status = 400
        if fault.body is not None:
            return Response(status, fault.body.encode("utf-8"), "text/plain", error_code=fault.code)
        if target == "appmesh" and fault.code is None and status in (502, 504):
            # What a load balancer in front of the service says: HTML, no x-amzn-ErrorType.
            reason = {502: "502 Bad Gateway", 504: "504 Gateway Time-out"}[status]
            html = (
                "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n"
                "<center><h1>%s</h1></center>\r\n</body>\r\n</html>\r\n" % (reason, reason)
            )
            return Response(status, html.encode("ascii"), "text/html", error_code=None)
        if fault.kind == "throttle":
            code = fault.code or ("Throttling" if target == "sts" else "TooManyRequestsException")
            message = fault.message or "Rate exceeded"
        else:
            if target == "sts":
                code = fault.code or ("ServiceUnavailable" if status == 503 else "InternalFailure")
            else:
                code = fault.code or DEFAULT_ERROR_CODES.get(status, "InternalFailure")
            message = fault.message or "Injected fault: HTTP %d" % status
        return self.error_for(target, ApiError(status, code, message), ctx.request_id)

    # -- App Mesh ---------------------------------------------------------------------------

    def handle_appmesh(self, ctx):
        if ctx.route_error is not None:
            raise ctx.route_error
        ident = self.verifier.verify(ctx, "appmesh")
        params = self.model.parse_input(ctx.operation, ctx.labels, ctx.query_pairs, ctx.body)
        ctx.client_token = params.get("clientToken")
        result = self.state.execute(ctx.operation, params, ident)
        return json_response(200, self.model.output_body(ctx.operation, result))

    # -- STS --------------------------------------------------------------------------------

    def sts_params(self, ctx):
        params = dict(ctx.query_pairs)
        if ctx.body:
            try:
                text = ctx.body.decode("utf-8")
            except UnicodeDecodeError:
                raise ApiError(400, "MalformedInput", "The request body is not valid UTF-8")
            for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
                params[key] = value
        return params

    def handle_sts(self, ctx):
        params = ctx.sts_params
        action = params.get("Action")
        if action == "AssumeRole":
            ident = self.verifier.verify(ctx, "sts")
            return self._sts_assume(ctx, params, ident, web_identity=False)
        if action == "AssumeRoleWithWebIdentity":
            return self._sts_assume(ctx, params, None, web_identity=True)
        if action == "GetCallerIdentity":
            ident = self.verifier.verify(ctx, "sts")
            result = (
                "    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n    <Account>%s</Account>\n"
                % (xml_escape(ident.arn), xml_escape(ident.access_key), ident.account)
            )
            return sts_xml("GetCallerIdentity", result, ctx.request_id)
        if not action:
            raise ApiError(400, "MissingAction", "The request must contain the parameter Action")
        message = "Could not find operation %s for version 2011-06-15" % shorten(action, 40)
        raise ApiError(400, "InvalidAction", message)

    def _sts_assume(self, ctx, params, ident, web_identity):
        def validation(value, field, rule):
            shown = "null" if value is None else "'%s'" % shorten(value)
            message = "1 validation error detected: Value %s at '%s' failed to satisfy constraint: "
            return ApiError(400, "ValidationError", message % (shown, field) + rule)

        role_arn = params.get("RoleArn")
        session = params.get("RoleSessionName")
        if role_arn is None:
            raise validation(None, "roleArn", "Member must not be null")
        if session is None:
            raise validation(None, "roleSessionName", "Member must not be null")
        match = ROLE_ARN_RE.match(role_arn)
        if not match:
            rule = "Member must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
            raise validation(role_arn, "roleArn", rule)
        if not SESSION_NAME_RE.match(session):
            rule = "Member must satisfy regular expression pattern: [\\w+=,.@-]{2,64}"
            raise validation(session, "roleSessionName", rule)
        duration = params.get("DurationSeconds")
        if duration is not None:
            if not re.fullmatch(r"[0-9]{1,6}", duration) or not 900 <= int(duration) <= 43200:
                rule = "Member must have value between 900 and 43200"
                raise validation(duration, "durationSeconds", rule)
            duration = int(duration)
        account, role_name = match.group(1), match.group(2)
        extra = ""
        if web_identity:
            token = params.get("WebIdentityToken")
            if not token:
                raise validation(None, "webIdentityToken", "Member must not be null")
            allowed = self.config["webIdentityTokens"]
            if allowed is not None and token not in allowed:
                message = "The web identity token is not one the emulator accepts"
                raise ApiError(400, "InvalidIdentityToken", message)
            claims = self._jwt_claims(token)
            extra = (
                "    <SubjectFromWebIdentityToken>%s</SubjectFromWebIdentityToken>\n"
                "    <Audience>%s</Audience>\n    <Provider>%s</Provider>\n"
                % (
                    xml_escape(str(claims.get("sub", "emulator-subject"))),
                    xml_escape(str(claims.get("aud", "sts.amazonaws.com"))),
                    xml_escape(str(claims.get("iss", "emulator"))),
                )
            )
        assumed_arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (account, role_name, session)
        now = self.now()
        ttl = self.credential_ttl(duration)
        key = self.keys.issue(account, assumed_arn, ttl, "sts:" + ctx.operation, now)
        role_id = "AROA" + hashlib.sha256(role_arn.encode("utf-8")).hexdigest()[:17].upper()
        result = (
            "    <Credentials>\n"
            "      <AccessKeyId>%s</AccessKeyId>\n"
            "      <SecretAccessKey>%s</SecretAccessKey>\n"
            "      <SessionToken>%s</SessionToken>\n"
            "      <Expiration>%s</Expiration>\n"
            "    </Credentials>\n"
            "    <AssumedRoleUser>\n"
            "      <Arn>%s</Arn>\n"
            "      <AssumedRoleId>%s:%s</AssumedRoleId>\n"
            "    </AssumedRoleUser>\n"
            "    <PackedPolicySize>6</PackedPolicySize>\n%s"
            % (
                key.access_key, key.secret, key.token, iso8601(key.expires),
                xml_escape(assumed_arn), role_id, xml_escape(session), extra,
            )
        )
        return sts_xml(ctx.operation, result, ctx.request_id)

    @staticmethod
    def _jwt_claims(token):
        parts = token.split(".")
        if len(parts) != 3:
            return {}
        try:
            payload = parts[1] + "=" * (-len(parts[1]) % 4)
            claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
            return claims if isinstance(claims, dict) else {}
        except (ValueError, binascii.Error):
            return {}

    # -- IMDSv2 and container credentials -------------------------------------------------

    def _role_credentials(self, source):
        """The temporary credentials a role endpoint hands out, re-issued once expired."""
        now = self.now()
        with self.misc_lock:
            key = self.role_credentials.get(source)
            if key is None or now >= key.expires or self.keys.get(key.access_key) is None:
                account = self.config["roleAccount"]
                arn = "arn:aws:iam::%s:role/%s" % (account, self.config["imdsRole"])
                key = self.keys.issue(account, arn, self.credential_ttl(), source, now)
                self.role_credentials[source] = key
            return key

    def handle_imds(self, ctx):
        path = ctx.path
        if ctx.headers.get("X-Forwarded-For") is not None:
            message = "Forbidden: IMDS refuses requests with X-Forwarded-For"
            raise ApiError(403, "Forbidden", message)
        now = time.monotonic()
        if path == "/latest/api/token":
            if ctx.method != "PUT":
                raise method_not_allowed("PUT")
            ttl = (ctx.headers.get("X-aws-ec2-metadata-token-ttl-seconds") or "").strip()
            if not re.fullmatch(r"[0-9]{1,5}", ttl) or not 1 <= int(ttl) <= 21600:
                message = "X-aws-ec2-metadata-token-ttl-seconds must be an integer from 1 to 21600"
                raise ApiError(400, "BadRequest", message)
            token = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode("ascii")
            with self.misc_lock:
                self.imds_tokens = {t: e for t, e in self.imds_tokens.items() if e > now}
                self.imds_tokens[token] = now + int(ttl)
            resp = text_response(200, token)
            resp.headers.append(("X-aws-ec2-metadata-token-ttl-seconds", str(int(ttl))))
            return resp
        if ctx.method not in ("GET", "HEAD"):
            raise method_not_allowed("GET")
        token = ctx.headers.get("X-aws-ec2-metadata-token")
        if token is None:
            if not self.config["imdsAllowV1"]:
                message = "Unauthorized: IMDSv2 needs an X-aws-ec2-metadata-token header"
                raise ApiError(401, "Unauthorized", message)
        else:
            with self.misc_lock:
                expires = self.imds_tokens.get(token)
            if expires is None or expires <= now:
                message = "Unauthorized: the metadata token is invalid or expired"
                raise ApiError(401, "Unauthorized", message)
        role = self.config["imdsRole"]
        region = self.state.region
        base = "/latest/meta-data/iam/security-credentials"
        if path in (base, base + "/"):
            return text_response(200, role)
        if path == base + "/" + role:
            key = self._role_credentials("imds")
            doc = {
                "Code": "Success",
                "LastUpdated": iso8601(key.issued),
                "Type": "AWS-HMAC",
                "AccessKeyId": key.access_key,
                "SecretAccessKey": key.secret,
                "Token": key.token,
                "Expiration": iso8601(key.expires),
            }
            return Response(200, json.dumps(doc, indent=2).encode("utf-8"), "text/plain")
        placement = "/latest/meta-data/placement/"
        if path == placement + "region":
            return text_response(200, region)
        if path in (placement + "availability-zone", placement + "availability-zone/"):
            return text_response(200, region + "a")
        if path == "/latest/dynamic/instance-identity/document":
            doc = {
                "accountId": self.config["roleAccount"],
                "region": region,
                "availabilityZone": region + "a",
                "instanceId": "i-0123456789abcdef0",
                "instanceType": "t3.micro",
            }
            return Response(200, json.dumps(doc, indent=2).encode("utf-8"), "text/plain")
        raise ApiError(404, "NotFound", "Not Found")

    def handle_container(self, ctx):
        if ctx.method not in ("GET", "HEAD"):
            raise method_not_allowed("GET")
        expected = self.config["containerAuthToken"]
        if expected is not None:
            given = ctx.headers.get("Authorization")
            if given is None:
                message = "The container credentials endpoint needs an Authorization header"
                raise ApiError(401, "Unauthorized", message)
            if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
                message = "The Authorization header is not the configured container token"
                raise ApiError(403, "Forbidden", message)
        key = self._role_credentials("container")
        doc = {
            "AccessKeyId": key.access_key,
            "SecretAccessKey": key.secret,
            "Token": key.token,
            "Expiration": iso8601(key.expires),
            "RoleArn": key.arn,
            "AccountId": key.account,
        }
        return json_response(200, doc)

    # -- SSO portal (GetRoleCredentials) ----------------------------------------------------

    def handle_sso(self, ctx):
        if ctx.method != "GET":
            raise method_not_allowed("GET")
        token = ctx.headers.get(SSO_BEARER_HEADER)
        valid = self.config["ssoTokens"]
        if not token or (
            valid is not None
            and not any(
                hmac.compare_digest(token.encode("utf-8", "replace"), t.encode("utf-8"))
                for t in valid
            )
        ):
            raise ApiError(401, "UnauthorizedException", "Session token not found or invalid")
        params = dict(ctx.query_pairs)
        role = params.get("role_name")
        account = params.get("account_id")
        if role is None or account is None:
            message = "role_name and account_id are required query parameters"
            raise ApiError(400, "InvalidRequestException", message)
        if not ACCOUNT_RE.match(account):
            raise ApiError(400, "InvalidRequestException", "account_id must be 12 digits")
        if not SSO_ROLE_NAME_RE.match(role):
            raise ApiError(400, "InvalidRequestException", "role_name is not a valid role name")
        now = self.now()
        arn = "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s/emulator-sso" % (account, role)
        key = self.keys.issue(account, arn, self.credential_ttl(), "sso", now)
        doc = {
            "roleCredentials": {
                "accessKeyId": key.access_key,
                "secretAccessKey": key.secret,
                "sessionToken": key.token,
                "expiration": int(key.expires * 1000),
            }
        }
        return json_response(200, doc)

    # -- control endpoint -----------------------------------------------------------------

    CONTROL = {
        ("GET", "info"): "c_info",
        ("GET", "log"): "c_log",
        ("POST", "reset-log"): "c_reset_log",
        ("GET", "state"): "c_get_state",
        ("POST", "state"): "c_set_state",
        ("GET", "faults"): "c_get_faults",
        ("POST", "faults"): "c_add_faults",
        ("DELETE", "faults"): "c_clear_faults",
        ("GET", "config"): "c_get_config",
        ("POST", "config"): "c_set_config",
        ("GET", "credentials"): "c_credentials",
        ("POST", "expire-credentials"): "c_expire",
        ("POST", "reset"): "c_reset",
    }

    def handle_control(self, ctx):
        name = ctx.path[len(CONTROL_PREFIX):]
        methods = sorted(m for (m, n) in self.CONTROL if n == name)
        if not methods:
            known = ", ".join(sorted(set(CONTROL_PREFIX + n for _, n in self.CONTROL)))
            message = "No control operation %s; the control endpoint has %s" % (ctx.path, known)
            raise ApiError(404, "UnknownOperationException", message)
        handler = self.CONTROL.get((ctx.method, name))
        if handler is None:
            allowed = ", ".join(methods)
            message = "Method %s is not allowed on %s (allowed: %s)"
            message %= (ctx.method, ctx.path, allowed)
            raise ApiError(405, "UnknownOperationException", message, [("Allow", allowed)])
        body = None
        if ctx.method == "POST":
            body = self._control_body(ctx.body)
        return json_response(200, getattr(self, handler)(ctx, body))

    @staticmethod
    def _control_body(raw):
        if not raw.strip():
            return None
        try:
            return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise bad_request("The control request body is not valid JSON: %s" % e)

    def c_info(self, ctx, body):
        return {
            "version": VERSION,
            "url": self.url,
            "tls": self.ca_path is not None,
            "ca": self.ca_path,
            "pid": os.getpid(),
            "startedAt": epoch(self.started),
            "region": self.state.region,
            "controlPrefix": CONTROL_PREFIX,
            "accessKeys": sorted(
                k["accessKeyId"] for k in self.keys.listing(self.now()) if "expiration" not in k
            ),
            "connections": self.connection_count,
            "tlsHandshakeFailures": self.tls_failures,
            "implemented": sorted(OPERATIONS),
        }

    def c_log(self, ctx, body):
        query = dict(ctx.query_pairs)
        try:
            since = int(query.get("since", "0"))
            limit = int(query["limit"]) if "limit" in query else None
        except ValueError:
            raise bad_request("since and limit must be integers")
        entries = self.log.listing(since, limit)
        return {"requests": entries, "lastSeq": entries[-1]["seq"] if entries else since}

    def c_reset_log(self, ctx, body):
        return {"cleared": self.log.clear()}

    def c_get_state(self, ctx, body):
        keys = [{"accessKeyId": k["accessKeyId"], "account": k["account"]} for k in self.state_keys]
        return self.state.to_doc(keys)

    def c_set_state(self, ctx, body):
        if body is None:
            raise bad_request("POST /_emulator/state needs a state document (see README.md)")
        doc = body
        if isinstance(doc, dict) and "keys" not in doc:
            doc = dict(doc, keys=self.state_keys)
        try:
            self.load_state(doc, "state")
        except SetupError as e:
            raise bad_request(str(e))
        self.state_changed()
        return {"meshes": len(self.state.meshes)}

    def c_get_faults(self, ctx, body):
        return {"faults": self.faults.listing()}

    def c_add_faults(self, ctx, body):
        replace = False
        if isinstance(body, dict) and "faults" in body:
            unknown = set(body) - {"faults", "replace"}
            if unknown:
                names = ", ".join(sorted(unknown))
                raise bad_request("Unknown key(s) %s; expected 'faults' and 'replace'" % names)
            replace = body.get("replace", False)
            if not isinstance(replace, bool):
                raise bad_request("'replace' must be a boolean")
            specs = body["faults"]
        elif isinstance(body, list):
            specs = body
        elif isinstance(body, dict):
            specs = [body]
        else:
            raise bad_request(
                "POST /_emulator/faults takes a fault object, a list of them, "
                'or {"faults": [...], "replace": bool}'
            )
        if not isinstance(specs, list):
            raise bad_request("'faults' must be a list")
        try:
            added = self.faults.add(specs, replace)
        except ValueError as e:
            raise bad_request("Bad fault: %s" % e)
        return {"added": added, "faults": self.faults.listing()}

    def c_clear_faults(self, ctx, body):
        return {"removed": self.faults.clear()}

    def c_get_config(self, ctx, body):
        return dict(self.config)

    def c_set_config(self, ctx, body):
        if not isinstance(body, dict):
            raise bad_request("POST /_emulator/config takes a JSON object of settings")
        new = dict(self.config)
        for key, value in body.items():
            if key == "seed":
                continue
            if key not in DEFAULT_CONFIG:
                names = ", ".join(sorted(DEFAULT_CONFIG))
                raise bad_request("Unknown setting '%s' (settings: %s, seed)" % (key, names))
            new[key] = self._check_setting(key, value)
        if "seed" in body:
            if isinstance(body["seed"], bool) or not isinstance(body["seed"], int):
                raise bad_request("'seed' must be an integer")
            self.faults.reseed(body["seed"])
        self.config = new
        return dict(self.config)

    @staticmethod
    def _check_setting(key, value):
        text = isinstance(value, str) and value != ""
        checks = {
            "clockOffset": _is_number(value),
            "maxSkew": _is_number(value) and value > 0,
            "credentialTtl": value is None or (_is_number(value) and value > 0),
            "containerAuthToken": value is None or text,
            "imdsRole": text and re.fullmatch(r"[\w+=,.@-]{1,64}", value) is not None,
            "imdsAllowV1": isinstance(value, bool),
            "errorTypeSuffix": isinstance(value, bool),
            "roleAccount": text and ACCOUNT_RE.match(value) is not None,
            "webIdentityTokens": value is None
            or (isinstance(value, list) and all(isinstance(t, str) for t in value)),
            "ssoTokens": value is None
            or (isinstance(value, list) and all(isinstance(t, str) and t for t in value)),
            "quotas": value is None
            or (isinstance(value, dict) and all(
                k in QUOTA_KEYS and isinstance(n, int) and not isinstance(n, bool) and n >= 0
                for k, n in value.items())),
        }
        if not checks[key]:
            raise bad_request("Bad value for setting '%s': %s" % (key, shorten(value)))
        return float(value) if key == "clockOffset" else value

    def c_credentials(self, ctx, body):
        return {"credentials": self.keys.listing(self.now())}

    def c_expire(self, ctx, body):
        return {"expired": self.keys.expire_temporary(self.now())}

    def c_reset(self, ctx, body):
        self.config = dict(self.initial_config)
        if self.initial_doc is not None:
            self.load_state(self.initial_doc, "the initial state")
        else:
            self.load_state({}, "the initial state")
        self.state_changed()
        self.keys.drop_temporary()
        with self.misc_lock:
            self.role_credentials = {}
            self.imds_tokens = {}
        self.faults.add(self.initial_faults, replace=True)
        self.faults.reseed(self.args.seed)
        self.log.clear()
        return {"ok": True}


# --------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------

STATUS_CODES = {
    400: "BadRequestException",
    408: "RequestTimeoutException",
    413: "RequestEntityTooLargeException",
    414: "BadRequestException",
    431: "BadRequestException",
    501: "UnknownOperationException",
    505: "BadRequestException",
}


def classify(method, path, query_pairs):
    if path.startswith(CONTROL_PREFIX):
        return "control"
    if path == "/latest" or path.startswith("/latest/"):
        return "imds"
    if path == "/v1/credentials" or path.startswith("/v2/credentials"):
        return "container"
    if path == SSO_PATH:
        return "sso"
    if path == "/" and (method == "POST" or any(k == "Action" for k, _ in query_pairs)):
        return "sts"
    return "appmesh"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY every keep-alive call would
    # wait ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    server_version = "AppMeshEmulator/" + VERSION
    sys_version = ""
    timeout = 30

    def setup(self):
        self.emu = self.server.emulator
        self.conn_id = self.emu.next_connection_id()
        self.dropped = False
        tls = self.server.ssl_context
        if tls is not None:
            self.request = tls.wrap_socket(
                self.request, server_side=True, do_handshake_on_connect=False
            )
        super().setup()

    def handle(self):
        try:
            if self.server.ssl_context is not None:
                try:
                    self.connection.do_handshake()
                except (ssl.SSLError, OSError):
                    with self.emu.misc_lock:
                        self.emu.tls_failures += 1
                    self.close_connection = True
                    return
            super().handle()
        except (ConnectionError, TimeoutError, ssl.SSLError, OSError):
            self.close_connection = True

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        if self.server.ssl_context is not None:
            try:
                self.connection.close()
            except OSError:
                pass

    def log_message(self, fmt, *args):
        if self.emu.args.verbose:
            sys.stderr.write("appmesh_emulator: [conn %d] %s\n" % (self.conn_id, fmt % args))

    def version_string(self):
        return self.server_version

    def date_time_string(self, timestamp=None):
        when = self.emu.now() if timestamp is None else timestamp
        return email.utils.formatdate(when, usegmt=True)

    # -- errors the base class raises (bad request line, unknown method, ...) --------------

    def send_error(self, code, message=None, explain=None):
        code = int(code)
        if self.request_version not in ("HTTP/1.0", "HTTP/1.1"):
            self.request_version = "HTTP/1.1"
        self.close_connection = True
        ctx = Context(self.emu.log.next_seq(), self.conn_id, self.command)
        raw = getattr(self, "path", None)
        if isinstance(raw, str):
            ctx.path, _, ctx.query = raw.partition("?")
        ctx.headers = getattr(self, "headers", None)
        reason = self.responses.get(code, ("Error",))[0]
        err = ApiError(code, STATUS_CODES.get(code, "BadRequestException"), message or reason)
        resp = self.emu.appmesh_error(err)
        try:
            self._send(ctx, resp)
        except OSError:
            pass
        ctx.record(self.emu.log)

    def handle_expect_100(self):
        length = self.headers.get("Content-Length")
        if length is not None and DECIMAL_RE.match(length) and int(length) > MAX_BODY:
            self.send_error(413, "The request body is larger than %d bytes" % MAX_BODY)
            return False
        return super().handle_expect_100()

    # -- requests ---------------------------------------------------------------------------

    def _dispatch(self):
        ctx = Context(self.emu.log.next_seq(), self.conn_id, self.command)
        try:
            self._process(ctx)
        except OSError:
            self.close_connection = True
        except Exception:  # an emulator bug: answer 500 and keep serving
            sys.stderr.write(
                "appmesh_emulator: internal error on %s %s\n%s"
                % (self.command, self.path, traceback.format_exc())
            )
            self.close_connection = True
            if ctx.status is None and not self.dropped:
                ctx.note = "internal error"
                try:
                    err = ApiError(500, "InternalFailure", "The emulator failed; see its stderr")
                    self._send(ctx, self.emu.appmesh_error(err))
                except OSError:
                    pass
        finally:
            ctx.record(self.emu.log)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _dispatch

    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if te:
            if te != "chunked":
                message = "Unsupported Transfer-Encoding %s" % shorten(te, 32)
                raise ApiError(501, "BadRequestException", message, close=True)
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        if not DECIMAL_RE.match(length):
            message = "Invalid Content-Length %s" % shorten(length, 32)
            raise ApiError(400, "BadRequestException", message, close=True)
        n = int(length)
        if n > MAX_BODY:
            raise too_large()
        body = self.rfile.read(n)
        if len(body) != n:
            message = "The request body ended after %d of %d bytes" % (len(body), n)
            raise ApiError(400, "BadRequestException", message, close=True)
        return body

    def _read_chunked(self):
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise ApiError(400, "BadRequestException", "Malformed chunked body", close=True)
            size = line.split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,8}", size):
                raise ApiError(400, "BadRequestException", "Malformed chunk size", close=True)
            size = int(size, 16)
            if size == 0:
                while True:
                    trailer = self.rfile.readline(1024)
                    if trailer in (b"\r\n", b"\n", b""):
                        return bytes(body)
            if len(body) + size > MAX_BODY:
                raise too_large()
            chunk = self.rfile.read(size)
            if len(chunk) != size or self.rfile.read(2) not in (b"\r\n",):
                raise ApiError(400, "BadRequestException", "Truncated chunked body", close=True)
            body.extend(chunk)

    def _process(self, ctx):
        emu = self.emu
        raw = self.path
        if raw.startswith(("http://", "https://")):
            split = urllib.parse.urlsplit(raw)
            raw = split.path + ("?" + split.query if split.query else "")
        path, _, query = raw.partition("?")
        ctx.path = path or "/"
        ctx.query = query
        ctx.query_pairs = split_query(query)
        ctx.headers = self.headers
        ctx.target = classify(ctx.method, ctx.path, ctx.query_pairs)
        if ctx.target == "control":
            ctx.logged = False
        try:
            ctx.body = self._read_body()
        except ApiError as e:
            target = "appmesh" if ctx.target == "control" else ctx.target
            self._send(ctx, emu.error_for(target, e, ctx.request_id))
            return
        ctx.access_key = SigV4Verifier.claimed_access_key(self.headers)
        if ctx.target == "control":
            self._send(ctx, self._execute(ctx))
            return
        if ctx.target == "appmesh":
            try:
                ctx.operation, ctx.labels = emu.model.route(ctx.method, ctx.path)
            except ApiError as e:
                ctx.route_error = e
            ctx.client_token = self._peek_client_token(ctx.body)
        elif ctx.target == "sso":
            ctx.operation = "GetRoleCredentials"
        elif ctx.target == "sts":
            try:
                ctx.sts_params = emu.sts_params(ctx)
            except ApiError as e:
                ctx.route_error = e
                ctx.sts_params = {}
            ctx.operation = ctx.sts_params.get("Action")
        fault = emu.faults.select(ctx)
        ctx.fault = fault.summary() if fault else None
        resp = None
        if fault is not None and fault.phase == "before":
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault.kind == "drop":
                ctx.record(emu.log)
                self._drop(fault)
                return
            else:
                resp = emu.fault_response(ctx, fault)
        if resp is None:
            resp = self._execute(ctx)
        if fault is not None and fault.phase == "after":
            if fault.kind == "delay":
                time.sleep(fault.seconds)
            elif fault.kind == "drop":
                ctx.status = resp.status
                ctx.error_code = resp.error_code
                ctx.note = "response dropped after processing (status %d)" % resp.status
                ctx.record(emu.log)
                self._drop(fault)
                return
            elif fault.kind in ("error", "garbage"):
                ctx.note = "processed with status %d, answered with the fault" % resp.status
                resp = emu.fault_response(ctx, fault)
            elif fault.kind == "content_type":
                resp.headers = [h for h in resp.headers if h[0].lower() != "content-type"]
                resp.headers.insert(0, ("Content-Type", fault.content_type))
        self._send(ctx, resp, fault)

    @staticmethod
    def _peek_client_token(body):
        if b"clientToken" not in body:
            return None
        try:
            doc = json.loads(body.decode("utf-8"))
            token = doc.get("clientToken") if isinstance(doc, dict) else None
            return token if isinstance(token, str) else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            return None

    def _execute(self, ctx):
        emu = self.emu
        try:
            if ctx.target == "control":
                return emu.handle_control(ctx)
            if ctx.route_error is not None and ctx.target != "appmesh":
                raise ctx.route_error
            if ctx.target == "appmesh":
                return emu.handle_appmesh(ctx)
            if ctx.target == "sts":
                return emu.handle_sts(ctx)
            if ctx.target == "imds":
                return emu.handle_imds(ctx)
            if ctx.target == "sso":
                return emu.handle_sso(ctx)
            return emu.handle_container(ctx)
        except ApiError as e:
            target = "appmesh" if ctx.target == "control" else ctx.target
            return emu.error_for(target, e, ctx.request_id)

    def _drop(self, fault):
        self.dropped = True
        self.close_connection = True
        conn = self.connection
        try:
            if fault.reset:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            conn.close()
        except OSError:
            pass

    def _send(self, ctx, resp, fault=None):
        ctx.status = resp.status
        ctx.error_code = resp.error_code
        self.send_response(resp.status)
        self.send_header("x-amzn-RequestId", ctx.request_id)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        if resp.close or ctx.close or self.close_connection:
            self.close_connection = True
            self.send_header("Connection", "close")
        ctx.record(self.emu.log)
        self.end_headers()
        if ctx.method == "HEAD":
            return
        body = resp.body
        if fault is not None and fault.kind == "truncate":
            keep = len(body) // 2 if fault.bytes is None else min(fault.bytes, len(body))
            self.wfile.write(body[:keep])
            self._drop(fault)
            return
        if fault is not None and fault.kind == "slow_body":
            for i in range(0, len(body), fault.chunk):
                if i:
                    time.sleep(fault.interval)
                self.wfile.write(body[i : i + fault.chunk])
            return
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # listen()'s backlog (socketserver's default is 5): a burst of hundreds of new connections
    # must wait in the kernel's accept queue, not in the clients' SYN retransmits.
    request_queue_size = 1024

    def __init__(self, address, emulator, ssl_context):
        host = address[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self.ssl_context = ssl_context
        super().__init__(address, Handler)

    def server_bind(self):
        # HTTPServer.server_bind would look the host up in DNS (getfqdn); loopback needs no name.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        if self.emulator.args.verbose:
            sys.stderr.write(
                "appmesh_emulator: connection error from %s\n%s"
                % (client_address, traceback.format_exc())
            )


# --------------------------------------------------------------------------------------------
# TLS: a throwaway CA and server certificate made with the openssl CLI
# --------------------------------------------------------------------------------------------


def make_tls(directory):
    """Create ca.pem, server.pem and server.key in directory; return (SSLContext, CA path)."""

    def run(*argv):
        result = subprocess.run(
            ["openssl"] + list(argv), cwd=directory, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise SetupError("openssl %s failed: %s" % (argv[0], result.stderr.strip()))

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "7",
        "-subj", "/CN=appmesh-emulator test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost")
    with open(os.path.join(directory, "server.ext"), "w", encoding="ascii") as f:
        f.write(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"
        )
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-set_serial", "0x%s" % secrets.token_hex(8), "-days", "7", "-out", "server.pem",
        "-extfile", "server.ext")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(
        os.path.join(directory, "server.pem"), os.path.join(directory, "server.key")
    )
    return context, os.path.join(directory, "ca.pem")


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="appmesh_emulator.py",
        description="A local AWS App Mesh emulator for tests (see tests/emulator/README.md).",
    )
    add = p.add_argument
    add("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    add("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default)")
    add("--state", metavar="FILE", help="JSON state file: meshes, nodes, routers, services, keys")
    add("--save", action="store_true", help="write every change back to the --state file")
    add("--tls", action="store_true", help="serve HTTPS with a CA and certificate made at start")
    add("--key", action="append", default=[], metavar="AKID:SECRET[:ACCOUNT]",
        help="add a known access key")
    add("--fault", action="append", default=[], metavar="JSON", help="install a fault at start")
    add("--throttle", metavar="RATE[:BURST]", help="token-bucket throttling of App Mesh requests")
    add("--seed", type=int, default=None, help="seed for probabilistic faults")
    add("--credential-ttl", type=float, default=None, metavar="SECONDS",
        help="lifetime of issued temporary credentials")
    add("--container-token", default=None, metavar="TOKEN",
        help="the Authorization value the container endpoint wants ('' for no check)")
    add("--imds-role", default=None, metavar="NAME", help="role name IMDS reports")
    add("--sso-token", action="append", default=[], metavar="TOKEN",
        help="a bearer token the SSO portal accepts (repeatable; default emulator-sso-token)")
    add("--clock-offset", type=float, default=0.0, metavar="SECONDS",
        help="shift the emulator's clock")
    add("--max-skew", type=float, default=900.0, metavar="SECONDS",
        help="allowed SigV4 clock skew (default 900)")
    add("--no-error-type-suffix", action="store_true",
        help="send x-amzn-ErrorType without the ':http://internal...' suffix")
    add("--verbose", action="store_true", help="log every request line to stderr")
    add("--version", action="version", version="appmesh_emulator " + VERSION)
    args = p.parse_args(argv)
    if args.save and not args.state:
        p.error("--save needs --state FILE")
    if not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tls_dir = None
    try:
        emu = Emulator(args)
        context = None
        if args.tls:
            tls_dir = tempfile.mkdtemp(prefix="appmesh-emulator-tls-")
            context, emu.ca_path = make_tls(tls_dir)
        try:
            server = Server((args.host, args.port), emu, context)
        except OSError as e:
            reason = e.strerror or e
            raise SetupError("cannot listen on %s port %d: %s" % (args.host, args.port, reason))
    except SetupError as e:
        sys.stderr.write("appmesh_emulator: %s\n" % e)
        if tls_dir:
            shutil.rmtree(tls_dir, ignore_errors=True)
        return 2

    host, port = server.server_address[:2]
    shown = "[%s]" % host if ":" in host else host
    emu.url = "%s://%s:%d" % ("https" if args.tls else "http", shown, port)
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="serve", daemon=True
    )
    thread.start()
    try:
        sys.stdout.write(emu.url + "\n")
        if emu.ca_path:
            sys.stdout.write(emu.ca_path + "\n")
        sys.stdout.flush()
    except OSError:
        pass
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    if tls_dir:
        shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
