"""Tip pages in payments that keep the `tips` URL namespace and paths (tip_views): byline/urls.py serves them
together with `tips.urls` under that one namespace, so templates, tests and e-mails are unchanged."""

from django.urls import path

from byline.payments import tip_views

urlpatterns = [
    path("on/<slug:slug>/confirm/", tip_views.confirm, name="confirm"),
    path("on/<slug:slug>/card/", tip_views.by_card, name="by_card"),
    path("<int:pk>/", tip_views.receipt, name="receipt"),
]
