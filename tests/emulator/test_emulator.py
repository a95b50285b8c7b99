#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-test of the App Mesh emulator, driven over the wire by botocore, urllib and raw sockets.

Run with Debian's Python: /usr/bin/python3 tests/emulator/test_emulator.py [-v] [TestClass.test_name]
"""

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
OTHER_AKID, OTHER_SECRET, OTHER_ACCOUNT = "AKIDOTHEREXAMPLE", "otherSecretKeyEXAMPLEEXAMPLEEXAMPLE0000", "111122223333"
MESH = "demo-mesh"
RED = "colorteller-red.demo.local"
NODE = {"provider": {"virtualNode": {"virtualNodeName": "colorteller-blue-vn"}}}
ROUTER = {"provider": {"virtualRouter": {"virtualRouterName": "colorteller-vr"}}}
SESSION = botocore.session.get_session()
CLIENTS = []


def close_clients():
    while CLIENTS:
        CLIENTS.pop().close()


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
            raise AssertionError("control %s %s: HTTP %d %s" % (method, name, status, payload[:300]))
        return json.loads(payload)

    def log(self):
        return self.control("GET", "log")["requests"]

    def connection(self, timeout=10):
        if self.context is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


MAIN = None


def setUpModule():
    global MAIN
    MAIN = Emulator("--state", SEED, "--seed", "7", "--key", "%s:%s:%s" % (OTHER_AKID, OTHER_SECRET, OTHER_ACCOUNT))


def tearDownModule():
    if MAIN is not None:
        MAIN.stop()


def client(emu=None, service="appmesh", akid=AKID, secret=SECRET, token=None, region="us-east-1",
           validate=True, attempts=1, verify=None, unsigned=False):
    emu = emu or MAIN
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


def signed(method, path, body=b"", headers=None, emu=None, akid=AKID, secret=SECRET, token=None,
           region="us-east-1", service="appmesh", when=None):
    """A request signed by botocore's SigV4 signer: (path, headers, body) ready to send."""
    emu = emu or MAIN
    req = botocore.awsrequest.AWSRequest(method=method, url=emu.url + path, data=body, headers=headers or {})
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(akid, secret, token), service, region)
    if when is None:
        signer.add_auth(req)
    else:
        with mock.patch.object(botocore.auth, "datetime") as fake:
            fake.datetime.utcnow.return_value = when
            signer.add_auth(req)
    prepared = req.prepare()
    parts = urllib.parse.urlsplit(prepared.url)
    return parts.path + ("?" + parts.query if parts.query else ""), dict(prepared.headers), prepared.body or b""


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
    return "/v20190125/meshes/%s/virtualServices/%s" % (urllib.parse.quote(mesh, safe=""), urllib.parse.quote(name, safe=""))


def error_of(call, *args, **kw):
    try:
        call(*args, **kw)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Message", "")
    raise AssertionError("the call succeeded")


class EmulatorTestCase(unittest.TestCase):
    def setUp(self):
        MAIN.control("POST", "reset")
        self.mesh = client()

    def tearDown(self):
        close_clients()

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

    def version_of(self, name=RED):
        return self.mesh.describe_virtual_service(meshName=MESH, virtualServiceName=name)["virtualService"]["metadata"]["version"]


