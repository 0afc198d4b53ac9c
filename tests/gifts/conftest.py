import pytest

from byline.purchases.models import MembershipPlan
from tests.audience.conftest import smtp_sink  # noqa: F401 - shared fixture


@pytest.fixture
def monthly_plan(db) -> MembershipPlan:
    return MembershipPlan.objects.create(name="Monthly", name_zh="月度会员", interval="month", price_minor=800,
                                         currency="USD", prices={"CNY": 3000})
