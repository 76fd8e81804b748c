#!/usr/bin/env bash
# Project-local services for development and tests: a PostgreSQL cluster (and Redis where
# installed), reachable only through Unix sockets so that two checkouts on one machine never
# collide on a port.
#
#   platform/services.sh start    start what is not running (idempotent), write var/services.env
#   platform/services.sh stop     stop both
#   platform/services.sh status   say what runs where; exit 0 when PostgreSQL is up, 3 when not
#   platform/services.sh env      print `export KEY=VALUE` lines: eval "$(platform/services.sh env)"
#   platform/services.sh destroy  stop, then delete the cluster and Redis data (make clean)
#
# Where: var/postgres/{data,run} and var/redis/ in the checkout, unless the socket path would be
# too long for a Unix socket or (when run as root) the `postgres` user cannot reach the checkout;
# then under /tmp/staffroom-<hash of the checkout path>/. var/cluster-dir records the choice.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
VAR="$ROOT/var"
ENV_FILE="$VAR/services.env"
DB_NAME=staffroom
DB_USER=staffroom
PG_PORT=5432 # only names the socket file (.s.PGSQL.5432): there is no TCP listener

say() { printf 'services: %s\n' "$*"; }
die() {
	printf 'services: error: %s\n' "$*" >&2
	exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# --- where the cluster lives ----------------------------------------------------------------

# Unix socket paths are limited to 107 bytes; the socket file adds 16 to the directory.
MAX_SOCKET_DIR=80

postgres_can_reach() {
	# CI clones may sit under a 0700 home directory that the postgres user cannot traverse.
	su postgres -s /bin/sh -c "test -x '$1'" 2>/dev/null
}

choose_base() {
	local in_repo="$VAR"
	if [ ${#in_repo} -le $((MAX_SOCKET_DIR - 13)) ] && { ! is_root || postgres_can_reach "$ROOT"; }; then
		# 13 = length of "/postgres/run"
		printf '%s\n' "$in_repo"
	else
		local hash
		hash=$(printf '%s' "$ROOT" | sha1sum | cut -c1-12)
		printf '/tmp/staffroom-%s\n' "$hash"
	fi
}

BASE=$(choose_base)
PGDATA="$BASE/postgres/data"
PGRUN="$BASE/postgres/run"
PGLOG="$BASE/postgres/postgres.log"
REDIS_DIR="$BASE/redis"
REDIS_SOCK="$REDIS_DIR/redis.sock"
REDIS_PID="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

# --- PostgreSQL binaries --------------------------------------------------------------------

find_pg_bindir() {
	local dir
	# Newest major version first: /usr/lib/postgresql/15/bin, /usr/lib/postgresql/14/bin, ...
	for dir in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5,5 -rn); do
		[ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && {
			printf '%s\n' "$dir"
			return
		}
	done
	if command -v pg_config >/dev/null 2>&1; then
		dir=$(pg_config --bindir 2>/dev/null || true)
		[ -n "$dir" ] && [ -x "$dir/initdb" ] && {
			printf '%s\n' "$dir"
			return
		}
	fi
	dir=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
	[ -x "$dir/initdb" ] && printf '%s\n' "$dir"
}

PGBIN=""
need_pg() {
	[ -n "$PGBIN" ] && return
	PGBIN=$(find_pg_bindir || true)
	[ -n "$PGBIN" ] || die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir); install them: apt-get install -y postgresql"
}

# initdb and pg_ctl refuse to run as root: run them as the postgres user then, from / since
# the current directory may be one postgres cannot enter (every path here is absolute).
as_pg() {
	if is_root; then
		if command -v runuser >/dev/null 2>&1; then
			(cd / && runuser -u postgres -- "$@")
		else
			(cd / && su postgres -s /bin/sh -c "$(printf '%q ' "$@")")
		fi
	else
		"$@"
	fi
}

pg_ready() {
	[ -S "$PGRUN/.s.PGSQL.$PG_PORT" ] &&
		"$PGBIN/pg_isready" -q -h "$PGRUN" -p "$PG_PORT" -U "$DB_USER" -d postgres >/dev/null 2>&1
}

# --- helpers --------------------------------------------------------------------------------

urlencode() {
	# Percent-encode everything but RFC 3986 unreserved characters ('/' becomes %2F).
	local LC_ALL=C s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[A-Za-z0-9._~-]) out+=$c ;;
		*) out+=$(printf '%%%02X' "'$c") ;;
		esac
	done
	printf '%s\n' "$out"
}

