#!/usr/bin/env bash
# `make run`'s last step: the django-tasks worker in the background and uvicorn in front, on
# http://127.0.0.1:$PORT (default 8000, or the next free port). Ctrl-C stops both.
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

# db_worker comes from django-tasks-db (the database backend of django-tasks).
if "$PY" manage.py help db_worker >/dev/null 2>&1; then
	"$PY" manage.py db_worker &
	pids+=($!)
else
	echo "serve: warning: no db_worker command (is django_tasks_db installed?): background tasks will not run" >&2
fi

echo "serve: Staffroom on http://127.0.0.1:$port/ (Ctrl-C to stop)"
# In the background so that the traps above run as soon as a signal arrives.
.venv/bin/uvicorn config.asgi:application --host 127.0.0.1 --port "$port" &
server=$!
pids+=("$server")
wait "$server"
