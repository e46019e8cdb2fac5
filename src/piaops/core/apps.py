from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "piaops.core"
    verbose_name = "共通"

    def ready(self) -> None:
        from django.contrib import admin

        from piaops.core.forms import AdminLoginForm

        admin.site.login_form = AdminLoginForm