make_dirs() {
	mkdir -p "$VAR"
	if [ "$BASE" != "$VAR" ]; then
		if [ -e "$BASE" ] && [ "$(stat -c %u "$BASE")" != "$(id -u)" ]; then
			die "$BASE exists but belongs to someone else; remove it or move the checkout"
		fi
		mkdir -p "$BASE"
		chmod 0755 "$BASE"
	fi
	mkdir -p "$BASE/postgres" "$PGRUN" "$REDIS_DIR"
	chmod 0700 "$REDIS_DIR"
	if is_root; then
		chown postgres:postgres "$BASE/postgres" "$PGRUN"
		[ -d "$PGDATA" ] && chown -R postgres:postgres "$PGDATA"
	fi
	printf '%s\n' "$BASE" >"$VAR/cluster-dir"
}

pick_locale() {
	if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
		echo C.UTF-8
	else
		echo C
	fi
}

init_cluster() {
	[ -s "$PGDATA/PG_VERSION" ] && return
	say "initialising a PostgreSQL cluster in $PGDATA"
	rm -rf "$PGDATA"
	as_pg "$PGBIN/initdb" -D "$PGDATA" -U "$DB_USER" --auth-local=trust --auth-host=reject \
		-E UTF8 --locale="$(pick_locale)" --no-sync >"$BASE/postgres/initdb.log" 2>&1 ||
		{
			cat "$BASE/postgres/initdb.log" >&2
			die "initdb failed"
		}
	# Settings that depend on where the checkout is are rewritten on every start.
	printf "\n# Staffroom: local settings, rewritten by platform/services.sh\ninclude_if_exists = 'staffroom.conf'\n" |
		as_pg tee -a "$PGDATA/postgresql.conf" >/dev/null
}

write_pg_conf() {
	local tmp="$PGDATA/staffroom.conf.tmp"
	# Development only: durability traded for speed; the data can be rebuilt by `make run`.
	cat >"$tmp" <<EOF
# Written by platform/services.sh on each start; edits here are lost.
listen_addresses = ''
unix_socket_directories = '${PGRUN//\'/\'\'}'
port = $PG_PORT
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	is_root && chown postgres:postgres "$tmp"
	mv "$tmp" "$PGDATA/staffroom.conf"
}

clear_stale_pid() {
	# After a crash postmaster.pid may name a process that is gone, or (after a reboot or a copy
	# of the checkout) a process that is not this cluster's postmaster. The postmaster's working
	# directory is its data directory, which tells them apart.
	local pidfile="$PGDATA/postmaster.pid" pid cwd
	[ -f "$pidfile" ] || return 0
	pid=$(head -n1 "$pidfile" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		if [ ! -d /proc/self ]; then
			return 0 # no /proc to tell: let postgres decide
		fi
		# A zombie (a killed postmaster nobody reaped) has no cwd either.
		cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null || true)
		if [ "$cwd" = "$(cd "$PGDATA" && pwd -P)" ]; then
			return 0 # our postmaster, perhaps still starting or recovering
		fi
	fi
	say "removing stale $pidfile (pid ${pid:-?} is gone or is not this cluster's postmaster)"
	rm -f "$pidfile" "$PGRUN/.s.PGSQL.$PG_PORT" "$PGRUN/.s.PGSQL.$PG_PORT.lock"
}

start_postgres() {
	need_pg
	if pg_ready; then
		return 0
	fi
	init_cluster
	write_pg_conf
	clear_stale_pid

	# A postmaster that is alive but not yet accepting connections (crash recovery): wait.
	if [ -f "$PGDATA/postmaster.pid" ]; then
		say "waiting for the running postmaster to accept connections"
		for _ in $(seq 1 60); do
			pg_ready && return 0
			[ -f "$PGDATA/postmaster.pid" ] || break
			sleep 0.5
		done
		pg_ready && return 0
	fi

	say "starting PostgreSQL ($(basename "$(dirname "$PGBIN")")) on socket $PGRUN"
	local attempt
	for attempt in 1 2 3 4 5; do
		# Children of a killed postmaster keep its shared memory for a moment; retry.
		# 9>&-: the daemon must not inherit (and so keep holding) the lock taken in with_lock.
		if as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGLOG" -w -t 60 start >/dev/null 9>&-; then
			break
		fi
		if [ "$attempt" -eq 5 ]; then
			tail -n 20 "$PGLOG" >&2 || true
			die "PostgreSQL did not start; see $PGLOG"
		fi
		sleep 2
		clear_stale_pid
	done
	for _ in $(seq 1 60); do
		pg_ready && return 0
		sleep 0.5
	done
	die "PostgreSQL started but does not answer on $PGRUN; see $PGLOG"
}

