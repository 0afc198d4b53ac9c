"""Notification endpoints live outside the language prefix: providers post to one fixed URL."""

from django.urls import path

from byline.payouts import views

urlpatterns = [path("notices/<str:provider>/", views.notice, name="payouts_notice")]
