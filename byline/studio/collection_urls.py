from django.urls import path

from byline.studio import collection_views as studio_views

app_name = "collection_studio"
urlpatterns = [
    path("", studio_views.index, name="index"),
    path("new/", studio_views.edit, name="new"),
    path("<int:pk>/", studio_views.edit, name="edit"),
    path("<int:pk>/parts/", studio_views.parts, name="parts"),
    path("<int:pk>/offers/", studio_views.offers, name="offers"),
]
