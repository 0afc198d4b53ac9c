from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from byline.articles.sitemaps import SITEMAPS
from byline.core.views import robots_txt

urlpatterns = [
    path("robots.txt", robots_txt, name="robots"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("reading-events/", include("byline.recommend.urls")),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("byline.accounts.urls")),
    path("reading/", include("byline.reader.urls")),
    path("", include("byline.articles.urls")),
    prefix_default_language=True,
)
