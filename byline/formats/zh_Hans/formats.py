# "2026年12月3日", each number joined to its character by a word joiner (see byline/formats/__init__.py).
_JOIN = "\u2060"
DATE_FORMAT = _JOIN.join("Y年n月j日")
DATETIME_FORMAT = DATE_FORMAT + " H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = _JOIN.join("n月j日")
YEAR_MONTH_FORMAT = _JOIN.join("Y年n月")
TIME_FORMAT = "H:i"
