"""Sharing's limits, overridable in settings (each has a safe default)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def gift_max_redemptions() -> int:
    return int(getattr(settings, "SHARING_GIFT_MAX_REDEMPTIONS", 5))


def gift_days() -> int:
    return int(getattr(settings, "SHARING_GIFT_DAYS", 30))


def gift_monthly_quota() -> int:
    return int(getattr(settings, "SHARING_GIFT_MONTHLY_QUOTA", 5))


def attribution_days() -> int:
    """How long after a referred visit (or a gift) a purchase still counts for that channel."""
    return int(getattr(settings, "SHARING_ATTRIBUTION_DAYS", 7))


def share_image_font() -> Path:
    return Path(getattr(settings, "SHARING_IMAGE_FONT", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"))


def share_image_dir() -> Path:
    return Path(settings.VAR_DIR) / "share-images"
