from django.urls import path

from byline.dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.csv", views.export_csv, name="export"),
    path("articles/<slug:slug>/", views.article_detail, name="article"),
    path("articles/<slug:slug>/export.csv", views.article_csv, name="article_export"),
]
