from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InventoryConfig(AppConfig):
    name = "inventory"

    def ready(self) -> None:
        from .roles import roles_sync

        # After every app has migrated, so every permission named exists.
        post_migrate.connect(roles_sync, dispatch_uid="inventory.roles_sync")
