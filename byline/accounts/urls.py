from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from byline.accounts import views
from byline.accounts.forms import ResetForm

app_name = "accounts"
urlpatterns = [
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.sign_up, name="signup"),
    path("library/", views.library, name="library"),
    # allauth's code page (its name `account_confirm_login_code` resolves here first), with the log-in throttle.
    path("login/code/confirm/", views.confirm_login_code, name="confirm_login_code"),
    path("login/code/link/", views.sign_in_by_link, name="code_link"),
    path("signup/code/link/", views.sign_up_by_link, name="signup_code_link"),
    path("wechat/fake-qr/", views.wechat_fake_qr, name="wechat_fake_qr"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=ResetForm,
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
