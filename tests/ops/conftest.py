"""Ops tests: the smoke soak prints its window table when it ran."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The smoke soak's table: requests, errors, p50/p99 latency and RSS per 10-second window."""
    from tests.ops.test_soak_smoke import SOAK_REPORT

    if not SOAK_REPORT:
        return
    terminalreporter.write_sep("-", "smoke soak (also in test-artifacts/soak-smoke.txt)")
    for line in SOAK_REPORT:
        terminalreporter.write_line(line)
