"""Start-up checks: a half-configured WeChat Pay or Alipay is an error, named, with no secret in it."""

from __future__ import annotations

from django.core import checks

from byline.payments.providers import config


@checks.register(checks.Tags.security)
def payment_providers_configured(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors = []
    for number, name in enumerate(config.REQUIRED, start=1):
        for problem in config.problems(name):
            errors.append(checks.Error(f"{name} is half-configured: {problem}.",
                                       hint="Set every value it needs, or none of them to turn it off.",
                                       id=f"payments.E00{number}"))
    return errors
