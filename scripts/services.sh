# Start and stop throw-away PostgreSQL and Redis servers on loopback for the test suite.
# Sourced by scripts/test.sh and bench scripts; each server lives in $RUN_DIR and dies with it.
# Exports DATABASE_URL (with a throw-away SECRET_KEY) and CELERY_BROKER_URL when the server could be started, and what the
# fault tests (tests/integration/test_pipeline_faults.py) need to stop and start them again:
# GRADEBOOK_TEST_PG_BIN, _PG_DATA, _PG_LOG, GRADEBOOK_TEST_REDIS_CONF, _REDIS_PIDFILE. Every
# setting is in the servers' configuration files, so a plain restart comes back the same.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

as_postgres() {
  # initdb and postgres refuse to run as root: use the postgres account when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "services: PostgreSQL not installed (apt-get install postgresql)" >&2
    return 1
  fi
  PG_DIR="$RUN_DIR/pg"
  mkdir -p "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR" "$RUN_DIR"
  PG_PORT=$(free_port)
  as_postgres "$bin/initdb" -D "$PG_DIR/data" -U gradebook --auth=trust -E UTF8 >"$RUN_DIR/initdb.log" 2>&1 \
    || { echo "services: initdb failed, see $RUN_DIR/initdb.log" >&2; return 1; }
  # Durability is irrelevant for a throw-away test cluster; speed is not.
  cat >>"$PG_DIR/data/postgresql.conf" <<CONF
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  as_postgres "$bin/pg_ctl" -D "$PG_DIR/data" -l "$RUN_DIR/postgres.log" -w -t 60 start \
    >/dev/null || { echo "services: PostgreSQL did not start, see $RUN_DIR/postgres.log" >&2; return 1; }
  PG_BIN="$bin"
  export DATABASE_URL="postgres://gradebook@127.0.0.1:$PG_PORT/gradebook"
  export GRADEBOOK_TEST_PG_BIN="$bin" GRADEBOOK_TEST_PG_DATA="$PG_DIR/data"
  export GRADEBOOK_TEST_PG_LOG="$RUN_DIR/postgres.log"
  # With DATABASE_URL set, settings refuse to start without a SECRET_KEY: a throw-away one.
  SECRET_KEY=${SECRET_KEY:-$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')}
  export SECRET_KEY
  as_postgres "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U gradebook gradebook
  echo "services: PostgreSQL on 127.0.0.1:$PG_PORT"
}

start_redis() {
  if ! command -v redis-server >/dev/null; then
    echo "services: Redis not installed (apt-get install redis-server)" >&2
    return 1
  fi
  REDIS_PORT=$(free_port)
  cat >"$RUN_DIR/redis.conf" <<CONF
port $REDIS_PORT
bind 127.0.0.1
save ""
appendonly no
daemonize yes
pidfile $RUN_DIR/redis.pid
logfile $RUN_DIR/redis.log
dir $RUN_DIR
CONF
  redis-server "$RUN_DIR/redis.conf"
  for _ in $(seq 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 || { echo "services: Redis did not start" >&2; return 1; }
  export CELERY_BROKER_URL="redis://127.0.0.1:$REDIS_PORT/0"
  export GRADEBOOK_TEST_REDIS_CONF="$RUN_DIR/redis.conf" GRADEBOOK_TEST_REDIS_PIDFILE="$RUN_DIR/redis.pid"
  echo "services: Redis on 127.0.0.1:$REDIS_PORT"
}

stop_services() {
  if [ -n "${PG_BIN:-}" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$RUN_DIR/redis.pid" ]; then
    kill "$(cat "$RUN_DIR/redis.pid")" 2>/dev/null || true
  fi
  rm -rf "$RUN_DIR"
}