class VirtualServiceApiTest(EmulatorTestCase):
    def test_describe_virtual_service_returns_the_seeded_service(self):
        vs = self.mesh.describe_virtual_service(meshName=MESH, virtualServiceName=RED)["virtualService"]
        self.assertEqual(vs["meshName"], MESH)
        self.assertEqual(vs["virtualServiceName"], RED)
        self.assertEqual(vs["spec"], {"provider": {"virtualNode": {"virtualNodeName": "colorteller-red-vn"}}})
        self.assertEqual(vs["status"], {"status": "ACTIVE"})
        meta = vs["metadata"]
        self.assertEqual(
            sorted(meta), ["arn", "createdAt", "lastUpdatedAt", "meshOwner", "resourceOwner", "uid", "version"]
        )
        self.assertEqual(meta["arn"], "arn:aws:appmesh:us-east-1:%s:mesh/%s/virtualService/%s" % (ACCOUNT, MESH, RED))
        self.assertEqual((meta["meshOwner"], meta["resourceOwner"], meta["version"]), (ACCOUNT, ACCOUNT, 1))
        self.assertIsInstance(meta["createdAt"], datetime.datetime)

    def test_update_virtual_service_returns_the_bare_data_with_the_next_version(self):
        body = json.dumps({"spec": ROUTER, "clientToken": "tok-bare"}).encode()
        status, headers, raw = send_signed("PUT", vs_path(), body, headers={"Content-Type": "application/json"})
        self.assertEqual(status, 200, raw)
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(int(headers["content-length"]), len(raw))
        doc = json.loads(raw)
        self.assertEqual(sorted(doc), ["meshName", "metadata", "spec", "status", "virtualServiceName"])
        self.assertEqual(doc["spec"], ROUTER)
        meta = doc["metadata"]
        self.assertEqual(meta["version"], 2)
        self.assertIsInstance(meta["version"], int)
        self.assertIsInstance(meta["createdAt"], (int, float))
        self.assertGreaterEqual(meta["lastUpdatedAt"], meta["createdAt"])
        again = self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=NODE)["virtualService"]
        self.assertEqual(again["metadata"]["version"], 3)
        self.assertEqual(again["spec"], NODE)

    def test_update_virtual_service_with_an_empty_spec_removes_the_provider(self):
        vs = self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec={})["virtualService"]
        self.assertEqual(vs["spec"], {})
        self.assertEqual(self.version_of(), 2)

    def test_create_virtual_service_then_describe_and_list_it(self):
        created = self.mesh.create_virtual_service(meshName=MESH, virtualServiceName="new.demo.local", spec=NODE)
        vs = created["virtualService"]
        self.assertEqual((vs["metadata"]["version"], vs["status"]["status"]), (1, "ACTIVE"))
        got = self.mesh.describe_virtual_service(meshName=MESH, virtualServiceName="new.demo.local")["virtualService"]
        self.assertEqual(got["metadata"]["uid"], vs["metadata"]["uid"])
        names = [r["virtualServiceName"] for r in self.mesh.list_virtual_services(meshName=MESH)["virtualServices"]]
        self.assertIn("new.demo.local", names)

    def test_create_virtual_service_twice_is_a_conflict(self):
        code, status, _ = error_of(self.mesh.create_virtual_service, meshName=MESH, virtualServiceName=RED, spec=NODE)
        self.assertEqual((code, status), ("ConflictException", 409))

    def test_names_with_reserved_characters_round_trip_through_the_path(self):
        name = "svc with space/slash+plus%percent.ü"
        self.mesh.create_virtual_service(meshName=MESH, virtualServiceName=name, spec=NODE)
        vs = self.mesh.describe_virtual_service(meshName=MESH, virtualServiceName=name)["virtualService"]
        self.assertEqual(vs["virtualServiceName"], name)

    def test_delete_virtual_service_marks_it_deleted_and_forgets_it(self):
        vs = self.mesh.delete_virtual_service(meshName=MESH, virtualServiceName=RED)["virtualService"]
        self.assertEqual(vs["status"], {"status": "DELETED"})
        self.assertEqual(vs["metadata"]["version"], 2)
        code, status, _ = error_of(self.mesh.describe_virtual_service, meshName=MESH, virtualServiceName=RED)
        self.assertEqual((code, status), ("NotFoundException", 404))

    def test_delete_virtual_service_that_a_node_uses_as_a_backend_is_refused(self):
        code, status, message = error_of(
            self.mesh.delete_virtual_service, meshName=MESH, virtualServiceName="colorteller.demo.local"
        )
        self.assertEqual((code, status), ("ResourceInUseException", 409))
        self.assertIn("colorgateway-vn", message)

    def test_list_virtual_services_pages_with_limit_and_next_token(self):
        first = self.mesh.list_virtual_services(meshName=MESH, limit=4)
        self.assertEqual(len(first["virtualServices"]), 4)
        self.assertIn("nextToken", first)
        second = self.mesh.list_virtual_services(meshName=MESH, limit=4, nextToken=first["nextToken"])
        self.assertEqual(len(second["virtualServices"]), 2)
        self.assertNotIn("nextToken", second)
        names = [r["virtualServiceName"] for r in first["virtualServices"] + second["virtualServices"]]
        self.assertEqual(names, sorted(names))
        self.assertEqual(len(set(names)), 6)
        ref = first["virtualServices"][0]
        self.assertEqual(
            sorted(ref),
            ["arn", "createdAt", "lastUpdatedAt", "meshName", "meshOwner", "resourceOwner", "version", "virtualServiceName"],
        )
        pages = list(self.mesh.get_paginator("list_virtual_services").paginate(meshName=MESH, PaginationConfig={"PageSize": 1}))
        self.assertEqual(len(pages), 6)
        whole = self.mesh.list_virtual_services(meshName=MESH)
        self.assertEqual(len(whole["virtualServices"]), 6)
        self.assertNotIn("nextToken", whole)

    def test_list_virtual_services_rejects_a_bad_next_token(self):
        for token in ("not-a-token", "eyJtZXNoIjogIm90aGVyIiwgImFmdGVyIjogIngifQ=="):
            with self.subTest(token=token):
                code, status, _ = error_of(self.mesh.list_virtual_services, meshName=MESH, nextToken=token)
                self.assertEqual((code, status), ("BadRequestException", 400))

    def test_list_virtual_services_rejects_a_limit_out_of_range(self):
        loose = client(validate=False)
        for limit in (0, 101):
            with self.subTest(limit=limit):
                code, status, message = error_of(loose.list_virtual_services, meshName=MESH, limit=limit)
                self.assertEqual((code, status), ("BadRequestException", 400))
                self.assertIn("'limit'", message)
        status, headers, body = send_signed("GET", "/v20190125/meshes/demo-mesh/virtualServices?limit=abc")
        self.assertAppMeshError((status, headers, body), 400, "BadRequestException")

    def test_create_mesh_then_describe_it(self):
        mesh = self.mesh.create_mesh(meshName="fresh-mesh")["mesh"]
        self.assertEqual(mesh["spec"], {"egressFilter": {"type": "DROP_ALL"}})
        self.assertEqual(mesh["metadata"]["meshOwner"], ACCOUNT)
        self.assertEqual(mesh["metadata"]["arn"], "arn:aws:appmesh:us-east-1:%s:mesh/fresh-mesh" % ACCOUNT)
        got = self.mesh.describe_mesh(meshName="fresh-mesh")["mesh"]
        self.assertEqual(got["status"], {"status": "ACTIVE"})
        self.assertEqual(got["metadata"]["uid"], mesh["metadata"]["uid"])

    def test_create_mesh_twice_is_a_conflict(self):
        code, status, _ = error_of(self.mesh.create_mesh, meshName=MESH)
        self.assertEqual((code, status), ("ConflictException", 409))

    def test_created_node_and_router_serve_as_providers(self):
        self.mesh.create_mesh(meshName="m2", spec={"egressFilter": {"type": "ALLOW_ALL"}})
        node = self.mesh.create_virtual_node(
            meshName="m2", virtualNodeName="n1",
            spec={"listeners": [{"portMapping": {"port": 80, "protocol": "http"}}],
                  "serviceDiscovery": {"dns": {"hostname": "n1.local"}}},
        )["virtualNode"]
        self.assertEqual(node["virtualNodeName"], "n1")
        router = self.mesh.create_virtual_router(
            meshName="m2", virtualRouterName="r1", spec={"listeners": [{"portMapping": {"port": 80, "protocol": "http"}}]}
        )["virtualRouter"]
        self.assertEqual(router["metadata"]["version"], 1)
        self.mesh.create_virtual_service(
            meshName="m2", virtualServiceName="s1", spec={"provider": {"virtualNode": {"virtualNodeName": "n1"}}}
        )
        vs = self.mesh.update_virtual_service(
            meshName="m2", virtualServiceName="s1", spec={"provider": {"virtualRouter": {"virtualRouterName": "r1"}}}
        )["virtualService"]
        self.assertEqual(vs["metadata"]["version"], 2)
        self.assertEqual(self.mesh.describe_virtual_node(meshName="m2", virtualNodeName="n1")["virtualNode"]["spec"]["serviceDiscovery"],
                         {"dns": {"hostname": "n1.local"}})
        self.assertEqual(self.mesh.describe_virtual_router(meshName="m2", virtualRouterName="r1")["virtualRouter"]["status"],
                         {"status": "ACTIVE"})
        self.assertEqual(error_of(self.mesh.create_virtual_node, meshName="m2", virtualNodeName="n1", spec={})[:2],
                         ("ConflictException", 409))

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
        for call, kw in ((self.mesh.describe_virtual_service, {}),
                         (self.mesh.update_virtual_service, {"spec": NODE}),
                         (self.mesh.delete_virtual_service, {})):
            with self.subTest(operation=call.__name__):
                code, status, message = error_of(call, meshName=MESH, virtualServiceName="ghost.demo.local", **kw)
                self.assertEqual((code, status), ("NotFoundException", 404))
                self.assertIn("ghost.demo.local", message)

    def test_unknown_provider_node_or_router_is_not_found(self):
        for spec, missing in (({"provider": {"virtualNode": {"virtualNodeName": "ghost-vn"}}}, "ghost-vn"),
                              ({"provider": {"virtualRouter": {"virtualRouterName": "ghost-vr"}}}, "ghost-vr")):
            for call, name in ((self.mesh.update_virtual_service, RED), (self.mesh.create_virtual_service, "n.demo.local")):
                with self.subTest(operation=call.__name__, missing=missing):
                    code, status, message = error_of(call, meshName=MESH, virtualServiceName=name, spec=spec)
                    self.assertEqual((code, status), ("NotFoundException", 404))
                    self.assertIn(missing, message)
        self.assertEqual(self.version_of(), 1)

    def test_unimplemented_operation_answers_501_with_a_clear_message(self):
        code, status, message = error_of(self.mesh.list_meshes)
        self.assertEqual((code, status), ("NotImplementedException", 501))
        self.assertIn("ListMeshes", message)
        self.assertIn("UpdateVirtualService", message)


