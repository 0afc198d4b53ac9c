from django.urls import path

from byline.purchases import views

app_name = "purchases"
# The pages that offer a card or word the wallet's history keep this namespace but live in payments
# (payments/card_urls.py): byline/urls.py serves both lists under "purchases".
urlpatterns = [
    path("purchases/<int:pk>/undo/", views.undo, name="undo"),
    path("purchases/<int:pk>/refund/", views.refund_request, name="refund_request"),
    path("purchases/<int:pk>/refund/now/", views.refund_now, name="refund_now"),
    path("wallet/currency/", views.change_currency, name="change_currency"),
    path("membership/", views.membership, name="membership"),
    path("sales-settings/", views.sales_settings, name="sales_settings"),
    path("staff/ledger/", views.ledger_health, name="ledger_health"),
]
