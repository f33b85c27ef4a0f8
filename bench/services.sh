#!/usr/bin/env bash
# make bench: the full benchmark, plus the end-to-end run on PostgreSQL + Redis + Celery
# workers. Reuses DATABASE_URL and CELERY_BROKER_URL when both are set (they must be
# dedicated to this run: see bench/e2e.py); otherwise starts throw-away servers on loopback
# with scripts/services.sh and stops them on exit. Arguments go to `python -m bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

if [ -z "${DATABASE_URL:-}" ] || [ -z "${CELERY_BROKER_URL:-}" ]; then
  RUN_DIR=$(mktemp -d -t gradebook-bench.XXXXXX)
  # shellcheck source=scripts/services.sh
  . scripts/services.sh
  trap stop_services EXIT
  if ! { start_postgres && start_redis; } >&2; then
    echo "bench: PostgreSQL or Redis unavailable: running without --services" >&2
    "$VENV/bin/python" -m bench "$@"
    exit $?
  fi
fi
"$VENV/bin/python" -m bench --services "$@"
