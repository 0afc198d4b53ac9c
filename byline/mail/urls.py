from django.urls import path

from byline.mail import views

app_name = "mail"
urlpatterns = [
    path("", views.outbox, name="outbox"),
    path("<str:name>/", views.show, name="show"),
    path("<str:name>/html/", views.show_html, name="show_html"),
]
