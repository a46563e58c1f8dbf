"""Commit a hold, then die before publishing its event, as a process
killed between commit and publish would. Run by test_live_delivery."""

import os
import sys

import django


def main() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "officeshop.settings"
    django.setup()
    from inventory import movements, quickhold, services

    def die(events):
        os._exit(9)

    # Both paths a hold can take publish through their own reference.
    movements.events_committed = quickhold.events_committed = die
    services.reservation_create(lines=[(sys.argv[1], 1)])


if __name__ == "__main__":
    main()
