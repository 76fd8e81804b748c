#!/usr/bin/env python3
"""Print COUNT free TCP ports on 127.0.0.1, the lowest first, starting at FIRST.

    platform/free-ports.py FIRST [COUNT]

Used by serve.sh and run-workers.sh. A port counts as free when it can be bound with
SO_REUSEADDR, as uvicorn binds, so a port in TIME_WAIT after a restart is still free.
(platform/ is not a Python package: this is a script, and the hyphen keeps it unimportable.)
"""

import socket
import sys


def is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main() -> int:
    first = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    found = []
    for port in range(first, min(first + 1000, 65536)):
        if is_free(port):
            found.append(port)
            if len(found) == count:
                print("\n".join(map(str, found)))
                return 0
    print(f"free-ports: fewer than {count} free ports from {first}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
