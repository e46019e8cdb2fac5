from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "piaops.core"
    verbose_name = "共通"

    # The Django admin's log-in form (guarded user name + lockout) is installed by piaops.accounts.
