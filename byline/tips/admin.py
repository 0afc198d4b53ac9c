from django.contrib import admin

from byline.core.admin import RecordAdmin
from byline.tips.models import Tip, TipSettings


@admin.register(Tip)
class TipAdmin(RecordAdmin):
    list_display = ("pk", "article", "tipper", "amount_minor", "currency", "status", "anonymous", "created_at")
    list_filter = ("status", "currency")


admin.site.register(TipSettings)
