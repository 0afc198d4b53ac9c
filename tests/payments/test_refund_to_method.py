"""Staff return a paid checkout to the reader's payment method: the wallet is debited once, the provider
refunds once, and a refusal by either leaves the money where it was."""

import pytest
from django.urls import reverse

from byline.ledger.invariants import problems
from byline.ledger.models import Transfer
from byline.payments.models import Checkout, CheckoutStatus
from byline.payments.providers import get_provider, sandbox, use_provider
from byline.payments.services import RefundFailed, RefundRefused, refund_to_payment_method, start_topup
from byline.purchases.services import refund_purchase, unlock_with_wallet
from tests.conftest import make_user
from tests.ledger.conftest import balance, new_key
from tests.payments import test_alipay, test_wechatpay

pytestmark = pytest.mark.django_db


def paid_by_wechat(client, wechat, reader, amount=3000):
    checkout = test_wechatpay.topup(reader, amount=amount)
    test_wechatpay.post(client, *test_wechatpay.paid_notification(wechat, checkout))
    return Checkout.objects.get(pk=checkout.pk)


def paid_by_alipay(client, alipay, reader, amount=5000):
    checkout = test_alipay.topup(reader, amount=amount)
    test_alipay.post(client, alipay.notification(alipay.pay(checkout.provider_ref)))
    return Checkout.objects.get(pk=checkout.pk)


def paid_by_sandbox(reader, amount=1000):
    checkout = start_topup(reader=reader, amount_minor=amount, currency="USD", idempotency_key=new_key(),
                           success_url="https://byline.test/return/", cancel_url="https://byline.test/")
    sandbox.pay(payment=sandbox.SandboxPayment.objects.get(ref=checkout.provider_ref), card_number=sandbox.SUCCESS)
    return Checkout.objects.get(pk=checkout.pk)


@pytest.fixture
def spy(monkeypatch):
    """Every refund a provider is asked for: (provider, amount, currency)."""
    class Calls(list):
        pass

    calls = Calls()

    def watch(name):
        provider = get_provider(name)
        real = provider.refund

        def refund(**kwargs):
            calls.append((name, kwargs["amount_minor"], kwargs["currency"]))
            return real(**kwargs)

        monkeypatch.setattr(provider, "refund", refund)
        use_provider(name, provider)
    calls.watch = watch
    yield calls
    use_provider("sandbox", None)


def refund(checkout, staff=None):
    return refund_to_payment_method(checkout=checkout, staff_user=staff or "staff", idempotency_key=new_key())


def test_a_wechat_payment_goes_back_to_wechat_and_leaves_the_wallet_once(client, wechat, reader, spy):
    checkout = paid_by_wechat(client, wechat, reader)
    spy.watch("wechatpay")
    result = refund(checkout)
    assert not result.repeated and result.refund_ref.startswith("50000")
    assert spy == [("wechatpay", 3000, "CNY")] and wechat.orders[checkout.reference]["state"] == "REFUND"
    assert balance(reader, "CNY") == 0 and Checkout.objects.get().refund_ref == result.refund_ref
    assert Transfer.objects.get(key=f"cashout:{checkout.pk}").entries.count() == 2 and problems() == []


def test_an_alipay_payment_goes_back_to_alipay_for_the_whole_amount(client, alipay, reader, spy):
    checkout = paid_by_alipay(client, alipay, reader)
    spy.watch("alipay")
    refund(checkout)
    assert spy == [("alipay", 5000, "CNY")] and list(alipay.refunds.values()) == ["50.00"]
    assert balance(reader, "CNY") == 0 and problems() == []


def test_a_sandbox_card_payment_goes_back_to_the_card(reader, spy):
    checkout = paid_by_sandbox(reader)
    spy.watch("sandbox")
    result = refund(checkout)
    assert spy == [("sandbox", 1000, "USD")] and result.refund_ref == f"re_{checkout.provider_ref}"
    assert sandbox.SandboxPayment.objects.get(ref=checkout.provider_ref).state == "refunded"
    assert balance(reader) == 0 and problems() == []


