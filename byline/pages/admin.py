"""The admin's "preview as an anonymous reader": the articles admin (articles/admin.py) with the one view
that renders the reading page, added here because the page sits on top of the apps it is made from."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from byline.access.decision import decide
from byline.articles import admin as articles_admin
from byline.articles.models import Article
from byline.articles.presentation import article_page_context


class ArticleAdmin(articles_admin.ArticleAdmin):
    def get_urls(self):
        extra = [
            path(
                "<int:pk>/anonymous-preview/",
                self.admin_site.admin_view(self.anonymous_preview),
                name="articles_article_anonymous_preview",
            )
        ]
        return extra + super().get_urls()

    def anonymous_preview(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The article exactly as a signed-out reader would get it, whatever its status."""
        article = self.get_queryset(request).filter(pk=pk).first()
        if article is None:
            raise Http404
        access = decide(AnonymousUser(), article)
        context = {**article_page_context(article, access, request), "anonymous_preview": True}
        return render(request, "articles/article.html", context)


# Registered by articles/admin.py without the preview (admin modules load in INSTALLED_APPS order, pages last).
admin.site.unregister(Article)
admin.site.register(Article, ArticleAdmin)
