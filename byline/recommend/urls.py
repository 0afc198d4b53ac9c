from django.urls import path

from byline.recommend import views

app_name = "recommend"
urlpatterns = [
    path("articles/<int:article_id>/finished/", views.article_finished, name="finished"),
]
