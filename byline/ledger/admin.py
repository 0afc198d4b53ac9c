"""Read-only views of the ledger in the admin: money moves only through services."""

from django.contrib import admin

from byline.ledger.models import Account, Entry, Transfer


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "owner", "currency", "balance")
    list_filter = ("kind", "currency")
    search_fields = ("owner__username",)


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount")
    readonly_fields = fields
    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "currency", "key", "reverses", "created_at")
    list_filter = ("kind", "currency")
    search_fields = ("key", "memo")
    inlines = [EntryInline]
