from tests.ledger.conftest import funded_reader  # noqa: F401 - shared fixture
