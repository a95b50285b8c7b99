#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""appmesh-scm-1.rockspec: `luarocks make` into a fresh tree works offline and is complete."""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ARGS = None
WORK = None  # a copy of the source tree (luarocks builds in place) and the rock tree
MAKE = None  # the `luarocks make` result


def clean_env(**extra):
    drop = ("LUA_PATH", "LUA_PATH_5_4", "LUA_CPATH", "LUA_CPATH_5_4", "LUA_INIT", "LUA_INIT_5_4")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(extra)
    return env


def setUpModule():
    global WORK, MAKE
    WORK = tempfile.mkdtemp(prefix="appmesh-rock-")
    src = os.path.join(WORK, "src")
    top = os.path.realpath(ARGS.source_dir)

    def skip(directory, names):  # build trees only at the top; VCS data and caches anywhere
        at_top = os.path.realpath(directory) == top
        return [n for n in names
                if n in (".git", "__pycache__") or (at_top and n.startswith("build"))]

    shutil.copytree(ARGS.source_dir, src, symlinks=True, ignore=skip)
    MAKE = subprocess.run([ARGS.luarocks, "--lua-version", "5.4", "make", "--tree",
                           os.path.join(WORK, "tree"), "appmesh-scm-1.rockspec"],
                          cwd=src, capture_output=True, text=True, timeout=1500,
                          env=clean_env())


def tearDownModule():
    if WORK:
        shutil.rmtree(WORK, ignore_errors=True)


def tree(*parts):
    return os.path.join(WORK, "tree", *parts)


class LuarocksMake(unittest.TestCase):
    def setUp(self):
        self.assertEqual(MAKE.returncode, 0, MAKE.stdout[-3000:] + MAKE.stderr[-3000:])

    def test_installs_the_c_module_into_the_tree(self):
        self.assertTrue(os.path.isfile(tree("lib", "lua", "5.4", "appmesh.so")))

    def test_installs_appmesh_lua_into_the_tree(self):
        res = subprocess.run([tree("bin", "appmesh-lua"), "-e", 'print(require"appmesh"._VERSION)'],
                             capture_output=True, text=True, env=clean_env(), timeout=60)
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\n"), res.stderr)

    def test_tree_host_finds_the_tree_modules(self):
        directory = tree("share", "lua", "5.4", "appmesh")
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "zz_rock_probe.lua"), "w") as f:
            f.write("return { name = ... }\n")
        res = subprocess.run([tree("bin", "appmesh-lua"), "-e",
                              'print(require"appmesh.zz_rock_probe".name)'],
                             capture_output=True, text=True, env=clean_env(), timeout=60)
        self.assertEqual(res.stdout, "appmesh.zz_rock_probe\n", res.stderr)

    def test_plain_lua_requires_the_module_from_the_tree(self):
        env = clean_env(LUA_CPATH=tree("lib", "lua", "5.4", "?.so") + ";;")
        res = subprocess.run(["lua5.4", "-e", 'print(require"appmesh"._VERSION)'],
                             capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual((res.returncode, res.stdout), (0, "appmesh 0.1.0\n"), res.stderr)

    def test_installs_the_scripts_policies_and_man_pages_in_the_rock(self):
        res = subprocess.run([ARGS.luarocks, "--lua-version", "5.4", "show", "--rock-dir",
                              "--tree", tree(), "appmesh"],
                             capture_output=True, text=True, env=clean_env(), timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)
        rock = res.stdout.strip()
        for rel in ("scripts/bulk_update.lua", "scripts/dry_run.lua", "scripts/policy_check.lua",
                    "scripts/policies/allowed_meshes.lua", "man/appmesh-lua.1",
                    "man/appmesh-scripts.1"):
            self.assertTrue(os.path.isfile(os.path.join(rock, rel)), rel)
        res = subprocess.run([tree("bin", "appmesh-lua"),
                              os.path.join(rock, "scripts", "bulk_update.lua"), "--help"],
                             capture_output=True, text=True, env=clean_env(), timeout=60)
        self.assertEqual(res.returncode, 0, res.stderr)

    def test_installs_every_pure_lua_module(self):
        for src in glob.glob(os.path.join(ARGS.source_dir, "scripts", "lib", "appmesh", "*.lua")):
            self.assertTrue(os.path.isfile(tree("share", "lua", "5.4", "appmesh",
                                                os.path.basename(src))), src)


class Rockspec(unittest.TestCase):
    def test_lists_every_pure_lua_module(self):
        code = ("local env = {} "
                "assert(loadfile(os.getenv('ROCKSPEC'), 't', env))() "
                "local names = {} "
                "for mod, file in pairs(env.build.install.lua or {}) do "
                "  names[#names + 1] = mod .. '=' .. file end "
                "table.sort(names) print(table.concat(names, '\\n'))")
        rockspec = os.path.join(ARGS.source_dir, "appmesh-scm-1.rockspec")
        res = subprocess.run(["lua5.4", "-e", code], capture_output=True, text=True, check=True,
                             env=clean_env(ROCKSPEC=rockspec))
        listed = set(filter(None, res.stdout.split("\n")))
        expected = set()
        for src in glob.glob(os.path.join(ARGS.source_dir, "scripts", "lib", "appmesh", "*.lua")):
            name = os.path.splitext(os.path.basename(src))[0]
            expected.add(f"appmesh.{name}=scripts/lib/appmesh/{name}.lua")
        self.assertEqual(listed, expected)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--luarocks", default="luarocks")
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