class IdempotencyTest(EmulatorTestCase):
    def test_same_client_token_and_spec_returns_the_earlier_result(self):
        first = self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="token-1")
        second = self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="token-1")
        self.assertEqual(first["virtualService"], second["virtualService"])
        self.assertEqual(second["virtualService"]["metadata"]["version"], 2)
        self.assertEqual(self.version_of(), 2)

    def test_same_client_token_with_another_spec_is_a_conflict(self):
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="token-2")
        code, status, message = error_of(
            self.mesh.update_virtual_service, meshName=MESH, virtualServiceName=RED, spec=NODE, clientToken="token-2"
        )
        self.assertEqual((code, status), ("ConflictException", 409))
        self.assertIn("token-2", message)
        self.assertEqual(self.version_of(), 2)

    def test_a_new_client_token_with_the_same_spec_is_a_new_version(self):
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="token-3")
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="token-4")
        self.assertEqual(self.version_of(), 3)

    def test_create_with_a_reused_client_token_is_idempotent(self):
        first = self.mesh.create_virtual_service(meshName=MESH, virtualServiceName="idem.demo.local", spec=NODE, clientToken="c-1")
        again = self.mesh.create_virtual_service(meshName=MESH, virtualServiceName="idem.demo.local", spec=NODE, clientToken="c-1")
        self.assertEqual(first["virtualService"], again["virtualService"])
        code, status, _ = error_of(self.mesh.create_virtual_service, meshName=MESH, virtualServiceName="idem.demo.local",
                                   spec=ROUTER, clientToken="c-1")
        self.assertEqual((code, status), ("ConflictException", 409))

    def test_botocore_fills_in_a_client_token(self):
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)
        entry = MAIN.log()[-1]
        self.assertEqual(entry["operation"], "UpdateVirtualService")
        self.assertRegex(entry["clientToken"], r"^[0-9a-f-]{36}$")


class MeshOwnerTest(EmulatorTestCase):
    def test_mesh_owner_that_matches_the_owner_is_accepted(self):
        vs = self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, meshOwner=ACCOUNT, spec=ROUTER)
        self.assertEqual(vs["virtualService"]["metadata"]["meshOwner"], ACCOUNT)
        self.assertIn("meshOwner=%s" % ACCOUNT, MAIN.log()[-1]["query"])

    def test_mesh_owner_of_another_account_is_not_found(self):
        for call, kw in ((self.mesh.describe_virtual_service, {}), (self.mesh.update_virtual_service, {"spec": NODE}),
                         (self.mesh.list_virtual_services, {})):
            with self.subTest(operation=call.__name__):
                kw = dict(kw, meshName=MESH, meshOwner="999999999999")
                if call != self.mesh.list_virtual_services:
                    kw["virtualServiceName"] = RED
                code, status, _ = error_of(call, **kw)
                self.assertEqual((code, status), ("NotFoundException", 404))

    def test_another_account_without_mesh_owner_does_not_see_the_mesh(self):
        other = client(akid=OTHER_AKID, secret=OTHER_SECRET)
        code, status, _ = error_of(other.describe_virtual_service, meshName=MESH, virtualServiceName=RED)
        self.assertEqual((code, status), ("NotFoundException", 404))

    def test_another_account_is_forbidden_unless_the_mesh_is_shared_with_it(self):
        other = client(akid=OTHER_AKID, secret=OTHER_SECRET)
        code, status, _ = error_of(other.describe_virtual_service, meshName=MESH, virtualServiceName=RED, meshOwner=ACCOUNT)
        self.assertEqual((code, status), ("ForbiddenException", 403))
        state = MAIN.control("GET", "state")
        state["meshes"][0]["sharedWith"] = [OTHER_ACCOUNT]
        MAIN.control("POST", "state", state)
        vs = other.create_virtual_service(meshName=MESH, virtualServiceName="shared.demo.local", meshOwner=ACCOUNT, spec=NODE)
        meta = vs["virtualService"]["metadata"]
        self.assertEqual((meta["meshOwner"], meta["resourceOwner"]), (ACCOUNT, OTHER_ACCOUNT))
        self.assertEqual(len(other.list_virtual_services(meshName=MESH, meshOwner=ACCOUNT)["virtualServices"]), 7)

    def test_mesh_owner_of_the_wrong_length_is_a_bad_request(self):
        loose = client(validate=False)
        code, status, message = error_of(loose.describe_virtual_service, meshName=MESH, virtualServiceName=RED, meshOwner="12345")
        self.assertEqual((code, status), ("BadRequestException", 400))
        self.assertIn("meshOwner", message)


