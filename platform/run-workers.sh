#!/usr/bin/env bash
# Try the multi-process set-up on one machine:
#
#   platform/run-workers.sh [N]      (N uvicorn workers, default 2)
#
# Starts a throw-away redis-server on a free loopback port, N uvicorn workers on free ports with
# REDIS_URL pointing at it (channels-redis then carries websocket events between the workers),
# the django-tasks worker, and nginx in front on $PORT (default 8000, or the next free port) if
# nginx is installed; without nginx it prints the workers' ports. Ctrl-C stops everything.
# Run `make run` (or at least `make services migrate`) once before.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

workers=${1:-2}
[[ $workers =~ ^[1-9][0-9]*$ ]] || {
	echo "usage: platform/run-workers.sh [N]" >&2
	exit 2
}
PY=.venv/bin/python
[ -x "$PY" ] || {
	echo "run-workers: no .venv; run \`make run\` once first" >&2
	exit 1
}
command -v redis-server >/dev/null 2>&1 || {
	echo "run-workers: redis-server is not installed (apt-get install redis-server)" >&2
	exit 1
}

platform/services.sh start

# As production runs, and as `make run` does (platform/serve.sh): DEBUG off unless the
# environment turns it on. The settings module stays config.settings.local (e-mail to files,
# the development secret); with DEBUG on, visitors would get Django's technical error pages
# (settings, URL lists, tracebacks) instead of the product's own.
export DEBUG="${DEBUG:-false}"

tmp=$(mktemp -d /tmp/staffroom-workers.XXXXXX)
pids=()
cleanup() {
	trap - EXIT INT TERM
	echo "run-workers: stopping"
	if [ ${#pids[@]} -gt 0 ]; then
		kill "${pids[@]}" 2>/dev/null || true
		wait "${pids[@]}" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free ports from $PORT up: nginx's first if there is nginx, then one per worker, then Redis's.
have_nginx=$(command -v nginx >/dev/null 2>&1 && echo yes || echo no)
mapfile -t ports < <("$PY" platform/free-ports.py "${PORT:-8000}" $((workers + 2)))
if [ "$have_nginx" = yes ]; then
	front=${ports[0]}
	ports=("${ports[@]:1}")
fi
worker_ports=("${ports[@]:0:workers}")
redis_port=${ports[$workers]}

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$tmp" --logfile "$tmp/redis.log" &
pids+=($!)
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
for _ in $(seq 1 50); do
	(exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null && break
	sleep 0.1
done

for i in "${!worker_ports[@]}"; do
	.venv/bin/uvicorn config.asgi:application --host 127.0.0.1 --port "${worker_ports[$i]}" \
		>"$tmp/web-$((i + 1)).log" 2>&1 &
	pids+=($!)
done
"$PY" manage.py run_worker >"$tmp/tasks.log" 2>&1 &
pids+=($!)

echo "run-workers: Redis at $REDIS_URL"
for i in "${!worker_ports[@]}"; do
	echo "run-workers: worker $((i + 1)) on http://127.0.0.1:${worker_ports[$i]}/ (log $tmp/web-$((i + 1)).log)"
done

if [ "$have_nginx" = yes ]; then
	upstream=""
	for port in "${worker_ports[@]}"; do upstream+="        server 127.0.0.1:$port;"$'\n'; done
	mkdir -p "$tmp/nginx"
	# The production file (platform/deploy/nginx.conf) differs in sockets, TLS and static files.
	cat >"$tmp/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    map \$http_upgrade \$connection_upgrade { default upgrade; '' ''; }
    upstream staffroom_web {
        least_conn;
$upstream    }
    server {
        listen 127.0.0.1:$front;
        location / {
            proxy_pass http://staffroom_web;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection \$connection_upgrade;
            proxy_set_header Host \$http_host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_read_timeout 1h;
        }
    }
}
NGINX
	nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" -g 'daemon off;' &
	pids+=($!)
	echo "run-workers: nginx in front: http://127.0.0.1:$front/ (Ctrl-C to stop)"
else
	echo "run-workers: nginx is not installed: open one of the workers above (Ctrl-C to stop)"
fi

# Until Ctrl-C, or until any process exits.
wait -n "${pids[@]}" || true
echo "run-workers: a process exited; the last lines of the logs:" >&2
tail -n 5 "$tmp"/*.log "$tmp"/nginx/error.log 2>/dev/null >&2 || true
