"""Staff see collections and what was bought of them; money is changed only through the services."""

from django.contrib import admin

from byline.collections.models import Collection, CollectionItem, CollectionPurchase


class ItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ("article", "position", "added_at", "removed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("title", "author", "price_minor", "currency", "includes_later", "created_at")
    search_fields = ("title", "slug")
    readonly_fields = ("author",)
    inlines = [ItemInline]


@admin.register(CollectionPurchase)
class CollectionPurchaseAdmin(admin.ModelAdmin):
    list_display = ("reader", "collection", "price_minor", "credit_minor", "paid_minor", "currency", "status",
                    "created_at")
    list_filter = ("status", "currency")
    readonly_fields = [field.name for field in CollectionPurchase._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
