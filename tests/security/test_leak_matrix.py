"""The locked part of a paid article never reaches a reader without access, on any surface, in any state.

The matrix is two tables: SURFACES (everything that shows something about an article) and STATES
(who is asking). Every pair runs as its own test, named `surface--state`, and the run ends with a
printed grid of what ran (tests/security/conftest.py). To extend it, add one line to a table:

    SURFACES: "api detail": http(lambda a: f"/api/v1/articles/{a.slug}", expect=preview),
    STATES:   "refunded purchase": refunded_purchase,   # a function (client, article) -> None

Reader states are built through the real services (wallet purchase then undo or staff refund,
membership joined then ended, gift redeemed by a browser then revoked), so a state means what it
means in production.

Surfaces that the server renders identically whatever the browser does are listed with a note
rather than requested twice in different ways: JavaScript-disabled readers get exactly the HTML
of the matching signed-in or anonymous state (the paywall is server-side), and the print view is
the article page's HTML with the print stylesheet.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import OperationalError
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from byline.access.decision import decide
from byline.api.models import Scope
from byline.api.services import create_api_token
from byline.articles import selectors as article_selectors
from byline.articles.models import Article, Status, Visibility
from byline.articles.services import ArticleData, upsert_article
from byline.collections import selectors as collection_selectors
from byline.collections import services as collections
from byline.purchases import memberships
from byline.purchases import services as purchases
from byline.purchases.models import MembershipPlan
from byline.reader.prefs import COOKIE_NAME, ReadingPrefs
from byline.sharing import services as sharing
from byline.sharing.models import GiftLink
from byline.subscriptions import services as subscriptions
from byline.subscriptions.models import OfferKind, OfferTarget
from tests.audience.helpers import confirmed_subscriber
from tests.conftest import LOCKED_ONLY_WORD, LOCKED_SENTINEL, PREVIEW_SENTENCE, make_user
from tests.ledger.conftest import fund
from tests.sharing.conftest import ACCEPT_KEY

pytestmark = pytest.mark.django_db

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
CRAWLER_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
MATRIX_RESULTS: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Surface:
    """How to fetch one surface for an article as a given client; `expect` proves the article is on it."""

    fetch: Callable[[Client, Article], tuple[int, str]]
    expect: Callable[[Article], str] | None = None
    note: str = ""
    statuses: tuple[int, ...] = (200, 404)


def localised(language: str, build: Callable[[Article], str]) -> Callable[[Article], str]:
    def url(article: Article) -> str:
        with translation.override(language):
            return build(article)

    return url


def http(url: Callable[[Article], str], *, expect: Callable[[Article], str] | None = None,
         cookies: dict[str, str] | None = None, note: str = "", statuses: tuple[int, ...] = (200, 404)) -> Surface:
    def fetch(client: Client, article: Article) -> tuple[int, str]:
        for name, value in (cookies or {}).items():
            client.cookies[name] = value
        response = client.get(url(article), follow=True)
        return response.status_code, response.content.decode()

    return Surface(fetch, expect, note, statuses)


def several(*urls: Callable[[Article], str], expect: Callable[[Article], str] | None = None,
            note: str = "") -> Surface:
    """Several URLs of one surface (a feed in RSS and Atom): each must answer 200; contents are joined."""
    def fetch(client: Client, article: Article) -> tuple[int, str]:
        bodies = []
        for url in urls:
            response = client.get(url(article), follow=True)
            assert response.status_code == 200, f"{url(article)} answered {response.status_code}"
            bodies.append(response.content.decode())
        return 200, "\n".join(bodies)

    return Surface(fetch, expect, note)


def admin_anonymous_preview(client: Client, article: Article) -> tuple[int, str]:
    """Staff use it to see what an anonymous reader sees: asked as staff whatever the state."""
    staff = Client()
    staff.force_login(make_user(is_staff=True, is_superuser=True))
    response = staff.get(reverse("admin:articles_article_anonymous_preview", args=[article.pk]))
    return response.status_code, response.content.decode()


def password_reset_email(client: Client, article: Article) -> tuple[int, str]:
    """The e-mails a reader without access can make the site send, read from the outbox."""
    user = make_user()
    mail.outbox.clear()
    response = client.post(reverse("accounts:password_reset"), {"email": user.email}, follow=True)
    return response.status_code, "\n".join(_both_parts(m) for m in mail.outbox)


def _both_parts(message) -> str:
    return "\n".join([message.subject, message.body, *(content for content, _type in
                                                          getattr(message, "alternatives", []))])


def transactional_emails(client: Client, article: Article) -> tuple[int, str]:
    """The shared-template e-mails around an article: the receipt of a purchase of it and the mail saying it
    was undone (title and price only, the same for everyone), and the double opt-in message of its author's
    list, asked for by this client."""
    from byline.mail.lifecycle import send_purchase_ended
    from byline.mail.receipts import send_receipt
    from byline.purchases.models import Purchase

    mail.outbox.clear()
    buyer = make_user()
    fund(buyer, 1000)
    purchase = purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key=uuid.uuid4().hex)
    assert Purchase.objects.filter(pk=purchase.pk).exists()
    send_receipt(purchase.pk, "en")
    purchases.undo_purchase(reader=buyer, purchase_id=purchase.pk)
    assert send_purchase_ended(purchase.pk, "en")
    response = client.post(reverse("audience:subscribe_author", args=[article.author.slug]),
                           {"email": f"list-{uuid.uuid4().hex[:8]}@example.org"}, follow=True)
    assert len(mail.outbox) == 3, [m.subject for m in mail.outbox]
    return response.status_code, "\n".join(_both_parts(m) for m in mail.outbox)


def _subscribed_to_the_author(client: Client, article: Article):
    """The client's account (or, signed out, a fresh address) subscribed to the article's writer, confirmed:
    (address, subscriber)."""
    from django.contrib.auth import get_user_model

    from byline.audience.models import Consent, Subscriber, Subscription

    user_id = client.session.get("_auth_user_id")
    user = get_user_model().objects.get(pk=user_id) if user_id else None
    address = user.email if user is not None else f"reader-{uuid.uuid4().hex[:8]}@example.org"
    now = timezone.now()
    subscriber = Subscriber.objects.create(email=address, user=user, confirmed_at=now)
    Subscription.objects.create(subscriber=subscriber, kind="author", author=article.author,
                                consent=Consent.DOUBLE_OPT_IN, confirmed_at=now)
    return address, subscriber


def email_only_newsletter(client: Client, article: Article) -> tuple[int, str]:
    """An e-mail-only post of a paid article: refused to its author; and a newsletter forced to e-mail-only over
    it anyway is still decided per recipient by the access decision (here: the preview, and no paywall box)."""
    from byline.audience import services as audience
    from byline.audience.models import Delivery, Newsletter

    try:
        audience.send_email_only(article=article, user=article.author.user)
    except audience.EmailOnlyRefused:
        pass
    else:
        raise AssertionError("a paid article went out as an e-mail-only post")
    address, subscriber = _subscribed_to_the_author(client, article)
    newsletter = Newsletter.objects.create(article=article, email_only=True)
    Delivery.objects.create(newsletter=newsletter, article=article, subscriber=subscriber)
    mail.outbox.clear()
    audience.send_newsletter(newsletter_id=newsletter.pk)
    [message] = [m for m in mail.outbox if address in m.to]
    return 200, _both_parts(message)


def newsletter_email(client: Client, article: Article) -> tuple[int, str]:
    """The article's newsletter as this reader receives it: the client's account subscribed (address confirmed),
    or an address without an account for a client that is not signed in. Both parts of the message."""
    from byline.audience import services as audience

    address, _subscriber = _subscribed_to_the_author(client, article)
    mail.outbox.clear()
    newsletter = audience.queue_newsletter(article_id=article.pk, now=article.published_at)
    audience.send_newsletter(newsletter_id=newsletter.pk)
    [message] = [m for m in mail.outbox if address in m.to]
    parts = [message.subject, message.body, *(content for content, _type in message.alternatives)]
    return 200, "\n".join(parts)


NO_SUCH_WORD = "quillwortish"  # in no article: a search for it shows where a page echoes its query


def search_page(client: Client, article: Article) -> tuple[int, str]:
    """The search page for the locked-only word finds nothing of this article, though its title finds it."""
    url = localised("en", lambda a: reverse("search:search"))(article)
    by_title = client.get(url, {"q": article.title}).content.decode()
    assert article.get_absolute_url() in by_title, "a title search must find the article: else this proves nothing"
    locked = client.get(url, {"q": LOCKED_ONLY_WORD})
    control = client.get(url, {"q": NO_SUCH_WORD}).content.decode()
    content = locked.content.decode()
    assert article.get_absolute_url() not in content, "the locked-only word found the article"
    # The page repeats the query (search box, heading): exactly as often as for a word in no article.
    assert content.count(LOCKED_ONLY_WORD) == control.count(NO_SUCH_WORD)
    return locked.status_code, content.replace(LOCKED_ONLY_WORD, "<the query>")


def search_api(client: Client, article: Article) -> tuple[int, str]:
    """The search API's result count: at least one hit for the title, none of this article for the locked word."""
    by_title = client.get("/api/v1/search", {"q": article.title}).json()
    assert article.slug in [hit["article"]["slug"] for hit in by_title["items"]] and by_title["count"] >= 1
    locked = client.get("/api/v1/search", {"q": LOCKED_ONLY_WORD})
    body = locked.json()
    assert article.slug not in [hit["article"]["slug"] for hit in body["items"]]
    assert body["count"] == 0, f"the locked-only word found {body['count']} articles"
    return locked.status_code, locked.content.decode().replace(LOCKED_ONLY_WORD, "<the query>")


