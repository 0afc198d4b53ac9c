# ruff: noqa: E501
ZH = {
    "E-mail": "电子邮件",
    "All mail": "全部邮件",
    "Headers": "邮件头",
    "Formatted part": "排版部分",
    "Open the formatted part on its own": "单独打开排版部分",
    "Plain-text part": "纯文本部分",
    "Mail sent by the site": "本站发出的邮件",
    "Every e-mail is written to %(folder)s instead of being sent (the demo's mail backend). Newest first.": "每封邮件都写入 %(folder)s，而不是真正发出（演示模式的邮件后端）。最新的在前。",
    "Messages": "邮件",
    "Subject": "主题",
    "To": "收件人",
    "Date": "日期",
    "No mail yet.": "还没有邮件。",
}
