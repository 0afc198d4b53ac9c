from django.urls import path

from byline.api import views

app_name = "api_access"
urlpatterns = [
    path("", views.access, name="access"),
    path("tokens/", views.create_token, name="create_token"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("private-feed/", views.rotate_feed, name="rotate_feed"),
    path("private-feed/revoke/", views.revoke_feed, name="revoke_feed"),
]
