#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of the App Mesh emulator, driven over the wire by botocore, urllib and raw sockets.

Run with Debian's Python: /usr/bin/python3 tests/emulator/test_emulator.py [-v] [Class.test_name]
"""

import base64
import datetime
import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from unittest import mock

# Keep the developer's AWS configuration and proxies out of every client made here.
for _name in list(os.environ):
    if _name.startswith("AWS_") or _name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
        del os.environ[_name]
os.environ["AWS_CONFIG_FILE"] = os.devnull
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

import botocore  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.exceptions  # noqa: E402
import botocore.httpsession  # noqa: E402
import botocore.session  # noqa: E402
import botocore.utils  # noqa: E402
from botocore.config import Config  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "appmesh_emulator.py")
SEED = os.path.join(HERE, "seed-demo.json")
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
ACCOUNT = "123456789012"
OTHER_AKID = "AKIDOTHEREXAMPLE"
OTHER_SECRET = "otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000"
OTHER_ACCOUNT = "111122223333"
MESH = "demo-mesh"
RED = "colorteller-red.demo.local"
MESH_PATH = "/v20190125/meshes/demo-mesh"
NODE = {"provider": {"virtualNode": {"virtualNodeName": "colorteller-blue-vn"}}}
ROUTER = {"provider": {"virtualRouter": {"virtualRouterName": "colorteller-vr"}}}
ROLE = "arn:aws:iam::%s:role/deployer" % ACCOUNT
CONTAINER_TOKEN = {"Authorization": "emulator-container-token"}
JSON = {"Content-Type": "application/json"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.appmesh/"
SESSION = botocore.session.get_session()
CLIENTS = []


class Emulator:
    """One emulator subprocess: its URL, its CA (with --tls), its control endpoint."""

    def __init__(self, *args):
        self.stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, EMULATOR, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
        )
        watchdog = threading.Timer(20, self.proc.kill)
        watchdog.start()
        try:
            self.url = self.proc.stdout.readline().strip()
            self.ca = self.proc.stdout.readline().strip() if "--tls" in args else None
        finally:
            watchdog.cancel()
        if not self.url.startswith("http"):
            self.stop()
            raise AssertionError("the emulator did not start: " + self.errors())
        parts = urllib.parse.urlsplit(self.url)
        self.host, self.port = parts.hostname, parts.port
        self.context = ssl.create_default_context(cafile=self.ca) if self.ca else None

    def errors(self):
        if self.stderr.closed:
            return self.stderr_text
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")

    def stop(self):
        """SIGTERM, then the exit status; stderr stays readable through errors()."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        finally:
            self.proc.stdout.close()
            self.stderr_text = self.errors()
            self.stderr.close()

    def control(self, method, name, body=None, expect=200):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.url + "/_emulator/" + name, data=data, method=method)
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.context) as resp:
                status, payload = resp.status, resp.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        if status != expect:
            raise AssertionError("control %s %s: HTTP %d %s" % (method, name, status, payload))
        return json.loads(payload)

    def log(self):
        return self.control("GET", "log")["requests"]

    def connection(self, timeout=10):
        if self.context is not None:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=timeout, context=self.context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


MAIN = None


def setUpModule():
    global MAIN
    other_key = "%s:%s:%s" % (OTHER_AKID, OTHER_SECRET, OTHER_ACCOUNT)
    MAIN = Emulator("--state", SEED, "--seed", "7", "--key", other_key)


def tearDownModule():
    if MAIN is not None:
        MAIN.stop()


def client(emu=None, service="appmesh", akid=AKID, secret=SECRET, token=None, region="us-east-1",
           validate=True, attempts=1, verify=None, unsigned=False, creds=None):
    """A real botocore client for the emulator; creds: STS-style credentials to use instead."""
    emu = emu or MAIN
    if creds is not None:
        akid, secret = creds["AccessKeyId"], creds["SecretAccessKey"]
        token = creds.get("SessionToken") or creds.get("Token")
    options = {
        "retries": {"total_max_attempts": attempts, "mode": "standard"},
        "parameter_validation": validate,
        "connect_timeout": 5,
        "read_timeout": 10,
    }
    if unsigned:
        options["signature_version"] = botocore.UNSIGNED
    made = SESSION.create_client(
        service,
        endpoint_url=emu.url,
        region_name=region,
        aws_access_key_id=akid,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(**options),
        verify=verify if verify is not None else (emu.ca or None),
    )
    CLIENTS.append(made)
    return made


def close_clients():
    while CLIENTS:
        CLIENTS.pop().close()


def assume(role=ROLE, session="session-1", **kw):
    """Temporary credentials from the emulator's STS (AssumeRole, signed with AKIDEXAMPLE)."""
    return client(service="sts").assume_role(RoleArn=role, RoleSessionName=session, **kw)


