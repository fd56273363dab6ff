#!/usr/bin/env bash
# Start throwaway PostgreSQL and Redis servers on loopback, run the given pytest with
# TEST_POSTGRES_URL / TEST_REDIS_URL pointing at them, then stop both. When a server
# binary is missing the suite still runs; the tests that need it say so and are skipped.
# The fault suite (tests/faults) restarts its servers, so it starts PostgreSQL and Redis of
# its own (tests/processes.py) and runs only when these are up.
set -euo pipefail
PYTEST=${1:?usage: test-services.sh PATH/TO/pytest [pytest args...]}
shift
# Everything the run writes (SQLite files, PDFs, the servers' data, browser profiles) goes on
# memory when the machine has a tmpfs with room: the suite writes and fsyncs its databases
# thousands of times, which on a disk cost a tenth of its time (unit + integration: 57.4 s ->
# 50.8 s, system CPU 11.1 -> 7.4 core-s on 2 cores). Nothing there outlives the run.
# RENTFLOW_TEST_TMP names another place.
BASE=${RENTFLOW_TEST_TMP:-/tmp}
if [ -z "${RENTFLOW_TEST_TMP:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
  && [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((4 * 1024 * 1024)) ]; then
  BASE=/dev/shm  # 4 GB free at least: a whole run's files peak at about 1.1 GB
fi
# a failing browser test's screenshot outlives the run (tests/browser/conftest.py)
export RENTFLOW_FAILURE_SHOTS=${RENTFLOW_FAILURE_SHOTS:-${TMPDIR:-/tmp}/rentflow-browser}
WORK=$(mktemp -d "$BASE/rentflow-test.XXXXXX")
chmod 755 "$WORK"
mkdir -m 1777 "$WORK/tmp"
export TMPDIR="$WORK/tmp"
PG_PORT=${PG_PORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
cleanup() {
  if [ -n "${PG_CTL:-}" ] && [ -d "$WORK/pg" ]; then
    as_pg "$PG_CTL" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  fi
  if [ -n "${REDIS_STARTED:-}" ]; then
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]; then
  PG_CTL="$PG_BIN/pg_ctl"
  [ "$(id -u)" = 0 ] && chown postgres "$WORK"
  as_pg "$PG_BIN/initdb" -D "$WORK/pg" -U rentflow --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_pg "$PG_CTL" -D "$WORK/pg" -l "$WORK/pg.log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $WORK -c fsync=off -c max_connections=200" start >/dev/null
  as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U rentflow rentflow_test
  export TEST_POSTGRES_URL="postgresql+psycopg://rentflow@127.0.0.1:$PG_PORT/rentflow_test"
  echo "PostgreSQL up: $TEST_POSTGRES_URL"
else
  echo "PostgreSQL not installed: its tests will be skipped"
fi

if command -v redis-server >/dev/null; then
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --dir "$WORK" --logfile "$WORK/redis.log"
  REDIS_STARTED=1
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
  echo "Redis up: $TEST_REDIS_URL"
else
  echo "Redis not installed: its tests will be skipped"
fi

"$PYTEST" "$@"
