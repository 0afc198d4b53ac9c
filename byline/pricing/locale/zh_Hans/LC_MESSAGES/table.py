# ruff: noqa: E501
ZH = {
    "Currencies and prices": "币种与价格",
    "US dollar (USD)": "美元（USD）",
    "Euro (EUR)": "欧元（EUR）",
    "Chinese yuan (CNY)": "人民币（CNY）",
    "Pound sterling (GBP)": "英镑（GBP）",
    "Japanese yen (JPY)": "日元（JPY）",
    "reader": "读者",
    "currency": "币种",
    "chosen at": "选择时间",
    "reader's currency": "读者币种",
    "readers' currencies": "读者币种",
    "Prices are not offered in %(currency)s.": "本站不提供以 %(currency)s 计价。",
}
