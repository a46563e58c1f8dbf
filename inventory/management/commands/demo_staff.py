from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from inventory.roles import CLERKS, MANAGERS

# (username, role); each user's password is its name.
DEMO_STAFF = [("demo", None), ("clerk", CLERKS), ("manager", MANAGERS)]


class Command(BaseCommand):
    help = (
        "Create the demo's staff: demo (everything), clerk and manager, "
        "each with its name as password; only with DEBUG on."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_staff only runs with DEBUG=1 (the demo)")
        for name, role in DEMO_STAFF:
            user, created = get_user_model().objects.get_or_create(
                username=name,
                defaults={
                    "is_staff": True,
                    "is_superuser": role is None,
                    "email": f"{name}@officeshop.example",
                },
            )
            if created:
                user.set_password(name)
                user.save(update_fields=["password"])
            if role:
                user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"demo staff user: {name} / {name}")
