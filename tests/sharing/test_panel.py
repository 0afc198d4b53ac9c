"""The share panel: copy link, system share, WeChat QR code, network links, all with referral codes."""

import re
import subprocess
import urllib.parse
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from PIL import Image

from byline.articles.models import Status
from byline.sharing.models import Channel, EventKind, ReferralCode, ReferralEvent
from tests.conftest import LOCKED_SENTINEL, make_article, make_user
from tests.sharing.conftest import browser_client

pytestmark = pytest.mark.django_db
ZBARIMG = "/usr/bin/zbarimg"


def qr_svg_of(content: str) -> str:
    match = re.search(r"<svg[^>]*share-qr-code.*?</svg>", content, re.S)
    assert match, "no QR code on the page"
    return match.group(0)


def rasterise_segno_svg(svg: str, path: Path, pixels_per_module: int = 8) -> None:
    """Draw segno's one-path SVG (M x y, then h<n> runs and m<dx> <dy> moves) as a PNG zbarimg can read."""
    size = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
    modules = int(round(size / float(re.search(r"scale\(([\d.]+)\)", svg).group(1))))
    commands = re.search(r' d="([^"]+)"', svg).group(1)
    image = Image.new("L", (modules * pixels_per_module, modules * pixels_per_module), 255)
    x = y = 0.0
    for op, args in re.findall(r"([Mmh])([^Mmh]*)", commands):
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", args)]
        if op == "M":
            x, y = numbers
        elif op == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            row = int(y)
            for column in range(int(x), int(x + numbers[0])):
                image.paste(0, (column * pixels_per_module, row * pixels_per_module,
                                (column + 1) * pixels_per_module, (row + 1) * pixels_per_module))
            x += numbers[0]
    image.save(path)


def decode_qr(svg: str, tmp_path: Path) -> str:
    png = tmp_path / "qr.png"
    rasterise_segno_svg(svg, png)
    result = subprocess.run([ZBARIMG, "--quiet", "--raw", str(png)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_wechat_qr_code_decodes_to_the_article_url_with_its_referral_code(browser, paid_article, tmp_path):
    content = browser.get(paid_article.get_absolute_url()).content.decode()
    decoded = decode_qr(qr_svg_of(content), tmp_path)
    url = urllib.parse.urlsplit(decoded)
    assert url.path == paid_article.get_absolute_url()
    code = urllib.parse.parse_qs(url.query)["r"][0]
    referral = ReferralCode.objects.get(code=code)
    assert (referral.sharer, referral.channel) == (None, Channel.WECHAT)


def test_a_signed_in_readers_qr_code_names_them_as_the_sharer(paid_article, tmp_path):
    reader = make_user()
    content = browser_client(reader).get(paid_article.get_absolute_url()).content.decode()
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(decode_qr(qr_svg_of(content), tmp_path)).query)["r"][0]
    referral = ReferralCode.objects.get(code=code)
    assert (referral.sharer, referral.channel) == (reader, Channel.WECHAT)


def test_the_copy_field_holds_the_url_with_a_link_referral_code_without_javascript(browser, paid_article):
    content = browser.get(paid_article.get_absolute_url()).content.decode()
    value = re.search(r'id="share-url" class="share-url" type="text" readonly value="([^"]+)"', content).group(1)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(value.replace("&amp;", "&")).query)["r"][0]
    assert ReferralCode.objects.get(code=code).channel == Channel.LINK
    assert 'role="status"' in content and "Link copied" in content


def test_wechat_instructions_are_given_in_both_languages(browser, paid_article):
    content = browser.get(paid_article.get_absolute_url()).content.decode()
    assert "Scan with WeChat, then share to friends or Moments" in content
    assert "用微信扫一扫" in content


def test_the_panel_is_in_chinese_on_chinese_pages(browser, paid_article):
    with translation.override("zh-hans"):
        url = paid_article.get_absolute_url()
    content = browser.get(url).content.decode()
    assert "分享到" in content and "微博" in content


@pytest.mark.parametrize("channel,host", [
    ("weibo", "service.weibo.com"), ("x", "x.com"), ("facebook", "www.facebook.com"),
    ("linkedin", "www.linkedin.com"), ("telegram", "t.me"), ("whatsapp", "wa.me"),
])
def test_each_network_link_records_a_share_and_redirects_with_title_and_referral(browser, paid_article, channel,
                                                                                 host):
    response = browser.get(reverse("sharing:share_to", kwargs={"slug": paid_article.slug, "channel": channel}))
    assert response.status_code == 302
    target = urllib.parse.urlsplit(response["Location"])
    assert target.netloc == host
    query = urllib.parse.unquote_plus(target.query)
    assert paid_article.get_absolute_url() + "?r=" in query
    if channel not in ("facebook", "linkedin"):
        assert paid_article.title in query
    event = ReferralEvent.objects.get(kind=EventKind.SHARE)
    assert (event.article, event.referral.channel) == (paid_article, channel)


def test_the_email_link_opens_a_filled_in_message(browser, paid_article):
    response = browser.get(reverse("sharing:share_to", kwargs={"slug": paid_article.slug, "channel": "email"}))
    assert response["Location"].startswith("mailto:?subject=")
    assert urllib.parse.quote(paid_article.title) in response["Location"]


def test_the_panel_network_links_all_go_through_the_share_redirect(browser, paid_article):
    content = browser.get(paid_article.get_absolute_url()).content.decode()
    for channel in ("weibo", "x", "facebook", "linkedin", "telegram", "whatsapp", "email"):
        assert reverse("sharing:share_to", kwargs={"slug": paid_article.slug, "channel": channel}) in content


def test_the_copy_beacon_counts_a_share_without_redirecting(browser, paid_article):
    url = reverse("sharing:share_to", kwargs={"slug": paid_article.slug, "channel": "link"}) + "?beacon=1"
    assert browser.get(url).status_code == 204
    assert ReferralEvent.objects.filter(kind=EventKind.SHARE, referral__channel="link").count() == 1


def test_an_unknown_channel_or_a_missing_or_draft_article_is_not_found(browser, paid_article, author):
    draft = make_article(author=author, status=Status.DRAFT, published_at=None)
    assert browser.get(f"/en/s/{paid_article.slug}/myspace/").status_code == 404
    assert browser.get("/en/s/no-such-article/x/").status_code == 404
    assert browser.get(f"/en/s/{draft.slug}/x/").status_code == 404


def test_the_anonymous_panel_is_the_same_for_everyone_and_has_no_form(paid_article):
    first = browser_client().get(paid_article.get_absolute_url()).content.decode()
    from django.core.cache import cache

    cache.clear()
    second = browser_client().get(paid_article.get_absolute_url()).content.decode()
    assert first == second
    assert "csrfmiddlewaretoken" not in first.split('class="share-panel', 1)[1].split("</section>", 1)[0]
    assert LOCKED_SENTINEL not in first