ensure_database() {
	local psql=("$PGBIN/psql" -X -q -h "$PGRUN" -p "$PG_PORT" -U "$DB_USER" -d postgres -v ON_ERROR_STOP=1)
	if [ "$("${psql[@]}" -tAc "select 1 from pg_database where datname = '$DB_NAME'")" != 1 ]; then
		say "creating database $DB_NAME"
		"${psql[@]}" -c "create database $DB_NAME"
	fi
}

stop_postgres() {
	need_pg
	if [ -f "$PGDATA/postmaster.pid" ] && as_pg "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
		say "stopping PostgreSQL"
		as_pg "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
	else
		say "PostgreSQL is not running"
	fi
}

# --- Redis (optional) -----------------------------------------------------------------------

redis_running() {
	local pid
	[ -S "$REDIS_SOCK" ] && [ -f "$REDIS_PID" ] || return 1
	pid=$(cat "$REDIS_PID" 2>/dev/null || true)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	if command -v redis-cli >/dev/null 2>&1; then
		[ "$(redis-cli -s "$REDIS_SOCK" ping 2>/dev/null)" = PONG ]
	fi
}

start_redis() {
	command -v redis-server >/dev/null 2>&1 || return 1
	redis_running && return 0
	say "starting Redis on socket $REDIS_SOCK"
	rm -f "$REDIS_PID"
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
		--daemonize yes --pidfile "$REDIS_PID" --dir "$REDIS_DIR" --logfile "$REDIS_LOG" \
		--save '' --appendonly no >/dev/null 9>&- ||
		{
			say "warning: redis-server did not start; see $REDIS_LOG"
			return 1
		}
	for _ in $(seq 1 50); do
		redis_running && return 0
		sleep 0.1
	done
	say "warning: redis-server did not come up; see $REDIS_LOG"
	return 1
}

stop_redis() {
	local pid
	if [ -f "$REDIS_PID" ] && pid=$(cat "$REDIS_PID") && kill -0 "$pid" 2>/dev/null; then
		say "stopping Redis"
		kill "$pid"
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -f "$REDIS_PID"
}

# --- services.env ---------------------------------------------------------------------------

write_env() {
	local with_redis=$1 tmp="$ENV_FILE.tmp"
	{
		printf 'DATABASE_URL=postgres://%s@%s/%s\n' "$DB_USER" "$(urlencode "$PGRUN")" "$DB_NAME"
		[ "$with_redis" = yes ] && printf 'LOCAL_REDIS_URL=unix://%s\n' "$REDIS_SOCK"
	} >"$tmp"
	if cmp -s "$tmp" "$ENV_FILE"; then rm -f "$tmp"; else mv "$tmp" "$ENV_FILE"; fi
}

# --- commands -------------------------------------------------------------------------------

with_lock() {
	# `make test` and `make run` may start at once in one checkout: serialise start/stop.
	mkdir -p "$VAR"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$VAR/.services.lock"
		flock -w 180 9 || die "another platform/services.sh is still running"
	fi
}

cmd_start() {
	with_lock
	make_dirs
	start_postgres
	ensure_database
	if start_redis; then
		write_env yes
		say "ready: PostgreSQL on $PGRUN, Redis on $REDIS_SOCK"
	else
		write_env no
		say "ready: PostgreSQL on $PGRUN (no Redis)"
	fi
}

cmd_stop() {
	with_lock
	stop_redis
	stop_postgres
}

cmd_status() {
	need_pg
	local rc=0
	if pg_ready; then
		say "PostgreSQL: running, socket $PGRUN, data $PGDATA"
	else
		say "PostgreSQL: stopped (data $PGDATA)"
		rc=3
	fi
	if ! command -v redis-server >/dev/null 2>&1; then
		say "Redis: not installed"
	elif redis_running; then
		say "Redis: running, socket $REDIS_SOCK"
	else
		say "Redis: stopped"
	fi
	return $rc
}

cmd_env() {
	[ -f "$ENV_FILE" ] || die "$ENV_FILE is missing; run platform/services.sh start"
	sed -e '/^[A-Z_][A-Z0-9_]*=/!d' -e 's/^/export /' "$ENV_FILE"
}

cmd_destroy() {
	cmd_stop
	say "deleting $BASE/postgres and $REDIS_DIR"
	rm -rf "$BASE/postgres" "$REDIS_DIR" "$ENV_FILE" "$VAR/cluster-dir"
	if [ "$BASE" != "$VAR" ]; then rmdir "$BASE" 2>/dev/null || true; fi
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
env) cmd_env ;;
destroy) cmd_destroy ;;
*)
	sed -n '2,13s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
	;;
esac
