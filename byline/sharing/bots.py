"""Who is a crawler or a link-preview fetcher: they never redeem a gift and never see locked text.

Matching is on the User-Agent, case-insensitive. A false positive only means a real reader sees
the preview with a note, which is the safe side to err on.
"""

from __future__ import annotations

import re

from django.http import HttpRequest

BOT_PATTERNS = (
    r"googlebot", r"google-inspectiontool", r"adsbot-google",  # Google search and its tools
    r"bingbot", r"bingpreview",                                 # Microsoft Bing
    r"baiduspider",                                             # Baidu
    r"yandex(bot|images)",                                      # Yandex
    r"facebookexternalhit", r"facebot", r"meta-externalagent",  # Facebook / Meta link previews
    r"twitterbot",                                              # X (Twitter) cards
    r"slackbot", r"slack-imgproxy",                             # Slack unfurling
    r"whatsapp",                                                # WhatsApp link previews
    r"telegrambot",                                             # Telegram link previews
    r"linkedinbot",                                             # LinkedIn previews
    r"discordbot",                                              # Discord embeds
    r"micromessenger.*(preview|spider)", r"wechat.*(preview|spider)",  # WeChat's link-preview fetcher
    r"bot\b", r"bot/", r"crawler", r"spider", r"preview", r"fetcher",  # the generic rest
    r"^$",                                                      # no User-Agent at all
)
BOT_RE = re.compile("|".join(BOT_PATTERNS), re.IGNORECASE)


def is_bot_user_agent(user_agent: str) -> bool:
    return bool(BOT_RE.search(user_agent.strip()))


def is_automated(request: HttpRequest) -> bool:
    """A crawler, a link-preview fetcher, or a HEAD request (which previews use to probe links)."""
    return request.method == "HEAD" or is_bot_user_agent(request.headers.get("User-Agent", ""))


# How browsers mark a request made ahead of a click that may never come: the standard Sec-Purpose
# (Chromium's speculation rules, Firefox), Chromium's older Purpose for <link rel=prefetch>, Safari's
# X-Purpose and Firefox's older X-Moz.
PREFETCH_HEADERS = ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")


def is_prefetch(request: HttpRequest) -> bool:
    """A browser fetching a page before (and whether or not) the person opens it."""
    return any(token in request.headers.get(name, "").lower() for name in PREFETCH_HEADERS
               for token in ("prefetch", "preview", "prerender"))
