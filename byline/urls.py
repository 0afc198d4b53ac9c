from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from byline.articles.sitemaps import SITEMAPS
from byline.audience import mail_events
from byline.core.views import favicon_ico, robots_txt
from byline.payments import card_urls as payments_card_urls
from byline.payments import tip_urls as payments_tip_urls
from byline.purchases import urls as purchases_urls
from byline.sharing.urls import image_urlpatterns as share_image_urls
from byline.studio.urls import image_urlpatterns as studio_image_urls
from byline.tips import urls as tips_urls

# The admin is for staff, under the site's own name (authors write in the studio, /<lang>/write/).
admin.site.site_header = admin.site.site_title = settings.SITE_NAME

# Pages first, and the article page first of all: Django tries patterns in order, and this is the
# path almost every request takes. The `purchases` namespace is served by two apps: purchases' own pages
# and those in payments that offer a card or word the wallet's history (payments/card_urls.py), so that
# purchases never imports payments. The `tips` namespace likewise: tips' wallet pages and payments' tip pages that
# offer a card (payments/tip_urls.py).
urlpatterns = i18n_patterns(
    path("", include("byline.pages.urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("byline.accounts.urls")),
    # django-allauth: sign-in and sign-up by e-mail code, WeChat. Byline's log-in, sign-up and log-out above take
    # the same paths first, so allauth's links to them land on Byline's pages.
    path("accounts/", include("allauth.urls")),
    path("reading/", include("byline.reader.urls")),
    path("", include("byline.sharing.urls")),
    path("search/", include("byline.search.urls")),
    path("feeds/", include("byline.api.feed_urls")),
    path("api-access/", include("byline.api.account_urls")),
    path("payments/", include("byline.payments.urls")),
    path("dashboard/", include("byline.dashboard.urls")),
    path("payouts/", include("byline.payouts.urls")),
    path("", include((purchases_urls.urlpatterns + payments_card_urls.urlpatterns, "purchases"))),
    path("comments/", include("byline.comments.urls")),
    path("tips/", include((tips_urls.urlpatterns + payments_tip_urls.urlpatterns, "tips"))),
    path("write/collections/", include("byline.studio.collection_urls")),
    path("subscriptions/", include("byline.subscriptions.urls")),
    path("", include("byline.gifts.urls")),
    path("write/", include("byline.studio.urls")),
    path("collections/", include("byline.collections.urls")),
    path("audience/", include("byline.audience.urls")),
    path("mail/", include("byline.mail.urls")),
    prefix_default_language=True,
)
urlpatterns += [
    path("robots.txt", robots_txt, name="robots"),
    path("favicon.ico", favicon_ico, name="favicon"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("", include("byline.api.urls")),
    path("payments/", include("byline.payments.webhook_urls")),
    path("payouts/", include("byline.payouts.notice_urls")),
    path("", include("byline.ops.urls")),
    path("reading-events/", include("byline.recommend.urls")),
    path("mail-events/", mail_events.webhook, name="mail_events"),
]
urlpatterns += share_image_urls + studio_image_urls
handler400 = "byline.core.errors.bad_request"
handler403 = "byline.core.errors.permission_denied"
handler429 = "byline.core.errors.rate_limited"  # django-allauth's rate limits answer through it
handler500 = "byline.ops.views.server_error"
