"""Payout providers behind one interface (see base.py). Add one by naming its class in PROVIDERS."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from byline.payouts.providers.base import PayoutProvider

PROVIDERS: dict[str, str] = {
    "sandbox": "byline.payouts.providers.sandbox.SandboxPayouts",
    "stripe": "byline.payouts.providers.stripe.StripeConnectPayouts",
    "alipay": "byline.payouts.providers.alipay.AlipayPayouts",
    "wechatpay": "byline.payouts.providers.wechatpay.WeChatPayPayouts",
    "bank": "byline.payouts.providers.bank.ManualBankTransfer",
}
LABELS = {
    "sandbox": _("Sandbox account (test payouts, no real money)"),
    "stripe": _("Stripe (to your bank account, in many countries)"),
    "alipay": _("Alipay account"),
    "wechatpay": _("WeChat balance (WeChat Pay)"),
    "bank": _("Bank transfer, sent by our staff"),
}

_overrides: dict[str, PayoutProvider] = {}


def get_provider(name: str) -> PayoutProvider:
    """The provider called `name`. KeyError for an unknown name; PayoutProviderError when it is not configured."""
    if name in _overrides:
        return _overrides[name]
    return import_string(PROVIDERS[name])()


def provider_class(name: str) -> type[PayoutProvider]:
    """The class of `get_provider(name)`, without building it (no configuration needed)."""
    if name in _overrides:
        return type(_overrides[name])
    return import_string(PROVIDERS[name])


def offered(currency: str | None = None) -> list[str]:
    """The providers this site offers writers (PAYOUT_PROVIDERS), in order; those that pay `currency` if given."""
    names = [name for name in settings.PAYOUT_PROVIDERS if name in PROVIDERS]
    return [name for name in names if currency is None or provider_class(name).pays(currency)]


def use_provider(name: str, provider: PayoutProvider | None) -> None:
    """Install (or with None remove) a provider instance for `name`: tests plug in fakes this way."""
    if provider is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = provider
