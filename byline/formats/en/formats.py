# "3 December 2026": day, month, year, held together by no-break spaces (see byline/formats/__init__.py).
DATE_FORMAT = "j\u00a0F\u00a0Y"
DATETIME_FORMAT = "j\u00a0F\u00a0Y, H:i"
SHORT_DATE_FORMAT = "j\u00a0M\u00a0Y"
SHORT_DATETIME_FORMAT = "j\u00a0M\u00a0Y, H:i"
MONTH_DAY_FORMAT = "j\u00a0F"
YEAR_MONTH_FORMAT = "F\u00a0Y"
TIME_FORMAT = "H:i"