def signed(method, path, body=b"", headers=None, emu=None, akid=AKID, secret=SECRET, token=None,
           region="us-east-1", service="appmesh", when=None):
    """A request signed by botocore's SigV4 signer: (path, headers, body) ready to send."""
    emu = emu or MAIN
    req = botocore.awsrequest.AWSRequest(
        method=method, url=emu.url + path, data=body, headers=headers or {}
    )
    credentials = botocore.credentials.Credentials(akid, secret, token)
    signer = botocore.auth.SigV4Auth(credentials, service, region)
    if when is None:
        signer.add_auth(req)
    else:
        with mock.patch.object(botocore.auth, "datetime") as fake:
            fake.datetime.utcnow.return_value = when
            signer.add_auth(req)
    prepared = req.prepare()
    parts = urllib.parse.urlsplit(prepared.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return target, dict(prepared.headers), prepared.body or b""


def send(method, path, body=b"", headers=None, emu=None, conn=None):
    """Send one request; returns (status, headers as dict with lower-case names, body)."""
    emu = emu or MAIN
    own = conn is None
    conn = conn or emu.connection()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        if own:
            conn.close()


def send_signed(method, path, body=b"", **kw):
    emu = kw.pop("emu", None)
    p, h, b = signed(method, path, body, emu=emu, **kw)
    return send(method, p, b, h, emu=emu)


def vs_path(name=RED, mesh=MESH):
    quote = urllib.parse.quote
    return "/v20190125/meshes/%s/virtualServices/%s" % (quote(mesh, safe=""), quote(name, safe=""))


def error_of(call, *args, **kw):
    """(code, HTTP status, message) of the ClientError a botocore call raises."""
    try:
        call(*args, **kw)
    except botocore.exceptions.ClientError as e:
        error = e.response["Error"]
        return error["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], error.get("Message")
    raise AssertionError("the call succeeded")


def fails(call, *args, **kw):
    """(code, HTTP status) of the ClientError a botocore call raises."""
    return error_of(call, *args, **kw)[:2]


class EmulatorTestCase(unittest.TestCase):
    """Tests against the shared emulator, reset to seed-demo.json before each one."""

    def setUp(self):
        MAIN.control("POST", "reset")
        self.mesh = client()

    def tearDown(self):
        close_clients()

    def describe(self, name=RED, via=None, **kw):
        via = via or self.mesh
        return via.describe_virtual_service(meshName=MESH, virtualServiceName=name, **kw)[
            "virtualService"
        ]

    def update(self, spec, name=RED, via=None, **kw):
        via = via or self.mesh
        return via.update_virtual_service(meshName=MESH, virtualServiceName=name, spec=spec, **kw)[
            "virtualService"
        ]

    def version_of(self, name=RED):
        return self.describe(name)["metadata"]["version"]

    def assertAppMeshError(self, response, status, code):
        got_status, headers, body = response
        self.assertEqual(got_status, status, body)
        self.assertEqual(headers["x-amzn-errortype"].split(":", 1)[0], code)
        self.assertTrue(headers.get("x-amzn-requestid"))
        self.assertEqual(headers["content-type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(list(doc), ["message"])
        self.assertTrue(doc["message"])
        return doc["message"]


class VirtualServiceApiTest(EmulatorTestCase):
    def test_describe_virtual_service_returns_the_seeded_service(self):
        vs = self.describe()
        self.assertEqual(vs["meshName"], MESH)
        self.assertEqual(vs["virtualServiceName"], RED)
        self.assertEqual(
            vs["spec"], {"provider": {"virtualNode": {"virtualNodeName": "colorteller-red-vn"}}}
        )
        self.assertEqual(vs["status"], {"status": "ACTIVE"})
        meta = vs["metadata"]
        self.assertEqual(
            sorted(meta),
            ["arn", "createdAt", "lastUpdatedAt", "meshOwner", "resourceOwner", "uid", "version"],
        )
        arn = "arn:aws:appmesh:us-east-1:%s:mesh/%s/virtualService/%s" % (ACCOUNT, MESH, RED)
        self.assertEqual(meta["arn"], arn)
        owners = (meta["meshOwner"], meta["resourceOwner"], meta["version"])
        self.assertEqual(owners, (ACCOUNT, ACCOUNT, 1))
        self.assertIsInstance(meta["createdAt"], datetime.datetime)

    def test_update_virtual_service_returns_the_bare_data_with_the_next_version(self):
        body = json.dumps({"spec": ROUTER, "clientToken": "tok-bare"}).encode()
        status, headers, raw = send_signed("PUT", vs_path(), body, headers=JSON)
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(int(headers["content-length"]), len(raw))
        doc = json.loads(raw)
        self.assertEqual(
            sorted(doc), ["meshName", "metadata", "spec", "status", "virtualServiceName"]
        )
        self.assertEqual(doc["spec"], ROUTER)
        meta = doc["metadata"]
        self.assertEqual(meta["version"], 2)
        self.assertIsInstance(meta["version"], int)
        self.assertIsInstance(meta["createdAt"], (int, float))
        self.assertGreaterEqual(meta["lastUpdatedAt"], meta["createdAt"])
        again = self.update(NODE)
        self.assertEqual(again["metadata"]["version"], 3)
        self.assertEqual(again["spec"], NODE)

    def test_update_virtual_service_with_an_empty_spec_removes_the_provider(self):
        self.assertEqual(self.update({})["spec"], {})
        self.assertEqual(self.version_of(), 2)

    def test_create_virtual_service_then_describe_and_list_it(self):
        created = self.mesh.create_virtual_service(
            meshName=MESH, virtualServiceName="new.demo.local", spec=NODE
        )["virtualService"]
        self.assertEqual(created["metadata"]["version"], 1)
        self.assertEqual(created["status"], {"status": "ACTIVE"})
        got = self.describe("new.demo.local")
        self.assertEqual(got["metadata"]["uid"], created["metadata"]["uid"])
        listed = self.mesh.list_virtual_services(meshName=MESH)["virtualServices"]
        self.assertIn("new.demo.local", [r["virtualServiceName"] for r in listed])

    def test_create_virtual_service_twice_is_a_conflict(self):
        create = self.mesh.create_virtual_service
        got = fails(create, meshName=MESH, virtualServiceName=RED, spec=NODE)
        self.assertEqual(got, ("ConflictException", 409))

    def test_names_with_reserved_characters_round_trip_through_the_path(self):
        name = "svc with space/slash+plus%percent.ü✓"
        self.mesh.create_virtual_service(meshName=MESH, virtualServiceName=name, spec=NODE)
        self.assertEqual(self.describe(name)["virtualServiceName"], name)
        _, _, raw = send_signed("GET", vs_path(name))
        self.assertIn(name.encode("utf-8"), raw)

    def test_delete_virtual_service_marks_it_deleted_and_forgets_it(self):
        deleted = self.mesh.delete_virtual_service(meshName=MESH, virtualServiceName=RED)
        vs = deleted["virtualService"]
        self.assertEqual(vs["status"], {"status": "DELETED"})
        self.assertEqual(vs["metadata"]["version"], 2)
        got = fails(self.mesh.describe_virtual_service, meshName=MESH, virtualServiceName=RED)
        self.assertEqual(got, ("NotFoundException", 404))

    def test_delete_virtual_service_that_a_node_uses_as_a_backend_is_refused(self):
        delete = self.mesh.delete_virtual_service
        code, status, message = error_of(
            delete, meshName=MESH, virtualServiceName="colorteller.demo.local"
        )
        self.assertEqual((code, status), ("ResourceInUseException", 409))
        self.assertIn("colorgateway-vn", message)

    def test_list_virtual_services_pages_with_limit_and_next_token(self):
        first = self.mesh.list_virtual_services(meshName=MESH, limit=4)
        self.assertEqual(len(first["virtualServices"]), 4)
        self.assertIn("nextToken", first)
        token = first["nextToken"]
        second = self.mesh.list_virtual_services(meshName=MESH, limit=4, nextToken=token)
        self.assertEqual(len(second["virtualServices"]), 2)
        self.assertNotIn("nextToken", second)
        refs = first["virtualServices"] + second["virtualServices"]
        names = [r["virtualServiceName"] for r in refs]
        self.assertEqual(names, sorted(names))
        self.assertEqual(len(set(names)), 6)
        self.assertEqual(
            sorted(refs[0]),
            ["arn", "createdAt", "lastUpdatedAt", "meshName", "meshOwner", "resourceOwner",
             "version", "virtualServiceName"],
        )
        paginator = self.mesh.get_paginator("list_virtual_services")
        pages = list(paginator.paginate(meshName=MESH, PaginationConfig={"PageSize": 1}))
        self.assertEqual(len(pages), 6)
        whole = self.mesh.list_virtual_services(meshName=MESH)
        self.assertEqual(len(whole["virtualServices"]), 6)
        self.assertNotIn("nextToken", whole)

    def test_list_virtual_services_rejects_a_bad_next_token(self):
        for token in ("not-a-token", "eyJtZXNoIjogIm90aGVyIiwgImFmdGVyIjogIngifQ=="):
            with self.subTest(token=token):
                got = fails(self.mesh.list_virtual_services, meshName=MESH, nextToken=token)
                self.assertEqual(got, ("BadRequestException", 400))

    def test_list_virtual_services_rejects_a_limit_out_of_range(self):
        loose = client(validate=False)
        for limit in (0, 101):
            with self.subTest(limit=limit):
                listing = loose.list_virtual_services
                code, status, message = error_of(listing, meshName=MESH, limit=limit)
                self.assertEqual((code, status), ("BadRequestException", 400))
                self.assertIn("'limit'", message)
        response = send_signed("GET", MESH_PATH + "/virtualServices?limit=abc")
        self.assertAppMeshError(response, 400, "BadRequestException")

    def test_create_mesh_then_describe_it(self):
        mesh = self.mesh.create_mesh(meshName="fresh-mesh")["mesh"]
        self.assertEqual(mesh["spec"], {"egressFilter": {"type": "DROP_ALL"}})
        self.assertEqual(mesh["metadata"]["meshOwner"], ACCOUNT)
        arn = "arn:aws:appmesh:us-east-1:%s:mesh/fresh-mesh" % ACCOUNT
        self.assertEqual(mesh["metadata"]["arn"], arn)
        got = self.mesh.describe_mesh(meshName="fresh-mesh")["mesh"]
        self.assertEqual(got["status"], {"status": "ACTIVE"})
        self.assertEqual(got["metadata"]["uid"], mesh["metadata"]["uid"])

    def test_create_mesh_twice_is_a_conflict(self):
        self.assertEqual(fails(self.mesh.create_mesh, meshName=MESH), ("ConflictException", 409))

    def test_created_node_and_router_serve_as_providers(self):
        listeners = [{"portMapping": {"port": 80, "protocol": "http"}}]
        discovery = {"dns": {"hostname": "n1.local"}}
        self.mesh.create_mesh(meshName="m2", spec={"egressFilter": {"type": "ALLOW_ALL"}})
        node = self.mesh.create_virtual_node(
            meshName="m2", virtualNodeName="n1",
            spec={"listeners": listeners, "serviceDiscovery": discovery},
        )["virtualNode"]
        self.assertEqual(node["virtualNodeName"], "n1")
        router = self.mesh.create_virtual_router(
            meshName="m2", virtualRouterName="r1", spec={"listeners": listeners}
        )["virtualRouter"]
        self.assertEqual(router["metadata"]["version"], 1)
        self.mesh.create_virtual_service(
            meshName="m2", virtualServiceName="s1",
            spec={"provider": {"virtualNode": {"virtualNodeName": "n1"}}},
        )
        vs = self.mesh.update_virtual_service(
            meshName="m2", virtualServiceName="s1",
            spec={"provider": {"virtualRouter": {"virtualRouterName": "r1"}}},
        )["virtualService"]
        self.assertEqual(vs["metadata"]["version"], 2)
        node = self.mesh.describe_virtual_node(meshName="m2", virtualNodeName="n1")["virtualNode"]
        self.assertEqual(node["spec"]["serviceDiscovery"], discovery)
        router = self.mesh.describe_virtual_router(meshName="m2", virtualRouterName="r1")
        self.assertEqual(router["virtualRouter"]["status"], {"status": "ACTIVE"})
        again = fails(self.mesh.create_virtual_node, meshName="m2", virtualNodeName="n1", spec={})
        self.assertEqual(again, ("ConflictException", 409))

    def test_unknown_mesh_is_not_found_for_every_operation(self):
        calls = [
            (self.mesh.describe_mesh, {}),
            (self.mesh.create_virtual_node, {"virtualNodeName": "n", "spec": {}}),
            (self.mesh.create_virtual_router, {"virtualRouterName": "r", "spec": {}}),
            (self.mesh.describe_virtual_node, {"virtualNodeName": "n"}),
            (self.mesh.describe_virtual_router, {"virtualRouterName": "r"}),
            (self.mesh.create_virtual_service, {"virtualServiceName": "s", "spec": {}}),
            (self.mesh.describe_virtual_service, {"virtualServiceName": "s"}),
            (self.mesh.update_virtual_service, {"virtualServiceName": "s", "spec": {}}),
            (self.mesh.delete_virtual_service, {"virtualServiceName": "s"}),
            (self.mesh.list_virtual_services, {}),
        ]
        for call, kw in calls:
            with self.subTest(operation=call.__name__):
                code, status, message = error_of(call, meshName="no-such-mesh", **kw)
                self.assertEqual((code, status), ("NotFoundException", 404))
                self.assertIn("no-such-mesh", message)

    def test_unknown_virtual_service_is_not_found(self):
        calls = (
            (self.mesh.describe_virtual_service, {}),
            (self.mesh.update_virtual_service, {"spec": NODE}),
            (self.mesh.delete_virtual_service, {}),
        )
        for call, kw in calls:
            with self.subTest(operation=call.__name__):
                code, status, message = error_of(
                    call, meshName=MESH, virtualServiceName="ghost.demo.local", **kw
                )
                self.assertEqual((code, status), ("NotFoundException", 404))
                self.assertIn("ghost.demo.local", message)

    def test_unknown_provider_node_or_router_is_not_found(self):
        specs = (
            ({"provider": {"virtualNode": {"virtualNodeName": "ghost-vn"}}}, "ghost-vn"),
            ({"provider": {"virtualRouter": {"virtualRouterName": "ghost-vr"}}}, "ghost-vr"),
        )
        calls = (
            (self.mesh.update_virtual_service, RED),
            (self.mesh.create_virtual_service, "n.demo.local"),
        )
        for spec, missing in specs:
            for call, name in calls:
                with self.subTest(operation=call.__name__, missing=missing):
                    code, status, message = error_of(
                        call, meshName=MESH, virtualServiceName=name, spec=spec
                    )
                    self.assertEqual((code, status), ("NotFoundException", 404))
                    self.assertIn(missing, message)
        self.assertEqual(self.version_of(), 1)

    def test_every_operation_of_the_model_is_implemented(self):
        operations = SESSION.get_service_model("appmesh").operation_names
        self.assertEqual(len(operations), 38)
        self.assertEqual(MAIN.control("GET", "info")["implemented"], sorted(operations))


class IdempotencyTest(EmulatorTestCase):
    def test_same_client_token_and_spec_returns_the_earlier_result(self):
        first = self.update(ROUTER, clientToken="token-1")
        second = self.update(ROUTER, clientToken="token-1")
        self.assertEqual(first, second)
        self.assertEqual(second["metadata"]["version"], 2)
        self.assertEqual(self.version_of(), 2)

    def test_same_client_token_with_another_spec_is_a_conflict(self):
        self.update(ROUTER, clientToken="token-2")
        code, status, message = error_of(self.update, NODE, clientToken="token-2")
        self.assertEqual((code, status), ("ConflictException", 409))
        self.assertIn("token-2", message)
        self.assertEqual(self.version_of(), 2)

    def test_a_new_client_token_with_the_same_spec_is_a_new_version(self):
        self.update(ROUTER, clientToken="token-3")
        self.update(ROUTER, clientToken="token-4")
        self.assertEqual(self.version_of(), 3)

    def test_create_with_a_reused_client_token_is_idempotent(self):
        def create(spec):
            return self.mesh.create_virtual_service(
                meshName=MESH, virtualServiceName="idem.demo.local", spec=spec, clientToken="c-1"
            )["virtualService"]

        self.assertEqual(create(NODE), create(NODE))
        self.assertEqual(fails(create, ROUTER), ("ConflictException", 409))

    def test_botocore_fills_in_a_client_token(self):
        self.update(ROUTER)
        entry = MAIN.log()[-1]
        self.assertEqual(entry["operation"], "UpdateVirtualService")
        self.assertRegex(entry["clientToken"], r"^[0-9a-f-]{36}$")


class MeshOwnerTest(EmulatorTestCase):
    def test_mesh_owner_that_matches_the_owner_is_accepted(self):
        vs = self.update(ROUTER, meshOwner=ACCOUNT)
        self.assertEqual(vs["metadata"]["meshOwner"], ACCOUNT)
        self.assertIn("meshOwner=%s" % ACCOUNT, MAIN.log()[-1]["query"])

    def test_mesh_owner_of_another_account_is_not_found(self):
        calls = (
            (self.mesh.describe_virtual_service, {"virtualServiceName": RED}),
            (self.mesh.update_virtual_service, {"virtualServiceName": RED, "spec": NODE}),
            (self.mesh.list_virtual_services, {}),
        )
        for call, kw in calls:
            with self.subTest(operation=call.__name__):
                got = fails(call, meshName=MESH, meshOwner="999999999999", **kw)
                self.assertEqual(got, ("NotFoundException", 404))

    def test_another_account_without_mesh_owner_does_not_see_the_mesh(self):
        other = client(akid=OTHER_AKID, secret=OTHER_SECRET)
        self.assertEqual(fails(self.describe, via=other), ("NotFoundException", 404))

    def test_another_account_is_forbidden_unless_the_mesh_is_shared_with_it(self):
        other = client(akid=OTHER_AKID, secret=OTHER_SECRET)
        got = fails(self.describe, via=other, meshOwner=ACCOUNT)
        self.assertEqual(got, ("ForbiddenException", 403))
        state = MAIN.control("GET", "state")
        state["meshes"][0]["sharedWith"] = [OTHER_ACCOUNT]
        MAIN.control("POST", "state", state)
        vs = other.create_virtual_service(
            meshName=MESH, virtualServiceName="shared.demo.local", meshOwner=ACCOUNT, spec=NODE
        )
        meta = vs["virtualService"]["metadata"]
        self.assertEqual((meta["meshOwner"], meta["resourceOwner"]), (ACCOUNT, OTHER_ACCOUNT))
        listed = other.list_virtual_services(meshName=MESH, meshOwner=ACCOUNT)["virtualServices"]
        self.assertEqual(len(listed), 7)

    def test_mesh_owner_of_the_wrong_length_is_a_bad_request(self):
        loose = client(validate=False)
        code, status, message = error_of(self.describe, via=loose, meshOwner="12345")
        self.assertEqual((code, status), ("BadRequestException", 400))
        self.assertIn("meshOwner", message)


class BadBodyTest(EmulatorTestCase):
    def put(self, body, path=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        return send_signed("PUT", path or vs_path(), body, headers=JSON)

    def test_malformed_json_is_a_bad_request_in_the_app_mesh_error_format(self):
        response = self.put('{"spec": ')
        message = self.assertAppMeshError(response, 400, "BadRequestException")
        self.assertIn("not valid JSON", message)
        self.assertTrue(response[1]["x-amzn-errortype"].endswith(ERROR_TYPE_SUFFIX))

    def test_bad_bodies_are_bad_requests_naming_the_field(self):
        def named(name):
            return json.dumps({"spec": {"provider": {"virtualNode": {"virtualNodeName": name}}}})

        both = {"spec": {"provider": dict(NODE["provider"], **ROUTER["provider"])}}
        name_path = "spec.provider.virtualNode.virtualNodeName"
        cases = [
            ("array body", "[]", "JSON object"),
            ("string body", '"spec"', "JSON object"),
            ("empty body", "", "'spec'"),
            ("null spec", '{"spec": null}', "'spec'"),
            ("two providers", json.dumps(both), "spec.provider"),
            ("empty provider", '{"spec": {"provider": {}}}', "spec.provider"),
            ("unknown member", '{"spec": {}, "extra": 1}', "'extra'"),
            ("unknown nested member", '{"spec": {"providr": {}}}', "'providr'"),
            ("spec of the wrong type", '{"spec": "node"}', "'spec'"),
            ("name of the wrong type", named(7), name_path),
            ("missing provider name", '{"spec": {"provider": {"virtualNode": {}}}}', name_path),
            ("provider name too long", named("n" * 256), name_path),
            ("empty provider name", named(""), name_path),
            ("NaN", '{"spec": {}, "clientToken": NaN}', "not valid JSON"),
            ("bad client token", '{"spec": {}, "clientToken": "has spaces"}', "clientToken"),
            ("long client token", json.dumps({"spec": {}, "clientToken": "x" * 37}), "clientToken"),
            ("lone surrogate", named("\ud800"), "Unicode"),
        ]
        for label, body, needle in cases:
            with self.subTest(case=label):
                message = self.assertAppMeshError(self.put(body), 400, "BadRequestException")
                self.assertIn(needle, message)
        self.assertEqual(self.version_of(), 1)

    def test_a_body_that_is_not_utf8_is_a_bad_request(self):
        body = b'{"spec": {"provider": {"virtualNode": {"virtualNodeName": "\xff"}}}}'
        message = self.assertAppMeshError(self.put(body), 400, "BadRequestException")
        self.assertIn("UTF-8", message)

    def test_name_lengths_count_characters_not_bytes(self):
        def body(name):
            spec = {"provider": {"virtualNode": {"virtualNodeName": name}}}
            return json.dumps({"spec": spec}, ensure_ascii=False)

        self.assertAppMeshError(self.put(body("é" * 255)), 404, "NotFoundException")
        self.assertAppMeshError(self.put(body("é" * 256)), 400, "BadRequestException")
        response = self.put('{"spec": {}}', vs_path(mesh="m" * 256))
        self.assertAppMeshError(response, 400, "BadRequestException")

    def test_unknown_members_nested_in_node_specs_are_refused(self):
        spec = {"listeners": [{"portMapping": {"port": 80, "protocol": "smtp"}}]}
        create = client(validate=False).create_virtual_node
        code, status, message = error_of(create, meshName=MESH, virtualNodeName="x", spec=spec)
        self.assertEqual((code, status), ("BadRequestException", 400))
        self.assertIn("spec.listeners[0].portMapping.protocol", message)


# The whole API: every kind's lifecycle and App Mesh's rules, driven by botocore.

LISTENERS = [{"portMapping": {"port": 9080, "protocol": "http"}}]
NODE_SPEC = {"listeners": LISTENERS, "serviceDiscovery": {"dns": {"hostname": "n.life.local"}}}


def route_spec(*nodes):
    targets = [{"virtualNode": n, "weight": 1} for n in nodes]
    return {"httpRoute": {"match": {"prefix": "/"}, "action": {"weightedTargets": targets}}}


def gateway_route_spec(service):
    target = {"virtualService": {"virtualServiceName": service}}
    return {"httpRoute": {"match": {"prefix": "/"}, "action": {"target": target}}}


class Kind:
    """What the tests need to know of one resource kind: its operations' names, its name member,
    the parent member it lives under, a spec, and how its ARN ends."""

    def __init__(self, kind, noun, plural, spec, parent=None):
        self.kind, self.noun, self.spec, self.parent = kind, noun, spec, parent
        self.name_key = kind + "Name"
        self.list_op = "list_" + plural
        self.list_key = "".join(w.capitalize() if i else w for i, w in enumerate(plural.split("_")))

    def op(self, verb):
        snake = "".join("_" + c.lower() if c.isupper() else c for c in self.noun)
        return verb + snake

    def ids(self, mesh, name):
        """The identifying members of a resource of this kind called `name` in `mesh`."""
        out = {"meshName": mesh} if self.kind != "mesh" else {}
        if self.parent:
            out[self.parent[0]] = self.parent[1]
        out[self.name_key] = name
        return out

    def arn(self, mesh, name, owner=ACCOUNT):
        base = "arn:aws:appmesh:us-east-1:%s:mesh/%s" % (owner, mesh)
        if self.kind == "mesh":
            return base
        if self.parent:
            base += "/%s/%s" % (self.parent[0][:-4], self.parent[1])
        return base + "/%s/%s" % (self.kind, name)


# In the order they can be created; each spec names only what was created before it.
LIFE_KINDS = [
    Kind("mesh", "Mesh", "meshes", {"egressFilter": {"type": "ALLOW_ALL"}}),
    Kind("virtualNode", "VirtualNode", "virtual_nodes", NODE_SPEC),
    Kind("virtualRouter", "VirtualRouter", "virtual_routers", {"listeners": LISTENERS}),
    Kind("route", "Route", "routes", route_spec("n1"), parent=("virtualRouterName", "r1")),
    Kind("virtualService", "VirtualService", "virtual_services",
         {"provider": {"virtualRouter": {"virtualRouterName": "r1"}}}),
    Kind("virtualGateway", "VirtualGateway", "virtual_gateways", {"listeners": LISTENERS}),
    Kind("gatewayRoute", "GatewayRoute", "gateway_routes", gateway_route_spec("s1.life.local"),
         parent=("virtualGatewayName", "g1")),
]
FIRST_NAMES = {"mesh": "life", "virtualNode": "n1", "virtualRouter": "r1", "route": "rt1",
               "virtualService": "s1.life.local", "virtualGateway": "g1", "gatewayRoute": "gr1"}
KIND = {k.kind: k for k in LIFE_KINDS}
# A second spec per kind, for updates.
UPDATED_SPECS = {
    "mesh": {"egressFilter": {"type": "DROP_ALL"}},
    "virtualNode": dict(NODE_SPEC, serviceDiscovery={"dns": {"hostname": "n2.life.local"}}),
    "virtualRouter": {"listeners": [{"portMapping": {"port": 8080, "protocol": "http2"}}]},
    "route": route_spec("n1", "n2"),
    "virtualService": {"provider": {"virtualNode": {"virtualNodeName": "n1"}}},
    "virtualGateway": {"listeners": [{"portMapping": {"port": 8443, "protocol": "http"}}]},
    "gatewayRoute": gateway_route_spec("s2.life.local"),
}


class WholeApiTestCase(EmulatorTestCase):
    """Builds mesh `life`: nodes n1 and n2, router r1 with route rt1 (to n1), services
    s1.life.local (on r1) and s2.life.local (on n2), gateway g1 with gateway route gr1 (to s1)."""

    def setUp(self):
        super().setUp()
        self.records = {}
        for kind in LIFE_KINDS:
            self.records[kind.kind] = self.create(kind, FIRST_NAMES[kind.kind])
            if kind.kind == "virtualNode":
                self.create(kind, "n2")
            if kind.kind == "virtualService":
                self.create(kind, "s2.life.local", {"provider": {"virtualNode": {
                    "virtualNodeName": "n2"}}})

    def call(self, kind, verb, via=None, **kw):
        name = kind.list_op if verb == "list" else kind.op(verb)
        return getattr(via or self.mesh, name)(**kw)

    def create(self, kind, name, spec=None, via=None, mesh="life", **kw):
        kw.update(kind.ids(mesh, name))
        out = self.call(kind, "create", via, spec=kind.spec if spec is None else spec, **kw)
        return out[kind.kind]

    def describe_kind(self, kind, name, mesh="life", **kw):
        return self.call(kind, "describe", **kind.ids(mesh, name), **kw)[kind.kind]

    def update_kind(self, kind, name, spec, mesh="life", via=None, **kw):
        return self.call(kind, "update", via, spec=spec, **kind.ids(mesh, name), **kw)[kind.kind]

    def delete_kind(self, kind, name, mesh="life", **kw):
        return self.call(kind, "delete", **kind.ids(mesh, name), **kw)[kind.kind]

    def list_kind(self, kind, mesh="life", **kw):
        ids = kind.ids(mesh, None)
        del ids[kind.name_key]
        return self.call(kind, "list", **ids, **kw)

    def assertData(self, kind, data, name, version, mesh="life", status="ACTIVE"):
        """The answer echoes the names asked for, with the kind's ARN, version and status."""
        shape = SESSION.get_service_model("appmesh").shape_for(kind.noun + "Data")
        self.assertEqual(sorted(data), sorted(shape.members))
        for key, value in kind.ids(mesh, name).items():
            self.assertEqual(data[key], value, key)
        meta = data["metadata"]
        self.assertEqual(meta["arn"], kind.arn(mesh, name))
        self.assertEqual((meta["version"], meta["meshOwner"], meta["resourceOwner"]),
                         (version, ACCOUNT, ACCOUNT))
        self.assertGreaterEqual(meta["lastUpdatedAt"], meta["createdAt"])
        self.assertEqual(data["status"], {"status": status})


class WholeApiTest(WholeApiTestCase):
    def test_a_lifecycle_through_every_operation(self):
        # setUp created every kind; create, describe, update, list: versions from 1, +1 a change
        for kind in LIFE_KINDS:
            with self.subTest(kind=kind.kind):
                name = FIRST_NAMES[kind.kind]
                self.assertData(kind, self.records[kind.kind], name, 1)
                got = self.describe_kind(kind, name)
                self.assertData(kind, got, name, 1)
                self.assertEqual(got["spec"], kind.spec)
                self.assertEqual(got["metadata"]["uid"], self.records[kind.kind]["metadata"]["uid"])
                updated = self.update_kind(kind, name, UPDATED_SPECS[kind.kind])
                self.assertData(kind, updated, name, 2)
                self.assertEqual(updated["spec"], UPDATED_SPECS[kind.kind])
                self.assertEqual(self.describe_kind(kind, name)["spec"], UPDATED_SPECS[kind.kind])
                refs = self.list_kind(kind)[kind.list_key]
                ref = [r for r in refs if r[kind.name_key] == name][0]
                shape = SESSION.get_service_model("appmesh").shape_for(kind.noun + "Ref")
                self.assertEqual(sorted(ref), sorted(shape.members))
                self.assertEqual((ref["arn"], ref["version"]), (kind.arn("life", name), 2))
        # tags on every kind, by ARN
        for kind in LIFE_KINDS:
            with self.subTest(kind=kind.kind, tags=True):
                arn = kind.arn("life", FIRST_NAMES[kind.kind])
                self.mesh.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "a"},
                                                              {"key": "tier", "value": "1"}])
                self.mesh.untag_resource(resourceArn=arn, tagKeys=["tier", "absent"])
                tags = self.mesh.list_tags_for_resource(resourceArn=arn)["tags"]
                self.assertEqual(tags, [{"key": "team", "value": "a"}])
        # delete in the order App Mesh allows: DELETED and one more version in the answer
        seconds = {"virtualService": "s2.life.local", "virtualNode": "n2"}
        for kind in reversed(LIFE_KINDS):
            with self.subTest(kind=kind.kind, delete=True):
                if kind.kind in seconds:
                    self.delete_kind(kind, seconds[kind.kind])
                name = FIRST_NAMES[kind.kind]
                deleted = self.delete_kind(kind, name)
                self.assertData(kind, deleted, name, 3, status="DELETED")
                got = fails(self.call, kind, "describe", **kind.ids("life", name))
                self.assertEqual(got, ("NotFoundException", 404))
        operations = {e["operation"] for e in MAIN.log() if e["status"] == 200}
        every = set(SESSION.get_service_model("appmesh").operation_names)
        self.assertEqual(every - operations, set())

    def test_tags_given_at_create_time_are_listed_and_paged(self):
        tags = [{"key": "k%02d" % i, "value": str(i)} for i in range(7)]
        node = self.create(KIND["virtualNode"], "tagged", tags=tags)
        arn = node["metadata"]["arn"]
        first = self.mesh.list_tags_for_resource(resourceArn=arn, limit=5)
        self.assertEqual(first["tags"], tags[:5])
        rest = self.mesh.list_tags_for_resource(resourceArn=arn, nextToken=first["nextToken"])
        self.assertEqual(rest["tags"], tags[5:])
        self.assertNotIn("nextToken", rest)
        self.mesh.tag_resource(resourceArn=arn, tags=[{"key": "k00", "value": "new"}])
        listed = self.mesh.list_tags_for_resource(resourceArn=arn)["tags"]
        self.assertEqual(listed[0], {"key": "k00", "value": "new"})
        self.assertEqual(len(listed), 7)
        tagged = self.describe_kind(KIND["virtualNode"], "tagged")
        self.assertEqual(tagged["metadata"]["version"], 1)

    def test_a_resource_has_at_most_50_tags(self):
        arn = KIND["virtualNode"].arn("life", "n1")
        tags = [{"key": "k%02d" % i, "value": ""} for i in range(50)]
        self.mesh.tag_resource(resourceArn=arn, tags=tags)
        code, status, message = error_of(self.mesh.tag_resource, resourceArn=arn,
                                         tags=[{"key": "one-more", "value": "x"}])
        self.assertEqual((code, status), ("TooManyTagsException", 400))
        self.assertIn("50", message)
        self.assertEqual(len(self.mesh.list_tags_for_resource(resourceArn=arn)["tags"]), 50)
        loose = client(validate=False)
        got = fails(loose.list_tags_for_resource, resourceArn=arn, limit=51)
        self.assertEqual(got, ("BadRequestException", 400))

    def test_creates_beyond_a_configured_quota_are_limit_exceeded(self):
        MAIN.control("POST", "config", {"quotas": {"routes": 1, "meshes": 2}})
        code, status, message = error_of(self.create, KIND["route"], "rt2")
        self.assertEqual((code, status), ("LimitExceededException", 400))
        self.assertIn("Virtual router r1 already holds 1 routes", message)
        self.assertEqual(len(self.list_kind(KIND["route"])["routes"]), 1)
        # demo-mesh and life are this account's two meshes; another account has none
        got = fails(self.mesh.create_mesh, meshName="third")
        self.assertEqual(got, ("LimitExceededException", 400))
        client(akid=OTHER_AKID, secret=OTHER_SECRET).create_mesh(meshName="theirs")
        for bad in ({"nodes": 1}, {"routes": -1}, {"routes": True}, [], {"routes": "1"}):
            with self.subTest(quotas=bad):
                MAIN.control("POST", "config", {"quotas": bad}, expect=400)
        MAIN.control("POST", "reset")
        self.assertIsNone(MAIN.control("GET", "config")["quotas"])

    def test_tags_of_an_unknown_or_malformed_arn(self):
        unknown = KIND["virtualNode"].arn("life", "ghost")
        calls = (
            (self.mesh.tag_resource, {"tags": []}),
            (self.mesh.untag_resource, {"tagKeys": []}),
            (self.mesh.list_tags_for_resource, {}),
        )
        for call, kw in calls:
            with self.subTest(operation=call.__name__):
                self.assertEqual(fails(call, resourceArn=unknown, **kw), ("NotFoundException", 404))
                got = fails(call, resourceArn="arn:aws:s3:::bucket", **kw)
                self.assertEqual(got, ("BadRequestException", 400))

    def test_creating_a_name_that_exists_is_a_conflict_for_every_kind(self):
        for kind in LIFE_KINDS:
            with self.subTest(kind=kind.kind):
                code, status, message = error_of(self.create, kind, FIRST_NAMES[kind.kind])
                self.assertEqual((code, status), ("ConflictException", 409))
                self.assertIn(FIRST_NAMES[kind.kind], message)

    def test_idempotency_of_every_operation_with_a_client_token(self):
        for kind in LIFE_KINDS:
            with self.subTest(kind=kind.kind, verb="create"):
                name = "idem" if kind.kind != "mesh" else "idem-mesh"
                kw = {"clientToken": "create-" + kind.kind}
                first = self.create(kind, name, **kw)
                self.assertEqual(self.create(kind, name, **kw), first)
                other = UPDATED_SPECS[kind.kind]
                got = fails(self.create, kind, name, spec=other, **kw)
                self.assertEqual(got, ("ConflictException", 409))
            with self.subTest(kind=kind.kind, verb="update"):
                name = FIRST_NAMES[kind.kind]
                token = "update-" + kind.kind
                first = self.update_kind(kind, name, UPDATED_SPECS[kind.kind], clientToken=token)
                again = self.update_kind(kind, name, UPDATED_SPECS[kind.kind], clientToken=token)
                self.assertEqual(again, first)
                self.assertEqual(again["metadata"]["version"], 2)
                got = fails(self.update_kind, kind, name, kind.spec, clientToken=token)
                self.assertEqual(got, ("ConflictException", 409))
                self.assertEqual(self.describe_kind(kind, name)["metadata"]["version"], 2)

    def test_a_missing_mesh_parent_or_resource_is_not_found(self):
        for kind in LIFE_KINDS:
            absent = [{"meshName": "no-such-mesh"}]
            if kind.parent:
                absent.append({kind.parent[0]: "no-such-parent"})
            verbs = ["describe", "update", "delete"]
            if kind.kind != "mesh":
                verbs += ["create", "list"]
            for verb, missing in [(v, m) for v in verbs for m in absent]:
                with self.subTest(kind=kind.kind, verb=verb, missing=missing):
                    kw = kind.ids("life", FIRST_NAMES[kind.kind])
                    kw.update(missing)
                    if verb == "list":
                        del kw[kind.name_key]
                    if verb in ("create", "update"):
                        kw["spec"] = kind.spec
                    code, status, message = error_of(self.call, kind, verb, **kw)
                    self.assertEqual((code, status), ("NotFoundException", 404))
                    self.assertIn(list(missing.values())[0], message)
            for verb in ("describe", "update", "delete"):
                with self.subTest(kind=kind.kind, verb=verb, missing="resource"):
                    kw = kind.ids("life", "ghost")
                    if verb == "update":
                        kw["spec"] = kind.spec
                    code, status, message = error_of(self.call, kind, verb, **kw)
                    self.assertEqual((code, status), ("NotFoundException", 404))
                    self.assertIn("ghost", message)

    def test_a_route_or_gateway_route_target_that_does_not_exist_is_not_found(self):
        cases = (
            (KIND["route"], route_spec("n1", "ghost-vn"), "ghost-vn"),
            (KIND["gatewayRoute"], gateway_route_spec("ghost.life.local"), "ghost.life.local"),
            (KIND["virtualService"], {"provider": {"virtualNode": {"virtualNodeName": "nope"}}},
             "nope"),
        )
        for kind, spec, missing in cases:
            with self.subTest(kind=kind.kind, verb="create"):
                code, status, message = error_of(self.create, kind, "x", spec=spec)
                self.assertEqual((code, status), ("NotFoundException", 404))
                self.assertIn(missing, message)
                got = fails(self.describe_kind, kind, "x")
                self.assertEqual(got, ("NotFoundException", 404))
            with self.subTest(kind=kind.kind, verb="update"):
                name = FIRST_NAMES[kind.kind]
                code, status, message = error_of(self.update_kind, kind, name, spec)
                self.assertEqual((code, status), ("NotFoundException", 404))
                self.assertEqual(self.describe_kind(kind, name)["metadata"]["version"], 1)

    def test_deleting_what_is_in_use_or_not_empty_is_refused(self):
        cases = (
            (KIND["mesh"], "life", ["virtualNodes", "n1"]),
            (KIND["virtualRouter"], "r1", ["routes", "rt1", "s1.life.local"]),
            (KIND["virtualNode"], "n1", ["route rt1"]),
            (KIND["virtualNode"], "n2", ["virtual service s2.life.local"]),
            (KIND["virtualGateway"], "g1", ["gatewayRoutes", "gr1"]),
            (KIND["virtualService"], "s1.life.local", ["gateway route gr1"]),
        )
        for kind, name, needles in cases:
            with self.subTest(kind=kind.kind, name=name):
                code, status, message = error_of(self.delete_kind, kind, name)
                self.assertEqual((code, status), ("ResourceInUseException", 409))
                for needle in needles:
                    self.assertIn(needle, message)
                self.assertEqual(self.describe_kind(kind, name)["metadata"]["version"], 1)
        # once nothing names it, it goes
        self.update_kind(KIND["route"], "rt1", route_spec("n2"))
        self.assertEqual(self.delete_kind(KIND["virtualNode"], "n1")["status"],
                         {"status": "DELETED"})

    def test_every_list_pages_with_limit_and_next_token(self):
        for kind in LIFE_KINDS:
            for i in range(3):
                name = "%s-page-%d" % (kind.kind.lower(), i)
                self.create(kind, name)
            with self.subTest(kind=kind.kind):
                whole = self.list_kind(kind)[kind.list_key]
                names = [r[kind.name_key] for r in whole]
                self.assertEqual(names, sorted(names))
                paginator = self.mesh.get_paginator(kind.list_op)
                ids = kind.ids("life", None)
                del ids[kind.name_key]
                pages = list(paginator.paginate(**ids, PaginationConfig={"PageSize": 2}))
                paged = [r[kind.name_key] for p in pages for r in p[kind.list_key]]
                self.assertEqual(paged, names)
                self.assertEqual(len(pages), (len(names) + 1) // 2)
                loose = client(validate=False)
                for limit in (0, 101):
                    code, status, message = error_of(self.call, kind, "list", via=loose,
                                                     limit=limit, **ids)
                    self.assertEqual((code, status), ("BadRequestException", 400))
                    self.assertIn("'limit'", message)
                got = fails(self.call, kind, "list", nextToken="bad-token", **ids)
                self.assertEqual(got, ("BadRequestException", 400))

    def test_a_next_token_is_only_good_for_its_own_list(self):
        self.create(KIND["route"], "rt2")
        first = self.list_kind(KIND["route"], limit=1)
        got = fails(self.list_kind, KIND["virtualNode"], nextToken=first["nextToken"])
        self.assertEqual(got, ("BadRequestException", 400))

    def test_paging_is_stable_while_resources_come_and_go(self):
        kind = KIND["virtualNode"]
        for name in ("b", "d", "f", "h"):
            self.create(kind, name)
        # life has n1, n2 too: b d f h n1 n2
        first = self.list_kind(kind, limit=2)
        self.assertEqual([r["virtualNodeName"] for r in first["virtualNodes"]], ["b", "d"])
        self.delete_kind(kind, "b")  # already returned
        self.delete_kind(kind, "d")  # the last one returned: the cursor itself is gone
        self.delete_kind(kind, "f")  # not yet returned: gone before it was reached
        self.create(kind, "a")  # before the cursor: not in this listing
        self.create(kind, "g")  # after it: listed
        rest = self.list_kind(kind, nextToken=first["nextToken"])
        self.assertEqual([r["virtualNodeName"] for r in rest["virtualNodes"]],
                         ["g", "h", "n1", "n2"])

    def test_names_with_reserved_characters_are_echoed_exactly(self):
        name = "rt with space/slash+plus%percent.ü✓"
        route = self.create(KIND["route"], name)
        self.assertData(KIND["route"], route, name, 1)
        self.assertData(KIND["route"], self.describe_kind(KIND["route"], name), name, 1)
        deleted = self.delete_kind(KIND["route"], name)
        self.assertEqual(deleted["routeName"], name)

    def test_the_state_covers_every_kind_and_round_trips(self):
        arn = KIND["route"].arn("life", "rt1")
        self.mesh.tag_resource(resourceArn=arn, tags=[{"key": "owner", "value": "me"}])
        state = MAIN.control("GET", "state")
        life = [m for m in state["meshes"] if m["meshName"] == "life"][0]
        router = life["virtualRouters"][0]
        self.assertEqual(router["routes"][0]["routeName"], "rt1")
        self.assertEqual(router["routes"][0]["tags"], [{"key": "owner", "value": "me"}])
        gateway = life["virtualGateways"][0]
        self.assertEqual(gateway["gatewayRoutes"][0]["spec"], KIND["gatewayRoute"].spec)
        before = {k.kind: self.describe_kind(k, FIRST_NAMES[k.kind]) for k in LIFE_KINDS}
        for kind in LIFE_KINDS:
            self.update_kind(kind, FIRST_NAMES[kind.kind], UPDATED_SPECS[kind.kind])
        MAIN.control("POST", "state", state)
        for kind in LIFE_KINDS:
            with self.subTest(kind=kind.kind):
                self.assertEqual(self.describe_kind(kind, FIRST_NAMES[kind.kind]),
                                 before[kind.kind])
        self.assertEqual(self.mesh.list_tags_for_resource(resourceArn=arn)["tags"],
                         [{"key": "owner", "value": "me"}])
        self.assertEqual(MAIN.control("GET", "state"), state)

    def test_a_state_document_with_a_missing_target_is_refused(self):
        state = MAIN.control("GET", "state")
        life = [m for m in state["meshes"] if m["meshName"] == "life"][0]
        life["virtualGateways"][0]["gatewayRoutes"][0]["spec"] = gateway_route_spec("gone")
        where = life["virtualGateways"][0]["gatewayRoutes"][0]
        del where["metadata"]
        index = state["meshes"].index(life)
        answer = send("POST", "/_emulator/state", json.dumps(state).encode())
        message = self.assertAppMeshError(answer, 400, "BadRequestException")
        self.assertIn("meshes[%d].virtualGateways[0].gatewayRoutes[0].spec" % index, message)
        self.assertIn("gone", message)
        self.assertEqual(self.describe_kind(KIND["gatewayRoute"], "gr1")["spec"],
                         KIND["gatewayRoute"].spec)

    def test_shared_meshes_for_every_kind(self):
        other = client(akid=OTHER_AKID, secret=OTHER_SECRET)
        route = KIND["route"]
        got = fails(self.call, route, "describe", via=other, meshOwner=ACCOUNT,
                    **route.ids("life", "rt1"))
        self.assertEqual(got, ("ForbiddenException", 403))
        self.assertNotIn("life", [m["meshName"] for m in other.list_meshes()["meshes"]])
        state = MAIN.control("GET", "state")
        [m for m in state["meshes"] if m["meshName"] == "life"][0]["sharedWith"] = [OTHER_ACCOUNT]
        MAIN.control("POST", "state", state)
        listed = other.list_meshes()["meshes"]
        self.assertEqual([(m["meshName"], m["meshOwner"]) for m in listed if m["meshName"] ==
                          "life"], [("life", ACCOUNT)])
        made = self.create(route, "theirs", via=other, meshOwner=ACCOUNT)
        meta = made["metadata"]
        self.assertEqual((meta["meshOwner"], meta["resourceOwner"]), (ACCOUNT, OTHER_ACCOUNT))
        updated = self.update_kind(route, "theirs", route_spec("n2"), via=other,
                                   meshOwner=ACCOUNT)
        self.assertEqual(updated["metadata"]["version"], 2)
        got = fails(self.call, route, "describe", meshOwner="999999999999",
                    **route.ids("life", "rt1"))
        self.assertEqual(got, ("NotFoundException", 404))
        # the mesh itself stays its owner's: another account can neither update nor delete it
        got = fails(other.delete_mesh, meshName="life")
        self.assertEqual(got, ("NotFoundException", 404))


class WholeApiBadInputTest(WholeApiTestCase):
    def send_raw(self, method, path, body):
        if isinstance(body, str):
            body = body.encode("utf-8")
        return send_signed(method, path, body, headers=JSON)

    def test_no_operation_fails_or_changes_anything_on_bad_bodies(self):
        model = SESSION.get_service_model("appmesh")
        labels = {"meshName": "life", "virtualRouterName": "r1", "virtualGatewayName": "g1",
                  "routeName": "rt1", "gatewayRouteName": "gr1", "virtualNodeName": "n1",
                  "virtualServiceName": "s1.life.local"}
        bodies = ["{", "[]", '"x"', '{"spec": 7}', '{"spec": {"nope": 1}}', '{"tags": 5}',
                  '{"tags": [{"key": 1, "value": "v"}]}', '{"tagKeys": "k"}', '{"unknown": 1}',
                  '{"clientToken": 5}']
        before = MAIN.control("GET", "state")
        for name in model.operation_names:
            op = model.operation_model(name)
            path = op.http["requestUri"].split("?")[0]
            for label, value in labels.items():
                path = path.replace("{%s}" % label, urllib.parse.quote(value, safe=""))
            if name in ("TagResource", "UntagResource", "ListTagsForResource"):
                arn = KIND["virtualNode"].arn("life", "n1")
                path += "?resourceArn=" + urllib.parse.quote(arn, safe="")
            if op.http["method"] != "PUT":  # the others have no body members, read no body
                continue
            for body in bodies:
                with self.subTest(operation=name, body=body):
                    status, _, raw = self.send_raw(op.http["method"], path, body)
                    self.assertEqual(status, 400, raw)
        self.assertEqual(MAIN.control("GET", "state"), before)
        self.assertNotIn("internal error", MAIN.errors())

    def test_bad_input_is_a_bad_request_naming_the_member_and_changes_nothing(self):
        routes = "/v20190125/meshes/life/virtualRouter/r1/routes"
        gateway_routes = "/v20190125/meshes/life/virtualGateway/g1/gatewayRoutes"

        def route(spec, name="new-rt"):
            return json.dumps({"routeName": name, "spec": spec})

        weighted = route_spec("n1")
        bad_weight = json.loads(json.dumps(weighted))
        bad_weight["httpRoute"]["action"]["weightedTargets"][0]["weight"] = 101
        string_weight = json.loads(json.dumps(weighted))
        string_weight["httpRoute"]["action"]["weightedTargets"][0]["weight"] = "ten"
        extra = json.loads(json.dumps(weighted))
        extra["httpRoute"]["action"]["colour"] = "red"
        no_targets = json.loads(json.dumps(weighted))
        no_targets["httpRoute"]["action"]["weightedTargets"] = []
        weights = "spec.httpRoute.action.weightedTargets"
        cases = [
            ("malformed JSON", "PUT", routes, '{"routeName": "x", "spec": {', "not valid JSON"),
            ("weight over 100", "PUT", routes, route(bad_weight), weights + "[0].weight"),
            ("weight of the wrong type", "PUT", routes, route(string_weight),
             weights + "[0].weight"),
            ("unknown nested member", "PUT", routes, route(extra), "'colour'"),
            ("too few targets", "PUT", routes, route(no_targets), weights),
            ("route name too long", "PUT", routes, route(weighted, "r" * 256), "routeName"),
            ("unknown top-level member", "PUT", routes,
             json.dumps({"routeName": "x", "spec": weighted, "owner": 1}), "'owner'"),
            ("route name in the path too long", "GET", routes + "/" + "r" * 256, "",
             "routeName"),
            ("router name in the path too long", "GET",
             "/v20190125/meshes/life/virtualRouter/%s/routes" % ("r" * 256), "",
             "virtualRouterName"),
            ("gateway port 0", "PUT", "/v20190125/meshes/life/virtualGateways",
             json.dumps({"virtualGatewayName": "g2", "spec": {"listeners": [
                 {"portMapping": {"port": 0, "protocol": "http"}}]}}),
             "spec.listeners[0].portMapping.port"),
            ("gateway route target without a service", "PUT", gateway_routes,
             json.dumps({"gatewayRouteName": "x", "spec": {"httpRoute": {
                 "match": {"prefix": "/"}, "action": {"target": {}}}}}),
             "spec.httpRoute.action.target.virtualService"),
            ("list limit not a number", "GET", routes + "?limit=many", "", "limit"),
            ("tag key too long", "PUT", "/v20190125/tag?resourceArn=" + urllib.parse.quote(
                KIND["virtualNode"].arn("life", "n1"), safe=""),
             json.dumps({"tags": [{"key": "k" * 129, "value": ""}]}), "tags[0].key"),
            ("tag without a value", "PUT", "/v20190125/tag?resourceArn=" + urllib.parse.quote(
                KIND["virtualNode"].arn("life", "n1"), safe=""),
             json.dumps({"tags": [{"key": "k"}]}), "tags[0].value"),
            ("tag without a resource ARN", "PUT", "/v20190125/tag",
             json.dumps({"tags": []}), "'resourceArn'"),
            ("tags listed without a resource ARN", "GET", "/v20190125/tags", "",
             "'resourceArn'"),
            ("mesh spec of the wrong type", "PUT", "/v20190125/meshes/life",
             json.dumps({"spec": []}), "'spec'"),
            ("bad egress filter", "PUT", "/v20190125/meshes/life",
             json.dumps({"spec": {"egressFilter": {"type": "SOME"}}}), "spec.egressFilter.type"),
        ]
        before = MAIN.control("GET", "state")
        for label, method, path, body, needle in cases:
            with self.subTest(case=label):
                answer = self.send_raw(method, path, body)
                message = self.assertAppMeshError(answer, 400, "BadRequestException")
                self.assertIn(needle, message)
        self.assertEqual(MAIN.control("GET", "state"), before)


class AuthTest(EmulatorTestCase):
    def test_wrong_secret_is_an_invalid_signature(self):
        got = fails(client(secret="not-the-secret").describe_mesh, meshName=MESH)
        self.assertEqual(got, ("InvalidSignatureException", 403))
        entry = MAIN.log()[-1]
        self.assertEqual(
            (entry["status"], entry["errorCode"], entry["accessKeyId"]),
            (403, "InvalidSignatureException", AKID),
        )
        self.assertIn("canonicalRequest", entry["signatureDebug"])

    def test_unknown_access_key_is_unrecognized(self):
        got = fails(client(akid="AKIDUNKNOWN").describe_mesh, meshName=MESH)
        self.assertEqual(got, ("UnrecognizedClientException", 403))

    def test_expired_date_is_refused(self):
        past = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        response = send_signed("GET", vs_path(), when=past)
        message = self.assertAppMeshError(response, 403, "InvalidSignatureException")
        self.assertIn("Signature expired", message)

    def test_date_too_far_in_the_future_is_refused(self):
        future = datetime.datetime.utcnow() + datetime.timedelta(minutes=20)
        response = send_signed("GET", vs_path(), when=future)
        message = self.assertAppMeshError(response, 403, "InvalidSignatureException")
        self.assertIn("not yet current", message)

    def test_a_shifted_server_clock_expires_current_signatures(self):
        MAIN.control("POST", "config", {"clockOffset": 3600})
        code, status, message = error_of(self.mesh.describe_mesh, meshName=MESH)
        self.assertEqual((code, status), ("InvalidSignatureException", 403))
        self.assertIn("Signature expired", message)

    def test_missing_authorization_is_refused(self):
        self.assertAppMeshError(send("GET", vs_path()), 403, "MissingAuthenticationTokenException")

    def test_malformed_authorization_is_refused(self):
        values = (
            "Bearer abc",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20200101/us-east-1/appmesh/aws4_request",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host, Signature=00",
        )
        for value in values:
            with self.subTest(authorization=value):
                headers = {"Authorization": value, "X-Amz-Date": "20200101T000000Z"}
                response = send("GET", vs_path(), headers=headers)
                self.assertAppMeshError(response, 403, "IncompleteSignatureException")

    def test_scope_for_another_service_is_refused(self):
        response = send_signed("GET", vs_path(), service="sts")
        message = self.assertAppMeshError(response, 403, "InvalidSignatureException")
        self.assertIn("appmesh", message)

    def test_body_changed_after_signing_is_refused(self):
        path, headers, body = signed("PUT", vs_path(), json.dumps({"spec": NODE}).encode())
        tampered = body.replace(b"blue", b"gray")
        response = send("PUT", path, tampered, headers)
        self.assertAppMeshError(response, 403, "InvalidSignatureException")
        self.assertEqual(self.version_of(), 1)

    def test_content_sha256_header_that_lies_is_refused(self):
        body = json.dumps({"spec": NODE}).encode()
        lie = {"X-Amz-Content-SHA256": "0" * 64}
        path, headers, _ = signed("PUT", vs_path(), body, headers=lie)
        self.assertAppMeshError(send("PUT", path, body, headers), 403, "InvalidSignatureException")

    @unittest.skipUnless(shutil.which("curl"), "needs the curl command")
    def test_curls_own_sigv4_signer_is_accepted(self):
        # A second, independent signer. curl 7.88 signs the query as sent, so send it canonical.
        def curl(*args):
            argv = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4",
                    "aws:amz:eu-west-1:appmesh", "--user", "%s:%s" % (AKID, SECRET), *args]
            return subprocess.run(argv, capture_output=True, text=True, timeout=20).stdout

        if "aws-sigv4" not in subprocess.run(["curl", "--help", "all"], capture_output=True,
                                             text=True, timeout=20).stdout:
            self.skipTest("this curl has no --aws-sigv4")
        body = json.dumps({"spec": ROUTER})
        url = MAIN.url + vs_path() + "?meshOwner=" + ACCOUNT
        self.assertEqual(curl("-X", "PUT", "-H", "Content-Type: application/json", "-d", body, url),
                         "200")
        query = "?limit=2&nextToken=%s" % urllib.parse.quote(
            self.mesh.list_virtual_services(meshName=MESH, limit=1)["nextToken"], safe=""
        )
        self.assertEqual(curl(MAIN.url + MESH_PATH + "/virtualServices" + query), "200")
        self.assertEqual(self.version_of(), 2)

    def test_any_region_in_the_scope_is_accepted(self):
        eu = client(region="eu-west-1")
        self.assertEqual(eu.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        self.assertEqual(MAIN.log()[-1]["region"], "eu-west-1")

    def test_temporary_credentials_need_their_session_token(self):
        creds = assume(session="t1")["Credentials"]
        self.assertEqual(client(creds=creds).describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        self.assertTrue(MAIN.log()[-1]["sessionToken"])
        for token in (None, "wrong-token"):
            with self.subTest(token=token):
                bad = client(creds=dict(creds, SessionToken=token))
                got = fails(bad.describe_mesh, meshName=MESH)
                self.assertEqual(got, ("UnrecognizedClientException", 403))
        got = fails(client(token="some-token").describe_mesh, meshName=MESH)
        self.assertEqual(got, ("UnrecognizedClientException", 403))

    def test_request_log_never_holds_a_secret(self):
        creds = assume(session="t2")["Credentials"]
        self.update(ROUTER, via=client(creds=creds))
        wrong = dict(creds, SecretAccessKey="wrong")
        error_of(client(creds=wrong).describe_mesh, meshName=MESH)
        path, headers, body = signed("GET", vs_path())
        send("GET", path, body, headers)
        text = json.dumps(MAIN.log())
        signature = headers["Authorization"].rsplit("Signature=", 1)[1]
        for secret in (SECRET, creds["SecretAccessKey"], creds["SessionToken"], signature):
            self.assertNotIn(secret, text)
        listing = json.dumps(MAIN.control("GET", "credentials"))
        self.assertNotIn(creds["SecretAccessKey"], listing)
        self.assertNotIn(OTHER_SECRET, json.dumps(MAIN.control("GET", "state")))


class FaultTest(EmulatorTestCase):
    def add(self, *faults):
        return MAIN.control("POST", "faults", list(faults))["added"]

    def test_throttle_answers_429_once_the_bucket_is_empty(self):
        self.add({"kind": "throttle", "rate": 0.001, "burst": 2})
        self.mesh.describe_mesh(meshName=MESH)
        self.mesh.describe_mesh(meshName=MESH)
        response = send_signed("GET", MESH_PATH)
        message = self.assertAppMeshError(response, 429, "TooManyRequestsException")
        self.assertEqual(message, "Rate exceeded")
        got = fails(self.mesh.describe_mesh, meshName=MESH)
        self.assertEqual(got, ("TooManyRequestsException", 429))
        self.assertEqual(MAIN.log()[-1]["fault"]["kind"], "throttle")

    def test_server_errors_for_the_next_n_requests(self):
        codes = ((500, "InternalServerErrorException"), (503, "ServiceUnavailableException"))
        for status, code in codes:
            with self.subTest(status=status):
                self.add(
                    {"kind": "error", "status": status, "count": 2,
                     "operation": "UpdateVirtualService"}
                )
                for _ in range(2):
                    self.assertEqual(fails(self.update, ROUTER), (code, status))
                before = self.version_of()
                self.update(ROUTER)
                self.assertEqual(self.version_of(), before + 1)

    def test_gateway_errors_look_like_a_load_balancer(self):
        for status in (502, 504):
            with self.subTest(status=status):
                self.add({"kind": "error", "status": status, "count": 1})
                got, headers, body = send_signed("GET", MESH_PATH)
                self.assertEqual(got, status)
                self.assertNotIn("x-amzn-errortype", headers)
                self.assertEqual(headers["content-type"], "text/html")
                self.assertIn(str(status).encode(), body)
                self.assertEqual(send_signed("GET", MESH_PATH)[0], 200)

    def test_error_with_a_custom_code_and_message(self):
        self.add(
            {"kind": "error", "status": 400, "code": "ThrottlingException", "message": "slow down",
             "count": 1}
        )
        got = error_of(self.mesh.describe_mesh, meshName=MESH)
        self.assertEqual(got, ("ThrottlingException", 400, "slow down"))

    def test_error_probability_one_always_fires_and_zero_never(self):
        ids = self.add({"kind": "error", "status": 503, "probability": 0.0})
        for _ in range(5):
            self.mesh.describe_mesh(meshName=MESH)
        MAIN.control("DELETE", "faults")
        self.add({"kind": "error", "status": 503, "probability": 1.0})
        for _ in range(3):
            self.assertEqual(fails(self.mesh.describe_mesh, meshName=MESH)[1], 503)
        self.assertEqual(len(ids), 1)

    def test_error_probability_fires_on_about_that_share_of_requests(self):
        MAIN.control("POST", "config", {"seed": 1})
        self.add({"kind": "error", "status": 500, "probability": 0.5})
        statuses = [send_signed("GET", MESH_PATH)[0] for _ in range(40)]
        self.assertTrue(5 < statuses.count(500) < 35, statuses)
        self.assertEqual(set(statuses), {200, 500})

    def test_error_after_processing_keeps_the_change_and_a_retry_with_the_token_is_idempotent(self):
        self.add({"kind": "error", "status": 503, "count": 1, "phase": "after"})
        self.assertEqual(fails(self.update, ROUTER, clientToken="after-1")[1], 503)
        self.assertEqual(self.update(ROUTER, clientToken="after-1")["metadata"]["version"], 2)
        self.assertEqual(self.version_of(), 2)

    def test_botocore_retries_through_injected_errors(self):
        self.add({"kind": "error", "status": 503, "count": 2})
        result = client(attempts=3).describe_mesh(meshName=MESH)
        self.assertEqual(result["ResponseMetadata"]["RetryAttempts"], 2)
        self.assertEqual([e["status"] for e in MAIN.log()[-3:]], [503, 503, 200])

    def test_dropped_connection_closes_without_a_response(self):
        closed = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
        for reset in (False, True):
            with self.subTest(reset=reset):
                self.add({"kind": "drop", "count": 1, "reset": reset})
                with self.assertRaises(closed):
                    send_signed("GET", MESH_PATH)
                self.assertIsNone(MAIN.log()[-1]["status"])
                self.assertEqual(send_signed("GET", MESH_PATH)[0], 200)
        self.add({"kind": "drop", "count": 1})
        with self.assertRaises(botocore.exceptions.ConnectionClosedError):
            self.mesh.describe_mesh(meshName=MESH)

    def test_dropping_after_processing_keeps_the_change(self):
        self.add(
            {"kind": "drop", "count": 1, "phase": "after", "operation": "UpdateVirtualService"}
        )
        body = json.dumps({"spec": ROUTER, "clientToken": "drop-1"}).encode()
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError)):
            send_signed("PUT", vs_path(), body)
        self.assertEqual(self.version_of(), 2)
        self.assertEqual(MAIN.log()[-2]["status"], 200)

    def test_delay_holds_the_response_back(self):
        self.add({"kind": "delay", "seconds": 0.3, "count": 1})
        started = time.monotonic()
        self.mesh.describe_mesh(meshName=MESH)
        self.assertGreaterEqual(time.monotonic() - started, 0.28)
        started = time.monotonic()
        self.mesh.describe_mesh(meshName=MESH)
        self.assertLess(time.monotonic() - started, 0.28)

    def test_truncated_body_ends_before_its_content_length(self):
        self.add({"kind": "truncate", "count": 1})
        with self.assertRaises(http.client.IncompleteRead):
            send_signed("GET", vs_path())
        self.add({"kind": "truncate", "count": 1, "bytes": 10})
        conn = MAIN.connection()
        try:
            path, headers, body = signed("GET", vs_path())
            conn.request("GET", path, body, headers)
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200)
            self.assertGreater(int(resp.getheader("Content-Length")), 10)
            with self.assertRaises(http.client.IncompleteRead) as caught:
                resp.read()
            self.assertEqual(caught.exception.partial, b'{"meshName')
        finally:
            conn.close()
        self.assertEqual(MAIN.log()[-1]["fault"]["kind"], "truncate")

    def test_garbage_body_is_not_json(self):
        self.add({"kind": "garbage", "count": 1})
        status, headers, body = send_signed("GET", vs_path())
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["content-length"]), len(body))
        with self.assertRaises(ValueError):
            json.loads(body)
        self.add({"kind": "garbage", "count": 1, "status": 500, "body": "<html>oops</html>"})
        status, _, body = send_signed("GET", vs_path())
        self.assertEqual((status, body), (500, b"<html>oops</html>"))

    def test_garbage_size_makes_a_body_of_exactly_that_many_bytes(self):
        self.add({"kind": "garbage", "count": 1, "size": 1536 * 1024})
        status, headers, body = send_signed("GET", vs_path())
        self.assertEqual((status, len(body)), (200, 1536 * 1024))
        self.assertEqual(int(headers["content-length"]), len(body))
        self.add({"kind": "garbage", "count": 1, "body": "ab", "size": 5})
        self.assertEqual(send_signed("GET", vs_path())[2], b"ababa")

    def test_content_type_fault_relabels_the_real_response(self):
        self.add({"kind": "content_type", "count": 1})
        status, headers, body = send_signed("GET", vs_path())
        self.assertEqual((status, headers["content-type"]), (200, "text/html"))
        self.assertEqual(json.loads(body)["virtualServiceName"], RED)
        self.add({"kind": "content_type", "count": 1, "contentType": "text/plain"})
        self.assertEqual(send_signed("GET", vs_path())[1]["content-type"], "text/plain")
        self.assertEqual(MAIN.log()[-1]["fault"]["kind"], "content_type")
        refused = MAIN.control("POST", "faults", {"kind": "content_type", "phase": "before"},
                               expect=400)
        self.assertIn("phase 'after'", refused["message"])

    def test_slow_body_arrives_late_but_whole(self):
        self.add({"kind": "slow_body", "count": 1, "chunk": 100, "interval": 0.05})
        started = time.monotonic()
        status, _, body = send_signed("GET", vs_path())
        elapsed = time.monotonic() - started
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["virtualServiceName"], RED)
        self.assertGreaterEqual(elapsed, 0.05 * (len(body) // 100) - 0.02)

    def test_fault_matches_only_its_operation_and_skips_as_asked(self):
        self.add(
            {"kind": "error", "status": 500, "operation": "UpdateVirtualService", "skip": 1,
             "count": 1}
        )
        self.describe()
        self.update(ROUTER)
        self.assertEqual(fails(self.update, NODE)[1], 500)
        self.update(NODE)

    def test_faults_are_listed_with_hits_and_cleared(self):
        ids = self.add({"kind": "error", "status": 503, "count": 3})
        error_of(self.mesh.describe_mesh, meshName=MESH)
        faults = MAIN.control("GET", "faults")["faults"]
        listed = [(f["id"], f["hits"], f["remaining"], f["kind"]) for f in faults]
        self.assertEqual(listed, [(ids[0], 1, 2, "error")])
        self.assertEqual(MAIN.control("DELETE", "faults"), {"removed": 1})
        self.mesh.describe_mesh(meshName=MESH)
        body = {"faults": [{"kind": "delay", "seconds": 0}], "replace": True}
        self.assertEqual(len(MAIN.control("POST", "faults", body)["faults"]), 1)

    def test_bad_faults_are_refused(self):
        faults = (
            {"kind": "explode"},
            {"kind": "error", "seconds": 1},
            {"kind": "error", "status": 700},
            {"kind": "throttle", "phase": "after"},
            {"kind": "error", "count": 0},
            "text",
        )
        for fault in faults:
            with self.subTest(fault=fault):
                self.assertTrue(MAIN.control("POST", "faults", fault, expect=400)["message"])
        self.assertEqual(MAIN.control("GET", "faults")["faults"], [])

    def test_faults_can_target_the_credential_endpoints(self):
        self.add({"kind": "error", "status": 500, "target": "imds", "count": 1})
        ttl = {"X-aws-ec2-metadata-token-ttl-seconds": "60"}
        self.assertEqual(send("PUT", "/latest/api/token", headers=ttl)[0], 500)
        self.assertEqual(send("PUT", "/latest/api/token", headers=ttl)[0], 200)
        self.mesh.describe_mesh(meshName=MESH)


class RequestLogTest(EmulatorTestCase):
    def test_request_log_records_each_request(self):
        self.update(ROUTER, clientToken="log-1")
        self.mesh.list_virtual_services(meshName=MESH, limit=2)
        MAIN.control("POST", "faults", {"kind": "error", "status": 503, "count": 1})
        error_of(self.mesh.describe_mesh, meshName=MESH)
        entries = MAIN.log()
        self.assertEqual(len(entries), 3)
        update, listing, failed = entries
        self.assertLess(update["seq"], listing["seq"])
        fields = ("method", "path", "operation", "clientToken", "accessKeyId", "status")
        self.assertEqual(
            tuple(update[f] for f in fields),
            ("PUT", vs_path(), "UpdateVirtualService", "log-1", AKID, 200),
        )
        self.assertEqual(listing["query"], "limit=2")
        self.assertEqual(listing["operation"], "ListVirtualServices")
        # botocore's own attempt header, as sent
        self.assertRegex(update["sdkRequest"], r"^attempt=1(; max=\d+)?$")
        self.assertEqual(failed["fault"]["kind"], "error")
        self.assertEqual(failed["status"], 503)
        self.assertEqual(failed["errorCode"], "ServiceUnavailableException")
        for entry in entries:
            for key in ("time", "connection", "requestId", "target", "durationMs", "signedHeaders"):
                self.assertIn(key, entry)

    def test_reset_log_empties_it_and_since_filters_it(self):
        self.mesh.describe_mesh(meshName=MESH)
        self.mesh.describe_mesh(meshName=MESH)
        first = MAIN.log()[0]["seq"]
        self.assertEqual(len(MAIN.control("GET", "log?since=%d" % first)["requests"]), 1)
        self.assertEqual(MAIN.control("POST", "reset-log"), {"cleared": 2})
        self.assertEqual(MAIN.log(), [])
        self.mesh.describe_mesh(meshName=MESH)
        self.assertGreater(MAIN.log()[0]["seq"], first + 1)


class ProtocolTest(EmulatorTestCase):
    def test_unknown_route_is_an_app_mesh_shaped_404(self):
        for path in ("/nope", MESH_PATH + "/virtualServices/", MESH_PATH + "/extra/x"):
            with self.subTest(path=path):
                response = send_signed("GET", path)
                message = self.assertAppMeshError(response, 404, "UnknownOperationException")
                self.assertIn(path, message)

    def test_wrong_method_is_405_with_the_allowed_methods(self):
        response = send_signed("POST", vs_path())
        self.assertAppMeshError(response, 405, "UnknownOperationException")
        self.assertEqual(response[1]["allow"], "DELETE, GET, PUT")

    def test_unsupported_http_method_gets_a_json_error(self):
        response = send("BREW", "/v20190125/meshes")
        self.assertAppMeshError(response, 501, "UnknownOperationException")

    def raw_exchange(self, payload):
        with socket.create_connection((MAIN.host, MAIN.port), timeout=10) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                chunks.append(data)
        return b"".join(chunks)

    def test_malformed_request_line_gets_a_json_error_and_the_server_keeps_serving(self):
        reply = self.raw_exchange(b"GARBAGE\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 400 "), reply)
        head, _, body = reply.partition(b"\r\n\r\n")
        self.assertIn(b"x-amzn-ErrorType: BadRequestException", head)
        self.assertIn("message", json.loads(body))
        self.assertEqual(send_signed("GET", vs_path())[0], 200)

    def test_bad_framing_is_answered_and_the_connection_closed(self):
        head = b"PUT " + vs_path().encode() + b" HTTP/1.1\r\nHost: h\r\n"
        cases = (
            (b"Content-Length: \xb2\r\n\r\n", b"400", b"Content-Length"),
            (b"Content-Length: 10\r\n\r\nabc", b"400", b"ended after 3 of 10"),
            (b"Transfer-Encoding: chunked\r\n\r\n-5\r\nabc", b"400", b"chunk size"),
            (b"Transfer-Encoding: chunked\r\n\r\n5\r\nab", b"400", b"Truncated"),
            (b"Transfer-Encoding: gzip\r\n\r\n", b"501", b"Transfer-Encoding"),
        )
        for rest, status, needle in cases:
            with self.subTest(request=rest):
                reply = self.raw_exchange(head + rest)
                self.assertTrue(reply.startswith(b"HTTP/1.1 " + status), reply)
                self.assertIn(b"Connection: close", reply)
                self.assertIn(needle, reply)
        self.assertEqual(send_signed("GET", vs_path())[0], 200)

    def test_binary_noise_does_not_break_the_server(self):
        payloads = (
            os.urandom(512),
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64),
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
        )
        for payload in payloads:
            self.raw_exchange(payload)
        with socket.create_connection((MAIN.host, MAIN.port), timeout=10):
            pass
        self.assertEqual(send_signed("GET", vs_path())[0], 200)

    def test_keep_alive_reuses_one_connection_id_per_tcp_connection(self):
        conn = MAIN.connection()
        try:
            for _ in range(2):
                path, headers, body = signed("GET", vs_path())
                self.assertEqual(send("GET", path, body, headers, conn=conn)[0], 200)
        finally:
            conn.close()
        send_signed("GET", vs_path())
        entries = MAIN.log()
        self.assertEqual(entries[0]["connection"], entries[1]["connection"])
        self.assertNotEqual(entries[1]["connection"], entries[2]["connection"])

    def test_errors_keep_the_connection_alive_when_the_body_was_read(self):
        conn = MAIN.connection()
        try:
            path, headers, body = signed("PUT", vs_path(), b"{not json")
            self.assertEqual(send("PUT", path, body, headers, conn=conn)[0], 400)
            path, headers, body = signed("GET", vs_path())
            self.assertEqual(send("GET", path, body, headers, conn=conn)[0], 200)
        finally:
            conn.close()
        entries = MAIN.log()
        self.assertEqual(entries[0]["connection"], entries[1]["connection"])

    def test_head_answers_without_a_body(self):
        conn = MAIN.connection()
        try:
            conn.request("HEAD", "/nope")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 404)
            self.assertEqual(resp.read(), b"")
            path, headers, body = signed("GET", vs_path())
            self.assertEqual(send("GET", path, body, headers, conn=conn)[0], 200)
        finally:
            conn.close()

    def test_oversized_body_is_refused_and_the_connection_closed(self):
        conn = MAIN.connection()
        try:
            conn.putrequest("PUT", vs_path())
            conn.putheader("Content-Length", str(2 << 20))
            conn.endheaders()
            resp = conn.getresponse()
            self.assertEqual(resp.status, 413)
            self.assertEqual(resp.getheader("Connection"), "close")
            code = resp.getheader("x-amzn-ErrorType").split(":")[0]
            self.assertEqual(code, "RequestEntityTooLargeException")
        finally:
            conn.close()

    def test_chunked_request_body_is_accepted(self):
        body = json.dumps({"spec": ROUTER}).encode()
        path, headers, _ = signed("PUT", vs_path(), body)
        conn = MAIN.connection()
        try:
            conn.putrequest("PUT", path, skip_accept_encoding=True)
            for name, value in headers.items():
                conn.putheader(name, value)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for piece in (body[:10], body[10:]):
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            conn.send(b"0\r\n\r\n")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200, resp.read())
        finally:
            conn.close()
        self.assertEqual(self.version_of(), 2)

    def test_expect_100_continue_gets_an_interim_response(self):
        body = json.dumps({"spec": ROUTER}).encode()
        path, headers, _ = signed("PUT", vs_path(), body, headers={"Expect": "100-continue"})
        headers["Host"] = "%s:%d" % (MAIN.host, MAIN.port)
        lines = "".join("%s: %s\r\n" % kv for kv in headers.items())
        with socket.create_connection((MAIN.host, MAIN.port), timeout=10) as sock:
            sock.sendall(("PUT %s HTTP/1.1\r\n%s\r\n" % (path, lines)).encode("latin-1"))
            self.assertEqual(sock.recv(25), b"HTTP/1.1 100 Continue\r\n\r\n")
            sock.sendall(body)
            reply = sock.recv(65536)
            self.assertTrue(reply.startswith(b"HTTP/1.1 200 OK\r\n"), reply)
        self.assertEqual(self.version_of(), 2)

    def test_concurrent_updates_each_get_their_own_version(self):
        versions = []
        failures = []

        def worker():
            try:
                conn = MAIN.connection()
                try:
                    for _ in range(5):
                        body = json.dumps({"spec": ROUTER}).encode()
                        path, headers, body = signed("PUT", vs_path(), body)
                        _, _, raw = send("PUT", path, body, headers, conn=conn)
                        versions.append(json.loads(raw)["metadata"]["version"])
                finally:
                    conn.close()
            except Exception as e:  # reported below, on the test's own thread
                failures.append(e)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(failures, [])
        self.assertEqual(sorted(versions), list(range(2, 42)))
        self.assertEqual(len({e["connection"] for e in MAIN.log()}), 8)

    def test_control_endpoint_answers_bad_input_with_app_mesh_errors(self):
        cases = (
            ("GET", "/_emulator/nope", b"", 404, "UnknownOperationException"),
            ("DELETE", "/_emulator/log", b"", 405, "UnknownOperationException"),
            ("POST", "/_emulator/faults", b"{oops", 400, "BadRequestException"),
            ("POST", "/_emulator/config", b'{"maxSkew": "soon"}', 400, "BadRequestException"),
            ("POST", "/_emulator/config", b'{"color": 1}', 400, "BadRequestException"),
            ("POST", "/_emulator/state", b'{"meshes": [{"meshName": 5}]}', 400,
             "BadRequestException"),
        )
        for method, path, body, status, code in cases:
            with self.subTest(method=method, path=path, body=body):
                self.assertAppMeshError(send(method, path, body), status, code)
        self.assertEqual(MAIN.log(), [])

    def test_state_round_trips_through_the_control_endpoint(self):
        self.update(ROUTER)
        state = MAIN.control("GET", "state")
        mesh = state["meshes"][0]
        red = [s for s in mesh["virtualServices"] if s["virtualServiceName"] == RED][0]
        self.assertEqual((red["metadata"]["version"], red["spec"]), (2, ROUTER))
        self.assertEqual(len(mesh["virtualNodes"]), 5)
        self.update(NODE)
        self.assertEqual(MAIN.control("POST", "state", state), {"meshes": 1})
        vs = self.describe()
        self.assertEqual(
            (vs["metadata"]["version"], vs["spec"], vs["metadata"]["uid"]),
            (2, ROUTER, red["metadata"]["uid"]),
        )

    def test_info_describes_the_running_emulator(self):
        info = MAIN.control("GET", "info")
        self.assertEqual((info["url"], info["tls"], info["ca"]), (MAIN.url, False, None))
        self.assertIn(AKID, info["accessKeys"])
        self.assertIn("UpdateVirtualService", info["implemented"])


