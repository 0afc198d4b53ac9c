from django.apps import AppConfig


class PagesConfig(AppConfig):
    """The reading page and the public listings, composed from the apps below (docs/DEVELOPING.md, "Layers")."""

    name = "byline.pages"
