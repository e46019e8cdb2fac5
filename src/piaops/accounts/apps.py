from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "piaops.accounts"
    verbose_name = "アカウントと認証"

    def ready(self) -> None:
        from django.contrib import admin

        from piaops.accounts import signals  # noqa: F401  (connects the log-in receivers)
        from piaops.accounts.forms import AdminLockoutAuthenticationForm

        admin.site.login_form = AdminLockoutAuthenticationForm
