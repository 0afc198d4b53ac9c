"""Security tests: the leak matrix and the fuzz pass print what they ran. Browser fixtures come from
tests/browser.py."""


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    print_fuzz_coverage(terminalreporter)
    print_leak_matrix(terminalreporter)


def print_fuzz_coverage(terminalreporter):
    """The parameters the fuzz pass fed odd input to, by route (?query, form=, json:)."""
    from tests.security.test_fuzz_inputs import COVERED

    if not COVERED:
        return
    terminalreporter.write_sep("-", "fuzz pass: parameters fed odd input, by route")
    for route, names in sorted(COVERED.items()):
        if names:
            terminalreporter.write_line(f"{route}: {', '.join(sorted(names))}")


def print_leak_matrix(terminalreporter):
    """Print the leak matrix that ran: one row per surface, one column per reader state."""
    from tests.security.test_leak_matrix import MATRIX_RESULTS, STATES, SURFACES

    if not MATRIX_RESULTS:
        return
    states = list(STATES)
    width = max(len(name) for name in SURFACES) + 2
    terminalreporter.write_sep("-", "leak matrix: surfaces x reader states (ok = no locked text)")
    terminalreporter.write_line(" " * width + " | ".join(states))
    for surface, details in SURFACES.items():
        cells = [MATRIX_RESULTS.get((surface, state), "-").center(len(state)) for state in states]
        note = f"   ({details.note})" if details.note else ""
        terminalreporter.write_line(surface.ljust(width) + " | ".join(cells) + note)
    for name, prepare in STATES.items():
        if prepare.__doc__:
            terminalreporter.write_line(f"{name}: {prepare.__doc__.strip()}")
