from django.urls import path

from byline.purchases import views

app_name = "purchases"
urlpatterns = [
    path("unlock/<slug:slug>/", views.unlock, name="unlock"),
    path("unlock/<slug:slug>/card/", views.unlock_by_card, name="unlock_by_card"),
    path("purchases/<int:pk>/undo/", views.undo, name="undo"),
    path("purchases/<int:pk>/refund/", views.refund_request, name="refund_request"),
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/currency/", views.change_currency, name="change_currency"),
    path("wallet/receipts/<int:pk>/", views.receipt, name="receipt"),
    path("membership/", views.membership, name="membership"),
    path("membership/join/<int:plan_id>/", views.join, name="join"),
    path("membership/cancel/", views.cancel_membership, name="cancel_membership"),
    path("earnings/", views.earnings, name="earnings"),
    path("staff/ledger/", views.ledger_health, name="ledger_health"),
]
