#!/usr/bin/env bash
# The scale-out topology on one machine (loopback only): HAProxy in front of N API processes
# (`npm start`, the compiled server) on one PostgreSQL and one Redis.
#
#   scripts/cluster.sh start            # migrate, start N processes and HAProxy, wait until all are ready
#   scripts/cluster.sh stop             # SIGTERM everything (each process drains), remove nothing but pids
#   scripts/cluster.sh status           # which processes run, and what HAProxy thinks of them
#   scripts/cluster.sh restart <i>      # graceful restart of process i (SIGTERM, wait for exit, start, wait until ready)
#   scripts/cluster.sh rolling-restart  # restart 1, 2, … N in turn
#   scripts/cluster.sh kill <i>         # SIGKILL the server of process i (a crash); `restart <i>` brings it back
#   scripts/cluster.sh token <user>     # a bearer token the processes accept
#
# Environment (all optional):
#   CLUSTER_PROCESSES   N (default 2)
#   CLUSTER_PORT        where HAProxy listens (default 8600; http://127.0.0.1:8600)
#   CLUSTER_APP_PORTS   the processes' ports, comma-separated (default 8601, 8602, …)
#   CLUSTER_DIR         run directory: haproxy.cfg, pids, logs, the generated secret (default .cluster)
#   DATABASE_URL        default postgres://postgres@127.0.0.1:5432/todo_cluster (created when missing)
#   REDIS_URL           default redis://127.0.0.1:6379; REDIS_KEY_PREFIX default todo-api:cluster:
#   BETTER_AUTH_SECRET  default: generated once into $CLUSTER_DIR/secret
#   LOG_LEVEL           the processes' (default warn; logs in $CLUSTER_DIR/app-<i>.log)
#
# What it sets on purpose: each process TRUST_PROXY=127.0.0.1 (the balancer; it sends
# X-Forwarded-For), DRAIN_DELAY_SECONDS=1 (on SIGTERM, /ready is 503 for 1 s before the listener
# closes: HAProxy checks /ready every 200 ms and takes a server out after 2 failures), NODE_ENV=production
# (migrations are a separate step, run here once before the processes start).
# HAProxy (Debian package `haproxy`) is installed with apt when missing (needs root).
set -euo pipefail
cd "$(dirname "$0")/.."

n=${CLUSTER_PROCESSES:-2}
front_port=${CLUSTER_PORT:-8600}
dir=${CLUSTER_DIR:-.cluster}
database_url=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/todo_cluster}
redis_url=${REDIS_URL:-redis://127.0.0.1:6379}
redis_prefix=${REDIS_KEY_PREFIX:-todo-api:cluster:}
log_level=${LOG_LEVEL:-warn}
if [ -n "${CLUSTER_APP_PORTS:-}" ]; then
  IFS=, read -r -a ports <<<"$CLUSTER_APP_PORTS"
  n=${#ports[@]}
else
  ports=()
  for i in $(seq 1 "$n"); do ports+=($((front_port + i))); done
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

secret() {
  if [ -n "${BETTER_AUTH_SECRET:-}" ]; then echo "$BETTER_AUTH_SECRET"; return; fi
  [ -f "$dir/secret" ] || node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64url'))" >"$dir/secret"
  cat "$dir/secret"
}

ensure_haproxy() {
  command -v haproxy >/dev/null && return
  echo "cluster: installing haproxy (apt)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
}

ensure_database() { # CREATE DATABASE when it does not exist (on the server's postgres database)
  DB_URL=$database_url node -e "
    const pg = require('pg');
    const url = new URL(process.env.DB_URL);
    const name = decodeURIComponent(url.pathname.slice(1));
    url.pathname = '/postgres';
    const c = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2000 });
    c.connect()
      .then(() => c.query('select 1 from pg_database where datname = \$1', [name]))
      .then((r) => (r.rowCount ? null : c.query('create database \"' + name.replaceAll('\"', '\"\"') + '\"')))
      .then(() => c.end())
      .then(() => process.exit(0), (e) => { console.error('cluster: database: ' + e.message); process.exit(1); });
  "
}

