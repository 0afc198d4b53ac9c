from django.urls import path

from byline.reader import views

app_name = "reader"
urlpatterns = [
    path("mode/<str:mode>/", views.switch_mode, name="switch_mode"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("audio/<slug:slug>.wav", views.article_audio, name="audio"),
    path("audio/<slug:slug>/<int:part>.wav", views.sentence_audio, name="sentence_audio"),
    path("text/<slug:slug>.json", views.article_parts, name="parts"),
]
