from django.urls import path

from byline.payouts import views

app_name = "payouts"
urlpatterns = [
    path("", views.home, name="home"),
    path("method/<str:currency>/", views.method, name="method"),
    path("methods/<int:pk>/onboard/", views.onboard, name="onboard"),
    path("methods/<int:pk>/return/", views.onboarding_return, name="onboarding_return"),
    path("methods/<int:pk>/schedule/", views.change_schedule, name="schedule"),
    path("methods/<int:pk>/remove/", views.remove_method, name="remove_method"),
    path("request/<str:currency>/", views.request_payout, name="request"),
    path("<str:reference>/cancel/", views.cancel, name="cancel"),
    path("statements/<str:currency>/<int:year>-<int:month>/", views.statement_html, name="statement"),
    path("statements/<str:currency>/<int:year>-<int:month>.csv", views.statement_csv_view, name="statement_csv"),
    path("statements/<str:currency>/<int:year>-<int:month>.pdf", views.statement_pdf_view, name="statement_pdf"),
    path("staff/", views.operator, name="operator"),
    path("staff/export.csv", views.operator_export, name="operator_export"),
    path("staff/reconcile/", views.operator_reconcile, name="operator_reconcile"),
    path("staff/<str:reference>/<str:action>/", views.operator_act, name="operator_act"),
    path("sandbox/<str:ref>/", views.sandbox_onboarding, name="sandbox_onboarding"),
]
