#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`cmake --install build --prefix P` gives CONTRACT.md's layout, and it works from P alone."""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ARGS = None
PREFIX = None  # one install shared by every case (setUpModule)
CLEAN_ENV_DROP = ("LUA_PATH", "LUA_PATH_5_4", "LUA_CPATH", "LUA_CPATH_5_4", "LUA_INIT",
                  "LUA_INIT_5_4", "PKG_CONFIG_PATH", "LD_LIBRARY_PATH")


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in CLEAN_ENV_DROP}
    env.update(extra)
    return env


def sanitizer_flags():
    return ["-fsanitize=address,undefined"] if ARGS.sanitize else []


def sanitizer_preload():
    """Loading an ASan-built module into plain lua5.4 needs the runtimes preloaded."""
    if not ARGS.sanitize:
        return {}
    libs = []
    for lib in ("libasan.so", "libubsan.so"):
        out = subprocess.run([ARGS.cc, f"-print-file-name={lib}"], capture_output=True,
                             text=True).stdout.strip()
        if os.path.isabs(out):
            libs.append(out)
    return {"LD_PRELOAD": " ".join(libs), "ASAN_OPTIONS": "detect_leaks=0"}


def setUpModule():
    global PREFIX
    PREFIX = tempfile.mkdtemp(prefix="appmesh-install-")
    res = subprocess.run([ARGS.cmake, "--install", ARGS.binary_dir, "--prefix", PREFIX],
                         capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError("cmake --install failed:\n" + res.stdout + res.stderr)


def tearDownModule():
    if PREFIX:
        shutil.rmtree(PREFIX, ignore_errors=True)


def p(*parts):
    return os.path.join(PREFIX, *parts)


class Layout(unittest.TestCase):
    def test_installs_the_public_headers(self):
        for header in glob.glob(os.path.join(ARGS.source_dir, "core", "include", "appmesh", "*.h")):
            self.assertTrue(os.path.isfile(p("include", "appmesh", os.path.basename(header))),
                            header)
        self.assertTrue(os.path.isfile(p("include", "appmesh", "version.h")))

    def test_embedding_header_declares_luaopen_appmesh(self):
        with open(p("include", "appmesh", "appmesh_lua.h")) as f:
            self.assertRegex(f.read(), r"int\s+luaopen_appmesh\s*\(\s*lua_State\s*\*\s*L\s*\)\s*;")

    def test_installs_the_shared_and_static_library(self):
        self.assertTrue(os.path.isfile(p("lib", "libappmesh.a")))
        self.assertTrue(os.path.exists(p("lib", "libappmesh.so")))

    def test_installs_both_pkg_config_files(self):
        for name in ("appmesh.pc", "appmesh-lua.pc"):
            self.assertTrue(os.path.isfile(p("lib", "pkgconfig", name)), name)

    def test_installs_the_lua_c_module(self):
        self.assertTrue(os.path.isfile(p("lib", "lua", "5.4", "appmesh.so")))

    def test_installs_every_pure_lua_module(self):
        sources = glob.glob(os.path.join(ARGS.source_dir, "scripts", "lib", "appmesh", "*.lua"))
        for src in sources:
            self.assertTrue(os.path.isfile(p("share", "lua", "5.4", "appmesh",
                                             os.path.basename(src))), src)
        if sources:
            self.assertFalse(os.path.exists(p("share", "lua", "5.4", "appmesh", "init.lua")))

    def test_installs_the_host(self):
        self.assertTrue(os.access(p("bin", "appmesh-lua"), os.X_OK))

    def test_module_does_not_link_liblua(self):
        res = subprocess.run(["readelf", "-d", p("lib", "lua", "5.4", "appmesh.so")],
                             capture_output=True, text=True, check=True)
        needed = re.findall(r"\(NEEDED\).*\[(.*)\]", res.stdout)
        self.assertTrue(needed, res.stdout)
        self.assertFalse([lib for lib in needed if "lua" in lib], needed)

    def test_host_links_liblua_dynamically_and_exports_its_symbols(self):
        res = subprocess.run(["readelf", "-d", "--dyn-syms", p("bin", "appmesh-lua")],
                             capture_output=True, text=True, check=True)
        self.assertRegex(res.stdout, r"\(NEEDED\).*\[liblua5\.4\.so")
        self.assertRegex(res.stdout, r"\bluaopen_appmesh\b")  # -Wl,-E: exported for modules


class Embedding(unittest.TestCase):
    """examples/embed_host.c built with nothing but `pkg-config appmesh-lua` from P."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="appmesh-embed-")
        env = clean_env(PKG_CONFIG_PATH=p("lib", "pkgconfig"))
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "appmesh-lua"],
                               capture_output=True, text=True, env=env)
        cls.flags = flags
        cls.exe = os.path.join(cls.tmp, "embed_host")
        cls.build = None
        if flags.returncode == 0:
            cls.build = subprocess.run(
                [ARGS.cc, "-std=c11", "-Wall", "-Wextra", "-Werror"] + sanitizer_flags() +
                ["-o", cls.exe, os.path.join(ARGS.source_dir, "examples", "embed_host.c")] +
                flags.stdout.split(), capture_output=True, text=True, timeout=120)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_host(self, *args):
        return subprocess.run([self.exe] + list(args), capture_output=True, text=True,
                              env=clean_env(LD_LIBRARY_PATH=p("lib")), timeout=60)

    def test_pkg_config_points_into_the_prefix(self):
        self.assertEqual(self.flags.returncode, 0, self.flags.stderr)
        self.assertIn("-I" + p("lib", "pkgconfig", "..", "..", "include"), self.flags.stdout)
        self.assertNotIn("-I" + p("lib", "pkgconfig", "..", "..", "include", "appmesh"),
                         self.flags.stdout)

    def test_pkg_config_reports_the_module_directories(self):
        env = clean_env(PKG_CONFIG_PATH=p("lib", "pkgconfig"))
        for var, rel in (("INSTALL_CMOD", "lib/lua/5.4"), ("INSTALL_LMOD", "share/lua/5.4")):
            res = subprocess.run(["pkg-config", f"--variable={var}", "appmesh-lua"],
                                 capture_output=True, text=True, env=env)
            self.assertEqual(os.path.realpath(res.stdout.strip()), os.path.realpath(p(rel)))

    def test_embed_example_compiles_with_pkg_config_only(self):
        self.assertIsNotNone(self.build, self.flags.stderr)
        self.assertEqual(self.build.returncode, 0, self.build.stderr)

    def test_embed_example_runs_its_builtin_script(self):
        if not self.build or self.build.returncode != 0:
            self.skipTest("did not compile")
        res = self.run_host()
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0 embedded in Lua 5.4\n"),
                         res.stderr)

    def test_embed_example_runs_a_script_file(self):
        if not self.build or self.build.returncode != 0:
            self.skipTest("did not compile")
        res = self.run_host(os.path.join(ARGS.source_dir, "examples", "hello.lua"))
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(res.stdout.startswith("appmesh 0.1.0\n"), res.stdout)

    def test_embed_example_reports_a_script_error_and_fails(self):
        if not self.build or self.build.returncode != 0:
            self.skipTest("did not compile")
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write("error('broken script')\n")
        try:
            res = self.run_host(f.name)
        finally:
            os.unlink(f.name)
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("broken script", res.stderr)
        self.assertIn("stack traceback:", res.stderr)


class InstalledHost(unittest.TestCase):
    def run_host(self, *args, **env):
        return subprocess.run([p("bin", "appmesh-lua")] + list(args), capture_output=True,
                              text=True, env=clean_env(**env), timeout=60, cwd=tempfile.gettempdir())

    def test_requires_appmesh_with_no_environment(self):
        res = self.run_host("-e", 'print(require"appmesh"._VERSION)')
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\n"), res.stderr)

    def test_finds_modules_under_the_prefix(self):
        res = self.run_host("-e", "io.write(package.path, '\\n', package.cpath)")
        path, cpath = res.stdout.split("\n")
        self.assertEqual(os.path.realpath(path.split(";")[0]),
                         os.path.realpath(p("share", "lua", "5.4", "?.lua")))
        self.assertEqual(os.path.realpath(cpath.split(";")[0]),
                         os.path.realpath(p("lib", "lua", "5.4", "?.so")))
        self.assertIn("/usr/share/lua/5.4/?.lua", path.split(";"))  # Debian's stay reachable

    def test_requires_an_installed_appmesh_submodule(self):
        directory = p("share", "lua", "5.4", "appmesh")
        os.makedirs(directory, exist_ok=True)
        probe = os.path.join(directory, "zz_install_probe.lua")
        with open(probe, "w") as f:
            f.write("return { name = ... }\n")
        try:
            res = self.run_host("-e", 'print(require"appmesh.zz_install_probe".name)')
        finally:
            os.unlink(probe)
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh.zz_install_probe\n"),
                         res.stderr)

    def test_installs_the_scripts_policies_and_man_pages(self):
        for name in ("bulk_update.lua", "dry_run.lua", "policy_check.lua"):
            self.assertTrue(os.path.isfile(p("share", "appmesh", "scripts", name)), name)
        for src in glob.glob(os.path.join(ARGS.source_dir, "scripts", "policies", "*.lua")):
            self.assertTrue(os.path.isfile(p("share", "appmesh", "scripts", "policies",
                                             os.path.basename(src))), src)
        for page in ("appmesh-lua.1", "appmesh-scripts.1"):
            self.assertTrue(os.path.isfile(p("share", "man", "man1", page)), page)

    def installed_policy_check(self, command, env):
        """policy_check.lua, installed, on a manifest an installed policy denies: exit 1."""
        with tempfile.TemporaryDirectory() as tmp:
            manifest = os.path.join(tmp, "m.json")
            with open(manifest, "w") as f:
                f.write('{"meshName": "other", "virtualServiceName": "a.local", "spec": {}}')
            return subprocess.run(command + [p("share", "appmesh", "scripts", "policy_check.lua"),
                                             manifest, "--policy",
                                             p("share", "appmesh", "scripts", "policies",
                                               "allowed_meshes.lua"),
                                             "--policy-arg", 'allowed_meshes=["demo-mesh"]'],
                                  capture_output=True, text=True, env=clean_env(**env),
                                  timeout=60, cwd=tmp)

    def test_installed_scripts_run_with_the_installed_host(self):
        res = self.run_host(p("share", "appmesh", "scripts", "bulk_update.lua"), "--help")
        self.assertEqual(res.returncode, 0, res.stderr)
        self.assertTrue(res.stdout.startswith("usage: "), res.stdout)
        res = self.installed_policy_check([p("bin", "appmesh-lua")], {})
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("deny  other/a.local", res.stdout)

    def test_installed_scripts_run_with_plain_lua(self):
        # what docs/design.md says: LUA_PATH and LUA_CPATH name the prefix's module directories
        env = dict(LUA_PATH=p("share", "lua", "5.4", "?.lua") + ";;",
                   LUA_CPATH=p("lib", "lua", "5.4", "?.so") + ";;", **sanitizer_preload())
        res = self.installed_policy_check(["lua5.4"], env)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("deny  other/a.local", res.stdout)

    def test_plain_lua_requires_the_installed_module(self):
        env = dict(LUA_CPATH=p("lib", "lua", "5.4", "?.so") + ";;", **sanitizer_preload())
        res = subprocess.run(["lua5.4", "-e", 'print(require"appmesh"._VERSION)'],
                             capture_output=True, text=True, env=clean_env(**env), timeout=60)
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\n"), res.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe")
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--binary-dir", required=True)
    parser.add_argument("--cmake", default="cmake")
    parser.add_argument("--cc", default="cc")
    parser.add_argument("--sanitize", action="store_true")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