class CredentialEndpointTest(EmulatorTestCase):
    def test_assume_role_issues_credentials_that_app_mesh_accepts(self):
        out = assume()
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        arn = "arn:aws:sts::%s:assumed-role/deployer/session-1" % ACCOUNT
        self.assertEqual(out["AssumedRoleUser"]["Arn"], arn)
        self.assertEqual(self.update(ROUTER, via=client(creds=creds))["metadata"]["version"], 2)
        who = client(service="sts", creds=creds).get_caller_identity()
        self.assertEqual((who["Account"], who["Arn"]), (ACCOUNT, arn))

    def test_assumed_role_acts_in_the_role_account(self):
        creds = assume("arn:aws:iam::%s:role/reader" % OTHER_ACCOUNT)["Credentials"]
        got = fails(client(creds=creds).describe_mesh, meshName=MESH)
        self.assertEqual(got, ("NotFoundException", 404))

    def test_assume_role_with_web_identity_needs_no_signature(self):
        claims = {"sub": "system:serviceaccount:demo", "aud": "sts.amazonaws.com"}
        claims = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        sts = client(service="sts", unsigned=True)
        out = sts.assume_role_with_web_identity(
            RoleArn=ROLE, RoleSessionName="web", WebIdentityToken="e30.%s.sig" % claims
        )
        self.assertEqual(out["SubjectFromWebIdentityToken"], "system:serviceaccount:demo")
        temp = client(creds=out["Credentials"])
        self.assertEqual(temp.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        MAIN.control("POST", "config", {"webIdentityTokens": ["only-this"]})
        got = fails(
            sts.assume_role_with_web_identity,
            RoleArn=ROLE, RoleSessionName="web", WebIdentityToken="another",
        )
        self.assertEqual(got, ("InvalidIdentityToken", 400))

    def test_sts_refuses_a_bad_signature_in_query_protocol_xml(self):
        for kw, code in (({"secret": "wrong"}, "SignatureDoesNotMatch"),
                         ({"akid": "AKIDNOBODY"}, "InvalidClientTokenId")):
            with self.subTest(code=code):
                sts = client(service="sts", **kw)
                got = fails(sts.assume_role, RoleArn=ROLE, RoleSessionName="x1")
                self.assertEqual(got, (code, 403))
        status, headers, body = send("POST", "/", b"Action=AssumeRole&Version=2011-06-15", FORM)
        self.assertEqual((status, headers["content-type"]), (403, "text/xml"))
        namespace = b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        self.assertTrue(body.startswith(namespace))
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", body)

    def test_sts_validates_its_parameters(self):
        loose = client(service="sts", validate=False)
        cases = (
            ({"RoleSessionName": "x1"}, "roleArn"),
            ({"RoleArn": "arn:aws:iam::1:role/x", "RoleSessionName": "x1"}, "roleArn"),
            ({"RoleArn": ROLE, "RoleSessionName": "bad name"}, "roleSessionName"),
            ({"RoleArn": ROLE, "RoleSessionName": "x1", "DurationSeconds": 60}, "durationSeconds"),
        )
        for kw, field in cases:
            with self.subTest(field=field, kw=kw):
                code, status, message = error_of(loose.assume_role, **kw)
                self.assertEqual((code, status), ("ValidationError", 400))
                self.assertIn(field, message)
        status, _, body = send_signed("POST", "/", b"Action=Explode", headers=FORM, service="sts")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidAction</Code>", body)

    def test_duration_and_the_configured_ttl_set_the_expiration(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        creds = assume(session="d1", DurationSeconds=1800)["Credentials"]
        self.assertAlmostEqual((creds["Expiration"] - now).total_seconds(), 1800, delta=30)
        MAIN.control("POST", "config", {"credentialTtl": 120})
        creds = assume(session="d2", DurationSeconds=1800)["Credentials"]
        self.assertAlmostEqual((creds["Expiration"] - now).total_seconds(), 120, delta=30)

    def test_expired_temporary_credentials_are_refused(self):
        creds = assume(session="e1")["Credentials"]
        temp = client(creds=creds)
        temp.describe_mesh(meshName=MESH)
        self.assertGreaterEqual(MAIN.control("POST", "expire-credentials")["expired"], 1)
        self.assertEqual(fails(temp.describe_mesh, meshName=MESH), ("ExpiredTokenException", 403))
        listed = MAIN.control("GET", "credentials")["credentials"]
        mine = [c for c in listed if c["accessKeyId"] == creds["AccessKeyId"]]
        self.assertTrue(mine[0]["expired"])

    def test_imdsv2_issues_credentials_that_app_mesh_accepts(self):
        fetcher = botocore.utils.InstanceMetadataFetcher(
            timeout=5, num_attempts=1, base_url=MAIN.url
        )
        self.addCleanup(fetcher._session.close)
        creds = fetcher.retrieve_iam_role_credentials()
        self.assertEqual(creds["role_name"], "appmesh-emulator-role")
        temp = client(akid=creds["access_key"], secret=creds["secret_key"], token=creds["token"])
        self.assertEqual(temp.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        again = fetcher.retrieve_iam_role_credentials()
        self.assertEqual(again["access_key"], creds["access_key"])
        MAIN.control("POST", "expire-credentials")
        renewed = fetcher.retrieve_iam_role_credentials()
        self.assertNotEqual(renewed["access_key"], creds["access_key"])
        paths = [(e["method"], e["path"]) for e in MAIN.log() if e["target"] == "imds"][:3]
        base = "/latest/meta-data/iam/security-credentials/"
        expected = [
            ("PUT", "/latest/api/token"),
            ("GET", base),
            ("GET", base + "appmesh-emulator-role"),
        ]
        self.assertEqual(paths, expected)

    def test_imds_insists_on_a_token_and_a_valid_ttl(self):
        base = "/latest/meta-data/iam/security-credentials/"
        ttl = "X-aws-ec2-metadata-token-ttl-seconds"
        self.assertEqual(send("GET", base)[0], 401)
        self.assertEqual(send("GET", base, headers={"X-aws-ec2-metadata-token": "forged"})[0], 401)
        for value in (None, "0", "21601", "soon"):
            with self.subTest(ttl=value):
                headers = {} if value is None else {ttl: value}
                self.assertEqual(send("PUT", "/latest/api/token", headers=headers)[0], 400)
        headers = {ttl: "60", "X-Forwarded-For": "10.0.0.1"}
        self.assertEqual(send("PUT", "/latest/api/token", headers=headers)[0], 403)
        status, headers, token = send("PUT", "/latest/api/token", headers={ttl: "60"})
        self.assertEqual((status, headers[ttl.lower()]), (200, "60"))
        auth = {"X-aws-ec2-metadata-token": token.decode()}
        self.assertEqual(send("GET", base + "someone-else", headers=auth)[0], 404)
        region = send("GET", "/latest/meta-data/placement/region", headers=auth)[2]
        self.assertEqual(region, b"us-east-1")
        MAIN.control("POST", "config", {"imdsAllowV1": True})
        self.assertEqual(send("GET", base)[2], b"appmesh-emulator-role")

    def test_container_endpoint_checks_the_authorization_token(self):
        session = botocore.httpsession.URLLib3Session(timeout=5)
        self.addCleanup(session.close)
        fetcher = botocore.utils.ContainerMetadataFetcher(session=session, sleep=lambda s: None)
        creds = fetcher.retrieve_full_uri(MAIN.url + "/v1/credentials", headers=CONTAINER_TOKEN)
        self.assertEqual(creds["RoleArn"], "arn:aws:iam::%s:role/appmesh-emulator-role" % ACCOUNT)
        temp = client(creds=creds)
        self.assertEqual(temp.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        self.assertEqual(send("GET", "/v2/credentials/abc")[0], 401)
        wrong = {"Authorization": "no"}
        self.assertEqual(send("GET", "/v2/credentials/abc", headers=wrong)[0], 403)
        MAIN.control("POST", "config", {"containerAuthToken": None})
        self.assertEqual(send("GET", "/v2/credentials/abc")[0], 200)

    def test_sso_portal_issues_role_credentials_that_app_mesh_accepts(self):
        sso = client(service="sso", unsigned=True)
        out = sso.get_role_credentials(
            roleName="AppMeshAdmin", accountId=ACCOUNT, accessToken="emulator-sso-token"
        )["roleCredentials"]
        self.assertTrue(out["accessKeyId"].startswith("ASIA"))
        remaining = out["expiration"] / 1000.0 - time.time()
        self.assertAlmostEqual(remaining, 3600, delta=60)
        temp = client(akid=out["accessKeyId"], secret=out["secretAccessKey"],
                      token=out["sessionToken"])
        self.assertEqual(temp.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        entry = [e for e in MAIN.log() if e["target"] == "sso"][0]
        self.assertEqual((entry["method"], entry["path"]), ("GET", "/federation/credentials"))
        self.assertEqual((entry["operation"], entry["status"]), ("GetRoleCredentials", 200))
        self.assertNotIn("emulator-sso-token", json.dumps(MAIN.log()))
        listed = [c for c in MAIN.control("GET", "credentials")["credentials"]
                  if c["accessKeyId"] == out["accessKeyId"]]
        self.assertEqual(listed[0]["source"], "sso")

    def test_sso_portal_refuses_unknown_or_missing_tokens(self):
        sso = client(service="sso", unsigned=True)
        got = fails(sso.get_role_credentials, roleName="r", accountId=ACCOUNT, accessToken="forged")
        self.assertEqual(got, ("UnauthorizedException", 401))
        status, headers, body = send("GET", "/federation/credentials?role_name=r&account_id=1")
        self.assertEqual((status, headers["x-amzn-errortype"]), (401, "UnauthorizedException"))
        self.assertEqual(json.loads(body), {"message": "Session token not found or invalid"})
        MAIN.control("POST", "config", {"ssoTokens": ["token-a", "token-b"]})
        out = sso.get_role_credentials(roleName="r", accountId=OTHER_ACCOUNT, accessToken="token-b")
        self.assertTrue(out["roleCredentials"]["accessKeyId"].startswith("ASIA"))
        got = fails(sso.get_role_credentials, roleName="r", accountId=ACCOUNT,
                    accessToken="emulator-sso-token")
        self.assertEqual(got, ("UnauthorizedException", 401))

    def test_sso_portal_checks_its_parameters(self):
        token = {"x-amz-sso_bearer_token": "emulator-sso-token"}
        for query in ("role_name=r", "account_id=" + ACCOUNT, "role_name=r&account_id=12",
                      "role_name=a%20b&account_id=" + ACCOUNT):
            with self.subTest(query=query):
                status, headers, _ = send("GET", "/federation/credentials?" + query, headers=token)
                self.assertEqual(status, 400)
                self.assertEqual(headers["x-amzn-errortype"], "InvalidRequestException")
        self.assertEqual(send("POST", "/federation/credentials", headers=token)[0], 405)

    def test_sso_credentials_follow_the_configured_ttl_and_expire(self):
        MAIN.control("POST", "config", {"credentialTtl": 300})
        sso = client(service="sso", unsigned=True)
        out = sso.get_role_credentials(
            roleName="r", accountId=ACCOUNT, accessToken="emulator-sso-token"
        )["roleCredentials"]
        self.assertAlmostEqual(out["expiration"] / 1000.0 - time.time(), 300, delta=30)
        MAIN.control("POST", "expire-credentials")
        temp = client(akid=out["accessKeyId"], secret=out["secretAccessKey"],
                      token=out["sessionToken"])
        self.assertEqual(fails(temp.describe_mesh, meshName=MESH), ("ExpiredTokenException", 403))

    def test_configured_ttl_sets_role_credential_expiry(self):
        MAIN.control("POST", "config", {"credentialTtl": 300})
        _, _, body = send("GET", "/v1/credentials", headers=CONTAINER_TOKEN)
        expiration = json.loads(body)["Expiration"]
        expiration = datetime.datetime.strptime(expiration, "%Y-%m-%dT%H:%M:%SZ")
        remaining = (expiration - datetime.datetime.utcnow()).total_seconds()
        self.assertAlmostEqual(remaining, 300, delta=30)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator("--tls", "--state", SEED)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def tearDown(self):
        close_clients()

    def info(self):
        return self.emu.control("GET", "info")

    def test_second_line_is_the_ca_and_info_reports_it(self):
        self.assertTrue(self.emu.url.startswith("https://127.0.0.1:"))
        self.assertTrue(os.path.isfile(self.emu.ca))
        with open(self.emu.ca, encoding="ascii") as f:
            self.assertIn("BEGIN CERTIFICATE", f.read())
        info = self.info()
        self.assertEqual((info["tls"], info["ca"]), (True, self.emu.ca))

    def test_botocore_verifies_the_server_with_the_ca(self):
        mesh = client(self.emu, verify=self.emu.ca)
        vs = mesh.describe_virtual_service(meshName=MESH, virtualServiceName=RED)["virtualService"]
        self.assertEqual(vs["metadata"]["version"], 1)
        wrong = client(self.emu, verify=self.emu.ca, secret="x")
        self.assertEqual(fails(wrong.describe_mesh, meshName=MESH)[1], 403)

    def test_without_the_ca_verification_fails(self):
        before = self.info()["tlsHandshakeFailures"]
        with self.assertRaises(ssl.SSLCertVerificationError):
            with socket.create_connection((self.emu.host, self.emu.port), timeout=10) as sock:
                ssl.create_default_context().wrap_socket(sock, server_hostname="127.0.0.1")
        with self.assertRaises(botocore.exceptions.SSLError):
            client(self.emu, verify=True).describe_mesh(meshName=MESH)
        deadline = time.monotonic() + 5
        while self.info()["tlsHandshakeFailures"] < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(self.info()["tlsHandshakeFailures"], before + 2)

    def test_certificate_names_localhost_too(self):
        url = self.emu.url.replace("127.0.0.1", "localhost") + "/_emulator/info"
        context = ssl.create_default_context(cafile=self.emu.ca)
        with urllib.request.urlopen(url, timeout=10, context=context) as resp:
            self.assertEqual(resp.status, 200)

    def test_plain_http_to_the_tls_port_does_not_hang(self):
        with socket.create_connection((self.emu.host, self.emu.port), timeout=10) as sock:
            sock.sendall(b"GET /_emulator/info HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                self.assertNotIn(b"HTTP/1.1 200", sock.recv(1024))
            except ConnectionResetError:
                pass
        self.assertEqual(self.info()["tls"], True)

    def test_sts_is_served_over_tls_too(self):
        sts = client(self.emu, service="sts")
        out = sts.assume_role(RoleArn=ROLE, RoleSessionName="tls")
        self.assertTrue(out["Credentials"]["AccessKeyId"].startswith("ASIA"))


class LifecycleTest(unittest.TestCase):
    def tearDown(self):
        close_clients()

    def test_starts_empty_without_a_state_file(self):
        emu = Emulator()
        try:
            self.assertEqual(emu.control("GET", "state")["meshes"], [])
            got = fails(client(emu).describe_mesh, meshName=MESH)
            self.assertEqual(got, ("NotFoundException", 404))
            client(emu).create_mesh(meshName="m")
            self.assertEqual(len(emu.control("GET", "state")["meshes"]), 1)
            emu.control("POST", "reset")
            self.assertEqual(emu.control("GET", "state")["meshes"], [])
        finally:
            self.assertEqual(emu.stop(), 0)

    def test_sigterm_exits_zero_without_a_traceback_and_closes_the_port(self):
        emu = Emulator("--state", SEED)
        idle = socket.create_connection((emu.host, emu.port), timeout=10)
        try:
            client(emu).describe_mesh(meshName=MESH)
            started = time.monotonic()
            self.assertEqual(emu.stop(), 0)
            self.assertLess(time.monotonic() - started, 5)
        finally:
            idle.close()
        self.assertEqual(emu.errors(), "")
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((emu.host, emu.port), timeout=5).close()

    def test_faults_and_throttle_given_as_flags_apply_from_the_first_request(self):
        fault = '{"kind": "error", "status": 503, "count": 1}'
        emu = Emulator("--state", SEED, "--fault", fault, "--throttle", "0.001:2")
        try:
            mesh = client(emu)
            got = fails(mesh.describe_mesh, meshName=MESH)
            self.assertEqual(got, ("ServiceUnavailableException", 503))
            mesh.describe_mesh(meshName=MESH)
            mesh.describe_mesh(meshName=MESH)
            got = fails(mesh.describe_mesh, meshName=MESH)
            self.assertEqual(got, ("TooManyRequestsException", 429))
        finally:
            self.assertEqual(emu.stop(), 0)

    def test_save_writes_changes_back_to_the_state_file(self):
        def version(emu):
            vs = client(emu).describe_virtual_service(meshName=MESH, virtualServiceName=RED)
            return vs["virtualService"]["metadata"]["version"]

        with tempfile.TemporaryDirectory(prefix="emulator-test-") as directory:
            path = os.path.join(directory, "state.json")
            shutil.copy(SEED, path)
            emu = Emulator("--state", path, "--save")
            try:
                client(emu).update_virtual_service(
                    meshName=MESH, virtualServiceName=RED, spec=ROUTER
                )
            finally:
                self.assertEqual(emu.stop(), 0)
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
            services = saved["meshes"][0]["virtualServices"]
            red = [s for s in services if s["virtualServiceName"] == RED][0]
            self.assertEqual((red["metadata"]["version"], red["spec"]), (2, ROUTER))
            emu = Emulator("--state", path)
            try:
                self.assertEqual(version(emu), 2)
            finally:
                emu.stop()
            fresh = os.path.join(directory, "new.json")
            emu = Emulator("--state", fresh, "--save")
            try:
                made = self.make_one_of_each(client(emu), "saved-mesh")
            finally:
                emu.stop()
            with open(fresh, encoding="utf-8") as f:
                self.assertEqual(json.load(f)["meshes"][0]["meshName"], "saved-mesh")
            emu = Emulator("--state", fresh)
            try:
                again = client(emu)
                for kind in LIFE_KINDS:
                    with self.subTest(kind=kind.kind):
                        ids = kind.ids("saved-mesh", FIRST_NAMES[kind.kind])
                        if kind.kind == "mesh":
                            ids = {"meshName": "saved-mesh"}
                        got = getattr(again, kind.op("describe"))(**ids)[kind.kind]
                        self.assertEqual(got, made[kind.kind])
                        tags = again.list_tags_for_resource(resourceArn=got["metadata"]["arn"])
                        self.assertEqual(tags["tags"], [{"key": "kind", "value": kind.kind}])
            finally:
                emu.stop()

    def test_save_to_a_place_it_cannot_write_fails_loudly(self):
        with tempfile.TemporaryDirectory(prefix="emulator-test-") as directory:
            # A missing directory stops the start (it used to start and lose every change).
            missing = os.path.join(directory, "no-such-dir", "state.json")
            code, stderr = self.run_bad_start("--state", missing, "--save")
            self.assertEqual(code, 2)
            self.assertEqual(stderr.count("\n"), 1)
            self.assertIn(missing + ": cannot create the state file", stderr)
            # A missing file is created at start.
            place = os.path.join(directory, "place")
            os.mkdir(place)
            path = os.path.join(place, "state.json")
            emu = Emulator("--state", path, "--save")
            try:
                with open(path, encoding="utf-8") as f:
                    self.assertEqual(json.load(f)["meshes"], [])
                # A save that fails later is a 500 that says so (and a line on stderr), not a
                # dropped connection the client retries into a success nothing saved.
                shutil.rmtree(place)
                code, status, message = error_of(client(emu).create_mesh, meshName="lost")
                self.assertEqual((code, status), ("InternalFailure", 500))
                self.assertIn("could not write " + path, message)
                entry = emu.log()[-1]
                self.assertEqual((entry["status"], entry["errorCode"]), (500, "InternalFailure"))
            finally:
                self.assertEqual(emu.stop(), 0)
            self.assertIn("could not write " + path, emu.errors())

    def test_save_does_not_share_its_temporary_file_with_another_writer(self):
        with tempfile.TemporaryDirectory(prefix="emulator-test-") as directory:
            path = os.path.join(directory, "state.json")
            emu = Emulator("--state", path, "--save")
            try:
                # Another emulator saving to the same file has its temporary file in the way
                # (here, for good, as a directory); saving used to go through FILE.tmp, shared by
                # every writer, so two emulators on one file failed or tore each other's saves.
                os.mkdir(path + ".tmp")
                client(emu).create_mesh(meshName="kept")
            finally:
                self.assertEqual(emu.stop(), 0)
            with open(path, encoding="utf-8") as f:
                self.assertEqual([m["meshName"] for m in json.load(f)["meshes"]], ["kept"])
            self.assertEqual(sorted(os.listdir(directory)), ["state.json", "state.json.tmp"])

    @staticmethod
    def make_one_of_each(via, mesh):
        """One resource of every kind in a new mesh, each tagged with its kind."""
        made = {}
        for kind in LIFE_KINDS:
            ids = kind.ids(mesh, FIRST_NAMES[kind.kind])
            if kind.kind == "mesh":
                ids = {"meshName": mesh}
            tags = [{"key": "kind", "value": kind.kind}]
            made[kind.kind] = getattr(via, kind.op("create"))(spec=kind.spec, tags=tags, **ids)[
                kind.kind
            ]
        return made

    def run_bad_start(self, *args):
        result = subprocess.run(
            [sys.executable, EMULATOR, "--port", "0", *args],
            capture_output=True, text=True, timeout=20,
        )
        self.assertEqual(result.stdout, "")
        self.assertNotIn("Traceback", result.stderr)
        return result.returncode, result.stderr

    def test_bad_state_files_stop_the_start_with_a_clear_message(self):
        with open(SEED, encoding="utf-8") as f:
            seed = json.load(f)
        broken_provider = json.loads(json.dumps(seed))
        provider = broken_provider["meshes"][0]["virtualServices"][0]["spec"]["provider"]
        provider["virtualNode"]["virtualNodeName"] = "ghost-vn"
        unknown_key = json.loads(json.dumps(seed))
        unknown_key["meshes"][0]["colour"] = "red"
        cases = [
            (broken_provider, "meshes[0].virtualServices[0].spec.provider", "ghost-vn"),
            (unknown_key, "meshes[0]", "colour"),
            ({"meshes": [{"meshName": "m", "owner": "42"}]}, "meshes[0].owner", "12-digit"),
            ("not json", "cannot read the state file", ""),
        ]
        with tempfile.TemporaryDirectory() as directory:
            for doc, where, what in cases:
                with self.subTest(where=where):
                    path = os.path.join(directory, "state.json")
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(doc if isinstance(doc, str) else json.dumps(doc))
                    code, stderr = self.run_bad_start("--state", path)
                    self.assertEqual(code, 2)
                    self.assertIn(where, stderr)
                    self.assertIn(what, stderr)
            code, stderr = self.run_bad_start("--state", os.path.join(directory, "missing.json"))
            self.assertEqual(code, 2)
            self.assertIn("does not exist", stderr)
            code, stderr = self.run_bad_start("--fault", '{"kind": "explode"}')
            self.assertEqual(code, 2)
            self.assertIn("--fault", stderr)


if __name__ == "__main__":
    unittest.main()
