from django.urls import path

from byline.collections import views

app_name = "collections"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("purchases/<int:pk>/undo/", views.undo, name="undo"),
]
