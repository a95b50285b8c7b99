#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The appmesh-lua REPL driven through a real pseudo-terminal, as a person types at it.

Deadlines here only catch hangs (a REPL that never answers); nothing asserts on timing.
"""
import argparse
import fcntl
import os
import pty
import re
import select
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
import unittest

ARGS = None
DEADLINE = 20.0  # seconds before an expected output counts as a hang
ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\x1b[=>]")
EXAMPLE_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


class Session:
    """appmesh-lua on a pty; expect() reads until a pattern shows in the cleaned output."""

    def __init__(self, home, args=(), env=None):
        self.output = b""  # everything read, escape sequences and CRs removed
        self.pos = 0  # where the next expect() starts looking
        child_env = {"HOME": home, "TERM": "xterm", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
                     "AWS_EC2_METADATA_DISABLED": "true"}  # no AWS settings, HOME is empty
        child_env.update(env or {})
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: a 24x200 terminal, then the REPL
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 200, 0, 0))
                os.execve(ARGS.exe, [ARGS.exe] + list(args), child_env)
            finally:
                os._exit(127)
        self.status = None

    def _read(self, timeout):
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            data = b""
        if not data:
            return None
        self.output += ANSI.sub(b"", data).replace(b"\r", b"")
        return True

    def expect(self, pattern):
        """Wait for a regex (bytes or str) after the last match; returns the match."""
        if isinstance(pattern, str):
            pattern = pattern.encode()
        regex = re.compile(pattern)
        end = time.monotonic() + DEADLINE
        while True:
            match = regex.search(self.output, self.pos)
            if match:
                self.pos = match.end()
                return match
            left = end - time.monotonic()
            if left <= 0 or self._read(min(left, 0.5)) is None and not regex.search(
                    self.output, self.pos):
                raise AssertionError(
                    f"no {pattern!r} in REPL output after {DEADLINE}s; since the last match:\n"
                    f"{self.output[self.pos:].decode(errors='replace')}")

    def editing(self):
        """Whether libedit has the terminal (canonical mode off): it is waiting for keys.
        Without libedit the terminal stays in canonical mode and buffers what is typed."""
        return ARGS.no_libedit or not termios.tcgetattr(self.fd)[3] & termios.ICANON

    def send(self, text, to_editor=True):
        """Type text. By default first wait until the line editor reads the terminal: libedit
        prints the prompt before it switches the terminal to raw mode, and a Ctrl-D typed in
        that gap is taken by the terminal, not the REPL. to_editor=False types at once (a
        Ctrl-C while code runs)."""
        if to_editor:
            end = time.monotonic() + DEADLINE
            while not self.editing():
                if time.monotonic() > end:
                    raise AssertionError("the REPL never started reading keys:\n" +
                                         self.output.decode(errors="replace"))
                self._read(0.01)
        os.write(self.fd, text.encode() if isinstance(text, str) else text)

    def line(self, text):
        self.send(text + "\r")

    def wait(self):
        """Wait for the process to end; returns its exit code."""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            self._read(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        raise AssertionError("appmesh-lua did not exit:\n" + self.output.decode(errors="replace"))

    def close(self):
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except ProcessLookupError:
                pass
            os.close(self.fd)
            self.status = -1


def needs_libedit(test):
    """Line editing, completion and history exist only in a build with libedit."""
    def run(self):
        if ARGS.no_libedit:
            self.skipTest("built without libedit (APPMESH_WITH_LIBEDIT=OFF)")
        return test(self)
    run.__name__ = test.__name__
    run.__doc__ = test.__doc__
    return run


class Repl(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.TemporaryDirectory()
        self.session = Session(self.home.name)
        self.addCleanup(self.home.cleanup)
        self.addCleanup(self.session.close)
        self.session.expect("\n> $")

    def prompt(self):
        self.session.expect(r"\n> ")

    def test_shows_a_banner_and_a_prompt(self):
        banner = self.session.output.decode().split("\n")[0]
        self.assertEqual(banner, "appmesh 0.1.0 (Lua 5.4) \u2014 region: not configured")

    def test_prints_an_expression_value(self):
        self.session.line("1+1")
        self.session.expect(r"1\+1\n2\n> ")

    def test_continues_incomplete_input(self):
        s = self.session
        s.line("function f()")
        s.expect(r"\n>> ")
        s.line("return 1 end")
        self.prompt()
        s.line("f()")
        s.expect(r"f\(\)\n1\n> ")

    def test_reports_an_error_then_goes_on(self):
        s = self.session
        s.line("error('boom')")
        s.expect(r"stdin:1: boom\nstack traceback:")
        self.prompt()
        s.line("1+1")
        s.expect(r"\n2\n> ")

    def test_reports_an_error_raised_while_printing_a_value(self):
        s = self.session
        s.line("setmetatable({}, {__tostring = function() error('no text') end})")
        s.expect(r"\nerror printing the result \(stdin:1: no text\)\n> ")
        s.line("{setmetatable({}, {__tostring = function() error({}) end})}")
        s.expect(r"\nerror printing the result \(\(error object is a table value\)\)\n> ")

    def test_shows_control_characters_in_strings_as_escapes(self):
        # a string from a server must not reach the terminal as an escape sequence: C0 controls
        # and C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F; U+009B is CSI) alike
        self.session.line('{s = "a\\27[31mb\\u{9b}31mc\\u{80}\\u{a0}"}')
        self.session.expect(r'\n\{ s = "a\\027\[31mb\\u\{9B\}31mc\\u\{80\}\xc2\xa0" \}\n> ')

    def test_pretty_prints_a_nested_table(self):
        self.session.line("{a = {b = {1, 2}}, s = 'q'}")
        self.session.expect(r'\n\{ a = \{ b = \{ 1, 2 \} \}, s = "q" \}\n> ')

    @needs_libedit
    def test_completes_a_table_field(self):
        s = self.session
        s.line("mytab = {alpha = 41}")
        self.prompt()
        s.send("mytab.al\t")
        s.expect(r"pha")
        s.line("+1")
        s.expect(r"\n42\n> ")

    @needs_libedit
    def test_completes_a_field_of_the_appmesh_module(self):
        s = self.session
        s.send("type(appmesh.cl\t")
        s.expect(r"ient")
        s.line(")")
        s.expect(r'\n"function"\n> ')

    @needs_libedit
    def test_completes_a_global_name(self):
        s = self.session
        s.line("unique_global_name = 7")
        self.prompt()
        s.send("unique_gl\t")
        s.expect("obal_name")
        s.line("")
        s.expect(r"\n7\n> ")

    @needs_libedit
    def test_completes_a_method_through_the_metatable(self):
        s = self.session
        s.line("str = 'abc'")
        self.prompt()
        s.send("str:up\t")  # string methods come from the string metatable's __index
        s.expect("per")
        s.line("()")
        s.expect(r'\n"ABC"\n> ')

    @needs_libedit
    def test_completes_a_client_method(self):
        s = self.session
        s.line("c = appmesh.client{region = 'us-east-1', endpoint = 'http://127.0.0.1:9', "
               "credentials = {accessKeyId = 'AKIDEXAMPLE', secretAccessKey = 'x'}}")
        self.prompt()
        s.send("req = c:create_virtual_rou\t")  # the method table behind the client's __index
        s.expect("ter")
        s.line("({meshName = 'm', virtualRouterName = 'r', spec = {}}, {dry_run = true})")
        self.prompt()
        s.line("req.method")
        s.expect(r'\n"PUT"\n> ')

    @needs_libedit
    def test_lists_a_client_methods_by_prefix(self):
        s = self.session
        s.line("c = appmesh.client{region = 'us-east-1', endpoint = 'http://127.0.0.1:9'}")
        self.prompt()
        s.send("c:list_virtual_\t")  # ambiguous: nothing to add
        s.send("\t")  # lists them
        s.expect(r"list_virtual_gateways\s+list_virtual_nodes\s+list_virtual_routers\s+"
                 r"list_virtual_services")
        s.line("nodes")
        s.expect(r"\n> ")

    @needs_libedit
    def test_completes_a_client_iterator_and_paginate(self):
        s = self.session
        s.line("c = appmesh.client{region = 'us-east-1', endpoint = 'http://127.0.0.1:9'}")
        self.prompt()
        s.send("it = c:pagi\t")
        s.expect("nate")
        s.line("('list_meshes', {})")
        self.prompt()
        s.send("it2 = c:gateway_ro\t")
        s.expect("utes")
        s.line("{meshName = 'm', virtualGatewayName = 'g'}")
        self.prompt()
        s.line("type(it) .. type(it2)")
        s.expect(r'\n"functionfunction"\n> ')

    @needs_libedit
    def test_completes_an_operation_of_the_appmesh_module(self):
        s = self.session
        s.send("type(appmesh.untag_re\t")
        s.expect("source")
        s.line(")")
        s.expect(r'\n"function"\n> ')
        s.send("#appmesh.operati\t")
        s.expect("ons")
        s.line("()")
        s.expect(r"\n38\n> ")

    @needs_libedit
    def test_tab_at_the_start_of_a_line_indents(self):
        s = self.session
        s.line("function h()")
        s.expect(r"\n>> ")
        s.send("\t")
        s.line("return 3 end")
        self.prompt()
        s.line("h()")
        s.expect(r"\n3\n> ")

    @needs_libedit
    def test_lists_completions_when_ambiguous(self):
        s = self.session
        s.line("t = {alpha = 1, alps = 2, beta = 3}")
        self.prompt()
        s.send("t.al\t")  # completes the shared "alp"
        s.expect("p")
        s.send("\t")  # nothing more to add: lists both
        s.expect(r"alpha\s+alps")
        s.line("s")
        s.expect(r"\n2\n> ")

    @needs_libedit
    def test_writes_the_history_file(self):
        s = self.session
        s.line("historymarker=1")
        self.prompt()
        s.send("\x04")
        self.assertEqual(s.wait(), 0)
        path = os.path.join(self.home.name, ".appmesh_history")
        with open(path, encoding="utf-8") as f:
            self.assertIn("historymarker=1\n", f.read())
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)

    @needs_libedit
    def test_reads_history_from_the_last_session(self):
        s = self.session
        s.line("recalled=5")
        self.prompt()
        s.send("\x04")
        self.assertEqual(s.wait(), 0)
        again = Session(self.home.name)
        self.addCleanup(again.close)
        again.expect("\n> $")
        again.send("\x1b[A")  # up arrow: the previous session's line
        again.line("")
        again.expect(r"\n> ")  # a statement: no value, a new prompt
        again.line("recalled")
        again.expect(r"\n5\n> ")

    def test_ctrl_c_stops_a_running_loop(self):
        s = self.session
        s.line("print('loop' .. 'ing') while true do end")
        s.expect(r"\nlooping\n")
        s.send("\x03", to_editor=False)
        s.expect(r"interrupted!")
        self.prompt()
        s.line("1+1")
        s.expect(r"\n2\n> ")

    def test_ctrl_c_at_an_empty_prompt_gives_a_new_prompt(self):
        s = self.session
        s.send("\x03")
        self.prompt()
        s.line("1+1")
        s.expect(r"\n2\n> ")

    def test_ctrl_c_typed_as_the_prompt_appears_is_not_lost(self):
        s = self.session
        s.send("\x03", to_editor=False)  # maybe before libedit has set up the terminal
        self.prompt()
        s.line("1+1")
        s.expect(r"\n2\n> ")

    def test_ctrl_c_drops_a_half_typed_line(self):
        s = self.session
        s.send("nosuchthing")
        s.expect("nosuchthing")
        s.send("\x03")
        self.prompt()
        s.line("1+1")
        s.expect(r"\n2\n> ")

    def test_ctrl_c_drops_an_unfinished_statement(self):
        s = self.session
        s.line("function g()")
        s.expect(r"\n>> ")
        s.send("\x03")
        self.prompt()
        s.line("1+1")
        s.expect(r"\n2\n> ")

    def test_ctrl_d_exits_0(self):
        self.session.send("\x04")
        self.assertEqual(self.session.wait(), 0)


class SilentServer:
    """A TCP server on loopback that accepts connections and never answers."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self.conns = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)
            self.accepted.set()

    def close(self):
        self.sock.close()
        for conn in self.conns:
            conn.close()