def share_images(client: Client, article: Article) -> tuple[int, str]:
    """Both share-card PNGs: their bytes and every text chunk Pillow finds in them."""
    texts = []
    for variant in ("standard", "gift"):
        response = client.get(f"/share-image/{article.slug}/v{article.version}/{variant}.png")
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        data = b"".join(response.streaming_content)
        image = Image.open(io.BytesIO(data))
        texts += [data.decode("latin-1"), repr(image.info), repr(getattr(image, "text", {})),
                  f"{image.format} {image.size}"]
    return 200, "\n".join(texts)


def _gift_page(client: Client, article: Article, *, revoked: bool) -> tuple[int, str]:
    giver = article.author.user
    if revoked:
        gift = sharing.create_gift_link(giver=giver, article=article)
        sharing.revoke_gift_link(giver=giver, gift_id=gift.pk)
    else:
        gift = sharing.create_gift_link(giver=giver, article=article, now=timezone.now() - dt.timedelta(days=400))
    url = localised("en", lambda a: reverse("sharing:gift", args=[gift.token]))(article)
    response = client.get(url, HTTP_USER_AGENT=client.defaults.get("HTTP_USER_AGENT", BROWSER_UA))
    return response.status_code, response.content.decode()


def revoked_gift_page(client: Client, article: Article) -> tuple[int, str]:
    return _gift_page(client, article, revoked=True)


def expired_gift_page(client: Client, article: Article) -> tuple[int, str]:
    return _gift_page(client, article, revoked=False)


def paid_gift_pages(client: Client, article: Article) -> tuple[int, str]:
    """A paid gift of this article bought by someone else for an address: its claim page (as this client), the
    page that gives the article, and the e-mail that carries the claim link (titles and teasers only)."""
    from byline.gifts import services as gifts
    from byline.gifts.mail import mail_gift

    buyer = make_user()
    fund(buyer, 1000)
    gift = gifts.buy_gift(buyer=buyer, order=gifts.article_order(article=article, recipient_email="friend@example.net",
                                                                 message="Enjoy"), idempotency_key=uuid.uuid4().hex)
    mail.outbox.clear()
    mail_gift(gift_id=gift.pk)
    with translation.override("en"):
        responses = [client.get(reverse("gifts:claim", args=[gift.token])),
                     client.get(reverse("gifts:give_article", args=[article.slug]), follow=True),
                     client.get(reverse("gifts:mine"), follow=True)]
    bodies = [r.content.decode() for r in responses]
    bodies += [f"{m.subject}\n{m.body}\n" + "".join(str(a[0]) for a in getattr(m, "alternatives", []))
               for m in mail.outbox]
    return max(r.status_code for r in responses), "\n".join(bodies)


def read_aloud(client: Client, article: Article) -> tuple[int, str]:
    """The text read aloud (JSON) must be the preview only; no sentence audio exists past it."""
    with translation.override("en"):
        response = client.get(reverse("reader:parts", args=[article.slug]))
        parts = response.json()["parts"]
        beyond = client.get(reverse("reader:sentence_audio", args=[article.slug, len(parts)]))
    assert beyond.status_code == 404, "there is audio for a sentence past the preview"
    return response.status_code, response.content.decode()


def unavailable_page(client: Client, article: Article) -> tuple[int, str]:
    """The 503 page, reached by losing the database while the article page is asked for."""
    lost = OperationalError("the database went away")
    with mock.patch("byline.articles.selectors.article_stamp", side_effect=lost), \
            mock.patch("byline.access.selectors.article_for_reader", side_effect=lost):
        response = client.get(article_url_en(article))
    assert response.status_code == 503 and response["Retry-After"]
    return response.status_code, response.content.decode()


def wallet_and_receipts(client: Client, article: Article) -> tuple[int, str]:
    """The wallet page, and the receipt of every transfer the state made (purchase, undo, refund)."""
    with translation.override("en"):
        response = client.get(reverse("purchases:wallet"), follow=True)
        bodies = [response.content.decode()]
        for transfer_id in getattr(client, "transfer_ids", []):
            receipt = client.get(reverse("purchases:receipt", args=[transfer_id]))
            assert receipt.status_code == 200
            bodies.append(receipt.content.decode())
    return response.status_code, "\n".join(bodies)


def unlock_confirmation(client: Client, article: Article) -> tuple[int, str]:
    """The page that confirms a purchase (a sign-in page for anonymous readers)."""
    with translation.override("en"):
        response = client.get(reverse("purchases:unlock", args=[article.slug]), follow=True)
    return response.status_code, response.content.decode()


def membership_and_refund_pages(client: Client, article: Article) -> tuple[int, str]:
    """The membership page, a plan's confirmation, and the refund request of the state's purchase (each a
    sign-in page for anonymous readers; an undone or refunded purchase's request sends to the wallet)."""
    from byline.purchases.models import Purchase

    plan = MembershipPlan.objects.filter(active=True).first() or MembershipPlan.objects.create(
        name="Monthly", interval="month", price_minor=800, currency="USD")
    purchase = Purchase.objects.filter(transfer_id__in=getattr(client, "transfer_ids", [])).first()
    with translation.override("en"):
        paths = [reverse("purchases:membership"), reverse("purchases:join", args=[plan.pk])]
        if purchase is not None:
            paths.append(reverse("purchases:refund_request", args=[purchase.pk]))
    responses = [client.get(path, follow=True) for path in paths]
    return max(r.status_code for r in responses), "\n".join(r.content.decode() for r in responses)


