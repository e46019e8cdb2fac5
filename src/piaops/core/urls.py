from django.contrib.auth import views as auth_views
from django.urls import path

from piaops.accounts.forms import LockoutAuthenticationForm
from piaops.core import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm), name="login"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
