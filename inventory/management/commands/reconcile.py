from django.core.management.base import BaseCommand

from inventory.reconcile import stock_reconcile


class Command(BaseCommand):
    help = (
        "Recompute every stock figure from the ledger, live holds and open "
        "orders; print each drift and exit non-zero if there is any."
    )

    def handle(self, *args, **options):
        drifts = stock_reconcile()
        for drift in drifts:
            self.stdout.write(f"DRIFT {drift}")
        if drifts:
            self.stderr.write(f"{len(drifts)} drifts found")
            raise SystemExit(1)
        self.stdout.write("no drift: every figure matches the ledger, holds and orders")
