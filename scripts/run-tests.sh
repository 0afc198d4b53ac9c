#!/usr/bin/env bash
# The whole suite on both databases at once (CI has two cores; each pass is mostly one process).
# The browser walks (marked e2e) run on SQLite only: what they check is the page a person meets, and every
# database-specific rule (row locks, concurrency, money) has its own tests that do run on PostgreSQL.
# The walks are split between the two processes so that both finish at about the same time: the first runs
# the SQLite pass with most walks, the second the PostgreSQL pass and then the walks named in SECOND_WALKS
# (on SQLite). `--durations` prints the slowest tests of each pass, to rebalance when the suite grows.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p test-artifacts
log=test-artifacts/postgres.log
# One line: the list reaches make's command line, where a newline would end the command.
# Rebalanced 2026-12-04 (walks in seconds on SQLite, two loaded cores): the SQLite pass kept about 470 s of
# walks against the PostgreSQL pass's 572 s + 86 s; test_social.py (about 60 s) moved across.
SECOND_WALKS="tests/e2e/test_signin.py tests/e2e/test_subscriptions.py tests/e2e/test_newsletter_figures.py tests/e2e/test_collections.py tests/e2e/test_social.py"
ignore_second=""
for walk in $SECOND_WALKS; do ignore_second="$ignore_second --ignore=$walk"; done
(
  make --no-print-directory test-postgres PYTEST_ARGS="-m 'not e2e' --durations=15 ${PYTEST_ARGS:-}"
  postgres_rc=$?
  echo
  echo "== Browser walks run beside the PostgreSQL pass (SQLite) =="
  make --no-print-directory test-sqlite PYTEST_ARGS="-m e2e ${PYTEST_ARGS:-} $SECOND_WALKS"
  walks_rc=$?
  # pytest exits 5 when a -k/-m filter given in PYTEST_ARGS selects none of these walks: not a failure.
  [ "$walks_rc" -eq 5 ] && walks_rc=0
  exit $(( postgres_rc != 0 || walks_rc != 0 ))
) >"$log" 2>&1 &
second_pid=$!
make --no-print-directory test-sqlite PYTEST_ARGS="--durations=15 $ignore_second ${PYTEST_ARGS:-}"
sqlite_rc=$?
wait "$second_pid"
second_rc=$?
echo
echo "== Test suite on PostgreSQL, with Redis as the cache (browser walks ran on SQLite), then the other walks =="
cat "$log"
echo
echo "SQLite pass: exit $sqlite_rc; PostgreSQL pass and its walks: exit $second_rc"
[ "$sqlite_rc" -eq 0 ] && [ "$second_rc" -eq 0 ]
