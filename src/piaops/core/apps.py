from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "piaops.core"
    verbose_name = "共通"

    def ready(self) -> None:
        from piaops.core import converters

        converters.register()  # before any URLconf is imported

    # The Django admin's log-in form (guarded user name + lockout) is installed by piaops.accounts.
