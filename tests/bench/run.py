"""Run every benchmark: each ``tests/bench/bench_*.py`` module's ``main()``, in name order.

``make bench`` calls this after starting the services. Pass module names (``bench_reads``) to run
only those. Exits non-zero if any bench fails or none is found.
"""

import importlib
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    names = argv or sorted(path.stem for path in HERE.glob("bench_*.py"))
    if not names:
        print(f"No benchmarks: add tests/bench/bench_*.py modules with a main() to {HERE}.")
        return 1
    failed = []
    for name in names:
        print(f"== {name}", flush=True)
        try:
            importlib.import_module(f"tests.bench.{name}").main()
        except Exception:
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"Failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