def article_url_en(article: Article) -> str:
    with translation.override("en"):
        return article.get_absolute_url()


def article_url(article: Article) -> str:
    return article.get_absolute_url()


def title(article: Article) -> str:
    return article.title


def preview(article: Article) -> str:
    return PREVIEW_SENTENCE


def author_subscription_pages(client: Client, article: Article) -> tuple[int, str]:
    """The writer's subscribe page, its confirmation, and the reader's list of subscriptions (sign-in pages for
    anonymous readers)."""
    pages = []
    with translation.override("en"):
        urls = [reverse("subscriptions:subscribe", args=[article.author.slug]),
                reverse("subscriptions:confirm", args=[article.author.slug]) + "?interval=month",
                reverse("subscriptions:mine")]
    for url in urls:
        response = client.get(url, follow=True)
        pages.append(response.content.decode())
    return 200, "".join(pages)


def _read_during_a_save(client: Client, article: Article, **change) -> tuple[int, str]:
    """The article is free for a while (its free page cached); a save that changes it is in flight while
    another reader reads the old row and stores it as the stamp; the save commits; then the client reads.

    One connection cannot read another's snapshot, so the reader in between is given the old row (what a
    second connection reads before the commit); tests/articles/test_stale_state.py runs the same race on
    two PostgreSQL connections.
    """
    upsert_article(_article_data(article, visibility=Visibility.FREE, price_minor=0))
    url = article_url_en(article)
    assert LOCKED_SENTINEL in Client().get(url).content.decode()  # free: cached for anonymous readers
    old_row = article_selectors.article_stamp(slug=article.slug)
    with TestCase.captureOnCommitCallbacks(execute=True):
        upsert_article(_article_data(article, **change))
        with mock.patch.object(article_selectors, "article_stamp", return_value=old_row):
            Client().get(url)
    response = client.get(url, follow=True)
    return response.status_code, response.content.decode()


def _article_data(article: Article, **changes) -> ArticleData:
    current = Article.objects.select_related("author", "topic").get(pk=article.pk)
    values = {name: getattr(current, name) for name in (
        "title", "slug", "lang", "topic", "author", "body_markdown", "price_minor", "currency", "visibility",
        "status", "published_at")}
    return ArticleData(**{**values, **changes})


def read_during_a_save_that_makes_it_paid(client: Client, article: Article) -> tuple[int, str]:
    return _read_during_a_save(client, article, visibility=Visibility.PAID, price_minor=300)


def read_during_a_save_that_unpublishes_it(client: Client, article: Article) -> tuple[int, str]:
    return _read_during_a_save(client, article, status=Status.DRAFT, published_at=None)


def locked_image(client: Client, article: Article) -> tuple[int, str]:
    """The author puts an image below the paywall line (its alt text a locked-only word): every stored width
    must answer 404, and the article page, API and feed must not name it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from byline.articles.text import STUDIO_IMAGE_WIDTHS
    from byline.studio import images

    data = io.BytesIO()
    Image.new("RGB", (1100, 700), (20, 80, 160)).save(data, format="JPEG")
    stored = images.add_image(article=article, upload=SimpleUploadedFile("p.jpg", data.getvalue()),
                              alt=f"{LOCKED_ONLY_WORD} photograph")
    upsert_article(_article_data(article, body_markdown=article.body_markdown + "\n" + images.markdown_for(stored)))
    statuses = {client.get(f"/images/{stored.key}/{width}.{stored.file_format}").status_code
                for width in {*stored.widths, *STUDIO_IMAGE_WIDTHS}}  # stored, and as the srcset names them
    pages = [client.get(url, follow=True).content.decode() for url in (
        localised("en", article_url)(article), f"/api/v1/articles/{article.slug}",
        localised("en", lambda a: reverse("feeds:site_rss"))(article))]
    assert all(stored.key not in page for page in pages), "a page names the locked image"
    return (404 if statuses == {404} else max(statuses)), "\n".join(pages)


def locked_image_as_cover(client: Client, article: Article) -> tuple[int, str]:
    """The author puts an image below the paywall line and chooses it as the cover in the studio (a cover is
    public): the save is refused, so every width still answers 404 and no page (its og:image, the cards of
    the topic page) names it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from byline.studio import images
    from byline.studio import services as studio
    from byline.studio.drafts import Draft
    from byline.studio.selectors import head_of

    data = io.BytesIO()
    Image.new("RGB", (1100, 700), (160, 80, 20)).save(data, format="JPEG")
    stored = images.add_image(article=article, upload=SimpleUploadedFile("c.jpg", data.getvalue()))
    draft = Draft(title=article.title, subtitle=article.subtitle, topic=article.topic, lang=article.lang,
                  body_markdown=article.body_markdown + "\n\n" + images.markdown_for(stored),
                  visibility=article.visibility, price_minor=article.price_minor, currency=article.currency,
                  prices=article.prices, slug=article.slug, cover=stored.key)
    head = head_of(article)
    saved = studio.save_draft(author=article.author, article=article, draft=draft,
                              base_revision_id=head.pk if head else None, user=article.author.user)
    assert "cover" in saved.errors and not saved.applied, "a locked-only image was taken as the cover"
    article.refresh_from_db()
    assert article.cover_url == ""
    statuses = {client.get(f"/images/{stored.key}/{width}.{stored.file_format}").status_code
                for width in stored.widths}
    pages = [client.get(url, follow=True).content.decode() for url in (
        localised("en", article_url)(article), localised("en", lambda a: a.topic.get_absolute_url())(article),
        f"/api/v1/articles/{article.slug}")]
    assert all(stored.key not in page for page in pages), "a page names the refused cover"
    return (404 if statuses == {404} else max(statuses)), "\n".join(pages)


CARING = ReadingPrefs(mode="caring").serialise()
TEXT_ONLY = ReadingPrefs(text_only=True).serialise()

FEATURED_COMMENT = "A featured comment the author chose to show everyone."


def comments_surface(client: Client, article: Article) -> tuple[int, str]:
    """A buyer quotes the locked part in a comment and a reply; the author features another comment of theirs.
    Then: the article page's comments, the API's comment list, and the reply and report pages of the quoting
    comment (which a reader without access may not open)."""
    from byline.comments import services as comments

    buyer = make_user()
    fund(buyer, 5_000)
    purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key=f"quote-{uuid.uuid4().hex}")
    access = decide(buyer, article)
    quoting = comments.post_comment(reader=buyer, article=article, access=access, address="192.0.2.9",
                                    body=f"> {LOCKED_SENTINEL}\n\nThe word {LOCKED_ONLY_WORD} says it all.")
    featured = comments.post_comment(reader=buyer, article=article, access=access, address="192.0.2.9",
                                     body=FEATURED_COMMENT)
    comments.post_comment(reader=buyer, article=article, access=access, address="192.0.2.9",
                          body=f"Quoting again: {LOCKED_SENTINEL}", parent_id=featured.pk)
    comments.moderate(moderator=article.author.user, comment_id=featured.pk, action="feature")
    bodies, statuses = [], []
    for url in (localised("en", article_url)(article), f"/api/v1/articles/{article.slug}/comments",
                localised("en", lambda a: reverse("comments:reply", args=[quoting.pk]))(article),
                localised("en", lambda a: reverse("comments:report", args=[quoting.pk]))(article)):
        response = client.get(url, follow=True)
        statuses.append(response.status_code)
        bodies.append(response.content.decode())
    return statuses[0], "\n".join(bodies)


