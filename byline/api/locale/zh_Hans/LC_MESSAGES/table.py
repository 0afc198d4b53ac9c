"""Chinese wording for the API app's catalogue (filled into django.po by `make messages`)."""

ZH = {
    "Content API and feeds": "内容 API 与订阅源",
    "Byline: latest articles": "Byline：最新文章",
    "The newest articles on Byline, with their free previews.": "Byline 上的最新文章及其免费试读部分。",
    "Byline: %(topic)s": "Byline：%(topic)s",
    "New articles in %(topic)s, with their free previews.": "“%(topic)s”主题下的新文章及其免费试读部分。",
    "Byline: articles by %(author)s": "Byline：%(author)s 的文章",
    "New articles by %(author)s, with their free previews.": "%(author)s 的新文章及其免费试读部分。",
    "Byline: your private feed": "Byline：您的私人订阅源",
    "Full text of the articles you can read; keep this address to yourself.":
        "您可阅读的文章全文；请勿将此地址告诉他人。",
    "Token name": "令牌名称",
    "So you recognise it later, e.g. “feed reader on my phone”.": "便于日后辨认，例如“手机上的阅读器”。",
    "name": "名称",
    "API token": "API 令牌",
    "API tokens": "API 令牌",
    "private feed key": "私人订阅密钥",
    "private feed keys": "私人订阅密钥",
    "API access and private feed": "API 访问与私人订阅",
    "Your private feed": "您的私人订阅源",
    "A feed for your feed reader with the full text of the articles you can read. Anyone with its address can "
    "read them: keep it to yourself.":
        "供阅读器使用的订阅源，包含您可阅读文章的全文。任何拿到此地址的人都能读到这些内容，请妥善保管。",
    "Your new private feed address (shown only now; copy it into your feed reader):":
        "您的新私人订阅地址（仅显示这一次，请复制到您的阅读器中）：",
    "Private feed address": "私人订阅地址",
    "You have a private feed address. If you lost it or shared it by mistake, make a new one: the old address "
    "stops working.":
        "您已有一个私人订阅地址。如果遗失或误传给他人，请生成新地址，旧地址将立即失效。",
    "Make a new address": "生成新地址",
    "Create my private feed": "创建我的私人订阅源",
    "Turn off my private feed": "关闭我的私人订阅源",
    "Personal API tokens": "个人 API 令牌",
    "Apps and scripts use a token to reach the Content API as you, doing only what you allowed when you made it "
    "(see <a href=\"%(docs)s\">the API documentation</a>). Send it as “Authorization: Bearer” followed by the "
    "token.":
        "应用和脚本可以凭令牌以您的身份使用内容 API，但只能做您创建令牌时允许的事"
        "（参见<a href=\"%(docs)s\">API 文档</a>）。发送方式为“Authorization: Bearer”后接令牌。",
    "Your new token (shown only now; copy it somewhere safe):": "您的新令牌（仅显示这一次，请复制并妥善保存）：",
    "New API token": "新的 API 令牌",
    "Your tokens": "您的令牌",
    "Name": "名称",
    "Starts with": "开头为",
    "Created": "创建时间",
    "Last used": "最近使用",
    "State": "状态",
    "Never": "从未使用",
    "Revoke “%(name)s”": "撤销“%(name)s”",
    "Revoked": "已撤销",
    "Create a token": "创建令牌",
    "You have too many active tokens. Revoke one first.": "您的有效令牌太多了，请先撤销一个。",
    "The token is revoked; it no longer works.": "令牌已撤销，不再有效。",
    "Your private feed address no longer works.": "您的私人订阅地址已失效。",
    "scopes": "权限范围",
    "Read articles, topics, authors and search, with free previews": "阅读文章、话题、作者和搜索结果（仅免费试读部分）",
    "Read the full text of the articles you have access to": "阅读您有权阅读的文章全文",
    "Write your articles: list your own, create drafts, change, price and publish them":
        "撰写您的文章：列出自己的文章，创建草稿，修改、定价和发布",
    "Write comments and replies as you": "以您的名义发表留言和回复",
    "What this token may do": "这个令牌可以做什么",
    "Choose only what the app needs: a token can never do more than this, and you cannot widen it later.":
        "只选择应用需要的权限：令牌永远不能超出这里的范围，之后也不能扩大。",
    "Choose at least one thing this token may do.": "请至少选择一项这个令牌可以做的事。",
    "Allowed": "允许的操作",
    "Byline: the collection %(title)s": "Byline：合集《%(title)s》",
    "The parts of the collection %(title)s, with their free previews.": "合集《%(title)s》的各篇文章及其免费预览。",
}
