"""Destructive tools refuse a production shop unless production use is explicitly allowed.

A base URL counts as production when its host is listed as such, or when it is a public host that
is not listed as a test host: an unknown public shop is treated as production (fail safe)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

_TEST_SUFFIXES = (".localhost", ".test", ".local", ".internal", ".example", ".invalid")


class ProductionRefused(PermissionError):
    pass


def _host(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if not host:
        raise ValueError(f"{base_url!r} is not an absolute http(s) URL")
    return host.lower()


def is_production(
    base_url: str, *, production_hosts: Iterable[str] = (), test_hosts: Iterable[str] = ()
) -> bool:
    host = _host(base_url)
    if host in {name.lower() for name in production_hosts}:
        return True
    if host in {name.lower() for name in test_hosts}:
        return False
    if host == "localhost" or host.endswith(_TEST_SUFFIXES):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True
    return not (address.is_loopback or address.is_private or address.is_link_local)


def refuse_production(
    base_url: str,
    *,
    tool: str,
    allow_production: bool,
    production_hosts: Iterable[str] = (),
    test_hosts: Iterable[str] = (),
) -> None:
    if allow_production:
        return
    if is_production(base_url, production_hosts=production_hosts, test_hosts=test_hosts):
        raise ProductionRefused(
            f"{tool} changes data and {base_url} looks like a production shop; it runs only "
            "against test shops (loopback, private addresses, TESTHUB_MCP_TEST_HOSTS) unless "
            "TESTHUB_MCP_ALLOW_PRODUCTION=true"
        )
