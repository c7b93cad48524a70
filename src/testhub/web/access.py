"""Who may see the dashboard.

`authorize` guards every page and /metrics (not the probes). It asks the app's access policy,
`app.state.access_policy`. The default, `loopback_development`, opens the dashboard only in
development, bound to loopback, to a loopback client; everything else is refused, because there is
no key to check. When the API-key check of testhub.mcp is installed in front of the app, it
decides, and the policy becomes `checked_in_front` (see `create_hub_app`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from testhub.config import HubSettings, is_loopback_host

AccessPolicy = Callable[[Request], Awaitable[bool]]

REFUSAL = (
    "The testing hub dashboard is open only in development on loopback (127.0.0.1). "
    "Elsewhere it needs an API key: create one with `testhub keys create --name NAME "
    "--scopes read` and send it as a bearer token."
)


def loopback_development(settings: HubSettings) -> AccessPolicy:
    async def policy(request: Request) -> bool:
        client = request.client.host if request.client else None
        return (
            settings.env == "development"
            and is_loopback_host(settings.host)
            and client is not None
            and is_loopback_host(client)
        )

    return policy


async def checked_in_front(_: Request) -> bool:
    """The key middleware in front of the app already refused what it had to."""
    return True


async def authorize(request: Request) -> None:
    """FastAPI dependency: 403 unless the app's access policy lets the request in."""
    policy: AccessPolicy = request.app.state.access_policy
    if not await policy(request):
        raise HTTPException(status_code=403, detail=REFUSAL)
