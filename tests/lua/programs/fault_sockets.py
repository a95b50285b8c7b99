# SPDX-License-Identifier: MIT
"""Two loopback ports for the fault matrix: one that refuses connections, one that never answers.

Prints `refused PORT`, then `blackhole PORT`, then `pid PID`, and keeps both sockets until
SIGTERM (start it under `setpriv --pdeathsig TERM` so that it never outlives its parent). `refused` is a socket bound to 127.0.0.1 that never listens (a connect gets
RST at once, and the port stays taken so nothing else can listen there). `blackhole` listens with
a backlog of 0 and never accepts; its accept queue is filled here first, so the kernel drops
every further SYN and a client's connect hangs until its own connect timeout (deterministic on
Linux loopback: a full accept queue drops the SYN whatever the SYN-cookie setting).
"""
import os
import signal
import socket
import sys


def main():
    refused = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    refused.bind(("127.0.0.1", 0))

    blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blackhole.bind(("127.0.0.1", 0))
    blackhole.listen(0)
    port = blackhole.getsockname()[1]
    # Fill the accept queue until a connect no longer completes.
    fillers = []
    for _ in range(16):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", port))
        except (socket.timeout, OSError):
            s.close()
            break
        fillers.append(s)
    else:
        sys.stderr.write("fault_sockets: the accept queue never filled\n")
        return 1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sys.stdout.write("refused %d\nblackhole %d\npid %d\n"
                     % (refused.getsockname()[1], port, os.getpid()))
    sys.stdout.flush()
    while True:
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