class BadBodyTest(EmulatorTestCase):
    def put(self, body, path=None):
        if isinstance(body, str):
            body = body.encode("utf-8")
        return send_signed("PUT", path or vs_path(), body, headers={"Content-Type": "application/json"})

    def test_malformed_json_is_a_bad_request_in_the_app_mesh_error_format(self):
        response = self.put('{"spec": ')
        message = self.assertAppMeshError(response, 400, "BadRequestException")
        self.assertIn("not valid JSON", message)
        self.assertTrue(response[1]["x-amzn-errortype"].endswith(":http://internal.amazon.com/coral/com.amazonaws.appmesh/"))

    def test_bad_bodies_are_bad_requests_naming_the_field(self):
        long_name = "n" * 256
        cases = [
            ("array body", "[]", "JSON object"),
            ("string body", '"spec"', "JSON object"),
            ("empty body", "", "'spec'"),
            ("null spec", '{"spec": null}', "'spec'"),
            ("two providers", json.dumps({"spec": {"provider": dict(NODE["provider"], **ROUTER["provider"])}}), "spec.provider"),
            ("empty provider", '{"spec": {"provider": {}}}', "spec.provider"),
            ("unknown member", '{"spec": {}, "extra": 1}', "'extra'"),
            ("unknown nested member", '{"spec": {"providr": {}}}', "'providr'"),
            ("spec of the wrong type", '{"spec": "node"}', "'spec'"),
            ("name of the wrong type", '{"spec": {"provider": {"virtualNode": {"virtualNodeName": 7}}}}', "virtualNodeName"),
            ("missing provider name", '{"spec": {"provider": {"virtualNode": {}}}}', "spec.provider.virtualNode.virtualNodeName"),
            ("provider name too long", json.dumps({"spec": {"provider": {"virtualNode": {"virtualNodeName": long_name}}}}),
             "spec.provider.virtualNode.virtualNodeName"),
            ("empty provider name", '{"spec": {"provider": {"virtualNode": {"virtualNodeName": ""}}}}', "virtualNodeName"),
            ("NaN", '{"spec": {}, "clientToken": NaN}', "not valid JSON"),
            ("bad client token", '{"spec": {}, "clientToken": "has spaces"}', "clientToken"),
            ("client token too long", json.dumps({"spec": {}, "clientToken": "x" * 37}), "clientToken"),
            ("lone surrogate", '{"spec": {"provider": {"virtualNode": {"virtualNodeName": "\\ud800"}}}}', "Unicode"),
        ]
        for label, body, needle in cases:
            with self.subTest(case=label):
                message = self.assertAppMeshError(self.put(body), 400, "BadRequestException")
                self.assertIn(needle, message)
        self.assertEqual(self.version_of(), 1)

    def test_a_body_that_is_not_utf8_is_a_bad_request(self):
        message = self.assertAppMeshError(self.put(b'{"spec": {"provider": {"virtualNode": {"virtualNodeName": "\xff"}}}}'),
                                          400, "BadRequestException")
        self.assertIn("UTF-8", message)

    def test_name_lengths_count_characters_not_bytes(self):
        ok = json.dumps({"spec": {"provider": {"virtualNode": {"virtualNodeName": "é" * 255}}}}, ensure_ascii=False)
        self.assertAppMeshError(self.put(ok), 404, "NotFoundException")
        too_long = json.dumps({"spec": {"provider": {"virtualNode": {"virtualNodeName": "é" * 256}}}}, ensure_ascii=False)
        self.assertAppMeshError(self.put(too_long), 400, "BadRequestException")
        self.assertAppMeshError(self.put('{"spec": {}}', vs_path(mesh="m" * 256)), 400, "BadRequestException")

    def test_unknown_members_nested_in_node_specs_are_refused(self):
        loose = client(validate=False)
        code, status, message = error_of(loose.create_virtual_node, meshName=MESH, virtualNodeName="x",
                                         spec={"listeners": [{"portMapping": {"port": 80, "protocol": "smtp"}}]})
        self.assertEqual((code, status), ("BadRequestException", 400))
        self.assertIn("spec.listeners[0].portMapping.protocol", message)


