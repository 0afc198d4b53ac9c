from django.urls import path

from byline.tips import views

app_name = "tips"
urlpatterns = [
    path("on/<slug:slug>/", views.choose, name="tip"),
    path("on/<slug:slug>/confirm/", views.confirm, name="confirm"),
    path("on/<slug:slug>/card/", views.by_card, name="by_card"),
    path("<int:pk>/", views.receipt, name="receipt"),
    path("<int:pk>/undo/", views.undo, name="undo"),
    path("settings/", views.settings_page, name="settings"),
]
