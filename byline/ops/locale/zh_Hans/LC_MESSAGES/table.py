# Chinese (Simplified) wording for byline.ops; applied with scripts/fill_translations.py.
ZH = {
    "Operations": "运维",
    "Briefly unavailable": "暂时无法访问",
    "Byline is briefly unavailable": "Byline 暂时无法访问",
    "We could not finish your request. Nothing was charged twice: please try again in %(seconds)s second.": [
        "我们没能完成您的请求，不会重复扣款。请在 %(seconds)s 秒后重试。",
    ],
    "Go to the home page": "返回首页",
}