class AuthTest(EmulatorTestCase):
    def test_wrong_secret_is_an_invalid_signature(self):
        code, status, _ = error_of(client(secret="not-the-secret").describe_mesh, meshName=MESH)
        self.assertEqual((code, status), ("InvalidSignatureException", 403))
        entry = MAIN.log()[-1]
        self.assertEqual((entry["status"], entry["errorCode"], entry["accessKeyId"]), (403, "InvalidSignatureException", AKID))
        self.assertIn("canonicalRequest", entry["signatureDebug"])

    def test_unknown_access_key_is_unrecognized(self):
        code, status, _ = error_of(client(akid="AKIDUNKNOWN").describe_mesh, meshName=MESH)
        self.assertEqual((code, status), ("UnrecognizedClientException", 403))

    def test_expired_date_is_refused(self):
        past = datetime.datetime.utcnow() - datetime.timedelta(minutes=20)
        message = self.assertAppMeshError(send_signed("GET", vs_path(), when=past), 403, "InvalidSignatureException")
        self.assertIn("Signature expired", message)

    def test_date_too_far_in_the_future_is_refused(self):
        future = datetime.datetime.utcnow() + datetime.timedelta(minutes=20)
        message = self.assertAppMeshError(send_signed("GET", vs_path(), when=future), 403, "InvalidSignatureException")
        self.assertIn("not yet current", message)

    def test_a_shifted_server_clock_expires_current_signatures(self):
        MAIN.control("POST", "config", {"clockOffset": 3600})
        code, status, message = error_of(self.mesh.describe_mesh, meshName=MESH)
        self.assertEqual((code, status), ("InvalidSignatureException", 403))
        self.assertIn("Signature expired", message)

    def test_missing_authorization_is_refused(self):
        self.assertAppMeshError(send("GET", vs_path()), 403, "MissingAuthenticationTokenException")

    def test_malformed_authorization_is_refused(self):
        for value in ("Bearer abc", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20200101/us-east-1/appmesh/aws4_request",
                      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE, SignedHeaders=host, Signature=00"):
            with self.subTest(authorization=value):
                response = send("GET", vs_path(), headers={"Authorization": value, "X-Amz-Date": "20200101T000000Z"})
                self.assertAppMeshError(response, 403, "IncompleteSignatureException")

    def test_scope_for_another_service_is_refused(self):
        message = self.assertAppMeshError(send_signed("GET", vs_path(), service="sts"), 403, "InvalidSignatureException")
        self.assertIn("appmesh", message)

    def test_body_changed_after_signing_is_refused(self):
        path, headers, body = signed("PUT", vs_path(), json.dumps({"spec": NODE}).encode())
        tampered = body.replace(b"blue", b"gray")
        self.assertAppMeshError(send("PUT", path, tampered, headers), 403, "InvalidSignatureException")
        self.assertEqual(self.version_of(), 1)

    def test_content_sha256_header_that_lies_is_refused(self):
        body = json.dumps({"spec": NODE}).encode()
        path, headers, _ = signed("PUT", vs_path(), body, headers={"X-Amz-Content-SHA256": "0" * 64})
        self.assertAppMeshError(send("PUT", path, body, headers), 403, "InvalidSignatureException")

    def test_any_region_in_the_scope_is_accepted(self):
        eu = client(region="eu-west-1")
        self.assertEqual(eu.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        self.assertEqual(MAIN.log()[-1]["region"], "eu-west-1")

    def test_temporary_credentials_need_their_session_token(self):
        creds = client(service="sts").assume_role(RoleArn="arn:aws:iam::%s:role/deployer" % ACCOUNT, RoleSessionName="t1")["Credentials"]
        good = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        self.assertEqual(good.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        self.assertTrue(MAIN.log()[-1]["sessionToken"])
        for token in (None, "wrong-token"):
            with self.subTest(token=token):
                bad = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=token)
                self.assertEqual(error_of(bad.describe_mesh, meshName=MESH)[:2], ("UnrecognizedClientException", 403))
        with_token = client(token="some-token")
        self.assertEqual(error_of(with_token.describe_mesh, meshName=MESH)[:2], ("UnrecognizedClientException", 403))

    def test_request_log_never_holds_a_secret(self):
        creds = client(service="sts").assume_role(RoleArn="arn:aws:iam::%s:role/deployer" % ACCOUNT, RoleSessionName="t2")["Credentials"]
        temp = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        temp.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)
        error_of(client(akid=creds["AccessKeyId"], secret="wrong", token=creds["SessionToken"]).describe_mesh, meshName=MESH)
        path, headers, body = signed("GET", vs_path())
        send("GET", path, body, headers)
        text = json.dumps(MAIN.log())
        signature = headers["Authorization"].rsplit("Signature=", 1)[1]
        for secret in (SECRET, creds["SecretAccessKey"], creds["SessionToken"], signature):
            self.assertNotIn(secret, text)
        self.assertNotIn(creds["SecretAccessKey"], json.dumps(MAIN.control("GET", "credentials")))
        self.assertNotIn(OTHER_SECRET, json.dumps(MAIN.control("GET", "state")))


class FaultTest(EmulatorTestCase):
    def add(self, *faults):
        return MAIN.control("POST", "faults", list(faults))["added"]

    def test_throttle_answers_429_once_the_bucket_is_empty(self):
        self.add({"kind": "throttle", "rate": 0.001, "burst": 2})
        self.mesh.describe_mesh(meshName=MESH)
        self.mesh.describe_mesh(meshName=MESH)
        response = send_signed("GET", "/v20190125/meshes/demo-mesh")
        message = self.assertAppMeshError(response, 429, "TooManyRequestsException")
        self.assertEqual(message, "Rate exceeded")
        self.assertEqual(error_of(self.mesh.describe_mesh, meshName=MESH)[:2], ("TooManyRequestsException", 429))
        self.assertEqual(MAIN.log()[-1]["fault"]["kind"], "throttle")

    def test_server_errors_for_the_next_n_requests(self):
        for status, code in ((500, "InternalServerErrorException"), (503, "ServiceUnavailableException")):
            with self.subTest(status=status):
                self.add({"kind": "error", "status": status, "count": 2, "operation": "UpdateVirtualService"})
                for _ in range(2):
                    got = error_of(self.mesh.update_virtual_service, meshName=MESH, virtualServiceName=RED, spec=ROUTER)
                    self.assertEqual(got[:2], (code, status))
                before = self.version_of()
                self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)
                self.assertEqual(self.version_of(), before + 1)

    def test_gateway_errors_look_like_a_load_balancer(self):
        for status in (502, 504):
            with self.subTest(status=status):
                self.add({"kind": "error", "status": status, "count": 1})
                got, headers, body = send_signed("GET", "/v20190125/meshes/demo-mesh")
                self.assertEqual(got, status)
                self.assertNotIn("x-amzn-errortype", headers)
                self.assertEqual(headers["content-type"], "text/html")
                self.assertIn(str(status).encode(), body)
                self.assertEqual(send_signed("GET", "/v20190125/meshes/demo-mesh")[0], 200)

    def test_error_with_a_custom_code_and_message(self):
        self.add({"kind": "error", "status": 400, "code": "ThrottlingException", "message": "slow down", "count": 1})
        self.assertEqual(error_of(self.mesh.describe_mesh, meshName=MESH), ("ThrottlingException", 400, "slow down"))

    def test_error_probability_one_always_fires_and_zero_never(self):
        ids = self.add({"kind": "error", "status": 503, "probability": 0.0})
        for _ in range(5):
            self.mesh.describe_mesh(meshName=MESH)
        MAIN.control("DELETE", "faults")
        self.add({"kind": "error", "status": 503, "probability": 1.0})
        for _ in range(3):
            self.assertEqual(error_of(self.mesh.describe_mesh, meshName=MESH)[1], 503)
        self.assertEqual(len(ids), 1)

    def test_error_probability_fires_on_about_that_share_of_requests(self):
        MAIN.control("POST", "config", {"seed": 1})
        self.add({"kind": "error", "status": 500, "probability": 0.5})
        statuses = [send_signed("GET", "/v20190125/meshes/demo-mesh")[0] for _ in range(40)]
        self.assertTrue(5 < statuses.count(500) < 35, statuses)
        self.assertEqual(set(statuses), {200, 500})

    def test_error_after_processing_keeps_the_change_and_a_retry_with_the_token_is_idempotent(self):
        self.add({"kind": "error", "status": 503, "count": 1, "phase": "after"})
        got = error_of(self.mesh.update_virtual_service, meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="after-1")
        self.assertEqual(got[1], 503)
        vs = self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="after-1")
        self.assertEqual(vs["virtualService"]["metadata"]["version"], 2)
        self.assertEqual(self.version_of(), 2)

    def test_botocore_retries_through_injected_errors(self):
        self.add({"kind": "error", "status": 503, "count": 2})
        result = client(attempts=3).describe_mesh(meshName=MESH)
        self.assertEqual(result["ResponseMetadata"]["RetryAttempts"], 2)
        self.assertEqual([e["status"] for e in MAIN.log()[-3:]], [503, 503, 200])

    def test_dropped_connection_closes_without_a_response(self):
        for reset in (False, True):
            with self.subTest(reset=reset):
                self.add({"kind": "drop", "count": 1, "reset": reset})
                with self.assertRaises((http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
                    send_signed("GET", "/v20190125/meshes/demo-mesh")
                self.assertIsNone(MAIN.log()[-1]["status"])
                self.assertEqual(send_signed("GET", "/v20190125/meshes/demo-mesh")[0], 200)
        self.add({"kind": "drop", "count": 1})
        with self.assertRaises(botocore.exceptions.ConnectionClosedError):
            self.mesh.describe_mesh(meshName=MESH)

    def test_dropping_after_processing_keeps_the_change(self):
        self.add({"kind": "drop", "count": 1, "phase": "after", "operation": "UpdateVirtualService"})
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
        self.assertEqual(send_signed("GET", vs_path())[:3:2], (500, b"<html>oops</html>"))

    def test_slow_body_arrives_late_but_whole(self):
        self.add({"kind": "slow_body", "count": 1, "chunk": 100, "interval": 0.05})
        started = time.monotonic()
        status, _, body = send_signed("GET", vs_path())
        elapsed = time.monotonic() - started
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["virtualServiceName"], RED)
        self.assertGreaterEqual(elapsed, 0.05 * (len(body) // 100) - 0.02)

    def test_fault_matches_only_its_operation_and_skips_as_asked(self):
        self.add({"kind": "error", "status": 500, "operation": "UpdateVirtualService", "skip": 1, "count": 1})
        self.mesh.describe_virtual_service(meshName=MESH, virtualServiceName=RED)
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)
        self.assertEqual(error_of(self.mesh.update_virtual_service, meshName=MESH, virtualServiceName=RED, spec=NODE)[1], 500)
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=NODE)

    def test_faults_are_listed_with_hits_and_cleared(self):
        ids = self.add({"kind": "error", "status": 503, "count": 3})
        error_of(self.mesh.describe_mesh, meshName=MESH)
        faults = MAIN.control("GET", "faults")["faults"]
        self.assertEqual([(f["id"], f["hits"], f["remaining"], f["kind"]) for f in faults], [(ids[0], 1, 2, "error")])
        self.assertEqual(MAIN.control("DELETE", "faults"), {"removed": 1})
        self.mesh.describe_mesh(meshName=MESH)
        replaced = MAIN.control("POST", "faults", {"faults": [{"kind": "delay", "seconds": 0}], "replace": True})
        self.assertEqual(len(replaced["faults"]), 1)

    def test_bad_faults_are_refused(self):
        for fault in ({"kind": "explode"}, {"kind": "error", "seconds": 1}, {"kind": "error", "status": 700},
                      {"kind": "throttle", "phase": "after"}, {"kind": "error", "count": 0}, "text"):
            with self.subTest(fault=fault):
                message = MAIN.control("POST", "faults", fault, expect=400)["message"]
                self.assertTrue(message)
        self.assertEqual(MAIN.control("GET", "faults")["faults"], [])

    def test_faults_can_target_the_credential_endpoints(self):
        self.add({"kind": "error", "status": 500, "target": "imds", "count": 1})
        status, _, _ = send("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual(status, 500)
        self.assertEqual(send("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})[0], 200)
        self.mesh.describe_mesh(meshName=MESH)


class RequestLogTest(EmulatorTestCase):
    def test_request_log_records_each_request(self):
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER, clientToken="log-1")
        self.mesh.list_virtual_services(meshName=MESH, limit=2)
        MAIN.control("POST", "faults", {"kind": "error", "status": 503, "count": 1})
        error_of(self.mesh.describe_mesh, meshName=MESH)
        entries = MAIN.log()
        self.assertEqual(len(entries), 3)
        update, listing, failed = entries
        self.assertLess(update["seq"], listing["seq"])
        self.assertEqual(
            (update["method"], update["path"], update["operation"], update["clientToken"], update["accessKeyId"], update["status"]),
            ("PUT", "/v20190125/meshes/demo-mesh/virtualServices/" + RED, "UpdateVirtualService", "log-1", AKID, 200),
        )
        self.assertEqual((listing["query"], listing["operation"]), ("limit=2", "ListVirtualServices"))
        self.assertEqual(failed["fault"]["kind"], "error")
        self.assertEqual((failed["status"], failed["errorCode"]), (503, "ServiceUnavailableException"))
        for entry in entries:
            for key in ("time", "connection", "requestId", "target", "durationMs", "signedHeaders"):
                self.assertIn(key, entry)

    def test_reset_log_empties_it_and_since_filters_it(self):
        self.mesh.describe_mesh(meshName=MESH)
        self.mesh.describe_mesh(meshName=MESH)
        first = MAIN.log()[0]["seq"]
        since = MAIN.control("GET", "log?since=%d" % first)["requests"]
        self.assertEqual(len(since), 1)
        self.assertEqual(MAIN.control("POST", "reset-log"), {"cleared": 2})
        self.assertEqual(MAIN.log(), [])
        self.mesh.describe_mesh(meshName=MESH)
        self.assertGreater(MAIN.log()[0]["seq"], first + 1)


class ProtocolTest(EmulatorTestCase):
    def test_unknown_route_is_an_app_mesh_shaped_404(self):
        for path in ("/nope", "/v20190125/meshes/demo-mesh/virtualServices/", "/v20190125/meshes/demo-mesh/extra/x"):
            with self.subTest(path=path):
                message = self.assertAppMeshError(send_signed("GET", path), 404, "UnknownOperationException")
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

    def test_binary_noise_does_not_break_the_server(self):
        for payload in (os.urandom(512), b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(64), b"GET / HTTP/9.9\r\n\r\n",
                        b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n"):
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
            self.assertEqual(resp.getheader("x-amzn-ErrorType").split(":")[0], "RequestEntityTooLargeException")
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
        head = "PUT %s HTTP/1.1\r\n%s\r\n" % (path, "".join("%s: %s\r\n" % kv for kv in headers.items()))
        with socket.create_connection((MAIN.host, MAIN.port), timeout=10) as sock:
            sock.sendall(head.encode("latin-1"))
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
                        path, headers, body = signed("PUT", vs_path(), json.dumps({"spec": ROUTER}).encode())
                        status, _, raw = send("PUT", path, body, headers, conn=conn)
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
        self.assertAppMeshError(send("GET", "/_emulator/nope"), 404, "UnknownOperationException")
        self.assertAppMeshError(send("DELETE", "/_emulator/log"), 405, "UnknownOperationException")
        self.assertAppMeshError(send("POST", "/_emulator/faults", b"{oops"), 400, "BadRequestException")
        self.assertAppMeshError(send("POST", "/_emulator/config", b'{"maxSkew": "soon"}'), 400, "BadRequestException")
        self.assertAppMeshError(send("POST", "/_emulator/config", b'{"color": 1}'), 400, "BadRequestException")
        self.assertAppMeshError(send("POST", "/_emulator/state", b'{"meshes": [{"meshName": 5}]}'), 400, "BadRequestException")
        self.assertEqual(MAIN.log(), [])

    def test_state_round_trips_through_the_control_endpoint(self):
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)
        state = MAIN.control("GET", "state")
        mesh = state["meshes"][0]
        red = [s for s in mesh["virtualServices"] if s["virtualServiceName"] == RED][0]
        self.assertEqual((red["metadata"]["version"], red["spec"]), (2, ROUTER))
        self.assertEqual(len(mesh["virtualNodes"]), 5)
        self.mesh.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=NODE)
        self.assertEqual(MAIN.control("POST", "state", state), {"meshes": 1})
        vs = self.mesh.describe_virtual_service(meshName=MESH, virtualServiceName=RED)["virtualService"]
        self.assertEqual((vs["metadata"]["version"], vs["spec"], vs["metadata"]["uid"]), (2, ROUTER, red["metadata"]["uid"]))

    def test_info_describes_the_running_emulator(self):
        info = MAIN.control("GET", "info")
        self.assertEqual((info["url"], info["tls"], info["ca"]), (MAIN.url, False, None))
        self.assertIn(AKID, info["accessKeys"])
        self.assertIn("UpdateVirtualService", info["implemented"])


class CredentialEndpointTest(EmulatorTestCase):
    ROLE = "arn:aws:iam::%s:role/deployer" % ACCOUNT

    def test_assume_role_issues_credentials_that_app_mesh_accepts(self):
        out = client(service="sts").assume_role(RoleArn=self.ROLE, RoleSessionName="session-1")
        creds = out["Credentials"]
        self.assertTrue(creds["AccessKeyId"].startswith("ASIA"))
        self.assertEqual(out["AssumedRoleUser"]["Arn"], "arn:aws:sts::%s:assumed-role/deployer/session-1" % ACCOUNT)
        temp = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        vs = temp.update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)["virtualService"]
        self.assertEqual(vs["metadata"]["version"], 2)
        sts_temp = client(service="sts", akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        who = sts_temp.get_caller_identity()
        self.assertEqual((who["Account"], who["Arn"]), (ACCOUNT, out["AssumedRoleUser"]["Arn"]))

    def test_assumed_role_acts_in_the_role_account(self):
        role = "arn:aws:iam::%s:role/reader" % OTHER_ACCOUNT
        creds = client(service="sts").assume_role(RoleArn=role, RoleSessionName="s1")["Credentials"]
        temp = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        self.assertEqual(error_of(temp.describe_mesh, meshName=MESH)[:2], ("NotFoundException", 404))

    def test_assume_role_with_web_identity_needs_no_signature(self):
        payload = "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVtbyIsImF1ZCI6InN0cy5hbWF6b25hd3MuY29tIn0"
        out = client(service="sts", unsigned=True).assume_role_with_web_identity(
            RoleArn=self.ROLE, RoleSessionName="web", WebIdentityToken="e30.%s.sig" % payload
        )
        self.assertEqual(out["SubjectFromWebIdentityToken"], "system:serviceaccount:demo")
        creds = out["Credentials"]
        temp = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        self.assertEqual(temp.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        MAIN.control("POST", "config", {"webIdentityTokens": ["only-this"]})
        code, status, _ = error_of(client(service="sts", unsigned=True).assume_role_with_web_identity,
                                   RoleArn=self.ROLE, RoleSessionName="web", WebIdentityToken="another")
        self.assertEqual((code, status), ("InvalidIdentityToken", 400))

    def test_sts_refuses_a_bad_signature_in_query_protocol_xml(self):
        code, status, _ = error_of(client(service="sts", secret="wrong").assume_role, RoleArn=self.ROLE, RoleSessionName="x1")
        self.assertEqual((code, status), ("SignatureDoesNotMatch", 403))
        code, status, _ = error_of(client(service="sts", akid="AKIDNOBODY").assume_role, RoleArn=self.ROLE, RoleSessionName="x1")
        self.assertEqual((code, status), ("InvalidClientTokenId", 403))
        status, headers, body = send("POST", "/", b"Action=AssumeRole&Version=2011-06-15",
                                     {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, headers["content-type"]), (403, "text/xml"))
        self.assertTrue(body.startswith(b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'))
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", body)

    def test_sts_validates_its_parameters(self):
        loose = client(service="sts", validate=False)
        for kw, field in (({"RoleSessionName": "x1"}, "roleArn"),
                          ({"RoleArn": "arn:aws:iam::1:role/x", "RoleSessionName": "x1"}, "roleArn"),
                          ({"RoleArn": self.ROLE, "RoleSessionName": "bad name"}, "roleSessionName"),
                          ({"RoleArn": self.ROLE, "RoleSessionName": "x1", "DurationSeconds": 60}, "durationSeconds")):
            with self.subTest(field=field, kw=kw):
                code, status, message = error_of(loose.assume_role, **kw)
                self.assertEqual((code, status), ("ValidationError", 400))
                self.assertIn(field, message)
        status, _, body = send_signed("POST", "/", b"Action=Explode", headers={"Content-Type": "application/x-www-form-urlencoded"}, service="sts")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>InvalidAction</Code>", body)

    def test_duration_and_the_configured_ttl_set_the_expiration(self):
        sts = client(service="sts")
        now = datetime.datetime.now(datetime.timezone.utc)
        creds = sts.assume_role(RoleArn=self.ROLE, RoleSessionName="d1", DurationSeconds=1800)["Credentials"]
        self.assertAlmostEqual((creds["Expiration"] - now).total_seconds(), 1800, delta=30)
        MAIN.control("POST", "config", {"credentialTtl": 120})
        creds = sts.assume_role(RoleArn=self.ROLE, RoleSessionName="d2", DurationSeconds=1800)["Credentials"]
        self.assertAlmostEqual((creds["Expiration"] - now).total_seconds(), 120, delta=30)

    def test_expired_temporary_credentials_are_refused(self):
        creds = client(service="sts").assume_role(RoleArn=self.ROLE, RoleSessionName="e1")["Credentials"]
        temp = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["SessionToken"])
        temp.describe_mesh(meshName=MESH)
        self.assertGreaterEqual(MAIN.control("POST", "expire-credentials")["expired"], 1)
        self.assertEqual(error_of(temp.describe_mesh, meshName=MESH)[:2], ("ExpiredTokenException", 403))
        listed = [c for c in MAIN.control("GET", "credentials")["credentials"] if c["accessKeyId"] == creds["AccessKeyId"]]
        self.assertTrue(listed[0]["expired"])

    def test_imdsv2_issues_credentials_that_app_mesh_accepts(self):
        fetcher = botocore.utils.InstanceMetadataFetcher(timeout=5, num_attempts=1, base_url=MAIN.url)
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
        self.assertEqual(paths, [("PUT", "/latest/api/token"), ("GET", "/latest/meta-data/iam/security-credentials/"),
                                 ("GET", "/latest/meta-data/iam/security-credentials/appmesh-emulator-role")])

    def test_imds_insists_on_a_token_and_a_valid_ttl(self):
        base = "/latest/meta-data/iam/security-credentials/"
        self.assertEqual(send("GET", base)[0], 401)
        self.assertEqual(send("GET", base, headers={"X-aws-ec2-metadata-token": "forged"})[0], 401)
        for ttl in (None, "0", "21601", "soon"):
            with self.subTest(ttl=ttl):
                headers = {} if ttl is None else {"X-aws-ec2-metadata-token-ttl-seconds": ttl}
                self.assertEqual(send("PUT", "/latest/api/token", headers=headers)[0], 400)
        self.assertEqual(send("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60",
                                                                    "X-Forwarded-For": "10.0.0.1"})[0], 403)
        status, headers, token = send("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual((status, headers["x-aws-ec2-metadata-token-ttl-seconds"]), (200, "60"))
        auth = {"X-aws-ec2-metadata-token": token.decode()}
        self.assertEqual(send("GET", base + "someone-else", headers=auth)[0], 404)
        self.assertEqual(send("GET", "/latest/meta-data/placement/region", headers=auth)[2], b"us-east-1")
        MAIN.control("POST", "config", {"imdsAllowV1": True})
        self.assertEqual(send("GET", base)[2], b"appmesh-emulator-role")

    def test_container_endpoint_checks_the_authorization_token(self):
        session = botocore.httpsession.URLLib3Session(timeout=5)
        self.addCleanup(session.close)
        fetcher = botocore.utils.ContainerMetadataFetcher(session=session, sleep=lambda seconds: None)
        creds = fetcher.retrieve_full_uri(MAIN.url + "/v1/credentials", headers={"Authorization": "emulator-container-token"})
        self.assertEqual(creds["RoleArn"], "arn:aws:iam::%s:role/appmesh-emulator-role" % ACCOUNT)
        temp = client(akid=creds["AccessKeyId"], secret=creds["SecretAccessKey"], token=creds["Token"])
        self.assertEqual(temp.describe_mesh(meshName=MESH)["mesh"]["meshName"], MESH)
        self.assertEqual(send("GET", "/v2/credentials/abc")[0], 401)
        self.assertEqual(send("GET", "/v2/credentials/abc", headers={"Authorization": "wrong"})[0], 403)
        MAIN.control("POST", "config", {"containerAuthToken": None})
        self.assertEqual(send("GET", "/v2/credentials/abc")[0], 200)

    def test_configured_ttl_sets_role_credential_expiry(self):
        MAIN.control("POST", "config", {"credentialTtl": 300})
        status, _, body = send("GET", "/v1/credentials", headers={"Authorization": "emulator-container-token"})
        expiration = datetime.datetime.strptime(json.loads(body)["Expiration"], "%Y-%m-%dT%H:%M:%SZ")
        self.assertAlmostEqual((expiration - datetime.datetime.utcnow()).total_seconds(), 300, delta=30)


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator("--tls", "--state", SEED)

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def tearDown(self):
        close_clients()

    def test_second_line_is_the_ca_and_info_reports_it(self):
        self.assertTrue(self.emu.url.startswith("https://127.0.0.1:"))
        self.assertTrue(os.path.isfile(self.emu.ca))
        with open(self.emu.ca, encoding="ascii") as f:
            self.assertIn("BEGIN CERTIFICATE", f.read())
        info = self.emu.control("GET", "info")
        self.assertEqual((info["tls"], info["ca"]), (True, self.emu.ca))

    def test_botocore_verifies_the_server_with_the_ca(self):
        mesh = client(self.emu, verify=self.emu.ca)
        self.assertEqual(mesh.describe_virtual_service(meshName=MESH, virtualServiceName=RED)["virtualService"]["metadata"]["version"], 1)
        self.assertEqual(error_of(client(self.emu, verify=self.emu.ca, secret="x").describe_mesh, meshName=MESH)[1], 403)

    def test_without_the_ca_verification_fails(self):
        before = self.emu.control("GET", "info")["tlsHandshakeFailures"]
        with self.assertRaises(ssl.SSLCertVerificationError):
            with socket.create_connection((self.emu.host, self.emu.port), timeout=10) as sock:
                ssl.create_default_context().wrap_socket(sock, server_hostname="127.0.0.1")
        with self.assertRaises(botocore.exceptions.SSLError):
            client(self.emu, verify=True).describe_mesh(meshName=MESH)
        deadline = time.monotonic() + 5
        while self.emu.control("GET", "info")["tlsHandshakeFailures"] < before + 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertGreaterEqual(self.emu.control("GET", "info")["tlsHandshakeFailures"], before + 2)

    def test_certificate_names_localhost_too(self):
        url = self.emu.url.replace("127.0.0.1", "localhost") + "/_emulator/info"
        with urllib.request.urlopen(url, timeout=10, context=ssl.create_default_context(cafile=self.emu.ca)) as resp:
            self.assertEqual(resp.status, 200)

    def test_plain_http_to_the_tls_port_does_not_hang(self):
        with socket.create_connection((self.emu.host, self.emu.port), timeout=10) as sock:
            sock.sendall(b"GET /_emulator/info HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                self.assertNotIn(b"HTTP/1.1 200", sock.recv(1024))
            except ConnectionResetError:
                pass
        self.assertEqual(self.emu.control("GET", "info")["tls"], True)

    def test_sts_and_imds_are_served_over_tls_too(self):
        creds = client(self.emu, service="sts").assume_role(RoleArn="arn:aws:iam::%s:role/r" % ACCOUNT, RoleSessionName="tls")
        self.assertTrue(creds["Credentials"]["AccessKeyId"].startswith("ASIA"))


class LifecycleTest(unittest.TestCase):
    def tearDown(self):
        close_clients()

    def test_starts_empty_without_a_state_file(self):
        emu = Emulator()
        try:
            self.assertEqual(emu.control("GET", "state")["meshes"], [])
            self.assertEqual(error_of(client(emu).describe_mesh, meshName=MESH)[:2], ("NotFoundException", 404))
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
        self.assertNotIn("Traceback", emu.errors())
        self.assertEqual(emu.errors(), "")
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((emu.host, emu.port), timeout=5).close()

    def test_faults_and_throttle_given_as_flags_apply_from_the_first_request(self):
        emu = Emulator("--state", SEED, "--fault", '{"kind": "error", "status": 503, "count": 1}', "--throttle", "0.001:2")
        try:
            mesh = client(emu)
            self.assertEqual(error_of(mesh.describe_mesh, meshName=MESH)[:2], ("ServiceUnavailableException", 503))
            mesh.describe_mesh(meshName=MESH)
            mesh.describe_mesh(meshName=MESH)
            self.assertEqual(error_of(mesh.describe_mesh, meshName=MESH)[:2], ("TooManyRequestsException", 429))
        finally:
            self.assertEqual(emu.stop(), 0)

    def test_save_writes_changes_back_to_the_state_file(self):
        directory = tempfile.mkdtemp(prefix="emulator-test-")
        try:
            path = os.path.join(directory, "state.json")
            shutil.copy(SEED, path)
            emu = Emulator("--state", path, "--save")
            try:
                client(emu).update_virtual_service(meshName=MESH, virtualServiceName=RED, spec=ROUTER)
            finally:
                self.assertEqual(emu.stop(), 0)
            with open(path, encoding="utf-8") as f:
                saved = json.load(f)
            red = [s for s in saved["meshes"][0]["virtualServices"] if s["virtualServiceName"] == RED][0]
            self.assertEqual((red["metadata"]["version"], red["spec"]), (2, ROUTER))
            emu = Emulator("--state", path)
            try:
                self.assertEqual(client(emu).describe_virtual_service(meshName=MESH, virtualServiceName=RED)
                                 ["virtualService"]["metadata"]["version"], 2)
            finally:
                emu.stop()
            fresh = os.path.join(directory, "new.json")
            emu = Emulator("--state", fresh, "--save")
            try:
                client(emu).create_mesh(meshName="saved-mesh")
            finally:
                emu.stop()
            with open(fresh, encoding="utf-8") as f:
                self.assertEqual(json.load(f)["meshes"][0]["meshName"], "saved-mesh")
        finally:
            shutil.rmtree(directory)

    def run_bad_start(self, *args):
        result = subprocess.run([sys.executable, EMULATOR, "--port", "0", *args], capture_output=True, text=True, timeout=20)
        self.assertEqual(result.stdout, "")
        self.assertNotIn("Traceback", result.stderr)
        return result.returncode, result.stderr

    def test_bad_state_files_stop_the_start_with_a_clear_message(self):
        with open(SEED, encoding="utf-8") as f:
            seed = json.load(f)
        broken_provider = json.loads(json.dumps(seed))
        broken_provider["meshes"][0]["virtualServices"][0]["spec"]["provider"]["virtualNode"]["virtualNodeName"] = "ghost-vn"
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
