"""Which payment methods a site offers, and whether the providers set up by their own settings (WeChat Pay,
Alipay) are fully configured.

Ids come from the environment (settings.WECHATPAY / settings.ALIPAY); keys and certificates are read
from the files named there, never from the repository, and never logged.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

# Providers set up by their own settings, with what each needs. Configured ones are what yuan is paid with
# unless PAYMENT_METHODS says otherwise; the card provider (PAYMENT_PROVIDER) is the fallback.
REQUIRED = {
    "wechatpay": ("MCHID", "APPID", "APIV3_KEY", "CERT_SERIAL_NO", "PRIVATE_KEY_FILE", "PLATFORM_PUBLIC_KEY_FILE",
                  "PLATFORM_PUBLIC_KEY_ID", "NOTIFY_URL"),
    "alipay": ("APPID", "PRIVATE_KEY_FILE", "PUBLIC_KEY_FILE", "NOTIFY_URL"),
}
BYTE_LENGTHS = {"wechatpay": {"APIV3_KEY": 32}}  # values the provider refuses at any other length


def values(name: str) -> dict[str, str]:
    return dict(getattr(settings, name.upper(), {}) or {})


def is_configured(name: str) -> bool:
    """All required values of a QR provider are set (whether the key files are good is checked at start-up)."""
    config = values(name)
    return all(config.get(key) for key in REQUIRED[name])


def problems(name: str) -> list[str]:
    """What is wrong with a QR provider's configuration; empty when it is fully set or not set at all."""
    config = values(name)
    given = [key for key in REQUIRED[name] if config.get(key)]
    if not given:
        return []
    prefix = name.upper()
    found = [f"{prefix}_{key} is not set" for key in REQUIRED[name] if not config.get(key)]
    for key in REQUIRED[name]:
        if key.endswith("_FILE") and config.get(key) and not Path(config[key]).is_file():
            found.append(f"{prefix}_{key} names no readable file")
    for key, length in BYTE_LENGTHS.get(name, {}).items():
        if config.get(key) and len(config[key].encode()) != length:
            found.append(f"{prefix}_{key} must be {length} bytes")
    return found


def read_key(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def methods_for(currency: str) -> list[str]:
    """Payment methods offered for a currency, in display order: CNY gets WeChat Pay and Alipay when configured."""
    chosen = list(getattr(settings, "PAYMENT_METHODS", {}).get(currency, []) or [])
    if chosen:
        return chosen
    if currency == "CNY":
        configured = [name for name in REQUIRED if is_configured(name)]
        if configured:
            return configured
    return [settings.PAYMENT_PROVIDER]
