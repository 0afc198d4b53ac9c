from django.contrib import admin

from byline.core.admin import RecordAdmin
from byline.tips.models import Tip, TipSettings
from byline.tips.services import set_accepts_tips


@admin.register(Tip)
class TipAdmin(RecordAdmin):
    list_display = ("pk", "article", "tipper", "amount_minor", "currency", "status", "anonymous", "created_at")
    list_filter = ("status", "currency")


@admin.register(TipSettings)
class TipSettingsAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        set_accepts_tips(author=obj.author, accepts=obj.accepts_tips)
