from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from byline.core.errors import Refused, too_many_requests
from byline.urls import urlpatterns as site_urlpatterns


def explode(request):
    raise RuntimeError("secret internal detail that must not reach the reader")


def deny(request):
    raise PermissionDenied("secret internal reason")


def refuse(request):
    raise Refused("Only the keeper of the lighthouse may open this.")


def suspicious(request):
    raise SuspiciousOperation("secret internal suspicion")


def limited(request):
    return too_many_requests(request, retry_after_s=90, message="You asked for many gift links today.")


# Outside the language prefix: the language comes from Accept-Language. The site's own pages follow,
# so the error pages can link to home, search and log in.
urlpatterns = [
    path("boom/", explode),
    path("deny/", deny),
    path("refuse/", refuse),
    path("suspicious/", suspicious),
    path("limited/", limited),
    *site_urlpatterns,
]
handler400 = "byline.core.errors.bad_request"
handler403 = "byline.core.errors.permission_denied"
handler500 = "byline.ops.views.server_error"
