import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0007_ledger_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="DriftAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("found_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "last_seen_at",
                    models.DateTimeField(default=django.utils.timezone.now),
                ),
                ("summary", models.CharField(max_length=300)),
                ("details", models.JSONField(default=dict)),
                ("notified_at", models.DateTimeField(blank=True, null=True)),
                ("is_open", models.BooleanField(default=True)),
                ("acknowledged_by", models.CharField(blank=True, max_length=150)),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ["-found_at"],
                "permissions": [
                    ("acknowledge_drift", "Can acknowledge a stock drift alert")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_open", True)),
                        fields=("is_open",),
                        name="drift_alert_one_open",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("acknowledged_at__isnull", True), ("is_open", True)),
                            models.Q(
                                ("acknowledged_at__isnull", False), ("is_open", False)
                            ),
                            _connector="OR",
                        ),
                        name="drift_alert_open_until_acknowledged",
                    ),
                ],
            },
        ),
    ]
