"""Date formats that never break a line inside a date (settings.FORMAT_MODULE_PATH).

A date is one unit to read: "3 December 2026" joins its parts with no-break spaces, and
"2026年12月3日" puts a word joiner (U+2060) between each number and its character, since browsers
may otherwise break a line between "2026" and "年". The <time> element also has white-space: nowrap
(byline.css), but these reach every date, including those inside translated sentences.
"""
