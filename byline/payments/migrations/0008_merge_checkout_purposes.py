# Joins the checkout purposes added side by side: author subscriptions, collections, paid gifts and card tips.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0007_checkout_author_price'),
        ('payments', '0007_checkout_for_a_collection'),
        ('payments', '0007_checkout_gift'),
        ('payments', '0007_checkout_tip_message_and_anonymous'),
    ]

    operations = [
    ]
