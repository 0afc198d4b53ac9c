"""Staff: comments (hide, remove, feature from the list), reports to look at, blocks, settings."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from byline.comments import services
from byline.comments.models import DEFAULT_POLICY, ArticleCommentPolicy, AuthorCommentSettings, Block, Comment, Report


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("pk", "article", "reader", "status", "featured", "pinned", "created_at")
    list_filter = ("status", "featured", "pinned")
    search_fields = ("body_markdown", "reader__username", "article__title")
    raw_id_fields = ("article", "reader", "parent")
    readonly_fields = ("article", "reader", "parent", "body_markdown", "status", "featured", "pinned", "created_at",
                       "edited_at")
    actions = ("hide", "remove")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # remove through the action, which moves the article's parts generation on

    def _act(self, request, queryset, action):
        for comment in queryset:
            services.moderate(moderator=request.user, comment_id=comment.pk, action=action)
        messages.success(request, _("Done."))

    @admin.action(description=_("Hide the selected comments"))
    def hide(self, request, queryset):
        self._act(request, queryset, services.Action.HIDE)

    @admin.action(description=_("Remove the selected comments"))
    def remove(self, request, queryset):
        self._act(request, queryset, services.Action.REMOVE)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("comment", "reporter", "reason", "created_at", "resolved")
    list_filter = ("resolved",)
    raw_id_fields = ("comment", "reporter")


admin.site.register(Block, raw_id_fields=("author", "reader"))


@admin.register(AuthorCommentSettings)
class AuthorCommentSettingsAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        services.set_default_policy(author=obj.author, policy=obj.default_policy, approve_first=obj.approve_first)

    def delete_model(self, request, obj):
        obj.delete()
        services.set_default_policy(author=obj.author, policy=DEFAULT_POLICY)


@admin.register(ArticleCommentPolicy)
class ArticleCommentPolicyAdmin(admin.ModelAdmin):
    raw_id_fields = ("article",)

    def save_model(self, request, obj, form, change):
        services.set_article_policy(article=obj.article, policy=obj.policy)

    def delete_model(self, request, obj):
        services.set_article_policy(article=obj.article, policy=None)
