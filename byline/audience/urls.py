from django.urls import path

from byline.audience import views

app_name = "audience"
urlpatterns = [
    path("follow/author/<slug:slug>/", views.follow, {"kind": "author"}, name="follow_author"),
    path("follow/topic/<slug:slug>/", views.follow, {"kind": "topic"}, name="follow_topic"),
    path("follow/site/", views.follow, {"kind": "site"}, name="follow_site"),
    path("subscribe/author/<slug:slug>/", views.subscribe, {"kind": "author"}, name="subscribe_author"),
    path("subscribe/topic/<slug:slug>/", views.subscribe, {"kind": "topic"}, name="subscribe_topic"),
    path("subscribe/site/", views.subscribe, {"kind": "site"}, name="subscribe_site"),
    path("subscribe/sent/", views.subscribe_sent, name="subscribe_sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("preferences/", views.preferences, name="preferences"),
    path("preferences/<str:token>/", views.preferences_by_link, name="preferences_by_link"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/open/", views.open_notification, name="open_notification"),
    path("subscribers/", views.subscribers, name="subscribers"),
    path("subscribers.csv", views.subscribers_csv, name="subscribers_csv"),
    path("newsletter/<slug:slug>/preview/", views.newsletter_preview, name="newsletter_preview"),
    path("newsletter/<slug:slug>/test/", views.newsletter_test, name="newsletter_test"),
    path("newsletter/<slug:slug>/email-only/", views.newsletter_email_only, name="newsletter_email_only"),
    path("c/<str:recipient>/<str:link>/", views.click, name="click"),
]
