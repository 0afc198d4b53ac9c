from django.urls import path

from byline.payments import qr_views, views

app_name = "payments"
urlpatterns = [
    path("top-up/", views.top_up, name="top_up"),
    path("return/", views.checkout_return, name="return"),
    path("sandbox/<str:ref>/", views.sandbox_checkout, name="sandbox_checkout"),
    path("sandbox/<str:ref>/confirm/", views.sandbox_confirm, name="sandbox_confirm"),
    path("pay/<str:reference>/", qr_views.pay, name="pay"),
    path("pay/<str:reference>/status.json", qr_views.pay_status, name="pay_status"),
]
