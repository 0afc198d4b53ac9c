from django.http import HttpRequest

from byline.reader import prefs


def reading_mode(request: HttpRequest) -> dict:
    return {
        "reading": getattr(request, "reading", prefs.DEFAULT),
        "reading_cookie_name": prefs.COOKIE_NAME,
        "reading_schemes": prefs.SCHEME_CHOICES,
    }
