from django.urls import path

from byline.studio import views

app_name = "studio"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("new/autosave/", views.autosave, name="autosave_new"),
    path("preview/", views.preview, name="preview"),
    path("paste/", views.paste, name="paste"),
    path("<int:pk>/", views.edit, name="edit"),
    path("<int:pk>/autosave/", views.autosave, name="autosave"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/unpublish/", views.unpublish, name="unpublish"),
    path("<int:pk>/images/", views.upload_image, name="upload_image"),
    path("<int:pk>/revisions/", views.revisions, name="revisions"),
    path("<int:pk>/revisions/<int:revision>/", views.revision, name="revision"),
]

# Outside the language prefix: an image is the same in every language, and its address sits in stored HTML.
image_urlpatterns = [
    path("images/<str:key>/<int:width>.<str:file_format>", views.image, name="studio_image"),
]