def module_has_client():
    """Whether the appmesh module built here can make a client (the C core has landed)."""
    code = ("local ok, c = pcall(require('appmesh').client, {region = 'us-east-1', "
            "endpoint = 'http://127.0.0.1:9', credentials = {accessKeyId = 'AKIDEXAMPLE', "
            f"secretAccessKey = '{EXAMPLE_KEY}'}}}}) "
            "os.exit(ok and type(c) == 'userdata' "
            "and type(c.update_virtual_service) == 'function' and 0 or 1)")
    res = subprocess.run([ARGS.exe, "-e", code], capture_output=True, timeout=60)
    return res.returncode == 0


class ReplInterruptsACall(unittest.TestCase):
    def setUp(self):
        if not module_has_client():
            self.skipTest("the appmesh module has no working client yet")
        self.server = SilentServer()
        self.addCleanup(self.server.close)
        self.home = tempfile.TemporaryDirectory()
        self.addCleanup(self.home.cleanup)
        self.session = Session(self.home.name)
        self.addCleanup(self.session.close)
        self.session.expect("\n> $")

    def test_ctrl_c_interrupts_a_call_waiting_for_the_server(self):
        s = self.session
        s.line(f"c = appmesh.client{{endpoint = 'http://127.0.0.1:{self.server.port}', "
               f"region = 'us-east-1', credentials = {{accessKeyId = 'AKIDEXAMPLE', "
               f"secretAccessKey = '{EXAMPLE_KEY}'}}, timeout = 600, connect_timeout = 600, "
               f"max_attempts = 1}}")
        s.expect(r"\n> ")
        s.line("c:update_virtual_service{meshName = 'm', virtualServiceName = 's', "
               "spec = {provider = {virtualNode = {virtualNodeName = 'n'}}}}")
        self.assertTrue(self.server.accepted.wait(DEADLINE), "the client never connected")
        typed = len(s.output)  # the echo of what was typed holds the key; nothing after may
        s.send("\x03", to_editor=False)
        s.expect(r"(?i)interrupted")
        s.expect(r"\n> ")
        self.assertNotIn(EXAMPLE_KEY.encode(), s.output[typed:])
        self.assertNotIn(b"EXAMPLEKEY", s.output[typed:])
        s.line("1+1")
        s.expect(r"\n2\n> ")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    parser.add_argument("--source-dir")
    parser.add_argument("--binary-dir")
    parser.add_argument("--sanitize", action="store_true")
    parser.add_argument("--no-libedit", action="store_true")
    ARGS, rest = parser.parse_known_args()
    ARGS.exe = os.path.abspath(ARGS.exe)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
