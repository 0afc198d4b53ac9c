from django.urls import path

from byline.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("mine/", views.mine, name="mine"),
    path("to/<slug:slug>/", views.subscribe, name="subscribe"),
    path("to/<slug:slug>/confirm/", views.confirm, name="confirm"),
    path("to/<slug:slug>/cancel/", views.cancel, name="cancel"),
    path("offer/<str:token>/", views.offer_link, name="offer"),
    path("membership-offer/<str:token>/", views.membership_offer, name="membership_offer"),
]
