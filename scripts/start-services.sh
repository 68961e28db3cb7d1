#!/usr/bin/env bash
# Start PostgreSQL and Redis on 127.0.0.1 if they are not answering, then make sure the
# `rasa` database exists. Idempotent; used by .ci/run and by the production tests' setup.
# PGHOST/PGPORT/PGUSER, REDIS_PORT and MILA_DATABASE override the defaults below.
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
REDIS_PORT=${REDIS_PORT:-6379}
DATABASE=${MILA_DATABASE:-rasa}
export PGHOST PGPORT PGUSER

wait_for() {  # wait_for NAME COMMAND...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "error: $name did not answer within 30 s" >&2
  return 1
}

if command -v pg_isready >/dev/null; then
  if ! pg_isready -q -h "$PGHOST" -p "$PGPORT"; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
    wait_for PostgreSQL pg_isready -q -h "$PGHOST" -p "$PGPORT"
  fi
  if ! psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1; then
    echo "Creating the PostgreSQL database '$DATABASE'..."
    createdb "$DATABASE"
  fi
else
  echo "warning: PostgreSQL is not installed (no pg_isready); its tests will be skipped" >&2
fi

if command -v redis-cli >/dev/null; then
  if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    echo "Starting Redis..."
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
      --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
    wait_for Redis redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
  fi
else
  echo "warning: Redis is not installed (no redis-cli); its tests will be skipped" >&2
fi
