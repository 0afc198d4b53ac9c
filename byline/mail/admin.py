"""Staff see the receipts still waiting (`models.ReceiptDue`): a row with tries and a later "next try" is a mail
server that refused it. Read-only: the sender alone takes and deletes rows."""

from django.contrib import admin

from byline.mail.models import ReceiptDue


@admin.register(ReceiptDue)
class ReceiptDueAdmin(admin.ModelAdmin):
    list_display = ("purchase_id", "created_at", "attempts", "not_before", "language")
    list_filter = ("attempts",)
    ordering = ("not_before",)
    readonly_fields = list_display

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
