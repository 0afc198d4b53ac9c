"""BYLINE_LOG_FORMAT=json writes one JSON object per log line."""

import json
import logging

from django.test import RequestFactory

from byline.ops.jsonlog import JsonFormatter


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    rec = logging.LogRecord("byline.test", logging.WARNING, __file__, 1, message, args, exc_info)
    for name, value in extra.items():
        setattr(rec, name, value)
    return rec


def test_a_log_line_is_one_json_object_with_level_logger_and_message():
    line = JsonFormatter().format(record("paid %s", "300"))
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "WARNING" and data["logger"] == "byline.test" and data["message"] == "paid 300"
    assert data["ts"].endswith("+00:00")


def test_extra_fields_are_kept_and_requests_are_reduced_to_method_and_path():
    request = RequestFactory().get("/en/articles/x/", HTTP_COOKIE="sessionid=secret-session")
    data = json.loads(JsonFormatter().format(record("slow", request=request, status_code=503, took_ms=12.5)))
    assert data["method"] == "GET" and data["path"] == "/en/articles/x/"
    assert data["status_code"] == 503 and data["took_ms"] == 12.5
    assert "secret-session" not in json.dumps(data)


def test_an_exception_is_written_as_one_field():
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        line = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "RuntimeError: boom" in json.loads(line)["exc"]
