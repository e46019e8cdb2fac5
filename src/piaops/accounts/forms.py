from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm, UsernameField

from piaops.accounts import services
from piaops.lib.clientaddr import client_addr, proxy_addr
from piaops.lib.fields import GuardedFormCharField, MyNumberFormFieldMixin


class GuardedUsernameField(MyNumberFormFieldMixin, UsernameField):
    pass


class LoginForm(AuthenticationForm):
    """Django's log-in form whose user name refuses (and never re-renders) a 個人番号 typed by mistake."""

    username = GuardedUsernameField(widget=AuthenticationForm.base_fields["username"].widget)


class AdminLoginForm(AdminAuthenticationForm):
    """The same guard on the Django admin's log-in page (installed by ``AccountsConfig.ready``)."""

    username = GuardedUsernameField(widget=AdminAuthenticationForm.base_fields["username"].widget)


if TYPE_CHECKING:
    _FormBase = AuthenticationForm
else:
    # A plain mixin at run time: inheriting AuthenticationForm here would bring its unguarded ``username`` field
    # back over the guarded one of LoginForm.
    _FormBase = object


class LockoutMixin(_FormBase):
    """A per-user-name lockout for Django's log-in forms.

    A locked name is refused before its password is checked, with the same message whether or not the user exists.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            if services.locked_until(username) is not None:
                services.login_locked_record(
                    username=username, remote_addr=client_addr(self.request), proxy_addr=proxy_addr(self.request)
                )
                raise forms.ValidationError(services.LOCKED_MESSAGE, code="locked")
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                services.login_failure_record(username=username)
                if services.locked_until(username) is not None:
                    raise forms.ValidationError(services.LOCKED_MESSAGE, code="locked")
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
            services.login_failures_clear(username=username)
        return self.cleaned_data


class LockoutAuthenticationForm(LockoutMixin, LoginForm):
    """The log-in page's form (``/login/``): lockout, and a user name that refuses a 個人番号 typed by mistake."""


class AdminLockoutAuthenticationForm(LockoutMixin, AdminLoginForm):
    """The Django admin's log-in form: the same lockout, so ``/django-admin/login/`` is no way around it."""


class OtpForm(forms.Form):
    code = GuardedFormCharField(
        label="確認コード",
        max_length=20,
        help_text="認証アプリに表示される6桁の数字、またはリカバリーコード",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class NextForm(forms.Form):
    """Where to go after a log-in step: the ``next`` of the form posted, else of the URL (checked by the view)."""

    next = GuardedFormCharField(required=False, max_length=2000)
