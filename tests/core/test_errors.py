"""Errors reach the reader as plain pages: no stack trace, no internal detail."""

import pytest
from django.test import Client


@pytest.mark.urls("tests.core.boom_urls")
def test_server_error_shows_the_friendly_page_without_details(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    content = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in content and "我们这边出了点问题" in content
    assert "secret internal detail" not in content and "Traceback" not in content
