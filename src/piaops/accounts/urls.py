from django.urls import path

from piaops.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.index, name="index"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("otp/remove/", views.otp_remove, name="otp_remove"),
    path("password/", views.password_change, name="password_change"),
]
