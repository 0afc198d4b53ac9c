"""Start-up checks: every payout provider the site offers (PAYOUT_PROVIDERS) must be one Byline knows and
fully configured; the error names what is missing, never a secret."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from byline.payouts.providers import PROVIDERS


@checks.register(checks.Tags.security)
def payout_providers_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    from byline.payouts.providers import get_provider
    from byline.payouts.providers.base import PayoutProviderError

    errors = []
    for name in settings.PAYOUT_PROVIDERS:
        if name not in PROVIDERS:
            errors.append(checks.Error(f"PAYOUT_PROVIDERS names {name!r}, which Byline does not know.",
                                       hint=f"Choose from {', '.join(PROVIDERS)}.", id="payouts.E001"))
            continue
        try:
            get_provider(name)
        except PayoutProviderError as error:
            errors.append(checks.Error(f"Payouts through {name} are offered but not configured: {error}.",
                                       hint="Set what it needs, or take it out of PAYOUT_PROVIDERS.",
                                       id="payouts.E002"))
    if "stripe" in settings.PAYOUT_PROVIDERS and not settings.STRIPE_PAYOUT_WEBHOOK_SECRET:
        errors.append(checks.Warning("Stripe payouts without STRIPE_PAYOUT_WEBHOOK_SECRET: reversed transfers and "
                                     "finished onboarding are learnt only by reconciliation.", id="payouts.W001"))
    if "wechatpay" in settings.PAYOUT_PROVIDERS and not settings.WECHATPAY_APP_SECRET:
        errors.append(checks.Error("WeChat Pay payouts need WECHATPAY_APP_SECRET to learn each writer's openid.",
                                   id="payouts.E003"))
    return errors
