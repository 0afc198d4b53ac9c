"""Memberships keep the terms they were joined on (currency and price per period); plans gain own prices in
other currencies; readers may ask staff for a refund after the undo window."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def terms_from_plans(apps, schema_editor):
    Membership = apps.get_model("purchases", "Membership")
    for membership in Membership.objects.select_related("plan").iterator():
        membership.currency, membership.price_minor = membership.plan.currency, membership.plan.price_minor
        membership.save(update_fields=["currency", "price_minor"])


class Migration(migrations.Migration):

    dependencies = [
        ("purchases", "0002_membership_renew_provider"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="membershipplan",
            name="prices",
            field=models.JSONField(blank=True, default=dict, verbose_name="prices in other currencies"),
        ),
        migrations.AddField(
            model_name="membership",
            name="currency",
            field=models.CharField(default="", max_length=3, verbose_name="currency"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="membership",
            name="price_minor",
            field=models.PositiveIntegerField(default=0, verbose_name="price per period"),
            preserve_default=False,
        ),
        migrations.RunPython(terms_from_plans, migrations.RunPython.noop),
        migrations.CreateModel(
            name="RefundRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("reason", models.TextField(max_length=2000, verbose_name="what went wrong")),
                ("status", models.CharField(choices=[("open", "Waiting for staff"), ("refunded", "Refunded"),
                                                     ("declined", "Declined")],
                                            default="open", max_length=10, verbose_name="status")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="asked at")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                ("purchase", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                               related_name="refund_requests", to="purchases.purchase")),
                ("reader", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                             related_name="refund_requests", to=settings.AUTH_USER_MODEL)),
            ],
            options={
                "verbose_name": "refund request",
                "verbose_name_plural": "refund requests",
                "ordering": ["-created_at"],
                "constraints": [models.UniqueConstraint(condition=models.Q(("status", "open")),
                                                        fields=("purchase",),
                                                        name="refund_request_one_open_per_purchase")],
            },
        ),
    ]
