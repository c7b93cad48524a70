"""What the MCP tools share: settings, the hub database, keys, the audit log and the browsers."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from testhub.config import HubSettings
from testhub.mcp.audit import AuditLog
from testhub.mcp.browser import BrowserPool
from testhub.mcp.keys.store import KeyStore
from testhub.mcp.scopes import Scope, parse_scopes
from testhub.mcp.shop_client import ShopClient, StaffCredentials
from testhub.store.database import HubDatabase


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


@dataclass
class McpRuntime:
    settings: HubSettings
    database: HubDatabase
    browsers: BrowserPool
    keys: KeyStore = field(init=False)
    audit: AuditLog = field(init=False)
    local_scopes: frozenset[Scope] = field(init=False)

    def __post_init__(self) -> None:
        self.keys = KeyStore(self.database)
        self.audit = AuditLog(self.database)
        self.local_scopes = parse_scopes(self.settings.mcp_local_scopes)

    @classmethod
    def from_settings(cls, settings: HubSettings) -> McpRuntime:
        return cls(
            settings=settings,
            database=HubDatabase(settings.database_url),
            browsers=BrowserPool(settings),
        )

    def base_url(self, override: str | None) -> str:
        url = (override or self.settings.base_url).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {url!r}")
        return url

    def shop(self, base_url: str) -> ShopClient:
        return ShopClient(
            base_url,
            staff=StaffCredentials(
                email=self.settings.staff_email,
                password=self.settings.secret("staff_password") or "",
            ),
            timeout=self.settings.navigation_timeout_ms / 1000,
        )

    def is_known_shop(self, url: str) -> bool:
        """Whether a remote caller may point tools at this URL: the configured shop, or a host
        listed as a test or production shop (the hub must not fetch arbitrary addresses for a
        caller on the network)."""
        configured = urlsplit(self.settings.base_url)
        target = urlsplit(url)
        if (target.hostname, target.port) == (configured.hostname, configured.port):
            return True
        listed = {host.lower() for host in [*self.test_hosts, *self.production_hosts]}
        return (target.hostname or "").lower() in listed

    @property
    def production_hosts(self) -> list[str]:
        return split_list(self.settings.mcp_production_hosts)

    @property
    def test_hosts(self) -> list[str]:
        return split_list(self.settings.mcp_test_hosts)

    async def aclose(self) -> None:
        await self.browsers.aclose()
        await self.database.dispose()
