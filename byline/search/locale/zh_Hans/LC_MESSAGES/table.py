"""Chinese wording for the search app's catalogue (filled into django.po by `make messages`)."""

ZH = {
    "Search": "搜索",
    "Indexed %(count)d articles.": "已为 %(count)d 篇文章建立索引。",
    "Search: %(query)s": "搜索：%(query)s",
    "Search titles, topics, authors and text": "搜索标题、主题、作者和正文",
    "%(counter)s result for “%(query)s”": ["“%(query)s”共有 %(counter)s 条结果"],
    "Free": "免费",
    "Unlocked": "已解锁",
    "Members": "会员",
    "Result pages": "结果分页",
    "Previous page": "上一页",
    "Page %(page)s": "第 %(page)s 页",
    "Next page": "下一页",
    "Nothing found for “%(query)s”.": "没有找到与“%(query)s”相关的内容。",
    "Please wait a moment": "请稍候",
    "You have searched many times in a short while. Please try again in %(seconds)s second.": [
        "您在短时间内搜索了很多次。请在 %(seconds)s 秒后再试。"],
    "Also found": "还找到",
}
