import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("ledger", "0001_initial"),
        ("payments", "0003_qr_orders"),
    ]

    operations = [
        migrations.AddField(
            model_name="checkout",
            name="cashout",
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                       related_name="cashout_checkout", to="ledger.transfer"),
        ),
        migrations.AddField(
            model_name="checkout",
            name="refund_ref",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="checkout",
            name="refunded_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="checkout",
            name="refund_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
