"""The client's address: REMOTE_ADDR, or behind a trusted proxy the right-most address it did not add."""

import pytest
from django.test import RequestFactory, override_settings

from byline.core.addresses import client_address, client_bucket

PROXIED = {"BEHIND_PROXY": True, "TRUSTED_PROXIES": ["127.0.0.1/32", "::1/128", "10.0.0.0/8"]}


def request(remote: str = "127.0.0.1", forwarded: str | None = None, real_ip: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    if real_ip is not None:
        meta["HTTP_X_REAL_IP"] = real_ip
    return RequestFactory().get("/", **meta)


def test_without_a_proxy_forwarded_headers_are_never_believed():
    assert client_address(request("203.0.113.5", "198.51.100.7", "198.51.100.8")) == "203.0.113.5"


@override_settings(**PROXIED)
def test_behind_a_trusted_proxy_the_right_most_address_it_did_not_add_is_the_client():
    assert client_address(request("127.0.0.1", "6.6.6.6, 198.51.100.7")) == "198.51.100.7"
    assert client_address(request("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9")) == "198.51.100.7"


@override_settings(**PROXIED)
def test_a_client_cannot_speak_for_the_proxy_from_an_untrusted_hop():
    assert client_address(request("203.0.113.9", "198.51.100.7", "198.51.100.8")) == "203.0.113.9"


@override_settings(**PROXIED)
def test_x_real_ip_serves_when_the_proxy_sends_no_forwarded_for():
    assert client_address(request("127.0.0.1", real_ip="198.51.100.8")) == "198.51.100.8"


@override_settings(**PROXIED)
def test_what_does_not_parse_is_passed_over_and_a_client_on_the_proxy_itself_is_itself():
    assert client_address(request("127.0.0.1", "garbage, 198.51.100.7:80, 198.51.100.6")) == "198.51.100.6"
    assert client_address(request("127.0.0.1", "127.0.0.1")) == "127.0.0.1"
    assert client_address(request("127.0.0.1", "")) == "127.0.0.1"


@pytest.mark.parametrize("address, bucket", [("198.51.100.7", "198.51.100.7"),
                                             ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
                                             ("::ffff:198.51.100.7", "198.51.100.7")])
def test_limits_count_an_ipv6_client_by_its_64_and_an_ipv4_client_by_its_address(address, bucket):
    assert client_bucket(request(address)) == bucket
