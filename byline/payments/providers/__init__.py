"""Payment providers behind one interface (see base.py). Add one by naming its class in PROVIDERS."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from byline.payments.providers.base import PaymentProvider

PROVIDERS: dict[str, str] = {
    "sandbox": "byline.payments.providers.sandbox.SandboxProvider",
    "stripe": "byline.payments.providers.stripe.StripeProvider",
    "wechatpay": "byline.payments.providers.wechatpay.WeChatPayProvider",
    "alipay": "byline.payments.providers.alipay.AlipayProvider",
}

_overrides: dict[str, PaymentProvider] = {}


def get_provider(name: str | None = None) -> PaymentProvider:
    """The provider called `name`, or the configured PAYMENT_PROVIDER. KeyError for an unknown name."""
    name = name or settings.PAYMENT_PROVIDER
    if name in _overrides:
        return _overrides[name]
    return import_string(PROVIDERS[name])()


def provider_class(name: str | None = None) -> type[PaymentProvider]:
    """The class of `get_provider(name)`, without building it (no configuration needed)."""
    name = name or settings.PAYMENT_PROVIDER
    if name in _overrides:
        return type(_overrides[name])
    return import_string(PROVIDERS[name])


def use_provider(name: str, provider: PaymentProvider | None) -> None:
    """Install (or with None remove) a provider instance for `name`: tests use it to plug in fakes."""
    if provider is None:
        _overrides.pop(name, None)
    else:
        _overrides[name] = provider
