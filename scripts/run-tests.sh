#!/usr/bin/env bash
# The whole suite on both databases at once (CI has two cores; each pass is mostly one process).
# The browser walks (marked e2e) run on SQLite only: what they check is the page a person meets, and every
# database-specific rule (row locks, concurrency, money) has its own tests that do run on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
log=test-artifacts/postgres.log
make --no-print-directory test-postgres PYTEST_ARGS="-m 'not e2e' ${PYTEST_ARGS:-}" >"$log" 2>&1 &
postgres_pid=$!
make --no-print-directory test-sqlite PYTEST_ARGS="${PYTEST_ARGS:-}"
sqlite_rc=$?
wait "$postgres_pid"
postgres_rc=$?
echo
echo "== Test suite on PostgreSQL, with Redis as the cache (browser walks ran on SQLite) =="
cat "$log"
echo
echo "SQLite pass: exit $sqlite_rc; PostgreSQL pass: exit $postgres_rc"
[ "$sqlite_rc" -eq 0 ] && [ "$postgres_rc" -eq 0 ]
