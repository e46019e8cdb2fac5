from __future__ import annotations

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, UsernameField

from piaops.lib.fields import MyNumberFormFieldMixin


class GuardedUsernameField(MyNumberFormFieldMixin, UsernameField):
    pass


class LoginForm(AuthenticationForm):
    """Django's log-in form whose user name refuses (and never re-renders) a 個人番号 typed by mistake."""

    username = GuardedUsernameField(widget=AuthenticationForm.base_fields["username"].widget)


class AdminLoginForm(AdminAuthenticationForm):
    """The same guard on the Django admin's log-in page (installed by ``CoreConfig.ready``)."""

    username = GuardedUsernameField(widget=AdminAuthenticationForm.base_fields["username"].widget)
