"""Readers who already hold money get the currency of the wallet they used last, so that the rule "one currency
per reader" starts from what they did, not from the language of the page they happen to open next."""

from django.db import migrations
from django.db.models import Max


def from_last_wallet(apps, schema_editor):
    Account = apps.get_model("ledger", "Account")
    ReaderCurrency = apps.get_model("pricing", "ReaderCurrency")
    last: dict[int, tuple] = {}
    wallets = (Account.objects.filter(kind="wallet").annotate(last_transfer=Max("entries__transfer_id"))
               .values_list("owner_id", "currency", "last_transfer"))
    for owner_id, currency, last_transfer in wallets:
        if owner_id in last and (last[owner_id][1] or 0) >= (last_transfer or 0):
            continue
        last[owner_id] = (currency, last_transfer)
    ReaderCurrency.objects.bulk_create(
        [ReaderCurrency(reader_id=owner_id, currency=currency) for owner_id, (currency, _t) in last.items()],
        ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("pricing", "0001_initial"),
        ("ledger", "0001_initial"),
    ]

    operations = [migrations.RunPython(from_last_wallet, migrations.RunPython.noop)]
