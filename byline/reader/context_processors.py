from django.http import HttpRequest

from byline.reader import prefs


def reading_mode(request: HttpRequest) -> dict:
    return {"reading": getattr(request, "reading", prefs.DEFAULT)}
