from django.urls import path

from byline.gifts import views

app_name = "gifts"
# "give/" and "claim/": apart from the free gift links of byline/sharing ("gift/", "gifts/").
urlpatterns = [
    path("give/", views.my_gifts, name="mine"),
    path("give/article/<slug:slug>/", views.give_article, name="give_article"),
    path("give/membership/", views.give_membership, name="give_membership"),
    path("give/collection/<slug:slug>/", views.give_collection, name="give_collection"),
    path("give/writer/<slug:slug>/", views.give_writer, name="give_writer"),
    path("give/<int:pk>/", views.detail, name="detail"),
    path("give/<int:pk>/refund/", views.refund, name="refund"),
    path("claim/<str:token>/", views.claim, name="claim"),
]
