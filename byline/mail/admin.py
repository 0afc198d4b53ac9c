"""Staff see the receipts still waiting (`models.ReceiptDue`): a row with tries and a later "next try" is a mail
server that refused it. Read-only: the sender alone takes and deletes rows."""

from django.contrib import admin

from byline.core.admin import RecordAdmin
from byline.mail.models import ReceiptDue


@admin.register(ReceiptDue)
class ReceiptDueAdmin(RecordAdmin):
    list_display = ("purchase_id", "created_at", "attempts", "not_before", "language")
    list_filter = ("attempts",)
    ordering = ("not_before",)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # and no actions either: only the sender changes a row
