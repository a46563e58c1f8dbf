"""Seal the ledger in a hash chain per stock level.

Rows written before this migration are chained here, per level in id
order, with the same function new rows are sealed with, so every chain
verifies from its first row.
"""

import django.utils.timezone
from django.db import migrations, models

BATCH_SIZE = 2000


def chain_existing(apps, schema_editor):
    from inventory.ledger import entry_hash

    StockLevel = apps.get_model("inventory", "StockLevel")
    LedgerEntry = apps.get_model("inventory", "LedgerEntry")
    levels = {
        pk: (sku_id, warehouse_id)
        for pk, sku_id, warehouse_id in StockLevel.objects.values_list(
            "pk", "sku_id", "warehouse_id"
        )
    }
    heads, batch = {}, []
    rows = LedgerEntry.objects.order_by("level_id", "id")
    for entry in rows.iterator(chunk_size=BATCH_SIZE):
        sku_id, warehouse_id = levels[entry.level_id]
        entry.prev_hash = heads.get(entry.level_id, "")
        entry.hash = entry_hash(entry, sku_id=sku_id, warehouse_id=warehouse_id)
        heads[entry.level_id] = entry.hash
        batch.append(entry)
        if len(batch) == BATCH_SIZE:
            LedgerEntry.objects.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    LedgerEntry.objects.bulk_update(batch, ["prev_hash", "hash"])

    StockLevel.objects.bulk_update(
        [StockLevel(pk=pk, ledger_head=head) for pk, head in heads.items()],
        ["ledger_head"],
        batch_size=BATCH_SIZE,
    )


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0006_stock_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="ledgerentry",
            name="hash",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AddField(
            model_name="ledgerentry",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AddField(
            model_name="stocklevel",
            name="ledger_head",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="ledgerentry",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
