"""Race holds on the demo's SQLite file; run by test_sqlite_demo in a
process of its own, since the suite's own database is PostgreSQL.

Prints one JSON line: holds granted, refused, and the level's figures.
"""

import json
import os
import sys

import django


def main() -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "officeshop.settings"
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    from bench.seed import seed_hot_sku
    from inventory import services
    from inventory.errors import InsufficientStock
    from inventory.models import StockLevel
    from tests.race import run_together

    seed_hot_sku(code="DEMO-HOT", on_hand=int(sys.argv[1]))

    def hold():
        return services.reservation_create(lines=[("DEMO-HOT", 1)])

    results = run_together([hold] * int(sys.argv[2]))
    level = StockLevel.objects.get(sku__code="DEMO-HOT", warehouse__code="EAST")
    print(
        json.dumps(
            {
                "granted": sum(not isinstance(r, Exception) for r in results),
                "refused": sum(isinstance(r, InsufficientStock) for r in results),
                "errors": [
                    repr(r)
                    for r in results
                    if isinstance(r, Exception) and not isinstance(r, InsufficientStock)
                ],
                "on_hand": level.on_hand,
                "reserved": level.reserved,
            }
        )
    )


if __name__ == "__main__":
    main()
