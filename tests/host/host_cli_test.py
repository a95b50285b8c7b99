#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""appmesh-lua as a command: options, exit codes, error output, module paths, piped REPL."""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None  # set in main(): exe, source_dir, binary_dir, sanitize


def run(args, stdin=None, env=None, cwd=None):
    """Run appmesh-lua with args in a clean Lua and AWS environment; returns CompletedProcess."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("LUA_", "AWS_", "APPMESH_"))}
    # No shared config files, and the credential chain stays off the network.
    full_env.update(AWS_CONFIG_FILE="/nonexistent/appmesh-test-config",
                    AWS_SHARED_CREDENTIALS_FILE="/nonexistent/appmesh-test-credentials",
                    AWS_EC2_METADATA_DISABLED="true")
    full_env.update(env or {})
    return subprocess.run([ARGS.exe] + args, input=stdin, capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=60)


def lua_path_of(env=None, extra=()):
    res = run(list(extra) + ["-e", "io.write(package.path, '\\n', package.cpath)"], env=env)
    assert res.returncode == 0, res.stderr
    path, cpath = res.stdout.split("\n")
    return path.split(";"), cpath.split(";")


class Options(unittest.TestCase):
    def test_e_runs_code(self):
        res = run(["-e", "print(1 + 1)"])
        self.assertEqual((res.returncode, res.stdout, res.stderr), (0, "2\n", ""))

    def test_e_accepts_code_joined_to_the_option(self):
        res = run(["-eprint('joined')"])
        self.assertEqual(res.stdout, "joined\n")

    def test_several_e_run_in_order(self):
        res = run(["-e", "x = 1", "-e", "print(x + 1)"])
        self.assertEqual(res.stdout, "2\n")

    def test_script_gets_arg_table_and_varargs(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "args.lua")
            with open(script, "w") as f:
                f.write("print(arg[0], arg[1], arg[2], #arg, select('#', ...), ...)\n"
                        "print(arg[-1] == nil, arg[-1])\n")
            res = run([script, "one", "two"])
        self.assertEqual(res.returncode, 0, res.stderr)
        lines = res.stdout.splitlines()
        self.assertEqual(lines[0], f"{script}\tone\ttwo\t2\t2\tone\ttwo")
        self.assertEqual(lines[1], f"false\t{ARGS.exe}")

    def test_options_before_the_script_get_negative_indices(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "neg.lua")
            with open(script, "w") as f:
                f.write("print(arg[-2], arg[-1], arg[0], arg[1])\n")
            res = run(["-e", "x=1", script, "a"])
        self.assertEqual(res.stdout, f"-e\tx=1\t{script}\ta\n")

    def test_dash_runs_stdin_with_arguments(self):
        res = run(["-", "a", "b"], stdin="print('stdin', ...)\n")
        self.assertEqual((res.returncode, res.stdout), (0, "stdin\ta\tb\n"))

    def test_no_arguments_run_stdin_when_it_is_not_a_terminal(self):
        res = run([], stdin="print('from stdin')\n")
        self.assertEqual((res.returncode, res.stdout), (0, "from stdin\n"))

    def test_double_dash_ends_options(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "-odd.lua")
            with open(script, "w") as f:
                f.write("print('ran', ...)\n")
            res = run(["--", script, "-v"])
        self.assertEqual((res.returncode, res.stdout), (0, "ran\t-v\n"))

    def test_v_prints_the_version(self):
        res = run(["-v"])
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0 (Lua 5.4)\n"))

    def test_v_with_e_prints_the_version_then_runs(self):
        res = run(["-v", "-e", "print('after')"])
        self.assertEqual(res.stdout, "appmesh 0.1.0 (Lua 5.4)\nafter\n")

    def test_h_prints_usage_on_stdout_and_exits_0(self):
        res = run(["-h"])
        self.assertEqual(res.returncode, 0)
        self.assertTrue(res.stdout.startswith(f"usage: {ARGS.exe} [options] [script [args]]\n"))
        for option in ("-e stat", "-i ", "-l mod", "-v, --version", "-E ", "-W ", "-h, --help",
                       "-- ", "- "):
            self.assertIn("  " + option, res.stdout)
        self.assertEqual(res.stderr, "")

    def test_long_help_and_version_exit_0(self):
        res = run(["--help"])
        self.assertEqual((res.returncode, res.stderr), (0, ""))
        self.assertTrue(res.stdout.startswith(f"usage: {ARGS.exe} [options] [script [args]]\n"))
        res = run(["--version"])
        self.assertEqual((res.returncode, res.stdout, res.stderr),
                         (0, "appmesh 0.1.0 (Lua 5.4)\n", ""))
        res = run(["--versions"])
        self.assertEqual(res.returncode, 1)
        self.assertTrue(res.stderr.startswith(f"{ARGS.exe}: unrecognized option '--versions'"))

    def test_no_dump_makes_the_process_non_dumpable(self):
        # prctl(PR_GET_DUMPABLE) through the scripts' internal appmesh._os
        res = run(["--no-dump", "-e", "print(appmesh._os.dumpable())"])
        self.assertEqual((res.returncode, res.stdout), (0, "false\n"), res.stderr)
        res = run(["-e", "print(appmesh._os.dumpable())"])
        self.assertEqual((res.returncode, res.stdout), (0, "true\n"), res.stderr)
        res = run(["--help"])
        self.assertIn("--no-dump", res.stdout)

    def test_scripts_and_e_have_the_appmesh_global(self):
        res = run(["-e", "print(appmesh._VERSION, appmesh == require 'appmesh')"])
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\ttrue\n"), res.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "g.lua")
            with open(script, "w") as f:
                f.write("print(type(appmesh.client))\n")
            res = run([script])
        self.assertEqual((res.returncode, res.stdout), (0, "function\n"), res.stderr)

    def test_unknown_option_prints_usage_on_stderr_and_exits_1(self):
        res = run(["-x"])
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stdout, "")
        self.assertTrue(res.stderr.startswith(f"{ARGS.exe}: unrecognized option '-x'\nusage: "))

    def test_e_without_code_is_a_usage_error(self):
        res = run(["-e"])
        self.assertEqual(res.returncode, 1)
        self.assertTrue(res.stderr.startswith(f"{ARGS.exe}: '-e' needs argument\n"))

    def test_l_requires_a_module_into_a_global(self):
        res = run(["-l", "appmesh", "-e", "print(appmesh._VERSION)"])
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\n"), res.stderr)

    def test_l_with_a_name_uses_that_global(self):
        res = run(["-l", "am=appmesh", "-e", "print(am._VERSION)"])
        self.assertEqual(res.stdout, "appmesh 0.1.0\n", res.stderr)

    def test_W_turns_warnings_on(self):
        res = run(["-W", "-e", "warn('careful')"])
        self.assertEqual(res.stderr, "Lua warning: careful\n")

    def test_lua_init_runs_first(self):
        res = run(["-e", "print(x)"], env={"LUA_INIT": "x = 42"})
        self.assertEqual(res.stdout, "42\n")

    def test_E_ignores_lua_init_and_lua_path(self):
        res = run(["-E", "-e", "print(x, package.path:find('/nowhere/', 1, true))"],
                  env={"LUA_INIT": "x = 42", "LUA_PATH": "/nowhere/?.lua;;"})
        self.assertEqual(res.stdout, "nil\tnil\n")


class Errors(unittest.TestCase):
    def test_runtime_error_exits_1_with_message_and_traceback(self):
        res = run(["-e", "error('boom')"])
        self.assertEqual((res.returncode, res.stdout), (1, ""))
        self.assertTrue(res.stderr.startswith(
            f"{ARGS.exe}: (command line):1: boom\nstack traceback:\n"), res.stderr)

    def test_syntax_error_exits_1(self):
        res = run(["-e", "x = = 1"])
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stderr,
                         f"{ARGS.exe}: (command line):1: unexpected symbol near '='\n")

    def test_missing_script_exits_1(self):
        res = run(["/nonexistent/script.lua"])
        self.assertEqual(res.returncode, 1)
        self.assertEqual(res.stderr, f"{ARGS.exe}: cannot open /nonexistent/script.lua: No such file or directory\n")

    def test_error_object_with_tostring_prints_its_text(self):
        res = run(["-e", "error(setmetatable({}, {__tostring = function() return 'custom' end}))"])
        self.assertEqual((res.returncode, res.stderr), (1, f"{ARGS.exe}: custom\n"))

    def test_error_object_without_tostring_names_its_type(self):
        res = run(["-e", "error({})"])
        self.assertTrue(res.stderr.startswith(
            f"{ARGS.exe}: (error object is a table value)\n"), res.stderr)

    def test_sigint_and_sigterm_stop_a_script_with_128_plus_the_signal(self):
        full_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("LUA_", "AWS_", "APPMESH_"))}
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with tempfile.TemporaryDirectory() as tmp:
                ready = os.path.join(tmp, "ready")
                proc = subprocess.Popen(
                    [ARGS.exe, "-e", f"io.open('{ready}', 'w'):close() while true do end"],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env)
                while not os.path.exists(ready):
                    self.assertIsNone(proc.poll(), "appmesh-lua ended before the loop")
                    time.sleep(0.01)
                proc.send_signal(sig)
                _, err = proc.communicate(timeout=60)
                self.assertEqual(proc.returncode, code, err)
                self.assertTrue(err.startswith(f"{ARGS.exe}: interrupted!"), err)

    def test_a_signal_during_a_c_function_stops_with_the_same_message(self):
        # the hook then lands on the C function's return, not on a step of Lua code
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("LUA_", "AWS_", "APPMESH_"))}
        with tempfile.TemporaryDirectory() as tmp:
            ready = os.path.join(tmp, "ready")
            proc = subprocess.Popen(
                [ARGS.exe, "-e", f"io.open('{ready}', 'w'):close() io.popen('sleep 1'):read('a')"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            while not os.path.exists(ready):
                self.assertIsNone(proc.poll(), "appmesh-lua ended before the sleep")
                time.sleep(0.01)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            self.assertEqual(proc.returncode, 130, err)
            self.assertTrue(err.startswith(f"{ARGS.exe}: interrupted!\n"), err)

    def test_error_messages_show_control_characters_as_escapes(self):
        res = run(["-e", "error('a\\27[31mb\\7c\\tnext', 0)"])
        self.assertEqual(res.returncode, 1)
        self.assertTrue(res.stderr.startswith(f"{ARGS.exe}: a\\x1b[31mb\\x07c\tnext\nstack "
                                              "traceback:\n"), res.stderr)

    def test_an_unknown_appmesh_log_value_warns_once(self):
        code = ("appmesh.client{region = 'us-east-1'} appmesh.client{region = 'us-east-1'} "
                "print('made')")
        res = run(["-e", code], env={"APPMESH_LOG": "verbose"})
        self.assertEqual((res.returncode, res.stdout), (0, "made\n"), res.stderr)
        self.assertEqual(res.stderr, "appmesh: warning: APPMESH_LOG=verbose is not a known value "
                                     "(debug, off); ignored\n")
        for value in ("debug", "off", ""):
            res = run(["-e", code], env={"APPMESH_LOG": value})
            self.assertNotIn("warning", res.stderr)

    def test_os_exit_code_is_kept(self):
        self.assertEqual(run(["-e", "os.exit(3)"]).returncode, 3)

    def test_error_in_a_script_stops_later_options(self):
        res = run(["-e", "error('first')", "-e", "print('never')"])
        self.assertEqual((res.returncode, res.stdout), (1, ""))


class ModulePaths(unittest.TestCase):
    def test_appmesh_is_preloaded(self):
        res = run(["-e", "print(package.preload.appmesh ~= nil, require('appmesh')._VERSION)"])
        self.assertEqual(res.stdout, "true\tappmesh 0.1.0\n", res.stderr)

    def test_build_tree_finds_the_source_tree_modules_first(self):
        path, _ = lua_path_of()
        self.assertEqual(path[0], os.path.join(ARGS.source_dir, "scripts", "lib", "?.lua"))
        self.assertNotIn(os.path.join(ARGS.source_dir, "scripts", "lib", "?", "init.lua"), path)

    def test_default_paths_stay_reachable(self):
        path, cpath = lua_path_of()
        self.assertIn("/usr/share/lua/5.4/?.lua", path)
        self.assertIn("/usr/lib/x86_64-linux-gnu/lua/5.4/?.so", cpath)

    def test_lua_path_entries_stay_reachable(self):
        path, _ = lua_path_of(env={"LUA_PATH": "/extra/?.lua;;"})
        self.assertIn("/extra/?.lua", path)
        self.assertIn("/usr/share/lua/5.4/?.lua", path)

    def test_requires_an_appmesh_submodule_from_a_second_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            os.makedirs(os.path.join(tmp, "appmesh"))
            with open(os.path.join(tmp, "appmesh", "probe.lua"), "w") as f:
                f.write("return { name = ... }\n")
            res = run(["-e", "print(require('appmesh.probe').name, require('appmesh')._VERSION)"],
                      env={"LUA_PATH": os.path.join(tmp, "?.lua") + ";;"})
        self.assertEqual(res.stdout, "appmesh.probe\tappmesh 0.1.0\n", res.stderr)

    def test_system_c_module_cjson_loads(self):
        res = run(["-e", "print(require('cjson').encode({1, 2}))"])
        if "module 'cjson' not found" in res.stderr:
            self.skipTest("lua-cjson is not installed")
        self.assertEqual((res.returncode, res.stdout), (0, "[1,2]\n"), res.stderr)

    def test_plain_lua_requires_the_module_from_build(self):
        env = dict(os.environ, LUA_CPATH=os.path.join(ARGS.binary_dir, "?.so") + ";;")
        if ARGS.sanitize:
            env.update(sanitizer_preload())
        res = subprocess.run(["lua5.4", "-e", "print(require('appmesh')._VERSION)"],
                             capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\n"), res.stderr)


class PipedRepl(unittest.TestCase):
    """-i with stdin not a terminal: the REPL without line editing, as a pipe sees it."""

    def repl(self, text):
        res = run(["-i"], stdin=text)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res

    def test_banner_says_when_no_region_is_configured(self):
        first = self.repl("").stdout.splitlines()[0]
        self.assertEqual(first, "appmesh 0.1.0 (Lua 5.4) \u2014 region: not configured")

    def test_banner_names_the_default_clients_region_and_endpoint(self):
        res = run(["-i"], stdin="", env={"AWS_REGION": "eu-west-1"})
        self.assertEqual(res.stdout.splitlines()[0], "appmesh 0.1.0 (Lua 5.4) \u2014 region "
                         "eu-west-1, endpoint https://appmesh.eu-west-1.amazonaws.com")

    def test_banner_says_why_there_is_no_default_client(self):
        # the region is configured: the settings are wrong, and the banner says which
        res = run(["-i"], stdin="", env={"AWS_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "abc"})
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertEqual(res.stdout.splitlines()[0], "appmesh 0.1.0 (Lua 5.4) \u2014 no default "
                         "client: CredentialsError: AWS_MAX_ATTEMPTS must be an integer from 1 "
                         "to 100, got 'abc'")

    def test_banner_shows_a_configured_endpoint_and_no_secret(self):
        secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        res = run(["-i"], stdin="appmesh.default_client()\n",
                  env={"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_APP_MESH":
                       "http://127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                       "AWS_SECRET_ACCESS_KEY": secret, "AWS_SESSION_TOKEN": "TOKEN-SECRET"})
        self.assertEqual(res.stdout.splitlines()[0], "appmesh 0.1.0 (Lua 5.4) \u2014 region "
                         "us-east-1, endpoint http://127.0.0.1:9000")
        self.assertIn("appmesh.Client (us-east-1, http://127.0.0.1:9000)", res.stdout)
        for text in (secret, "EXAMPLEKEY", "TOKEN-SECRET"):
            self.assertNotIn(text, res.stdout + res.stderr)

    def test_expression_prints_its_value(self):
        self.assertIn("> 2\n", self.repl("1+1\n").stdout)

    def test_several_values_are_tab_separated(self):
        self.assertIn('> 1\t"a"\tnil\n', self.repl("1, 'a', nil\n").stdout)

    def test_statement_prints_nothing(self):
        self.assertEqual(self.repl("x = 1\n").stdout.split("\n", 1)[1], "> > \n")

    def test_equals_prefix_means_return(self):
        self.assertIn("> 6\n", self.repl("=2*3\n").stdout)

    def test_incomplete_input_continues(self):
        out = self.repl("function f()\nreturn 41 + 1 end\nf()\n").stdout
        self.assertIn("> >> > 42\n", out)

    def test_error_is_reported_and_the_session_goes_on(self):
        res = self.repl("error('boom')\n1+1\n")
        self.assertIn("stdin:1: boom\nstack traceback:", res.stderr)
        self.assertNotIn(ARGS.exe, res.stderr)  # no program name in the REPL
        self.assertIn("> 2\n", res.stdout)

    def test_unfinished_input_at_eof_reports_the_syntax_error(self):
        res = self.repl("function f()\n")
        self.assertIn("'end' expected", res.stderr)

    def test_nested_table_prints_on_one_line_when_short(self):
        out = self.repl("{a = {b = {1, 2}}, s = 'q', [10] = true}\n").stdout
        self.assertIn('> { [10] = true, a = { b = { 1, 2 } }, s = "q" }\n', out)

    def test_strings_are_quoted_and_escaped(self):
        out = self.repl("'a\"b\\n\\1'\n").stdout
        self.assertIn('> "a\\"b\\n\\001"\n', out)

    def test_keys_sort_numbers_strings_then_others(self):
        out = self.repl("{z = 1, [2] = 'two', a = 2, [false] = 0, ['not id'] = 3}\n").stdout
        self.assertIn('{ [2] = "two", a = 2, ["not id"] = 3, z = 1, [false] = 0 }', out)

    def test_cycle_is_marked(self):
        out = self.repl("t = {} t.self = t t.list = {t}\nt\n").stdout
        self.assertIn("{ list = { <cycle> }, self = <cycle> }", out)

    def test_shared_table_is_not_a_cycle(self):
        out = self.repl("s = {1} t = {a = s, b = s}\nt\n").stdout
        self.assertIn("{ a = { 1 }, b = { 1 } }", out)

    def test_long_string_is_cut_like_a_long_table(self):
        out = self.repl("string.rep('ab', 2500)\n('x'):rep(999) .. '\\u{e9}'\n").stdout
        self.assertIn('> "' + "ab" * 500 + '"... (4000 more bytes)\n', out)
        # a UTF-8 character is never cut in two
        self.assertIn('"' + "x" * 999 + '"... (2 more bytes)\n', out)

    def test_long_table_is_cut(self):
        out = self.repl("local t = {} for i = 1, 120 do t[i] = i end return t\n").stdout
        self.assertIn("49, 50, ... (70 more)\n}", out)
        self.assertNotIn(" 51,", out)

    def test_wide_table_prints_one_field_per_line_nested(self):
        out = self.repl("{meshName = 'ecs-mesh', virtualServiceName = "
                        "'colorgateway.default.svc.cluster.local', spec = {provider = "
                        "{virtualNode = {virtualNodeName = 'colorgateway-vn'}}}}\n").stdout
        self.assertIn('{\n  meshName = "ecs-mesh",\n'
                      '  spec = { provider = { virtualNode = { virtualNodeName = '
                      '"colorgateway-vn" } } },\n'
                      '  virtualServiceName = "colorgateway.default.svc.cluster.local"\n}\n',
                      out)

    def test_object_with_tostring_prints_its_text(self):
        out = self.repl("setmetatable({}, {__tostring = function() return 'OBJ' end})\n").stdout
        self.assertIn("> OBJ\n", out)

    def test_prompt_globals_are_used(self):
        out = self.repl("_PROMPT = 'lua$ '\n1\n").stdout
        self.assertIn("lua$ 1\n", out)

    def test_appmesh_is_a_global_in_the_repl(self):
        self.assertIn('> "appmesh 0.1.0"\n', self.repl("appmesh._VERSION\n").stdout)

    def test_i_runs_the_script_first(self):
        with tempfile.TemporaryDirectory() as tmp:
            script = os.path.join(tmp, "setup.lua")
            with open(script, "w") as f:
                f.write("greeting = 'hi'\n")
            res = run(["-i", script], stdin="greeting\n")
        self.assertIn('> "hi"\n', res.stdout)

    def test_long_input_line_is_read_whole(self):
        expr = "+".join(["1"] * 600)  # 1199 characters: several fgets chunks
        self.assertIn("> 600\n", self.repl(expr + "\n").stdout)


def sanitizer_preload():
    """Loading an ASan-built module into plain lua5.4 needs the runtimes preloaded."""
    libs = []
    for lib in ("libasan.so", "libubsan.so"):
        out = subprocess.run(["gcc", f"-print-file-name={lib}"], capture_output=True,
                             text=True).stdout.strip()
        if os.path.isabs(out):
            libs.append(out)
    return {"LD_PRELOAD": " ".join(libs), "ASAN_OPTIONS": "detect_leaks=0"}


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--binary-dir", required=True)
    parser.add_argument("--sanitize", action="store_true")
    ARGS, rest = parser.parse_known_args()
    ARGS.exe = os.path.abspath(ARGS.exe)
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
