# ruff: noqa: E501
ZH = {
    "Tips": "赞赏",
}
