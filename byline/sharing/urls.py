from django.urls import path

from byline.sharing import views

app_name = "sharing"
urlpatterns = [
    path("s/<slug:slug>/<str:channel>/", views.share_to, name="share_to"),
    path("gift/<str:token>/", views.gift_page, name="gift"),
    path("gifts/", views.my_gifts, name="gifts"),
    path("gifts/new/<slug:slug>/", views.create_gift, name="create_gift"),
    path("gifts/<int:pk>/", views.gift_detail, name="gift_detail"),
    path("gifts/<int:pk>/revoke/", views.revoke_gift, name="revoke_gift"),
    path("referrals/", views.referrals, name="referrals"),
]

# Not language-prefixed: the image depends on the article's language, not the interface's.
image_urlpatterns = [
    path("share-image/<slug:slug>/v<int:version>/<str:variant>.png", views.share_image, name="share_image"),
]