def comment_notifications(client: Client, article: Article) -> tuple[int, str]:
    """The reader in this state (if signed in) comments, which the author features; a buyer replies quoting
    the locked part. The reader's notifications page and bell must not carry a word of the reply."""
    from django.contrib.auth import get_user_model

    from byline.comments import services as comments
    from byline.comments.models import Policy

    comments.set_article_policy(article=article, policy=Policy.SIGNED_IN)
    user_id = client.session.get("_auth_user_id")
    reader = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    address = f"reader-{uuid.uuid4().hex[:8]}@example.com"
    if reader is not None:  # an address that takes mail: the e-mail copy is read too
        confirmed_subscriber(address, author=article.author, user=reader)
    mail.outbox = []
    buyer = make_user()
    fund(buyer, 5_000)
    purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key=f"reply-{uuid.uuid4().hex}")
    with TestCase.captureOnCommitCallbacks(execute=True):
        parent = comments.post_comment(reader=reader or make_user(), article=article, access=decide(reader, article),
                                       address="192.0.2.10", body=FEATURED_COMMENT)
        comments.moderate(moderator=article.author.user, comment_id=parent.pk, action="feature")
        comments.post_comment(reader=buyer, article=article, access=decide(buyer, article), address="192.0.2.11",
                              body=f"> {LOCKED_SENTINEL}\n\n{LOCKED_ONLY_WORD}", parent_id=parent.pk)
    response = client.get(localised("en", lambda a: reverse("audience:notifications"))(article), follow=True)
    mails = [part for m in mail.outbox if address in m.to
             for part in (m.subject, m.body, *(body for body, _type in getattr(m, "alternatives", [])))]
    return response.status_code, "\n".join([response.content.decode(), *mails])


def paid_gift_notifications(client: Client, article: Article) -> tuple[int, str]:
    """Someone buys this article as a paid gift for the signed-in reader's verified address: the reader's
    notifications page (both languages) names it and links its claim page; the page never carries the claim
    link of a gift that is not this reader's to claim now (one they bought, one claimed or taken back)."""
    from django.contrib.auth import get_user_model

    from byline.gifts import services as gifts
    from byline.gifts.models import GiftState, PaidGift

    user_id = client.session.get("_auth_user_id")
    reader = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if reader is not None:
        address = f"gifted-{uuid.uuid4().hex[:8]}@example.com"
        EmailAddress.objects.create(user=reader, email=address, verified=True)
        buyer = make_user()
        fund(buyer, 5_000)
        with TestCase.captureOnCommitCallbacks(execute=True):
            gifts.buy_gift(buyer=buyer, order=gifts.article_order(article=article, recipient_email=address),
                           idempotency_key=uuid.uuid4().hex)
    responses = [client.get(localised(language, lambda a: reverse("audience:notifications"))(article), follow=True)
                 for language in ("en", "zh-hans")]
    bodies = [response.content.decode() for response in responses]
    if reader is not None:
        assert all(article.title in body for body in bodies), "the gift is not under the bell: nothing is proved"
        mine = set(EmailAddress.objects.filter(user=reader, verified=True).values_list("email", flat=True))
        for gift in PaidGift.objects.exclude(state=GiftState.AWAITING):
            if gift.state != GiftState.PAID or gift.recipient_email not in mine:
                assert all(gift.token not in body for body in bodies), "a claim link shown to someone else"
    return max(r.status_code for r in responses), "\n".join(bodies)


def _collection_holding(article: Article, *, includes_later: bool = True):
    """The article's collection, or a new one of its author's holding it (as its only part)."""
    found = collection_selectors.collection_of(article)
    if found is not None:
        return found
    collection = collections.save_collection(
        author=article.author, title="A matrix series", slug=f"matrix-{uuid.uuid4().hex[:8]}", description="",
        price_minor=700, currency="USD", prices={}, includes_later=includes_later)
    collections.add_article(collection=collection, article=article)
    return collection


def collection_surfaces(client: Client, article: Article) -> tuple[int, str]:
    """The collection the article is part of: its page in both languages, its feeds, its API answer, the buy
    confirmation (a sign-in page for anonymous readers)."""
    collection = _collection_holding(article)
    bodies, status = [], 200
    urls = [f"/en/collections/{collection.slug}/", f"/zh-hans/collections/{collection.slug}/",
            f"/en/feeds/collections/{collection.slug}/rss/", f"/en/feeds/collections/{collection.slug}/atom/",
            f"/api/v1/collections/{collection.slug}", "/api/v1/collections",
            f"/en/collections/{collection.slug}/buy/"]
    for url in urls:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            status = response.status_code
        bodies.append(response.content.decode())
    return status, "\n".join(bodies)


