"""Pages in payments that keep the `purchases` URL namespace and paths (card_views, statement_views): byline/urls.py
serves them together with `purchases.urls` under that one namespace, so templates, tests and bookmarks are
unchanged."""

from django.urls import path

from byline.payments import card_views, statement_views

urlpatterns = [
    path("unlock/<slug:slug>/", card_views.unlock, name="unlock"),
    path("unlock/<slug:slug>/card/", card_views.unlock_by_card, name="unlock_by_card"),
    path("subscribe-by-card/<slug:slug>/", card_views.subscribe_by_card, name="subscribe_by_card"),
    path("wallet/", statement_views.wallet, name="wallet"),
    path("wallet/receipts/<int:pk>/", statement_views.receipt, name="receipt"),
    path("membership/join/<int:plan_id>/", card_views.join, name="join"),
    path("membership/cancel/", card_views.cancel_membership, name="cancel_membership"),
    path("give/<int:pk>/confirm/", card_views.gift_confirm, name="gift_confirm"),
    path("give/<int:pk>/card/", card_views.gift_by_card, name="gift_by_card"),
    path("collections/<slug:slug>/buy/", card_views.buy_collection, name="buy_collection"),
    path("collections/<slug:slug>/buy/card/", card_views.buy_collection_by_card, name="buy_collection_by_card"),
    path("earnings/", statement_views.earnings, name="earnings"),
]
