# Chinese (Simplified) wording for the recommendations app; applied with scripts/fill_translations.py.
ZH = {
    "Recommendations": "推荐",
    "related article": "相关文章",
    "related articles": "相关文章",
    "Viewed": "已浏览",
    "Read to the end": "已读完",
    "Bought": "已购买",
    "reading event": "阅读记录",
    "reading events": "阅读记录",
    "Unlocked": "已解锁",
    "Free": "免费",
    "Members": "会员",
    "Recommended for you": "为您推荐",
    "Sign in to keep a reading history.": "登录后才会保存阅读记录。",
    "There is no such article.": "没有这篇文章。",
    "Only readers of the whole article can finish it.": "只有能阅读全文的读者才能记为读完。",
}
