from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "piaops.accounts"
    verbose_name = "アカウントと認証"

    def ready(self) -> None:
        from piaops.accounts import signals  # noqa: F401  (connects the log-in receivers)
