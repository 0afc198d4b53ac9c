from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from byline.reader import prefs


class ReadingModeMiddleware:
    """Attach the reader's reading preferences to the request as `request.reading`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.reading = prefs.from_request(request)
        return self.get_response(request)
