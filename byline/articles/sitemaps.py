from django.contrib.sitemaps import Sitemap

from byline.articles.models import Article, Author, Topic


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    i18n = True
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "updated_at", "published_at").order_by("-published_at")

    def lastmod(self, item: Article):
        return item.updated_at


class TopicSitemap(Sitemap):
    changefreq = "daily"
    i18n = True

    def items(self):
        return Topic.objects.order_by("slug")


class AuthorSitemap(Sitemap):
    changefreq = "weekly"
    i18n = True

    def items(self):
        return Author.objects.order_by("slug")


SITEMAPS = {"articles": ArticleSitemap, "topics": TopicSitemap, "authors": AuthorSitemap}
