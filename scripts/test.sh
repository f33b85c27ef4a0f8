#!/usr/bin/env bash
# The test command (make test): lint, then the whole suite once, on PostgreSQL + Redis + real
# Celery workers when those are installed (they are started here, on loopback, and stopped
# after). Without them the suite runs on SQLite and the service tests are skipped, except under
# CI=true, where a missing service fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

RUN_DIR=$(mktemp -d /tmp/gradebook-services.XXXXXX)
chmod 755 "$RUN_DIR"
. scripts/services.sh
trap stop_services EXIT

if [ "${GRADEBOOK_TEST_SERVICES:-auto}" != "off" ]; then
  start_postgres || { [ "${CI:-}" = true ] && exit 1; }
  start_redis || { [ "${CI:-}" = true ] && exit 1; }
fi

echo "== ruff"
"$VENV/bin/ruff" check . || exit 1
echo "== mypy"
"$VENV/bin/mypy" || exit 1

echo "== pytest"
"$VENV/bin/pytest" "$@"
rc=$?
if [ "$rc" = 5 ]; then
  # Exit 5: pytest collected no test. For a selection (-k, a path) that is a valid outcome;
  # for the whole suite it means the suite is broken.
  if [ "$#" -gt 0 ]; then echo "pytest: no test matched the selection"; exit 0; fi
  echo "pytest: the suite collected no test" >&2
  exit 1
fi
exit "$rc"