ready() { # true when process i's /ready answers 200
  node -e "require('http').get('http://127.0.0.1:$1/ready', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"
}

haproxy_cmd() { # one command on HAProxy's stats socket; prints the answer
  node -e "
    const s = require('net').connect(process.argv[1], () => s.end(process.argv[2] + '\\n'));
    let out = ''; s.on('data', (d) => (out += d)); s.on('end', () => process.stdout.write(out));
    s.on('error', () => process.exit(1));
  " "$dir/haproxy.sock" "$1"
}

wait_in_rotation() { # waits until HAProxy routes to process i again (its checks passed `rise` times)
  local i=$1 until=$((SECONDS + 30))
  alive "$dir/haproxy.pid" || return 0
  # show servers state: field 6 is srv_op_state, 2 = running.
  until haproxy_cmd "show servers state servers" | awk -v s="app$i" '$4 == s && $6 == 2 { found = 1 } END { exit !found }'; do
    [ $SECONDS -lt $until ] || { echo "cluster: HAProxy did not put process $i back within 30 s" >&2; return 1; }
    sleep 0.1
  done
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_one() { # starts process i (1-based) with `npm start`, waits until its /ready is 200
  local i=$1 port=${ports[$(($1 - 1))]}
  if alive "$dir/app-$i.pid"; then echo "cluster: process $i already runs (pid $(cat "$dir/app-$i.pid"))" >&2; return; fi
  # npm start execs node (package.json), so npm's only child is the server: its pid is kept for `kill`.
  env NODE_ENV=production HOST=127.0.0.1 PORT="$port" DATABASE_URL="$database_url" \
    REDIS_URL="$redis_url" REDIS_KEY_PREFIX="$redis_prefix" BETTER_AUTH_SECRET="$(secret)" \
    TRUST_PROXY=127.0.0.1 DRAIN_DELAY_SECONDS=1 LOG_LEVEL="$log_level" \
    nohup npm start >>"$dir/app-$i.log" 2>&1 </dev/null &
  echo $! >"$dir/app-$i.pid"
  local until=$((SECONDS + 60))
  until ready "$port"; do
    if ! alive "$dir/app-$i.pid"; then echo "cluster: process $i exited; see $dir/app-$i.log" >&2; tail -5 "$dir/app-$i.log" >&2; return 1; fi
    [ $SECONDS -lt $until ] || { echo "cluster: process $i not ready within 60 s" >&2; return 1; }
    sleep 0.1
  done
  pgrep -P "$(cat "$dir/app-$i.pid")" -f dist/src/server.js >"$dir/server-$i.pid" || true
  echo "cluster: process $i ready on 127.0.0.1:$port (npm pid $(cat "$dir/app-$i.pid"), server pid $(cat "$dir/server-$i.pid"))"
}

stop_one() { # SIGTERM to the npm process (forwarded to the server, which drains), waits for it to exit
  local i=$1
  alive "$dir/app-$i.pid" || { rm -f "$dir/app-$i.pid" "$dir/server-$i.pid"; return 0; }
  local pid
  pid=$(cat "$dir/app-$i.pid")
  kill -TERM "$pid"
  local until=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    [ $SECONDS -lt $until ] || { echo "cluster: process $i did not exit within 30 s; SIGKILL" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    sleep 0.1
  done
  rm -f "$dir/app-$i.pid" "$dir/server-$i.pid"
}

write_haproxy_cfg() {
  {
    cat <<EOF
global
    maxconn 4096
    pidfile $dir/haproxy.pid
    stats socket $dir/haproxy.sock mode 600 level admin

defaults
    mode http
    timeout connect 1s
    # Idle keep-alive connections: clients may stay 60 s; HAProxy's own to the servers are closed by
    # HAProxy well before the app's KEEP_ALIVE_TIMEOUT_SECONDS (72 s), so the app never closes a
    # connection HAProxy is about to reuse.
    timeout client 60s
    timeout http-keep-alive 60s
    timeout server 35s
    timeout http-request 10s
    option http-keep-alive
    # X-Forwarded-For: the client's address, which the app trusts from 127.0.0.1 only (TRUST_PROXY).
    option forwardfor

frontend api
    bind 127.0.0.1:$front_port
    default_backend servers

backend servers
    balance roundrobin
    # Readiness: /ready is 503 while a process drains (DRAIN_DELAY_SECONDS) or its database is
    # down; 2 failures 200 ms apart take it out, 2 successes bring it back.
    option httpchk GET /ready
    http-check expect status 200
    # A check's own timeout (without it, inter = 200 ms: a busy but healthy process would be taken out).
    timeout check 2s
    default-server inter 200ms fastinter 200ms downinter 200ms fall 2 rise 2
    # Only a connection that failed (refused, reset before it was established) is retried, on
    # another server: the request never reached a process, so even a POST is safe to resend.
    # Never retried: anything sent to a process that then died (it may have been applied).
    retries 3
    option redispatch 1
    retry-on conn-failure
    # Which process answered (to see one user's requests spread over the processes).
    http-response set-header X-Served-By %s
EOF
    for i in $(seq 1 "$n"); do
      echo "    server app$i 127.0.0.1:${ports[$((i - 1))]} check"
    done
  } >"$dir/haproxy.cfg"
}

case "${1:-}" in
  start)
    ensure_haproxy
    [ -f dist/src/server.js ] || npm run -s build
    ensure_database
    # Migrations once, as a release step, before any process starts (NODE_ENV=production does not migrate).
    DATABASE_URL=$database_url npm run -s migrate -- up >/dev/null
    for i in $(seq 1 "$n"); do start_one "$i"; done
    write_haproxy_cfg
    if alive "$dir/haproxy.pid"; then kill -TERM "$(cat "$dir/haproxy.pid")"; sleep 0.2; fi
    haproxy -f "$dir/haproxy.cfg" -D
    until node -e "require('http').get('http://127.0.0.1:$front_port/ready', (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))"; do sleep 0.1; done
    echo "cluster: HAProxy on http://127.0.0.1:$front_port in front of $n processes (ports ${ports[*]}); token: scripts/cluster.sh token <user>"
    ;;
  stop)
    if alive "$dir/haproxy.pid"; then kill -TERM "$(cat "$dir/haproxy.pid")"; fi
    rm -f "$dir/haproxy.pid"
    for i in $(seq 1 "$n"); do stop_one "$i" & done
    wait
    echo "cluster: stopped"
    ;;
  status)
    for i in $(seq 1 "$n"); do
      if alive "$dir/app-$i.pid"; then echo "process $i: running (npm pid $(cat "$dir/app-$i.pid")) on ${ports[$((i - 1))]}"; else echo "process $i: stopped"; fi
    done
    if alive "$dir/haproxy.pid"; then
      echo "haproxy: running on $front_port (pid $(cat "$dir/haproxy.pid"))"
      haproxy_cmd "show servers state servers" 2>/dev/null || true
    else
      echo "haproxy: stopped"
    fi
    ;;
  restart)
    i=${2:?usage: cluster.sh restart <i>}
    stop_one "$i"
    start_one "$i"
    wait_in_rotation "$i"
    ;;
  rolling-restart)
    for i in $(seq 1 "$n"); do
      stop_one "$i"
      start_one "$i"
      # The next one goes down only once HAProxy sends to this one again.
      wait_in_rotation "$i"
      echo "cluster: process $i back in rotation"
    done
    ;;
  kill)
    i=${2:?usage: cluster.sh kill <i>}
    [ -s "$dir/server-$i.pid" ] || { echo "cluster: no server pid for process $i" >&2; exit 1; }
    kill -KILL "$(cat "$dir/server-$i.pid")"
    echo "cluster: SIGKILLed the server of process $i (pid $(cat "$dir/server-$i.pid"))"
    ;;
  token)
    BETTER_AUTH_SECRET=$(secret) npx tsx scripts/mint-token.ts "${2:?usage: cluster.sh token <user>}"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
