"""The stock room's roles: clerks receive (against purchase orders too)
and count; managers also adjust, write off, transfer, set levels, manage
vendors and purchase orders, and see the restock suggestions. Customers
have no admin access at all (they are never staff).

The groups are kept in step with this module after every migrate, so a
new permission added here reaches every shop on its next deploy.
"""

import logging

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

logger = logging.getLogger(__name__)

CLERKS = "Clerks"
MANAGERS = "Managers"

# "app_label.codename" of each permission a role holds.
CLERK_PERMISSIONS = [
    "inventory.receive_stock",
    "inventory.count_stock",
    "inventory.view_stocklevel",
    "inventory.view_warehouse",
    "inventory.view_ledgerentry",
    "inventory.view_reservation",
    "inventory.view_stockevent",
    "inventory.view_purchaseorder",
    "inventory.view_purchaseorderline",
    "inventory.view_driftalert",
    "catalog.view_sku",
    "orders.view_order",
    "orders.view_return",
    "orders.fulfil_order",
    "alerts.view_lowstockdigest",
]
MANAGER_PERMISSIONS = CLERK_PERMISSIONS + [
    "inventory.adjust_stock",
    "inventory.write_off_stock",
    "inventory.transfer_stock",
    "inventory.set_stock_levels",
    "inventory.change_reservation",
    "inventory.manage_purchase_orders",
    "inventory.view_restocksuggestion",
    "inventory.acknowledge_drift",
    "orders.change_order",
    "catalog.change_sku",
    "integrations.view_vendor",
    "integrations.add_vendor",
    "integrations.change_vendor",
    "integrations.view_endpoint",
    "integrations.add_endpoint",
    "integrations.change_endpoint",
    "integrations.view_delivery",
    "integrations.view_inboundevent",
    "integrations.view_feed",
    "integrations.add_feed",
    "integrations.change_feed",
    "integrations.view_feedrun",
    "integrations.view_shopifyitem",
    "integrations.add_shopifyitem",
    "integrations.change_shopifyitem",
    "integrations.delete_shopifyitem",
    "integrations.view_shopifylocation",
    "integrations.add_shopifylocation",
    "integrations.change_shopifylocation",
    "integrations.delete_shopifylocation",
    "alerts.view_backinstocksubscription",
]
ROLES = {CLERKS: CLERK_PERMISSIONS, MANAGERS: MANAGER_PERMISSIONS}


def roles_sync(sender=None, **_signal_args) -> None:
    """Create the role groups and give each exactly its permissions.

    As a post_migrate receiver it acts once, for the last app: only then
    does every app's permission exist.
    """
    from django.apps import apps

    with_models = [c for c in apps.get_app_configs() if c.models_module is not None]
    if sender is not None and sender != with_models[-1]:
        return
    for name, wanted in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(wanted))


def _permissions(names: list[str]) -> list[Permission]:
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query))
    if len(found) < len(set(names)):
        have = {f"{p.content_type.app_label}.{p.codename}" for p in found}
        logger.warning("roles name unknown permissions: %s", set(names) - have)
    return found


def staff_emails(role: str) -> list[str]:
    """Return the e-mail addresses of active staff holding ``role``."""
    from django.contrib.auth import get_user_model

    users = (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name=role)
        .exclude(email="")
    )
    return sorted(set(users.values_list("email", flat=True)))