SURFACES: dict[str, Surface] = {
    "article page (en)": http(localised("en", article_url), expect=preview),
    "article page (zh-hans)": http(localised("zh-hans", article_url), expect=preview),
    "share tags and JSON-LD": http(localised("en", article_url), expect=title,
                                   note="Open Graph, Twitter card and JSON-LD live in the page head"),
    "caring version": http(localised("en", article_url), expect=preview, cookies={COOKIE_NAME: CARING}),
    "text-only view": http(localised("en", article_url), expect=preview, cookies={COOKIE_NAME: TEXT_ONLY}),
    "print view": http(localised("en", article_url), expect=preview,
                       note="the article page's HTML with the print stylesheet"),
    "home page (en)": http(localised("en", lambda a: reverse("articles:home")), expect=title),
    "home page (zh-hans)": http(localised("zh-hans", lambda a: reverse("articles:home")), expect=title),
    "topic page": http(localised("en", lambda a: a.topic.get_absolute_url()), expect=title),
    "author page": http(localised("en", lambda a: a.author.get_absolute_url()), expect=title),
    "RSS feed": http(localised("en", lambda a: reverse("articles:feed")), expect=title),
    "sitemap": http(lambda a: "/sitemap.xml", expect=lambda a: a.slug),
    "robots.txt": http(lambda a: "/robots.txt"),
    "site feeds (RSS, Atom)": several(localised("en", lambda a: reverse("feeds:site_rss")),
                                      localised("en", lambda a: reverse("feeds:site_atom")), expect=title),
    "topic feeds (RSS, Atom)": several(localised("en", lambda a: reverse("feeds:topic_rss", args=[a.topic.slug])),
                                       localised("en", lambda a: reverse("feeds:topic_atom", args=[a.topic.slug])),
                                       expect=title),
    "author feeds (RSS, Atom)": several(
        localised("en", lambda a: reverse("feeds:author_rss", args=[a.author.slug])),
        localised("en", lambda a: reverse("feeds:author_atom", args=[a.author.slug])), expect=title),
    "API article detail": http(lambda a: f"/api/v1/articles/{a.slug}", expect=preview),
    "API article list": http(lambda a: "/api/v1/articles", expect=title),
    "search page": Surface(search_page, note="locked-only word finds nothing; the title finds it"),
    "search API": Surface(search_api, note="count 0 for the locked-only word; >= 1 for the title"),
    "share images (PNG)": Surface(share_images, expect=lambda a: "PNG",
                                  note="bytes and text chunks of the standard and gift cards"),
    "gift page, revoked link": Surface(revoked_gift_page, expect=title, statuses=(200, 410)),
    "gift page, expired link": Surface(expired_gift_page, expect=title, statuses=(200, 410)),
    "paid gift pages and e-mail": Surface(paid_gift_pages, expect=title),
    "read-aloud text and audio": Surface(read_aloud, expect=preview,
                                         note="audio carries no text: no sentence audio past the preview"),
    "unlock confirmation": Surface(unlock_confirmation),
    "author subscription pages": Surface(author_subscription_pages,
                                         note="subscribe, confirm (with the cap's credit) and the reader's list"),
    "wallet and receipts": Surface(wallet_and_receipts),
    "membership and refund request pages": Surface(membership_and_refund_pages),
    "404 page": http(localised("en", lambda a: reverse("articles:detail", kwargs={"slug": f"{a.slug}-gone"}))),
    "503 page": Surface(unavailable_page, statuses=(503,), note="the article page with the database lost"),
    "admin anonymous preview": Surface(admin_anonymous_preview, expect=preview),
    "comments (page, API, reply and report pages)": Surface(
        comments_surface, expect=lambda a: FEATURED_COMMENT,
        note="a buyer's comment and reply quote the locked part; the author featured another comment"),
    "paid gift notifications (page, both languages)": Surface(
        paid_gift_notifications, note="a gift of this article for the reader's verified address, claim link checked"),
    "comment notifications (page and e-mail)": Surface(
        comment_notifications, note="a buyer's reply quoting the locked part to this reader's featured comment"),
    "locked image (every width; page, API, feed)": Surface(
        locked_image, expect=preview, statuses=(404,),
        note="an image below the paywall line, served only through the access-checked view"),
    "locked image chosen as cover (refused; page, cards, API)": Surface(
        locked_image_as_cover, expect=preview, statuses=(404,),
        note="the studio refuses a below-the-line image as the (public) cover"),
    "newsletter e-mail": Surface(newsletter_email, expect=preview,
                                 note="text and HTML parts as the reader's address receives them"),
    "password-reset e-mail": Surface(password_reset_email, expect=lambda a: "/reset/",
                                     note="both parts, on the shared e-mail templates"),
    "collection page, feeds, API and confirmation": Surface(
        collection_surfaces, expect=title, note="the collection the article is part of (made if none)"),
    "receipt, undo and confirmation e-mails": Surface(
        transactional_emails, expect=title,
        note="a purchase's receipt and the mail saying it was undone (title and price), the list's double opt-in"),
    "e-mail-only newsletter": Surface(
        email_only_newsletter, expect=preview,
        note="refused for a paid article; forced anyway, still the access decision's copy per recipient"),
    "article page, read during a save that makes it paid": Surface(
        read_during_a_save_that_makes_it_paid, expect=preview,
        note="free, then made paid while another reader stores the old row; read after the commit"),
    "article page, read during a save that unpublishes it": Surface(
        read_during_a_save_that_unpublishes_it, statuses=(404,),
        note="free, then taken down while another reader stores the old row; read after the commit"),
}


def anonymous(client: Client, article: Article) -> None:
    """No account, no cookies."""


def signed_in_without_access(client: Client, article: Article) -> None:
    client.force_login(make_user())


def crawler(client: Client, article: Article) -> None:
    client.defaults["HTTP_USER_AGENT"] = CRAWLER_UA


def javascript_disabled(client: Client, article: Article) -> None:
    """The server cannot tell: it sends the same HTML as to anyone anonymous (the paywall is server-side)."""


def _bought(client: Client, article: Article):
    reader = make_user()
    fund(reader, 1000)
    purchase = purchases.unlock_with_wallet(reader=reader, article=article, idempotency_key=uuid.uuid4().hex)
    assert decide(reader, article).allowed
    client.force_login(reader)
    return reader, purchase


def undone_purchase(client: Client, article: Article) -> None:
    """Bought from the wallet, then undone by the reader within the undo window."""
    reader, purchase = _bought(client, article)
    purchase = purchases.undo_purchase(reader=reader, purchase_id=purchase.pk)
    client.transfer_ids = [purchase.transfer_id, purchase.reversal_id]


def refunded_purchase(client: Client, article: Article) -> None:
    """Bought from the wallet, then refunded by staff."""
    reader, purchase = _bought(client, article)
    purchase = purchases.refund_purchase(purchase_id=purchase.pk, staff_user=make_user(is_staff=True))
    client.transfer_ids = [purchase.transfer_id, purchase.reversal_id]


def collection_buyer(client: Client, article: Article) -> None:
    """Bought a collection of the author's (later articles not included); this article was added to it after."""
    reader = make_user()
    fund(reader, 5000)
    other = upsert_article(_article_data(  # its own locked text: this reader may read it, and search it
        article, title="Another part", slug=f"{article.slug}-other",
        body_markdown="A free opening.\n\n<!-- paywall -->\n\nThe other part's own locked paragraph.\n"))[0]
    collection = collections.save_collection(
        author=article.author, title="A series bought before", slug=f"bought-{uuid.uuid4().hex[:8]}",
        description="", price_minor=700, currency="USD", prices={}, includes_later=False)
    collections.add_article(collection=collection, article=other)
    collections.buy_with_wallet(reader=reader, collection=collection, idempotency_key=uuid.uuid4().hex)
    assert decide(reader, other).allowed
    collections.add_article(collection=collection, article=article, now=timezone.now() + dt.timedelta(seconds=1))
    client.force_login(reader)


def undone_collection_purchase(client: Client, article: Article) -> None:
    """Bought a collection holding this article (it could read it), then undid the purchase in the window."""
    reader = make_user()
    fund(reader, 5000)
    collection = _collection_holding(article)
    bought = collections.buy_with_wallet(reader=reader, collection=collection, idempotency_key=uuid.uuid4().hex)
    assert decide(reader, article).allowed
    bought = collections.undo_collection_purchase(reader=reader, purchase_id=bought.pk)
    client.force_login(reader)
    client.transfer_ids = [bought.transfer_id, bought.reversal_id]


def expired_membership(client: Client, article: Article) -> None:
    """Joined from the wallet, cancelled, and the period ended (the renewal task ended it)."""
    reader = make_user()
    fund(reader, 800)
    plan = MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
    membership = memberships.join_with_wallet(reader=reader, plan=plan, idempotency_key=uuid.uuid4().hex)
    assert decide(reader, article).allowed
    memberships.cancel_at_period_end(reader=reader)
    memberships.renew_due_wallet_memberships(now=membership.period_end + dt.timedelta(seconds=1))
    client.force_login(reader)


# The other articles these states buy carry no sentinel: the reader may read them, so their text would prove
# nothing about this article's.
OTHER_BODY = "An open first paragraph.\n\n<!-- paywall -->\n\nA locked paragraph about something else.\n"


def _priced_writer(author) -> None:
    subscriptions.set_price(author=author, interval="month", currency="USD", price_minor=500)


def lapsed_author_subscriber(client: Client, article: Article) -> None:
    """Subscribed to the article's writer from the wallet; the next renewal found the wallet empty."""
    from byline.subscriptions.services import renew_due

    _priced_writer(article.author)
    reader = make_user()
    fund(reader, 500)
    subscription = subscriptions.subscribe_with_wallet(reader=reader, author=article.author, interval="month",
                                                       idempotency_key=uuid.uuid4().hex)
    assert decide(reader, article).allowed
    assert renew_due(now=subscription.period_end + dt.timedelta(seconds=1)) == {"lapsed": 1}
    client.force_login(reader)


