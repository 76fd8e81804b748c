#!/usr/bin/env bash
# `make run`'s last step: the django-tasks worker in the background and uvicorn in front, on
# http://127.0.0.1:$PORT (default 8000, or the next free port). Ctrl-C stops both.
#
# Neither runs under an autoreloader. DEBUG is off unless the environment turns it on
# (`DEBUG=true make run` for Django's debug pages), so visitors see the product's own 404 and 500
# pages. E-mail goes to var/mail/ (one file per message, mentoring.core.mail); the worker logs to
# var/log/worker.log; "serve: … on http://…" is the last line printed at start-up.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PY=.venv/bin/python
wanted=${PORT:-8000}

port=$("$PY" platform/free-ports.py "$wanted")
if [ "$port" != "$wanted" ]; then
	cat >&2 <<BANNER

  ************************************************************************
  *  Port $wanted is taken by another program: serving on port $port instead.
  *  Open http://127.0.0.1:$port/  (or stop the other program, or set PORT=...)
  ************************************************************************

BANNER
fi

pids=()
cleanup() {
	trap - EXIT INT TERM
	if [ ${#pids[@]} -gt 0 ]; then
		kill "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Links in emails point at the port actually served, unless the environment says otherwise.
export WAGTAILADMIN_BASE_URL="${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$port}"

export DEBUG="${DEBUG:-false}"
mkdir -p var/log var/mail staticfiles # WhiteNoise warns when STATIC_ROOT is missing

# run_worker: django-tasks' database worker, reconnecting after a database outage.
"$PY" manage.py run_worker >>var/log/worker.log 2>&1 &
pids+=($!)

# Warnings and errors only: uvicorn's start-up chatter would bury the line printed below.
# In the background so that the traps above run as soon as a signal arrives.
.venv/bin/uvicorn config.asgi:application --host 127.0.0.1 --port "$port" --log-level warning &
server=$!
pids+=("$server")

if "$PY" - "$port" "$server" <<'PY'; then
import os, sys, time, urllib.request
port, server = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(server, 0)
    except OSError:
        sys.exit(1)  # the server exited: its own error is above
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY
	echo "serve: Staffroom on http://127.0.0.1:$port/ (Ctrl-C to stop; e-mail in var/mail/, worker log in var/log/)"
else
	echo "serve: the server did not come up on port $port" >&2
fi
wait "$server"