def test_returning_the_same_payment_again_does_nothing(client, wechat, reader, spy):
    checkout = paid_by_wechat(client, wechat, reader)
    spy.watch("wechatpay")
    first = refund(checkout)
    again = refund(checkout)
    assert again.repeated and again.refund_ref == first.refund_ref and len(spy) == 1
    assert balance(reader, "CNY") == 0 and Transfer.objects.filter(key__startswith="cashout:").count() == 1


def test_a_wallet_holding_less_than_the_payment_is_refused_with_nothing_moved(reader, paid_article, spy):
    checkout = paid_by_sandbox(reader, amount=paid_article.price_minor)
    purchase = unlock_with_wallet(reader=reader, article=paid_article, idempotency_key=new_key())
    spy.watch("sandbox")
    transfers = Transfer.objects.count()
    with pytest.raises(RefundRefused, match="Undo or refund the purchases"):
        refund(checkout)
    assert spy == [] and Transfer.objects.count() == transfers and problems() == []
    refund_purchase(purchase_id=purchase.pk, staff_user="staff")  # staff first refund what it paid for
    refund(checkout)
    assert balance(reader) == 0 and spy == [("sandbox", paid_article.price_minor, "USD")]


def test_a_provider_refusal_reverses_the_wallet_debit(client, wechat, reader):
    checkout = paid_by_wechat(client, wechat, reader)
    wechat.orders[checkout.reference]["state"] = "CLOSED"  # WeChat will not refund it
    with pytest.raises(RefundFailed, match="stays in the reader's wallet"):
        refund(checkout)
    assert balance(reader, "CNY") == 3000 and problems() == []
    assert Checkout.objects.get().refund_ref == "" and Checkout.objects.get().cashout is None
    wechat.orders[checkout.reference]["state"] = "SUCCESS"  # a later attempt goes through, once
    refund(checkout)
    assert balance(reader, "CNY") == 0 and problems() == []


def test_an_alipay_refusal_reverses_the_wallet_debit(client, alipay, reader):
    checkout = paid_by_alipay(client, alipay, reader)
    alipay.trades[checkout.reference]["status"] = "TRADE_CLOSED"
    with pytest.raises(RefundFailed):
        refund(checkout)
    assert balance(reader, "CNY") == 5000 and alipay.refunds == {} and problems() == []


def test_an_unpaid_checkout_cannot_be_returned(reader):
    checkout = start_topup(reader=reader, amount_minor=1000, currency="USD", idempotency_key=new_key(),
                           success_url="https://byline.test/return/", cancel_url="https://byline.test/")
    assert checkout.status == CheckoutStatus.OPEN
    with pytest.raises(RefundRefused, match="Only a paid payment"):
        refund(checkout)


def act(client, *checkouts):
    return client.post(reverse("admin:payments_checkout_changelist"), {
        "action": "refund_to_payment_method", "_selected_action": [c.pk for c in checkouts]}, follow=True)


def test_staff_return_payments_from_the_checkout_admin_with_a_message_for_each(client, reader, paid_article):
    returned = paid_by_sandbox(reader)
    short = paid_by_sandbox(make_user(), amount=paid_article.price_minor)
    unlock_with_wallet(reader=short.reader, article=paid_article, idempotency_key=new_key())
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = act(client, returned, short)
    assert page.status_code == 200
    text = page.content.decode()
    assert f"Checkout {returned.reference}: Returned to the payment method" in text
    assert f"Checkout {short.reference}: The reader&#x27;s wallet holds $0.00, less than the" in text
    assert balance(reader) == 0 and balance(short.reader) == 0
    assert "Already returned" in act(client, returned).content.decode()


def test_the_checkout_list_shows_reader_provider_amount_and_status(client, reader):
    checkout = paid_by_sandbox(reader)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:payments_checkout_changelist")).content.decode()
    assert checkout.reference in page and reader.username in page and "Refund to the original payment method" in page


def test_readers_cannot_use_the_refund_action(client, reader):
    checkout = paid_by_sandbox(reader)
    client.force_login(reader)
    answer = client.post(reverse("admin:payments_checkout_changelist"), {
        "action": "refund_to_payment_method", "_selected_action": [checkout.pk]})
    assert answer.status_code in (302, 403)
    assert balance(reader) == 1000 and Checkout.objects.get().refund_ref == ""
