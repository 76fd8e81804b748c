"""platform/run-workers.sh starts its processes as production runs them: DEBUG off.

The script is run for real, in a copy of the checkout's layout whose programs (the virtualenv's
python and uvicorn, redis-server, nginx, services.sh) are stand-ins that write down the
environment they were started with, so nothing here needs a database or a free port range.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RECORD = """#!/usr/bin/env bash
# Stand-in: write down how we were started, then stay up like the real program.
name=$(basename "$0")
[ "$name" = python ] && [ "$1" = platform/free-ports.py ] && exec {python} "$@"
{{
	echo "args=$*"
	echo "DEBUG=${{DEBUG-<unset>}}"
	echo "DJANGO_SETTINGS_MODULE=${{DJANGO_SETTINGS_MODULE-<unset>}}"
}} >"$RECORDS/$name.$$"
exec sleep 60
"""

REDIS = """#!/usr/bin/env bash
# Stand-in: listen on the port asked for, so the script's wait for Redis ends at once.
exec {python} -c "import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(); time.sleep(60)" "$2"
"""


def _stand_in(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.format(python=sys.executable))
    path.chmod(0o755)


def _layout(tmp_path: Path) -> tuple[Path, Path, Path]:
    root, bin_dir, records = tmp_path / "checkout", tmp_path / "bin", tmp_path / "records"
    records.mkdir()
    (root / "platform").mkdir(parents=True)
    for script in ("run-workers.sh", "free-ports.py"):
        shutil.copy2(ROOT / "platform" / script, root / "platform" / script)
    _stand_in(root / "platform" / "services.sh", "#!/usr/bin/env bash\nexit 0\n")
    _stand_in(root / ".venv" / "bin" / "python", RECORD)
    _stand_in(root / ".venv" / "bin" / "uvicorn", RECORD)
    _stand_in(bin_dir / "nginx", RECORD)
    _stand_in(bin_dir / "redis-server", REDIS)
    return root, bin_dir, records


def _started(records: Path) -> dict[str, dict[str, str]]:
    found = {}
    for record in records.iterdir():
        lines = record.read_text().splitlines()
        if len(lines) == 3:
            found[record.name] = dict(line.split("=", 1) for line in lines)
    return found


def test_run_workers_starts_web_and_task_workers_with_debug_off(tmp_path):
    root, bin_dir, records = _layout(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        PATH=f"{bin_dir}:/usr/bin:/bin", RECORDS=str(records), PORT="18500", TMPDIR=str(tmp_path)
    )
    process = subprocess.Popen(
        ["bash", "platform/run-workers.sh", "3"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            started = _started(records)
            web = [r for name, r in started.items() if name.startswith("uvicorn.")]
            tasks = [r for r in started.values() if "manage.py run_worker" in r["args"]]
            if len(web) == 3 and len(tasks) == 1:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"not everything started: {_started(records)}")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=20)[0]
    for record in [*web, *tasks]:
        assert record["DEBUG"] == "false", (record, output)
        # The local settings module reads DEBUG from the environment (nothing forces it on).
        assert record["DJANGO_SETTINGS_MODULE"] in {"<unset>", "config.settings.local"}
    debug = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env={
            **env,
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DEBUG": web[0]["DEBUG"],
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert debug.stdout.strip() == "False", debug.stderr
