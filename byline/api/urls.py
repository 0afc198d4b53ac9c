"""The Content API at /api/v1/ (outside the language prefix), and the private feed."""

from django.urls import URLPattern, path, re_path
from django.views.decorators.csrf import csrf_exempt

from byline.api import feeds
from byline.api.endpoints import api
from byline.api.http import api_view, not_found


def _wrapped(patterns):
    return [URLPattern(p.pattern, api_view(p.callback), p.default_args, p.name) for p in patterns]


_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path("api/v1/", (_wrapped(_patterns), _app_name, _namespace)),
    re_path(r"^api/v1/", csrf_exempt(api_view(not_found))),
    path("feeds/private/<str:secret>/", feeds.PrivateRssFeed(), name="private_feed"),
    path("feeds/private/<str:secret>/atom/", feeds.PrivateAtomFeed(), name="private_feed_atom"),
]
