from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenancyConfig(AppConfig):
    name = "piaops.tenancy"
    verbose_name = "団体・組織・職員"

    def ready(self) -> None:
        from piaops.tenancy.rls import after_migrate

        # After every migrate (once, for this app's signal): a tenant-owned table added since gets its RLS policy.
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="piaops.tenancy.rls")
