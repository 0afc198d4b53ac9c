"""The writer's payouts pages and the staff's, through the test client: set up, request with its confirmation,
refusals that re-render, who may see what, and the operator's export."""

import csv
import io

import pytest

from byline.payouts.models import MethodStatus, Payout, PayoutStatus
from byline.payouts.providers import sandbox
from tests.conftest import make_user
from tests.ledger.conftest import new_key
from tests.payouts.conftest import later, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def earned(writer):
    """A writer whose $90.00 from a sale is past its hold (the pages ask about now: move the sale back)."""
    from django.utils import timezone

    from byline.ledger.models import Transfer

    purchase = sell(writer, price=10000)
    Transfer.objects.filter(pk=purchase.transfer_id).update(created_at=timezone.now() - (later() - timezone.now()))
    return writer


def set_up_sandbox(client, writer):
    client.force_login(writer.user)
    response = client.post("/en/payouts/method/USD/", {"provider": "sandbox", "schedule": "request"})
    assert response.status_code == 302 and "/payouts/sandbox/" in response["Location"]
    onboarding = client.post(response["Location"])
    assert onboarding.status_code == 302
    assert client.get(onboarding["Location"]).status_code == 302  # back from the provider: checked, then home
    return writer.user.payout_methods.get()


def test_a_writer_sets_up_a_method_and_is_paid_after_confirming(client, earned):
    method = set_up_sandbox(client, earned)
    assert method.status == MethodStatus.READY
    page = client.get("/en/payouts/").content.decode()
    assert "$90.00" in page and "Request a payout of up to $90.00" in page
    confirm = client.get("/en/payouts/request/USD/")
    assert confirm.status_code == 200 and 'value="90.00"' in confirm.content.decode()
    key = new_key()
    response = client.post("/en/payouts/request/USD/", {"amount": "90.00", "idempotency_key": key, "confirmed": "yes"})
    assert response.status_code == 302
    again = client.post("/en/payouts/request/USD/", {"amount": "90.00", "idempotency_key": key, "confirmed": "yes"})
    assert again.status_code == 302 and Payout.objects.get().status == PayoutStatus.PAID  # once for one key
    assert "Paid: $90.00" in client.get("/en/payouts/").content.decode()


@pytest.mark.parametrize("amount, status", [("abc", 400), ("90.001", 400), ("", 400), ("95.00", 409), ("5.00", 409)])
def test_a_bad_amount_re_renders_the_confirmation_with_the_reason(client, earned, amount, status):
    set_up_sandbox(client, earned)
    response = client.post("/en/payouts/request/USD/", {"amount": amount, "idempotency_key": new_key(),
                                                        "confirmed": "yes"})
    assert response.status_code == status and not Payout.objects.exists()
    assert 'role="alert"' in response.content.decode() or "field-error" in response.content.decode()


def test_the_method_form_says_what_a_bank_transfer_needs(client, writer):
    client.force_login(writer.user)
    response = client.post("/en/payouts/method/USD/", {"provider": "bank", "schedule": "request"})
    assert response.status_code == 400 and "needs this" in response.content.decode()
    ok = client.post("/en/payouts/method/USD/", {"provider": "bank", "schedule": "monthly", "holder_name": "A. Writer",
                                                 "bank_details": "IBAN DE00 1234"})
    assert ok.status_code == 302 and writer.user.payout_methods.get().status == MethodStatus.READY
    refused = client.post("/en/payouts/method/USD/", {"provider": "stripe", "schedule": "request"})
    assert refused.status_code == 400  # not offered on this site


def test_the_payouts_page_speaks_chinese(client, earned):
    set_up_sandbox(client, earned)
    page = client.get("/zh-hans/payouts/").content.decode()
    assert "可提现" in page and "待结算" in page and "您" in page and "你" not in page.replace("您", "")


def test_only_writers_have_a_payouts_page(client):
    assert client.get("/en/payouts/").status_code == 302  # to log in
    client.force_login(make_user())
    assert client.get("/en/payouts/").status_code == 403
    assert client.get("/en/payouts/method/XYZ/").status_code == 403


def test_another_writers_method_and_payout_are_out_of_reach(client, earned):
    method = set_up_sandbox(client, earned)
    from tests.conftest import make_author

    other = make_author()
    client.force_login(other.user)
    assert client.post(f"/en/payouts/methods/{method.pk}/remove/").status_code == 404
    assert client.get(f"/en/payouts/sandbox/{method.account_ref}/").status_code == 404


def test_the_sandbox_onboarding_never_sends_the_writer_off_site(client, writer):
    client.force_login(writer.user)
    response = client.post("/en/payouts/method/USD/", {"provider": "sandbox", "schedule": "request"})
    ref = writer.user.payout_methods.get().account_ref
    evil = client.post(f"/en/payouts/sandbox/{ref}/?next=https://evil.example/")
    assert evil.status_code == 302 and evil["Location"] == "/en/payouts/"
    assert response.status_code == 302


def test_staff_approve_payouts_and_export_them_all(client, earned, settings):
    settings.PAYOUT_APPROVAL = True
    set_up_sandbox(client, earned)
    client.post("/en/payouts/request/USD/", {"amount": "50.00", "idempotency_key": new_key(), "confirmed": "yes"})
    payout = Payout.objects.get()
    assert payout.status == PayoutStatus.REQUESTED
    assert client.get("/en/payouts/staff/").status_code == 302  # writers are not staff
    staff = make_user(is_staff=True, is_superuser=True)
    client.force_login(staff)
    page = client.get("/en/payouts/staff/").content.decode()
    assert payout.reference in page and "Approve and send" in page
    assert client.post(f"/en/payouts/staff/{payout.reference}/approve/").status_code == 302
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.PAID and payout.approved_by == staff
    export = b"".join(client.get("/en/payouts/staff/export.csv").streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(export)))
    assert rows[0]["reference"] == payout.reference and rows[0]["amount"] == "50.00" and rows[0]["status"] == "paid"


def test_staff_see_payouts_only_with_the_view_permission_and_act_only_with_the_change_one(client, earned, settings):
    from django.contrib.auth.models import Permission

    settings.PAYOUT_APPROVAL = True
    set_up_sandbox(client, earned)
    client.post("/en/payouts/request/USD/", {"amount": "50.00", "idempotency_key": new_key(), "confirmed": "yes"})
    clerk = make_user(is_staff=True)  # an author who writes in the admin, say
    client.force_login(clerk)
    assert client.get("/en/payouts/staff/").status_code == 403
    assert client.get("/en/payouts/staff/export.csv").status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="view_payout"))
    client.force_login(clerk)
    assert client.get("/en/payouts/staff/").status_code == 200
    payout = Payout.objects.get()
    assert client.post(f"/en/payouts/staff/{payout.reference}/approve/").status_code == 403
    assert Payout.objects.get().status == PayoutStatus.REQUESTED


def test_a_notice_for_an_unknown_provider_is_not_found_and_a_bad_one_is_refused(client):
    assert client.post("/payouts/notices/nope/", b"{}", content_type="application/json").status_code == 404
    assert client.post("/payouts/notices/bank/", b"{}", content_type="application/json").status_code == 404
    body, headers = b'{"id": "evt_1"}', {sandbox.SIGNATURE_HEADER: "t=1,v1=00"}
    assert client.post("/payouts/notices/sandbox/", body, content_type="application/json",
                       headers=headers).status_code == 400


def test_the_earnings_page_leads_to_payouts(client, writer):
    client.force_login(writer.user)
    assert "/en/payouts/" in client.get("/en/earnings/").content.decode()