def author_trial_ended(client: Client, article: Article) -> None:
    """Took the writer's free trial offer; it ended with nothing in the wallet, so it lapsed."""
    from byline.subscriptions.services import renew_due

    _priced_writer(article.author)
    offer = subscriptions.create_offer(target=OfferTarget.AUTHOR, author=article.author, kind=OfferKind.TRIAL,
                                       trial_days=7)
    reader = make_user()
    subscription = subscriptions.subscribe_with_wallet(reader=reader, author=article.author, interval="month",
                                                       idempotency_key=uuid.uuid4().hex, offer=offer)
    assert decide(reader, article).allowed
    renew_due(now=subscription.period_end + dt.timedelta(seconds=1))
    client.force_login(reader)


def cap_reached_for_another_writer(client: Client, article: Article) -> None:
    """This month's single purchases reached ANOTHER writer's monthly price (whose other articles are now the
    reader's); this writer offers a subscription too, and nothing was bought from them."""
    from tests.conftest import make_article, make_author

    _priced_writer(article.author)
    other = make_author()
    _priced_writer(other)
    reader = make_user()
    fund(reader, 2000)
    for _ in range(2):
        purchases.unlock_with_wallet(reader=reader, article=make_article(author=other, body_markdown=OTHER_BODY),
                                     idempotency_key=uuid.uuid4().hex)
    assert decide(reader, make_article(author=other, body_markdown=OTHER_BODY)).allowed
    client.force_login(reader)


def cap_undone_below(client: Client, article: Article) -> None:
    """Reached this writer's cap with two other articles (this one opened), then undid one of them."""
    from tests.conftest import make_article

    _priced_writer(article.author)
    reader = make_user()
    fund(reader, 2000)
    bought = [purchases.unlock_with_wallet(reader=reader, article=make_article(author=article.author,
                                                                               body_markdown=OTHER_BODY),
                                           idempotency_key=uuid.uuid4().hex) for _ in range(2)]
    assert decide(reader, article).allowed
    # The later one: it was charged less because of the first, so the first cannot be undone before it.
    purchases.undo_purchase(reader=reader, purchase_id=bought[1].pk)
    client.force_login(reader)


def revoked_gift(client: Client, article: Article) -> None:
    """An anonymous browser opened a gift link (and could read), then the giver revoked it."""
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    giver = article.author.user
    gift = sharing.create_gift_link(giver=giver, article=article)
    _open_gift(client, gift)
    sharing.revoke_gift_link(giver=giver, gift_id=gift.pk)


def read_only_token(client: Client, article: Article) -> None:
    """Bought the article, then reads with a personal API token scoped `read` only (no session)."""
    reader = make_user()
    fund(reader, 1000)
    purchases.unlock_with_wallet(reader=reader, article=article, idempotency_key=uuid.uuid4().hex)
    assert decide(reader, article).allowed
    client.defaults["HTTP_AUTHORIZATION"] = "Bearer " + create_api_token(owner=reader, name="feed app",
                                                                         scopes=[Scope.READ])[1]


def _open_gift(client: Client, gift) -> None:
    """Look at the gift link and press "Open the gift", as a person does; the gift must then open."""
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    with translation.override("en"):
        url = reverse("sharing:gift", args=[gift.token])
    page = client.get(url).content.decode()
    key = ACCEPT_KEY.search(page)
    opened = client.post(url, {"accept_key": key.group(1)} if key else {}, follow=True)
    assert LOCKED_SENTINEL in opened.content.decode(), "the gift did not open: the state would prove nothing"


def _gift_from_a_purchase(client: Client, article: Article, *, signed_in: bool):
    """A reader buys the article and makes a gift link; the client (a signed-in friend, or a browser)
    opens it. Returns the purchase."""
    buyer = make_user()
    fund(buyer, 1000)
    purchase = purchases.unlock_with_wallet(reader=buyer, article=article, idempotency_key=uuid.uuid4().hex)
    gift = sharing.create_gift_link(giver=buyer, article=article)
    if signed_in:
        client.force_login(make_user())
    _open_gift(client, gift)
    return purchase


def gift_from_an_undone_purchase(client: Client, article: Article) -> None:
    """A signed-in friend opened a gift made from a purchase; the buyer then undid the purchase."""
    purchase = _gift_from_a_purchase(client, article, signed_in=True)
    purchases.undo_purchase(reader=purchase.reader, purchase_id=purchase.pk)


def gift_from_a_refunded_purchase(client: Client, article: Article) -> None:
    """A browser opened a gift made from a purchase (signed out); staff then refunded the purchase."""
    purchase = _gift_from_a_purchase(client, article, signed_in=False)
    purchases.refund_purchase(purchase_id=purchase.pk, staff_user=make_user(is_staff=True))


def gift_reopened_by_a_new_account(client: Client, article: Article) -> None:
    """A browser opened a gift signed out; the giver withdrew it; a new account signed up in that browser
    (same gift cookie), looked at the link and pressed its button."""
    revoked_gift(client, article)
    client.force_login(make_user())
    _press_the_gift_button_again(client, article)


def _press_the_gift_button_again(client: Client, article: Article) -> None:
    gift = article.gift_links.get()
    with translation.override("en"):
        url = reverse("sharing:gift", args=[gift.token])
    client.get(url)
    client.post(url, {})


def revoked_gift_with_the_cookie(client: Client, article: Article) -> None:
    """A browser opened a gift signed out and keeps its cookie; the giver withdrew it; the browser came back
    to the link and pressed the button again."""
    revoked_gift(client, article)
    _press_the_gift_button_again(client, article)


