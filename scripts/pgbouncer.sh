#!/usr/bin/env bash
# A local PgBouncer in transaction pooling mode (what Neon's pooled "-pooler" URLs run) in front of
# the local PostgreSQL, for the pooler pass of .ci/run:
#
#   scripts/pgbouncer.sh start   # writes the config, starts it daemonized, waits until it answers
#   scripts/pgbouncer.sh stop    # stops it (and removes the run directory)
#   scripts/pgbouncer.sh status
#
# Environment (all optional):
#   PGBOUNCER_PORT       where it listens (default 6432, on 127.0.0.1)
#   PGBOUNCER_POOL_SIZE  server connections per database/user pair (default 2: small on purpose, so
#                        many app connections share few server sessions and anything relying on
#                        session state breaks in the tests instead of in production)
#   UPSTREAM_HOST, UPSTREAM_PORT  the PostgreSQL behind it (default 127.0.0.1:5432, trust auth)
#
# PgBouncer refuses to run as root: when run as root it runs as the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.." # node resolves pg from here

port=${PGBOUNCER_PORT:-6432}
pool_size=${PGBOUNCER_POOL_SIZE:-2}
upstream_host=${UPSTREAM_HOST:-127.0.0.1}
upstream_port=${UPSTREAM_PORT:-5432}
dir=${PGBOUNCER_RUN_DIR:-/tmp/todo-pgbouncer-$port}
bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)

as_owner() { # runs a command as the user that owns the run directory (postgres when we are root)
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

answers() { # true when a client gets through PgBouncer to PostgreSQL
  node -e "
    const c = new (require('pg').Client)({ host: '127.0.0.1', port: $port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1000 });
    c.connect().then(() => c.query('select 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));
  " 2>/dev/null
}

start() {
  [ -x "$bin" ] || { echo "pgbouncer: not installed (apt-get install -y pgbouncer)" >&2; exit 1; }
  if [ -f "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then
    echo "pgbouncer: already running on 127.0.0.1:$port (pid $(cat "$dir/pgbouncer.pid"))" >&2
    exit 1
  fi
  mkdir -p "$dir"
  # auth_type=any: PgBouncer asks the client for nothing and logs in as the user of the database
  # line; the PostgreSQL behind trusts local connections. Nothing here is a secret.
  # ignore_startup_parameters stays empty, like Neon's pooler: a client that sends a startup
  # parameter PgBouncer does not know (statement_timeout, options, …) is refused, as on Neon.
  cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=$upstream_host port=$upstream_port user=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = $pool_size
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 2000
max_db_connections = 0
server_lifetime = 3600
server_idle_timeout = 60
query_wait_timeout = 120
ignore_startup_parameters =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
  as_owner "$bin" -d "$dir/pgbouncer.ini"
  for _ in $(seq 1 50); do
    if answers; then
      echo "pgbouncer: transaction pooling on 127.0.0.1:$port → $upstream_host:$upstream_port (default_pool_size $pool_size, pid $(cat "$dir/pgbouncer.pid"))"
      return 0
    fi
    sleep 0.2
  done
  echo "pgbouncer: did not answer on 127.0.0.1:$port within 10 s; its log:" >&2
  tail -20 "$dir/pgbouncer.log" >&2 || true
  stop
  exit 1
}

stop() {
  if [ -f "$dir/pgbouncer.pid" ]; then
    local pid
    pid=$(cat "$dir/pgbouncer.pid")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
  fi
  rm -f "$dir/pgbouncer.ini" "$dir/pgbouncer.log" "$dir/pgbouncer.pid"
  rmdir "$dir" 2>/dev/null || true
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if answers; then echo "pgbouncer: answering on 127.0.0.1:$port"; else echo "pgbouncer: not answering on 127.0.0.1:$port"; exit 1; fi ;;
  *) echo "usage: scripts/pgbouncer.sh start|stop|status" >&2; exit 2 ;;
esac
