from django.urls import path

from byline.reader import views

app_name = "reader"
urlpatterns = [
    path("mode/<str:mode>/", views.switch_mode, name="switch_mode"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