def expired_gift_with_the_cookie(client: Client, article: Article) -> None:
    """A browser opened a gift signed out and keeps its cookie; the link expired; the browser came back to
    the link and pressed the button again."""
    gift = sharing.create_gift_link(giver=article.author.user, article=article)
    _open_gift(client, gift)
    GiftLink.objects.filter(pk=gift.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    _press_the_gift_button_again(client, article)


def _paid_gift_for(client: Client, article: Article, *, kind: str = "article"):
    """Someone buys a paid gift (byline/gifts) for the client's reader, who signs in: (buyer, gift, reader).
    `kind`: the article itself, a month of membership, or the article's whole collection."""
    from byline.gifts import services as gifts

    buyer, reader = make_user(), make_user()
    fund(buyer, 5000)
    if kind == "article":
        order = gifts.article_order(article=article, recipient_email=reader.email)
    elif kind == "collection":
        order = gifts.collection_order(collection=_collection_holding(article), recipient_email=reader.email)
    else:
        if not MembershipPlan.objects.filter(active=True, interval="month").exists():
            MembershipPlan.objects.create(name="Monthly", interval="month", price_minor=800, currency="USD")
        order = gifts.membership_order(months=1, recipient_email=reader.email)
    # The address is the reader's, proved (as allauth's code does), so the gift also rings their bell.
    EmailAddress.objects.get_or_create(user=reader, email=reader.email, defaults={"verified": True})
    with TestCase.captureOnCommitCallbacks(execute=True):
        gift = gifts.buy_gift(buyer=buyer, order=order, idempotency_key=uuid.uuid4().hex)
    client.force_login(reader)
    return buyer, gift, reader


def paid_gift_unclaimed(client: Client, article: Article) -> None:
    """Someone bought the article as a gift for this reader's address; the reader has not claimed it yet."""
    _paid_gift_for(client, article)


def gift_opened_then_price_raised(client: Client, article: Article) -> None:
    """Opened a gift of this article for a friend; the writer raised the price before it was paid, so paying
    at the price it was opened at was refused (nothing paid, nothing to claim)."""
    from byline.gifts import services as gifts
    from byline.purchases.errors import PriceChanged

    buyer = make_user()
    fund(buyer, 5000)
    gift = gifts.open_gift(buyer=buyer, order=gifts.article_order(article=article, recipient_email="f@example.net"),
                           idempotency_key=uuid.uuid4().hex)
    Article.objects.filter(pk=article.pk).update(price_minor=gift.price_minor * 2)
    article.refresh_from_db()
    with pytest.raises(PriceChanged):
        gifts.pay_for_gift(gift_id=gift.pk, quoted_minor=gift.price_minor)
    client.force_login(buyer)


def _take_back_then_refuse_the_claim(buyer, gift, reader) -> None:
    """The buyer takes the paid gift back (its e-mails sent); the reader's claim after that is refused."""
    from byline.gifts import services as gifts
    from byline.gifts.errors import GiftRefused

    with TestCase.captureOnCommitCallbacks(execute=True):
        gifts.refund_gift(buyer=buyer, gift_id=gift.pk)
    with pytest.raises(GiftRefused):
        gifts.claim_gift(token=gift.token, reader=reader)


def paid_gift_taken_back_before_claim(client: Client, article: Article) -> None:
    """Someone bought the article as a gift for this reader, then took it back; the reader's claim is refused."""
    buyer, gift, reader = _paid_gift_for(client, article)
    _take_back_then_refuse_the_claim(buyer, gift, reader)


def membership_gift_taken_back_before_claim(client: Client, article: Article) -> None:
    """Someone bought a month of membership for this reader, then took it back before the claim."""
    from byline.gifts import services as gifts

    buyer, gift, _reader = _paid_gift_for(client, article, kind="membership")
    with TestCase.captureOnCommitCallbacks(execute=True):
        gifts.refund_gift(buyer=buyer, gift_id=gift.pk)


def buyer_of_a_claimed_gift(client: Client, article: Article) -> None:
    """The reader bought the article as a gift and a friend claimed it: the friend reads it, the buyer does not."""
    from byline.gifts import services as gifts

    buyer, gift, reader = _paid_gift_for(client, article)
    with TestCase.captureOnCommitCallbacks(execute=True):
        gifts.claim_gift(token=gift.token, reader=reader)
    assert decide(reader, article).allowed
    client.force_login(buyer)
    client.transfer_ids = [gift.transfer_id]


def collection_gift_unclaimed(client: Client, article: Article) -> None:
    """Someone bought the article's whole collection as a gift for this reader, who has not claimed it yet."""
    _paid_gift_for(client, article, kind="collection")


def collection_gift_taken_back(client: Client, article: Article) -> None:
    """Someone bought the article's collection as a gift for this reader, then took it back before the claim."""
    buyer, gift, reader = _paid_gift_for(client, article, kind="collection")
    _take_back_then_refuse_the_claim(buyer, gift, reader)


def buyer_of_a_claimed_collection_gift(client: Client, article: Article) -> None:
    """The reader bought the article's collection as a gift and a friend claimed it: the friend reads every
    part, the buyer none."""
    from byline.gifts import services as gifts

    buyer, gift, reader = _paid_gift_for(client, article, kind="collection")
    gifts.claim_gift(token=gift.token, reader=reader)
    assert decide(reader, article).allowed
    client.force_login(buyer)
    client.transfer_ids = [gift.transfer_id]


def writer_months_gift_expired(client: Client, article: Article) -> None:
    """Someone gave this reader a month of the article's writer's subscription; it was claimed forty days ago
    and has run out (nothing renews: the renewal task ended it and charged nothing)."""
    from byline.gifts import services as gifts
    from byline.subscriptions.services import renew_due

    _priced_writer(article.author)
    buyer, reader = make_user(), make_user()
    fund(buyer, 5000)
    fund(reader, 5000)
    gift = gifts.buy_gift(buyer=buyer, order=gifts.author_order(author=article.author, months=1),
                          idempotency_key=uuid.uuid4().hex)
    claimed_at = timezone.now() - dt.timedelta(days=40)
    gifts.claim_gift(token=gift.token, reader=reader, now=claimed_at)
    assert renew_due() == {"ended": 1}  # it was there, and is over
    client.force_login(reader)


STATES: dict[str, Callable[[Client, Article], None]] = {
    "anonymous": anonymous,
    "signed in without access": signed_in_without_access,
    "expired membership": expired_membership,
    "lapsed author subscriber": lapsed_author_subscriber,
    "author trial ended": author_trial_ended,
    "cap reached for another writer": cap_reached_for_another_writer,
    "cap reached, then undone below it": cap_undone_below,
    "undone purchase": undone_purchase,
    "refunded purchase": refunded_purchase,
    "revoked gift": revoked_gift,
    "API token without read:private": read_only_token,
    "crawler user agent": crawler,
    "JavaScript disabled": javascript_disabled,
    "gift from an undone purchase": gift_from_an_undone_purchase,
    "gift from a refunded purchase": gift_from_a_refunded_purchase,
    "gift reopened by a new account": gift_reopened_by_a_new_account,
    "revoked gift with the cookie": revoked_gift_with_the_cookie,
    "expired gift with the cookie": expired_gift_with_the_cookie,
    "paid gift unclaimed": paid_gift_unclaimed,
    "paid gift taken back before its claim": paid_gift_taken_back_before_claim,
    "gift opened, then the price raised before paying": gift_opened_then_price_raised,
    "membership gift taken back before its claim": membership_gift_taken_back_before_claim,
    "buyer of a paid gift claimed by a friend": buyer_of_a_claimed_gift,
    "collection buyer (article added later, not included)": collection_buyer,
    "undone collection purchase": undone_collection_purchase,
    "collection gift unclaimed": collection_gift_unclaimed,
    "collection gift taken back before its claim": collection_gift_taken_back,
    "buyer of a collection gift claimed by a friend": buyer_of_a_claimed_collection_gift,
    "writer's subscription gift claimed, then run out": writer_months_gift_expired,
}

MATRIX = [(surface, state) for surface in SURFACES for state in STATES]


def assert_no_locked_text(content: str, where: str) -> None:
    assert LOCKED_SENTINEL not in content, f"locked sentinel leaked on {where}"
    assert LOCKED_ONLY_WORD not in content, f"a locked-only word leaked on {where}"


@pytest.fixture(autouse=True)
def _share_images_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.parametrize(("surface", "state"), MATRIX, ids=[f"{s}--{t}" for s, t in MATRIX])
def test_locked_text_never_reaches_a_reader_without_access(paid_article, surface, state):
    client = Client()
    STATES[state](client, paid_article)
    MATRIX_RESULTS[(surface, state)] = "FAIL"
    status, content = SURFACES[surface].fetch(client, paid_article)
    assert status in SURFACES[surface].statuses, f"{surface} as {state} answered {status}"
    expect = SURFACES[surface].expect
    if expect is not None:
        assert expect(paid_article) in content, f"{surface} does not show the article: the check would prove nothing"
    assert_no_locked_text(content, f"{surface} as {state}")
    MATRIX_RESULTS[(surface, state)] = "ok"


@pytest.mark.parametrize("surface", ["article page (en)", "article page (zh-hans)", "caring version",
                                     "text-only view", "API article detail", "read-aloud text and audio",
                                     "comments (page, API, reply and report pages)",
                                     "comment notifications (page and e-mail)", "e-mail-only newsletter"])
def test_the_matrix_would_see_a_leak_the_author_is_entitled_to(paid_article, surface):
    """Control: the same fetch, as the article's author, does carry the sentinel."""
    client = Client()
    client.force_login(paid_article.author.user)
    _, content = SURFACES[surface].fetch(client, paid_article)
    assert LOCKED_SENTINEL in content


@pytest.mark.parametrize("surface", ["article page (en)", "article page (zh-hans)", "caring version",
                                     "API article detail"])
def test_the_matrix_would_see_a_leak_an_author_subscriber_is_entitled_to(paid_article, surface):
    """Control: an author subscriber (and a reader whose purchases reached the cap) does get the locked text."""
    from tests.conftest import make_article

    _priced_writer(paid_article.author)
    subscriber, capped = make_user(), make_user()
    fund(subscriber, 500)
    fund(capped, 1000)
    subscriptions.subscribe_with_wallet(reader=subscriber, author=paid_article.author, interval="month",
                                        idempotency_key=uuid.uuid4().hex)
    for _ in range(2):
        purchases.unlock_with_wallet(reader=capped, article=make_article(author=paid_article.author),
                                     idempotency_key=uuid.uuid4().hex)
    for reader in (subscriber, capped):
        client = Client()
        client.force_login(reader)
        _, content = SURFACES[surface].fetch(client, paid_article)
        assert LOCKED_SENTINEL in content


@pytest.mark.parametrize("surface", ["article page (en)", "caring version", "API article detail"])
def test_the_matrix_would_see_a_leak_a_gift_recipient_is_entitled_to(paid_article, surface):
    """Control: the claimer of a collection gift and of a writer's months do get the locked text."""
    from byline.gifts import services as gifts

    _priced_writer(paid_article.author)
    buyer = make_user()
    fund(buyer, 5000)
    orders = [gifts.collection_order(collection=_collection_holding(paid_article)),
              gifts.author_order(author=paid_article.author, months=1)]
    for order in orders:
        reader = make_user()
        gift = gifts.buy_gift(buyer=buyer, order=order, idempotency_key=uuid.uuid4().hex)
        gifts.claim_gift(token=gift.token, reader=reader)
        client = Client()
        client.force_login(reader)
        _, content = SURFACES[surface].fetch(client, paid_article)
        assert LOCKED_SENTINEL in content


# --- Entry points: the same article written through each way text enters, with CRLF line endings ---
# A browser submits a textarea with CRLF; before text was normalised where it enters, the divider
# was not found and the whole text was public. Each entry point below writes the fixture's article
# (preview sentence, divider, sentinel) with CRLF and is then read on every surface.

CRLF_BODY = (f"{PREVIEW_SENTENCE}\r\n\r\nA second free paragraph sets the scene.\r\n\r\n<!-- paywall -->\r\n\r\n"
             f"{LOCKED_SENTINEL} The word {LOCKED_ONLY_WORD} appears only here.\r\n\r\nA last locked paragraph.\r\n")


def written_in_the_admin(author, tmp_path) -> Article:
    from byline.articles.demo import authors_group
    from tests.conftest import make_topic

    author.user.is_staff = True
    author.user.save()
    author.user.groups.add(authors_group())
    client = Client()
    client.force_login(author.user)
    with translation.override("en"):
        response = client.post(reverse("admin:articles_article_add"), {
            "title": "Written in the admin", "slug": "written-in-the-admin", "lang": "en",
            "topic": make_topic().pk, "author": author.pk, "body_markdown": CRLF_BODY, "visibility": "paid",
            "price_minor": "300", "currency": "USD", "status": "published", "published_at_0": "",
            "published_at_1": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    return Article.objects.select_related("author", "topic").get(slug="written-in-the-admin")


def written_through_the_api(author, tmp_path) -> Article:
    import json

    from tests.conftest import make_topic

    make_topic()
    token = create_api_token(owner=author.user, name="matrix", scopes=[Scope.WRITE_ARTICLES])[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    created = Client().post("/api/v1/articles", data=json.dumps({
        "title": "Written through the API", "slug": "written-through-the-api", "topic": "history",
        "body_markdown": CRLF_BODY, "visibility": "paid", "price_minor": 300, "currency": "USD"}),
        content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    published = Client().post("/api/v1/articles/written-through-the-api/publish", data="{}",
                              content_type="application/json", **headers)
    assert published.status_code == 200, published.content
    return Article.objects.select_related("author", "topic").get(slug="written-through-the-api")


def written_by_the_importer(author, tmp_path) -> Article:
    from byline.articles.importer import import_articles

    front = (f"---\r\ntitle: Written by the importer\r\nslug: written-by-the-importer\r\nlang: en\r\n"
             f"topic: history\r\nauthor: {author.slug}\r\nprice: \"3.00\"\r\nvisibility: paid\r\n"
             f"published: true\r\n---\r\n")
    path = tmp_path / "crlf.md"
    path.write_bytes((front + CRLF_BODY).encode("utf-8"))
    import_articles([path])
    return Article.objects.select_related("author", "topic").get(slug="written-by-the-importer")


def written_in_the_studio(author, tmp_path) -> Article:
    from tests.conftest import make_topic

    client = Client()
    client.force_login(author.user)
    with translation.override("en"):
        saved = client.post(reverse("studio:new"), {
            "title": "Written in the studio", "body_markdown": CRLF_BODY, "lang": "en", "topic": make_topic().pk,
            "visibility": "paid", "currency": "USD", "price": "3.00", "action": "publish"})
        assert saved.status_code == 302, saved.content.decode()[:500]
        published = client.post(saved["Location"], {"when": "now"})
    assert published.status_code == 302
    return Article.objects.select_related("author", "topic").get(slug="written-in-the-studio")


ENTRY_POINTS: dict[str, Callable] = {
    "writing studio (CRLF form)": written_in_the_studio,
    "admin form (CRLF)": written_in_the_admin,
    "Content API (CRLF JSON)": written_through_the_api,
    "importer (CRLF file)": written_by_the_importer,
}
ENTRY_STATES = ("anonymous", "signed in without access")
ENTRY_MATRIX = [(entry, surface, state) for entry in ENTRY_POINTS for surface in SURFACES for state in ENTRY_STATES]


@pytest.mark.parametrize(("entry", "surface", "state"), ENTRY_MATRIX,
                         ids=[f"{e}--{s}--{t}" for e, s, t in ENTRY_MATRIX])
def test_an_article_written_with_crlf_through_any_entry_point_keeps_its_locked_part(author, tmp_path, entry,
                                                                                     surface, state):
    article = ENTRY_POINTS[entry](author, tmp_path)
    assert article.is_live and article.has_divider and LOCKED_SENTINEL in article.locked_html
    client = Client()
    STATES[state](client, article)
    status, content = SURFACES[surface].fetch(client, article)
    assert status in SURFACES[surface].statuses, f"{surface} as {state} answered {status}"
    expect = SURFACES[surface].expect
    if expect is not None:
        assert expect(article) in content, f"{surface} does not show the article: the check would prove nothing"
    assert_no_locked_text(content, f"{surface} as {state}, article from the {entry}")
