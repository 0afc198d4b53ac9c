"""Staff: payouts and payout methods, read-only (services write them); the work itself is on the operator page,
/<lang>/payouts/staff/, and the export."""

from django.contrib import admin

from byline.core.admin import RecordAdmin
from byline.payouts.models import Payout, PayoutMethod, PayoutNotice


@admin.register(Payout)
class PayoutAdmin(RecordAdmin):
    list_display = ("reference", "writer", "provider", "amount_minor", "currency", "status", "trigger", "created_at",
                    "paid_at")
    list_filter = ("status", "provider", "currency", "trigger")
    search_fields = ("reference", "provider_ref", "writer__username")
    list_select_related = ("writer",)


@admin.register(PayoutMethod)
class PayoutMethodAdmin(RecordAdmin):
    list_display = ("writer", "currency", "provider", "status", "schedule", "updated_at")
    list_filter = ("provider", "status", "currency", "schedule")
    search_fields = ("writer__username", "account_ref")


@admin.register(PayoutNotice)
class PayoutNoticeAdmin(RecordAdmin):
    list_display = ("provider", "event_id", "payout", "outcome", "received_at")
    list_filter = ("provider",)
    search_fields = ("event_id",)
