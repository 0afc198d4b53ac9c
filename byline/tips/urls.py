"""Tip pages that only know the wallet. The confirmation, paying by card and the receipt are payments' pages
under this same `tips` namespace (payments/tip_urls.py, joined to these in byline/urls.py)."""

from django.urls import path

from byline.tips import views

urlpatterns = [
    path("on/<slug:slug>/", views.choose, name="tip"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("settings/", views.settings_page, name="settings"),
]
