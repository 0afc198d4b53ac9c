from django.urls import path

from byline.comments import views

app_name = "comments"
urlpatterns = [
    path("on/<slug:slug>/", views.post, name="post"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/change/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/like/", views.like, name="like"),
    path("<int:pk>/unlike/", views.unlike, name="unlike"),
    path("<int:pk>/moderate/", views.moderate, name="moderate"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/articles/<slug:slug>/", views.article_policy, name="article_policy"),
    path("settings/blocked/<int:reader_id>/unblock/", views.unblock, name="unblock"),
]
