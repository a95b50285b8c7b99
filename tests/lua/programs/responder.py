# SPDX-License-Identifier: MIT
"""A loopback HTTP responder for the Lua binding's specs: canned App Mesh-shaped answers.

Run with Debian's /usr/bin/python3 (standard library only):

    /usr/bin/python3 tests/lua/responder.py [--control DIR] [--idle-exit SECONDS]

It listens on 127.0.0.1, port 0, and prints three lines, then serves until SIGTERM:

    http://127.0.0.1:PORT
    control DIR
    pid PID

The control path DIR (made when not given) holds two files the specs use:

- queue.json: a JSON list of canned responses; every request takes the first one meant for it
  and the rest is written back. When none is left for it the request is answered 200 with an
  "echo": for a PUT or GET of one virtual service, VirtualServiceData built from the request
  itself; for a GET of the list, an empty page. A canned response is an object:
      {"status": 503}                               status only, empty JSON body
      {"error": "NotFoundException", "status": 404, "message": "Mesh not found"}
                                                     App Mesh's error shape (x-amzn-ErrorType)
      {"json": {...}} / {"body": "text"}            a body of your own (status 200 unless given)
      {"echo": {"status": {"status": "X"}}}          the echo, with these fields replaced
      {"action": "close"}                           drop the connection without answering
      {"action": "hang", "seconds": 30}             answer nothing for that long
  Any object may also carry "headers": {...} and "requestId": "...", "match": "text" (only a
  request whose path contains the text takes it; without it any request does) and "delay":
  seconds (wait that long before answering, to keep the request in flight).
- log.jsonl: one JSON object per request received, written before it is answered:
  {"method", "path", "query", "headers" (lower-case names), "body", "time" (seconds, a
  monotonic clock), "inflight" (requests received and not yet answered, this one included)}.

Writing the queue and reading the log happen between calls, so there are no races.
"""

import argparse
import json
import os
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"control": None, "count": 0, "inflight": 0, "last": time.monotonic()}

APPMESH_ERROR_SUFFIX = ":http://internal.amazon.com/coral/com.amazonaws.appmesh/"


def take_response(request_path):
    """Pop the first canned response meant for request_path (None when there is none)."""
    path = os.path.join(STATE["control"], "queue.json")
    try:
        with open(path, encoding="utf-8") as f:
            queue = json.load(f)
    except FileNotFoundError:
        return None
    for i, canned in enumerate(queue):
        if canned.get("match", "") in request_path:
            break
    else:
        return None
    rest = queue[:i] + queue[i + 1:]
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(rest, f)
    os.replace(tmp, path)
    return canned


def log_request(entry):
    with open(os.path.join(STATE["control"], "log.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")


def echo_data(path, body):
    """VirtualServiceData for PUT /v20190125/meshes/{mesh}/virtualServices/{name}."""
    parts = [urllib.parse.unquote(p) for p in path.split("/")]
    mesh = parts[3] if len(parts) > 3 else "mesh"
    name = parts[5] if len(parts) > 5 else "service"
    try:
        spec = json.loads(body or "{}").get("spec", {})
    except ValueError:
        spec = {}
    return {
        "meshName": mesh,
        "virtualServiceName": name,
        "spec": spec,
        "status": {"status": "ACTIVE"},
        "metadata": {
            "arn": "arn:aws:appmesh:us-east-1:123456789012:mesh/%s/virtualService/%s" % (mesh, name),
            "createdAt": 1700000000.5,
            "lastUpdatedAt": 1700000100.25,
            "meshOwner": "123456789012",
            "resourceOwner": "123456789012",
            "uid": "a1b2c3d4-0000-4000-8000-000000000001",
            "version": 2,
        },
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "responder"
    sys_version = ""

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):  # quiet
        pass

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        url = urllib.parse.urlsplit(self.path)
        with LOCK:
            STATE["count"] += 1
            STATE["inflight"] += 1
            STATE["last"] = time.monotonic()
            n = STATE["count"]
            log_request({
                "method": self.command,
                "path": url.path,
                "query": url.query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
                "time": STATE["last"],
                "inflight": STATE["inflight"],
            })
            canned = take_response(url.path)
        self.in_flight = True
        try:
            self.respond(url, body, n, canned or {})
        finally:
            self.answered()

    def answered(self):
        """No longer in flight: called before the answer goes out, so that a client's next
        request on this connection never finds this one still counted."""
        if self.in_flight:
            self.in_flight = False
            with LOCK:
                STATE["inflight"] -= 1

    def respond(self, url, body, n, canned):
        if "delay" in canned:
            time.sleep(float(canned["delay"]))
        action = canned.get("action")
        if action == "close":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if action == "hang":
            deadline = time.monotonic() + float(canned.get("seconds", 30))
            while time.monotonic() < deadline:
                time.sleep(0.05)
            self.close_connection = True
            return
        status = int(canned.get("status", 200))
        headers = {"Content-Type": "application/json",
                   "x-amzn-RequestId": canned.get("requestId", "req-%d" % n)}
        if "error" in canned:
            headers["x-amzn-ErrorType"] = canned["error"] + APPMESH_ERROR_SUFFIX
            status = int(canned.get("status", 400))
            payload = json.dumps({"message": canned.get("message", canned["error"])})
        elif "json" in canned:
            payload = json.dumps(canned["json"])
        elif "body" in canned:
            payload = canned["body"]
        elif status >= 300:
            payload = "{}"
        elif self.command == "GET" and url.path.rstrip("/").endswith("/virtualServices"):
            payload = json.dumps({"virtualServices": []})
        else:
            data = echo_data(url.path, body)
            data.update(canned.get("echo", {}))
            payload = json.dumps(data)
        headers.update(canned.get("headers", {}))
        raw = payload.encode("utf-8")
        self.answered()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_PUT = do_POST = do_DELETE = answer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default listen backlog (5) drops connections when a pool opens many at once; the
    # client then retries the SYN a second later, and the specs would see fewer in flight.
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """Clients that hang up (interrupted calls, closed clients) are not errors here."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--control", help="control directory (made when absent)")
    parser.add_argument("--idle-exit", type=float, default=600.0,
                        help="exit after this many seconds without a request")
    args = parser.parse_args()
    STATE["control"] = args.control or tempfile.mkdtemp(prefix="appmesh-responder-")
    os.makedirs(STATE["control"], exist_ok=True)
    server = Server(("127.0.0.1", 0), Handler)
    print("http://127.0.0.1:%d" % server.server_address[1])
    print("control %s" % STATE["control"])
    print("pid %d" % os.getpid(), flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while time.monotonic() - STATE["last"] < args.idle_exit:
        time.sleep(0.5)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
