"""Webhook endpoints live outside the language prefix: providers post to one fixed URL."""

from django.urls import path

from byline.payments import views

urlpatterns = [path("webhooks/<str:provider>/", views.webhook, name="payments_webhook")]
