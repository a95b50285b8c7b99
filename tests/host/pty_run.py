# SPDX-License-Identifier: MIT
"""Run a command on a pseudo-terminal and copy everything it writes to our stdout, byte for
byte; exit with its exit status. Used by the scripts' specs to see terminal-only output.

usage: /usr/bin/python3 tests/host/pty_run.py COMMAND [ARGS...]
"""
import os
import pty
import sys


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: pty_run.py COMMAND [ARGS...]\n")
        return 2
    os.environ.setdefault("TERM", "xterm")
    # pty.spawn copies what the child writes to our stdout (and our stdin to the child)
    status = pty.spawn(argv[1:])
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
