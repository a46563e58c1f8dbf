from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the demo's staff user (demo / demo); only with DEBUG on."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_staff only runs with DEBUG=1 (the demo)")
        user, created = get_user_model().objects.get_or_create(
            username="demo",
            defaults={"is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_password("demo")
            user.save(update_fields=["password"])
        self.stdout.write("demo staff user: demo / demo")
