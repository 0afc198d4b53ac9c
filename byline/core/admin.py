"""Admin building blocks shared by the apps."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """Records that only services write (checkouts, purchases): every field read-only, never added or
    deleted by hand; staff act on them through admin actions that call those services."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
